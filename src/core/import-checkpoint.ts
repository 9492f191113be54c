/**
 * How far an import of one file has come, committed by the store in the same transaction as
 * the flows it covers: after a crash the next import resumes exactly there, and a file already
 * imported is not stored twice.
 *
 * Position: `offsetBytes` is where the next unit (a line, or a JSON value) starts in the
 * file's decoded (decompressed) byte stream. A unit never straddles two batches (a batch may
 * grow past its nominal size to finish one), so every row before the offset is stored and none
 * after it. `line` is the 1-based number of the line at `offsetBytes`.
 */
export interface ImportCheckpoint {
  /** Identity of the file: its resolved path. */
  fileKey: string;
  /** SHA-256 (hex) of the file's first `headBytes` raw bytes: detects a replaced file. */
  headSha256: string;
  headBytes: number;
  /** Raw size when the checkpoint was taken. */
  sizeBytes: number;
  /** Modification time when the checkpoint was taken, epoch ms. */
  mtimeMs: number;
  /** Format the file was read as (e.g. `aws-vpc`), for `tollgate import` summaries. */
  format: string;
  offsetBytes: number;
  line: number;
  /** Rows stored from this file so far, this checkpoint's batch included. */
  records: number;
  /** The whole file is stored (up to `offsetBytes`, its end). */
  complete: boolean;
}
