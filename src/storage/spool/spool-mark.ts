import type { ImportCheckpoint } from "../../core/index.ts";

/**
 * The spool's progress as the store records it: an import checkpoint named `spool:<spool id>`
 * whose `offsetBytes` is the sequence number of the last batch this spool had committed.
 * Every append through the spooling store carries it, so the store commits it together with the
 * batch's rows (DuckDB: one transaction; ClickHouse: right after the rows, see
 * docs/35-spool.md). Appends through one spool are strictly in sequence order, so every spooled
 * batch at or below the mark is stored: after a crash between "committed" and "file deleted",
 * the file is deleted instead of stored twice.
 *
 * One row per spool directory, rewritten by each batch (the store keeps one checkpoint per
 * `fileKey`), so the imports table does not grow with traffic.
 */
export const SPOOL_MARK_PREFIX = "spool:";

export function spoolMarkKey(spoolId: string): string {
  return `${SPOOL_MARK_PREFIX}${spoolId}`;
}

export function spoolMark(spoolId: string, seq: number, nowMs: number): ImportCheckpoint {
  return {
    fileKey: spoolMarkKey(spoolId),
    headSha256: "",
    headBytes: 0,
    sizeBytes: 0,
    mtimeMs: nowMs,
    format: "spool",
    offsetBytes: seq,
    line: 0,
    records: 0,
    complete: false,
  };
}

/** The committed sequence number in `checkpoints` for this spool, 0 when none. */
export function committedSeqOf(checkpoints: readonly ImportCheckpoint[], spoolId: string): number {
  const key = spoolMarkKey(spoolId);
  return checkpoints.find((checkpoint) => checkpoint.fileKey === key)?.offsetBytes ?? 0;
}
