import { randomBytes } from "node:crypto";
import { asNamesTableSql, type Tables } from "./schema.ts";

/** What replacing the names needs of one server. */
export interface AsNamesNode {
  exec(sql: string): Promise<void>;
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>;
}

/**
 * Replaces `as_names` on one server with `names`, so that a query reads the old names or the
 * new ones, never an empty or half-filled table. 18.16 has no EXCHANGE TABLES nor
 * transactions: the rows go into a staging table, then one `RENAME TABLE as_names TO old,
 * staging TO as_names` swaps them (ClickHouse renames every pair of one statement under its
 * global lock), and the old table is dropped. The staging name is random so that two
 * processes (`serve` and an `import`) replacing the names of one database do not collide;
 * the last swap wins, and both hold the same registry's names.
 */
export async function replaceAsNames(
  node: AsNamesNode,
  tables: Tables,
  names: ReadonlyMap<number, string>,
): Promise<void> {
  const suffix = randomBytes(4).toString("hex");
  const staging = `${tables.database}.as_names_next_${suffix}`;
  const retired = `${tables.database}.as_names_old_${suffix}`;
  await node.exec(asNamesTableSql(staging));
  try {
    const rows = [...names].map(([asn, name]) => ({ asn, name }));
    // JSONEachRow in slices: one request body of 80k rows is a few MB.
    for (let start = 0; start < rows.length; start += 50_000) {
      await node.insert(staging, rows.slice(start, start + 50_000));
    }
    await node.exec(
      `RENAME TABLE ${tables.asNames} TO ${retired}, ${staging} TO ${tables.asNames}`,
    );
  } catch (cause) {
    await node.exec(`DROP TABLE IF EXISTS ${staging}`).catch(() => undefined);
    throw cause;
  }
  await node.exec(`DROP TABLE IF EXISTS ${retired}`);
}
