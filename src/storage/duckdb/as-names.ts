import type { DuckDBConnection } from "@duckdb/node-api";
import { withAppender } from "./appender.ts";
import { AS_NAMES_TABLE } from "./schema.ts";

/**
 * Replaces the `as_names` table with `names` (the ASN registry's number → name map, about 80k
 * entries) in one transaction, so a query reads the old names or the new ones, never an
 * empty or half-filled table. The appender writes the rows in bulk: one INSERT per row took
 * seconds for a full registry.
 */
export async function replaceAsNames(
  connection: DuckDBConnection,
  names: ReadonlyMap<number, string>,
): Promise<void> {
  await connection.run("BEGIN TRANSACTION");
  try {
    await connection.run(`DELETE FROM ${AS_NAMES_TABLE}`);
    await withAppender(connection, AS_NAMES_TABLE, (appender) => {
      for (const [asn, name] of names) {
        appender.appendUInteger(asn >>> 0);
        appender.appendVarchar(name);
        appender.endRow();
      }
    });
    await connection.run("COMMIT");
  } catch (cause) {
    await connection.run("ROLLBACK").catch(() => undefined);
    throw cause;
  }
}
