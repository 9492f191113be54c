import type { DuckDBConnection } from "@duckdb/node-api";
import type { ImportCheckpoint } from "../../core/index.ts";
import { IMPORT_COLUMNS, IMPORTS_TABLE } from "./schema.ts";

/**
 * Import progress rows (one per file). Written inside the transaction that appends the batch
 * they cover: the flows and the position that says they are stored commit together, which is
 * what makes an import killed at any instant resume without losing or repeating a row.
 */
export async function writeCheckpoints(
  connection: DuckDBConnection,
  checkpoints: readonly ImportCheckpoint[],
): Promise<void> {
  for (const checkpoint of checkpoints) {
    // Delete-then-insert rather than a primary key upsert: DuckDB checks index constraints
    // eagerly, and rewriting a key more than once per transaction is where that bites.
    await connection.run(`DELETE FROM ${IMPORTS_TABLE} WHERE file_key = $file_key`, {
      file_key: checkpoint.fileKey,
    });
    const values: Record<string, string | number | bigint | boolean> = {};
    for (const [name, , field] of IMPORT_COLUMNS) {
      const value = checkpoint[field];
      values[name] = typeof value === "number" && name !== "mtime_ms" ? BigInt(value) : value;
    }
    await connection.run(
      `INSERT INTO ${IMPORTS_TABLE} (${IMPORT_COLUMNS.map(([name]) => name).join(", ")})
       VALUES (${IMPORT_COLUMNS.map(([name]) => `$${name}`).join(", ")})`,
      values,
    );
  }
}

export async function readCheckpoints(connection: DuckDBConnection): Promise<ImportCheckpoint[]> {
  const reader = await connection.runAndReadAll(
    `SELECT ${IMPORT_COLUMNS.map(([name]) => name).join(", ")} FROM ${IMPORTS_TABLE}`,
  );
  return reader.getRows().map((row) => {
    const checkpoint: Record<string, unknown> = {};
    IMPORT_COLUMNS.forEach(([, type, field], index) => {
      const value = row[index];
      checkpoint[field] =
        typeof value === "bigint"
          ? Number(value)
          : type.startsWith("VARCHAR")
            ? String(value)
            : value;
    });
    return checkpoint as unknown as ImportCheckpoint;
  });
}
