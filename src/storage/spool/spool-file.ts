import { crc32 } from "node:zlib";
import {
  ADDRESS_COLUMNS,
  FlowBatch,
  SCALAR_COLUMNS,
  type CloudContext,
  type FlowBatchColumns,
  type ImportCheckpoint,
} from "../../core/index.ts";
import type { NetworkRef } from "../store.ts";

/**
 * One spooled batch as one file: everything `FlowStore.append` needs to replay it (the batch's
 * columns as `toColumns()` gives them, its extra fields, cloud contexts and import checkpoints,
 * and the network list its network indexes refer to).
 *
 * Layout (little-endian):
 *
 * | offset | size | field                                                     |
 * | ------ | ---- | --------------------------------------------------------- |
 * | 0      | 8    | magic `TGSPOOL\n`                                         |
 * | 8      | 4    | format version (1)                                        |
 * | 12     | 4    | length of the JSON header in bytes                        |
 * | 16     | 8    | sequence number (float64, an integer below 2^53)          |
 * | 24     | 4    | records (rows)                                            |
 * | 28     | 4    | CRC-32 of every byte from offset 32 to the end            |
 * | 32     | n    | JSON header: column names, types and byte lengths, extra… |
 * | 32+n   | …    | the columns' bytes, in header order, each 8-byte aligned  |
 *
 * The fixed 32 bytes let a directory scan learn a file's sequence and size in records without
 * reading the rest; the CRC is checked when the file is replayed, so a torn or bit-flipped file
 * is quarantined instead of stored (the rename that publishes a file is atomic, but a disk can
 * still return garbage: the CRC is what says the bytes are the ones written).
 */
export const SPOOL_FILE_MAGIC = "TGSPOOL\n";
export const SPOOL_FILE_VERSION = 1;
export const SPOOL_FILE_FIXED_BYTES = 32;

const COLUMN_TYPES = {
  Float64Array,
  Uint32Array,
  Uint16Array,
  Uint8Array,
} as const;
type ColumnType = keyof typeof COLUMN_TYPES;

interface SpoolHeader {
  createdMs: number;
  columns: { name: string; type: ColumnType; byteLength: number }[];
  extra: (string | null)[];
  clouds: CloudContext[];
  checkpoints: ImportCheckpoint[];
  networks: NetworkRef[];
}

/** A spool file that cannot be replayed: it is moved aside, never stored, never fatal. */
export class SpoolFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpoolFormatError";
  }
}

/** What the first 32 bytes say. */
export interface SpoolFileSummary {
  seq: number;
  records: number;
}

export interface SpoolFileContent extends SpoolFileSummary {
  createdMs: number;
  batch: FlowBatch;
  networks: NetworkRef[];
}

const align8 = (bytes: number): number => (bytes + 7) & ~7;

/** The file bytes of `batch` (read only; the batch is not kept). */
export function encodeSpoolFile(
  seq: number,
  batch: FlowBatch,
  networks: readonly NetworkRef[],
  createdMs: number,
): Buffer {
  const transport = batch.toColumns();
  const names = [...SCALAR_COLUMNS, ...ADDRESS_COLUMNS];
  const columns = names.map((name) => {
    const view = transport.columns[name];
    if (view === undefined) throw new Error(`flow batch lacks column ${name}`);
    return { name, view, type: view.constructor.name as ColumnType };
  });
  const header: SpoolHeader = {
    createdMs,
    columns: columns.map(({ name, view, type }) => ({ name, type, byteLength: view.byteLength })),
    // JSON has no holes: a row without extra fields is null.
    extra: transport.extra.map((value) => value ?? null),
    clouds: transport.clouds,
    checkpoints: transport.checkpoints,
    networks: [...networks],
  };
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const bodyStart = align8(SPOOL_FILE_FIXED_BYTES + headerBytes.length);
  const total = columns.reduce((at, { view }) => align8(at + view.byteLength), bodyStart);
  const file = Buffer.alloc(total);
  file.write(SPOOL_FILE_MAGIC, 0, "latin1");
  file.writeUInt32LE(SPOOL_FILE_VERSION, 8);
  file.writeUInt32LE(headerBytes.length, 12);
  file.writeDoubleLE(seq, 16);
  file.writeUInt32LE(transport.length, 24);
  headerBytes.copy(file, SPOOL_FILE_FIXED_BYTES);
  let at = bodyStart;
  for (const { view } of columns) {
    file.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), at);
    at = align8(at + view.byteLength);
  }
  file.writeUInt32LE(crc32(file.subarray(SPOOL_FILE_FIXED_BYTES)), 28);
  return file;
}

/** Reads the fixed part; throws SpoolFormatError when it is not a spool file of this version. */
export function readSpoolFileSummary(head: Uint8Array): SpoolFileSummary {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length < SPOOL_FILE_FIXED_BYTES) {
    throw new SpoolFormatError(`truncated: ${bytes.length} bytes, the fixed header is 32`);
  }
  if (bytes.toString("latin1", 0, 8) !== SPOOL_FILE_MAGIC) {
    throw new SpoolFormatError("not a spool file (bad magic)");
  }
  const version = bytes.readUInt32LE(8);
  if (version !== SPOOL_FILE_VERSION) {
    throw new SpoolFormatError(`format version ${version}, this Tollgate reads 1`);
  }
  const seq = bytes.readDoubleLE(16);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new SpoolFormatError(`bad sequence ${seq}`);
  return { seq, records: bytes.readUInt32LE(24) };
}

/** Decodes a whole file; throws SpoolFormatError on any damage (CRC, lengths, JSON, columns). */
export function decodeSpoolFile(file: Uint8Array): SpoolFileContent {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const summary = readSpoolFileSummary(bytes);
  const expectedCrc = bytes.readUInt32LE(28);
  if (crc32(bytes.subarray(SPOOL_FILE_FIXED_BYTES)) !== expectedCrc) {
    throw new SpoolFormatError("CRC-32 mismatch (torn or damaged file)");
  }
  const headerLength = bytes.readUInt32LE(12);
  if (SPOOL_FILE_FIXED_BYTES + headerLength > bytes.length) {
    throw new SpoolFormatError("header longer than the file");
  }
  let header: SpoolHeader;
  try {
    header = JSON.parse(
      bytes.toString("utf8", SPOOL_FILE_FIXED_BYTES, SPOOL_FILE_FIXED_BYTES + headerLength),
    ) as SpoolHeader;
  } catch (error) {
    throw new SpoolFormatError(`header is not JSON: ${(error as Error).message}`);
  }
  const columns: Record<string, ArrayBufferView> = {};
  let at = align8(SPOOL_FILE_FIXED_BYTES + headerLength);
  for (const { name, type, byteLength } of header.columns) {
    const make = COLUMN_TYPES[type] as (typeof COLUMN_TYPES)[ColumnType] | undefined;
    if (make === undefined || at + byteLength > bytes.length) {
      throw new SpoolFormatError(`column ${name} is damaged`);
    }
    // A copy with a buffer of its own: the batch adopts it (fromColumns), and typed arrays
    // need their element alignment, which a slice of the file buffer does not promise.
    const buffer = new ArrayBuffer(byteLength);
    new Uint8Array(buffer).set(bytes.subarray(at, at + byteLength));
    columns[name] = new make(buffer);
    at = align8(at + byteLength);
  }
  const transport: FlowBatchColumns = {
    length: summary.records,
    columns,
    extra: header.extra.map((value) => value ?? undefined),
    clouds: header.clouds,
    checkpoints: header.checkpoints,
  };
  let batch: FlowBatch;
  try {
    batch = FlowBatch.fromColumns(transport);
  } catch (error) {
    throw new SpoolFormatError((error as Error).message);
  }
  return { ...summary, createdMs: header.createdMs, batch, networks: header.networks };
}
