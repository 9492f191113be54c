import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";

/** Where an appender writes: a table, and its schema and catalog when not `main`'s. */
export interface AppendTarget {
  table: string;
  schema?: string;
  catalog?: string;
}

/**
 * Fills a new appender on `target` with `fill`, then closes it, which flushes its last rows.
 * When `fill` or the flush fails, the rows the appender still buffers are dropped and it is
 * closed before the error goes on: rows it had already flushed are the caller's transaction's
 * to roll back. An error while cleaning up is swallowed, since it would only hide the first.
 */
export async function withAppender(
  connection: DuckDBConnection,
  target: AppendTarget | string,
  fill: (appender: DuckDBAppender) => void,
): Promise<void> {
  const { table, schema, catalog } = typeof target === "string" ? { table: target } : target;
  const appender = await connection.createAppender(table, schema, catalog);
  try {
    fill(appender);
    appender.closeSync();
  } catch (error) {
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // The first error is the one worth reporting.
    }
    throw error;
  }
}
