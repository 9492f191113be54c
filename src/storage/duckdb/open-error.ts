import { AppError } from "../../core/index.ts";

/**
 * Turns DuckDB's error on opening a database file into an ERR_STORE_OPEN a user can act on.
 * The texts matched are DuckDB 1.5's (checked with @duckdb/node-api 1.5.6):
 * - `IO Error: Could not set lock on file "…": Conflicting lock is held in /usr/bin/node
 *   (PID 7457)` when another process has the file open for writing (or has it open at all,
 *   when we want to write);
 * - `IO Error: The file "…" exists, but it is not a valid DuckDB database file!`;
 * - `IO Error: Cannot open database "…" in read-only mode: database does not exist`.
 */
export function openError(path: string, readOnly: boolean, cause: unknown): AppError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (/Could not set lock on file/i.test(detail)) {
    const pid = /\(PID (\d+)\)/.exec(detail)?.[1];
    const holder = pid === undefined ? "another process" : `another process (pid ${pid})`;
    const advice = readOnly
      ? "query through that server's API (--server) instead, or stop it"
      : "stop the other Tollgate process or give this one its own data directory";
    return new AppError(
      "ERR_STORE_OPEN",
      `cannot open flow store ${path}: ${holder} holds it, most likely another Tollgate process; ${advice}`,
      { cause },
    );
  }
  if (/not a valid DuckDB database file/i.test(detail)) {
    return new AppError(
      "ERR_STORE_OPEN",
      `cannot open flow store ${path}: the file is not a DuckDB database; move it away or point the data directory elsewhere`,
      { cause },
    );
  }
  if (/database does not exist/i.test(detail)) {
    return new AppError(
      "ERR_STORE_OPEN",
      `cannot open flow store ${path}: no flow store exists there yet; start \`tollgate serve\` or import flows first`,
      { cause },
    );
  }
  return new AppError("ERR_STORE_OPEN", `cannot open flow store ${path}: ${detail}`, { cause });
}
