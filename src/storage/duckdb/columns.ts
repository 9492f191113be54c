import duckdb from "@duckdb/node-bindings";
import {
  DuckDBVector,
  type DuckDBAppender,
  type DuckDBDataChunk,
  type DuckDBEnumType,
  type DuckDBType,
} from "@duckdb/node-api";
import { DuckDBDataChunk as DataChunk } from "@duckdb/node-api";
import {
  DIRECTIONS,
  DIRECTION_SOURCES,
  FLOW_SOURCES,
  isZeroWords,
  LOCALITIES,
  wordsToText,
  type FlowBatch,
} from "../../core/index.ts";
import { appendOrder } from "./row-order.ts";
import { FLOW_COLUMN_SPECS, type FlowColumnKind, type FlowColumnSpec } from "./schema.ts";

/**
 * Hands a FlowBatch to a DuckDB appender column by column: each column of each 2048-row chunk
 * is one memory copy (`copy_data_to_vector`) from a typed array, after at most one tight loop
 * converting the batch's representation into DuckDB's (float64 → 64-bit integer halves, core
 * vocabulary index → stored ENUM index, network index → stored id). No per-value native call
 * and no per-value JavaScript object: the per-value API this replaced (DuckDBVector.setItem)
 * managed about 25 k rows/s for this table; bench/duckdb-append.ts measures both.
 *
 * Rows go in `appendOrder` (by destination, then source address: see row-order.ts for what
 * it saves on disk), so each column is gathered through that permutation into a chunk-sized
 * scratch array before its copy. A sampled counter equal to its scaled counterpart (every
 * unsampled flow) is stored as NULL: it would only repeat `bytes`/`packets`, and an all-NULL
 * segment costs next to nothing where a repeated counter cost 3.6 bytes per flow.
 */

const TWO_POW_32 = 4294967296;

/** Core vocabularies by ENUM column, in the order the batch indexes them. */
const ENUM_VOCABULARIES: Readonly<Record<string, readonly string[]>> = {
  source: FLOW_SOURCES,
  direction: DIRECTIONS,
  direction_source: DIRECTION_SOURCES,
  locality: LOCALITIES,
};

/** Thrown when a batch cannot be converted; the store wraps it in ERR_STORE_WRITE. */
export class RecordConversionError extends Error {
  constructor(recordIndex: number, column: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`record ${recordIndex}, column ${column}: ${detail}`, { cause });
    this.name = "RecordConversionError";
  }
}

/** The column types of the `flows` table as the appender reports them (enum members included). */
export function appenderColumnTypes(appender: DuckDBAppender): DuckDBType[] {
  return Array.from({ length: appender.columnCount }, (_, index) => appender.columnType(index));
}

/**
 * For each ENUM column, the stored index of each core vocabulary index. Identity unless the
 * stored type lists members in another order (a file from an older version, widened in place).
 */
export function enumTranslations(types: readonly DuckDBType[]): (Uint8Array | undefined)[] {
  return FLOW_COLUMN_SPECS.map((spec, index) => {
    if (spec.kind !== "enum") return undefined;
    const vocabulary = ENUM_VOCABULARIES[spec.name] ?? [];
    const stored = (types[index] as DuckDBEnumType | undefined)?.values ?? [];
    const table = new Uint8Array(256);
    vocabulary.forEach((value, coreIndex) => {
      const storedIndex = stored.indexOf(value);
      if (storedIndex < 0) {
        throw new Error(`column ${spec.name} has no member "${value}"`);
      }
      table[coreIndex] = storedIndex;
    });
    return table;
  });
}

const CHUNK_ROWS = DuckDBVector.standardSize();
const zeroStrings = new Uint8Array(CHUNK_ROWS * 16);

type TypedColumn = Float64Array | Uint32Array | Uint16Array | Uint8Array;

function column(batch: FlowBatch, spec: FlowColumnSpec): TypedColumn {
  return (batch as unknown as Record<string, TypedColumn>)[spec.field] as TypedColumn;
}

/** Bytes per value of each column kind as DuckDB lays it out (`json` is a 16-byte string_t). */
function widthOf(kind: FlowColumnKind): number {
  switch (kind) {
    case "ms":
    case "count":
    case "sampled":
    case "addr-lo":
    case "addr-hi":
      return 8;
    case "u32":
    case "network":
    case "exporter":
      return 4;
    case "u16":
      return 2;
    case "u8":
    case "bool":
    case "enum":
      return 1;
    case "json":
      return 0;
  }
}

/**
 * One column of a whole batch in DuckDB's layout, gathered in append order, with its validity
 * mask when it can hold NULLs. DuckDB's mask is 64-bit words, bit i of word i/64 for row i; on
 * a little-endian host those are the same bits as u32 word i/32, bit i%32, which need no
 * BigInt (a BigInt per row was 6 % of store.append()'s CPU on sampled flows). The scratch of
 * all columns holds about 150 bytes a row: 37 MB for a 245,760-row batch, kept for the next.
 */
class ColumnScratch {
  buffer = new ArrayBuffer(0);
  u8 = new Uint8Array(0);
  u16 = new Uint16Array(0);
  u32 = new Uint32Array(0);
  validity = new Uint32Array(0);
  /** NULLs per 2048-row chunk: a chunk without any keeps DuckDB's all-valid mask. */
  chunkNulls = new Uint32Array(0);

  reserve(rows: number, width: number): void {
    // Whole chunks, so every chunk's validity words exist; the mask rounds up to 64 rows.
    const chunks = Math.ceil(rows / CHUNK_ROWS);
    const capacityRows = chunks * CHUNK_ROWS;
    if (this.buffer.byteLength < capacityRows * width) {
      this.buffer = new ArrayBuffer(capacityRows * width);
      this.u8 = new Uint8Array(this.buffer);
      this.u16 = new Uint16Array(this.buffer, 0, (capacityRows * width) >> 1);
      this.u32 = new Uint32Array(this.buffer, 0, (capacityRows * width) >> 2);
    }
    if (this.validity.length < capacityRows / 32)
      this.validity = new Uint32Array(capacityRows / 32);
    if (this.chunkNulls.length < chunks) this.chunkNulls = new Uint32Array(chunks);
  }
}

const scratches = FLOW_COLUMN_SPECS.map(() => new ColumnScratch());

/** For each address column, the indexes of its low and high half in FLOW_COLUMN_SPECS. */
const ADDRESS_HALVES: readonly (readonly [low: number, high: number])[] = FLOW_COLUMN_SPECS.flatMap(
  (spec, low) => {
    if (spec.kind !== "addr-lo") return [];
    const high = FLOW_COLUMN_SPECS.findIndex(
      (other) => other.kind === "addr-hi" && other.field === spec.field,
    );
    if (high < 0) throw new Error(`column ${spec.name} has no high half`);
    return [[low, high] as const];
  },
);

/*
 * Why a batch is converted column by column before any chunk is built: the rows go in append
 * order, a permutation, so every value is a random read. Chunk by chunk, each 2048-row step
 * read from all 48 columns at once, about 37 MB for a 245,760-row batch: every read missed the
 * 4 MB L2 and cost 35 ns (perf of `tollgate serve` under NetFlow v9, 2026-11-22: the gathers
 * were 1.8 µs of the store thread's 3.5 µs per row). One column at a time, the column being
 * read (at most 3.9 MB) stays in L2. The chunks then take sequential copies of the scratch.
 */

/** Integer columns as they are (1, 2 or 4 bytes). One function per width keeps each loop monomorphic. */
function gather32(
  target: Uint32Array,
  source: Uint32Array,
  order: Uint32Array,
  rows: number,
): void {
  for (let row = 0; row < rows; row++) target[row] = source[order[row] as number] as number;
}

function gather16(
  target: Uint16Array,
  source: Uint16Array,
  order: Uint32Array,
  rows: number,
): void {
  for (let row = 0; row < rows; row++) target[row] = source[order[row] as number] as number;
}

function gather8(target: Uint8Array, source: Uint8Array, order: Uint32Array, rows: number): void {
  for (let row = 0; row < rows; row++) target[row] = source[order[row] as number] as number;
}

function gatherTranslated8(
  target: Uint8Array,
  source: Uint8Array,
  table: Uint8Array,
  order: Uint32Array,
  rows: number,
): void {
  for (let row = 0; row < rows; row++) {
    target[row] = table[source[order[row] as number] as number] as number;
  }
}

function notWhole(order: Uint32Array, row: number, name: string, value: number): Error {
  // Negative epoch ms cannot come from a collector; NaN or a negative counter is a bug.
  return new RecordConversionError(
    order[row] as number,
    name,
    new Error(`${value} is not a whole non-negative number`),
  );
}

/** Float64 whole numbers → little-endian 64-bit integers (two u32 words each). */
function gatherFloatAs64(
  target: Uint32Array,
  source: Float64Array,
  order: Uint32Array,
  rows: number,
  name: string,
): void {
  for (let row = 0; row < rows; row++) {
    const value = source[order[row] as number] as number;
    if (!(value >= 0) || value > Number.MAX_SAFE_INTEGER) throw notWhole(order, row, name, value);
    // Most counters fit 32 bits: no division for them.
    const high = value < TWO_POW_32 ? 0 : Math.floor(value / TWO_POW_32);
    target[row * 2] = value - high * TWO_POW_32;
    target[row * 2 + 1] = high;
  }
}

/**
 * A sampled counter, NULL where it equals its scaled counterpart (`scaled`): readers take
 * `coalesce(sampled_bytes, bytes)`. The value under a NULL is 0, so an all-NULL segment is
 * one constant. Whole non-negative numbers are checked by the scaled column's own gather.
 */
function gatherSampled(
  scratch: ColumnScratch,
  source: Float64Array,
  scaled: Float64Array,
  order: Uint32Array,
  rows: number,
  name: string,
): void {
  const target = scratch.u32;
  const validity = scratch.validity;
  const chunkNulls = scratch.chunkNulls;
  validity.fill(0, 0, Math.ceil(rows / 32));
  chunkNulls.fill(0, 0, Math.ceil(rows / CHUNK_ROWS));
  for (let row = 0; row < rows; row++) {
    const at = order[row] as number;
    const value = source[at] as number;
    if (value === scaled[at]) {
      target[row * 2] = 0;
      target[row * 2 + 1] = 0;
      const chunk = (row / CHUNK_ROWS) | 0;
      chunkNulls[chunk] = (chunkNulls[chunk] as number) + 1;
      continue;
    }
    if (!(value >= 0) || value > Number.MAX_SAFE_INTEGER) throw notWhole(order, row, name, value);
    const high = value < TWO_POW_32 ? 0 : Math.floor(value / TWO_POW_32);
    target[row * 2] = value - high * TWO_POW_32;
    target[row * 2 + 1] = high;
    validity[row >> 5] = (validity[row >> 5] as number) | (1 << (row & 31));
  }
}

/** Both 64-bit halves of an address column in one pass: each row's four words share a cache line. */
function gatherAddress(
  low: Uint32Array,
  high: Uint32Array,
  words: Uint32Array,
  order: Uint32Array,
  rows: number,
): void {
  for (let row = 0; row < rows; row++) {
    const base = (order[row] as number) * 4;
    low[row * 2] = words[base] as number;
    low[row * 2 + 1] = words[base + 1] as number;
    high[row * 2] = words[base + 2] as number;
    high[row * 2 + 1] = words[base + 3] as number;
  }
}

function gatherNetworkIds(
  target: Uint32Array,
  source: Uint32Array,
  ids: Uint32Array,
  order: Uint32Array,
  rows: number,
  name: string,
): void {
  for (let row = 0; row < rows; row++) {
    const index = source[order[row] as number] as number;
    const id = index === 0 ? 0 : ids[index - 1];
    if (id === undefined) {
      throw new RecordConversionError(
        order[row] as number,
        name,
        new Error(`network index ${index} is not in the batch's network list`),
      );
    }
    target[row] = id;
  }
}

let identityOrder = new Uint32Array(0);

/** 0, 1, … rows − 1. */
function identity(rows: number): Uint32Array {
  if (identityOrder.length < rows) {
    identityOrder = new Uint32Array(rows);
    for (let row = 0; row < rows; row++) identityOrder[row] = row;
  }
  return identityOrder;
}

/**
 * Whether every row of `values` (`stride` elements a row) holds the same bytes: the column
 * equals itself shifted by one row. One memcmp, which leaves at the first difference; the
 * element-by-element loop over four array types it replaced took 10 % of the store thread
 * (perf, v9 at 10k datagrams/s, 2026-11-22).
 */
function isConstant(values: TypedColumn, rows: number, stride: number): boolean {
  const rowBytes = stride * values.BYTES_PER_ELEMENT;
  const bytes = Buffer.from(values.buffer, values.byteOffset, rows * rowBytes);
  return bytes.subarray(rowBytes).equals(bytes.subarray(0, bytes.length - rowBytes));
}

function allEqual(values: Float64Array, others: Float64Array, rows: number): boolean {
  for (let row = 0; row < rows; row++) if (values[row] !== others[row]) return false;
  return true;
}

/**
 * The order to read `values` in: a column whose rows are all equal (a NetFlow v9 batch from
 * one exporter has about fifteen: source, exporter, masks, next hop, sampling…) reads the same
 * in any order, so it is read in sequence, without a cache miss a row.
 */
function readOrder(values: TypedColumn, rows: number, stride: number, order: Uint32Array) {
  return isConstant(values, rows, stride) ? identity(rows) : order;
}

/** Fills `scratch` with column `spec` of the whole batch, in append order. */
function gatherColumn(
  scratch: ColumnScratch,
  spec: FlowColumnSpec,
  enumTable: Uint8Array | undefined,
  batch: FlowBatch,
  order: Uint32Array,
  networkIds: Uint32Array,
  exporterIds: Uint32Array,
): void {
  const rows = batch.length;
  switch (spec.kind) {
    case "ms":
    case "count": {
      const source = column(batch, spec) as Float64Array;
      gatherFloatAs64(scratch.u32, source, readOrder(source, rows, 1, order), rows, spec.name);
      break;
    }
    case "sampled": {
      const source = column(batch, spec) as Float64Array;
      const scaled = (batch as unknown as Record<string, Float64Array>)[
        spec.scaledField ?? ""
      ] as Float64Array;
      // Every row unsampled: all NULL, whatever the order.
      const sampledOrder = allEqual(source, scaled, rows) ? identity(rows) : order;
      gatherSampled(scratch, source, scaled, sampledOrder, rows, spec.name);
      break;
    }
    case "u32": {
      const source = column(batch, spec) as Uint32Array;
      gather32(scratch.u32, source, readOrder(source, rows, 1, order), rows);
      break;
    }
    case "u16": {
      const source = column(batch, spec) as Uint16Array;
      gather16(scratch.u16, source, readOrder(source, rows, 1, order), rows);
      break;
    }
    case "u8":
    case "bool": {
      const source = column(batch, spec) as Uint8Array;
      gather8(scratch.u8, source, readOrder(source, rows, 1, order), rows);
      break;
    }
    case "enum": {
      const source = column(batch, spec) as Uint8Array;
      const table = enumTable as Uint8Array;
      gatherTranslated8(scratch.u8, source, table, readOrder(source, rows, 1, order), rows);
      break;
    }
    case "addr-lo":
    case "addr-hi":
      // Both halves at once, when the first of the two comes (see `gatherAddress`).
      break;
    case "network": {
      const source = column(batch, spec) as Uint32Array;
      const sourceOrder = readOrder(source, rows, 1, order);
      gatherNetworkIds(scratch.u32, source, networkIds, sourceOrder, rows, spec.name);
      break;
    }
    case "exporter":
      gather32(scratch.u32, exporterIds, readOrder(exporterIds, rows, 1, order), rows);
      break;
    case "json":
      break;
  }
}

/**
 * The `extra` text of a row: its decoder's extra fields plus post-NAT and VRF fields, which
 * only NAT and VRF-aware exporters send and so have no column of their own (see schema.ts).
 */
export function extraText(batch: FlowBatch, row: number): string | undefined {
  const text = batch.extra[row];
  const hasNat =
    !isZeroWords(batch.postNatSrcAddr, row) ||
    !isZeroWords(batch.postNatDstAddr, row) ||
    batch.postNatSrcPort[row] !== 0 ||
    batch.postNatDstPort[row] !== 0;
  const hasVrf = batch.inVrf[row] !== 0 || batch.outVrf[row] !== 0;
  if (!hasNat && !hasVrf) return text;
  const fields = (text === undefined ? {} : JSON.parse(text)) as Record<string, unknown>;
  if (hasNat) {
    if (!isZeroWords(batch.postNatSrcAddr, row)) {
      fields["postNatSrcAddr"] = wordsToText(batch.postNatSrcAddr, row);
    }
    if (!isZeroWords(batch.postNatDstAddr, row)) {
      fields["postNatDstAddr"] = wordsToText(batch.postNatDstAddr, row);
    }
    if (batch.postNatSrcPort[row] !== 0) fields["postNatSrcPort"] = batch.postNatSrcPort[row];
    if (batch.postNatDstPort[row] !== 0) fields["postNatDstPort"] = batch.postNatDstPort[row];
  }
  if (hasVrf) {
    if (batch.inVrf[row] !== 0) fields["inVrf"] = batch.inVrf[row];
    if (batch.outVrf[row] !== 0) fields["outVrf"] = batch.outVrf[row];
  }
  return JSON.stringify(fields);
}

/** Whether any row has `extra` text, post-NAT or VRF fields (most batches have none). */
function hasExtra(batch: FlowBatch): boolean {
  const rows = batch.length;
  for (let row = 0; row < rows; row++) if (batch.extra[row] !== undefined) return true;
  const any = (values: Uint32Array | Uint16Array, length: number): boolean => {
    for (let at = 0; at < length; at++) if (values[at] !== 0) return true;
    return false;
  };
  return (
    any(batch.postNatSrcAddr, rows * 4) ||
    any(batch.postNatDstAddr, rows * 4) ||
    any(batch.postNatSrcPort, rows) ||
    any(batch.postNatDstPort, rows) ||
    any(batch.inVrf, rows) ||
    any(batch.outVrf, rows)
  );
}

const chunkValidity = new Uint32Array(Math.ceil(CHUNK_ROWS / 64) * 2);

/** Sparse JSON text: every row starts as NULL, rows with text get a string element. */
function copyExtra(
  vector: duckdb.Vector,
  batch: FlowBatch,
  order: Uint32Array,
  from: number,
  rows: number,
  anyExtra: boolean,
): void {
  const validity = chunkValidity;
  validity.fill(0);
  // An all-zero string_t is a valid empty inlined string: no garbage even for NULL rows.
  duckdb.copy_data_to_vector(vector, 0, zeroStrings.buffer, 0, rows * 16);
  if (anyExtra) {
    for (let row = 0; row < rows; row++) {
      const text = extraText(batch, order[from + row] as number);
      if (text === undefined) continue;
      duckdb.vector_assign_string_element(vector, row, text);
      validity[row >> 5] = (validity[row >> 5] as number) | (1 << (row & 31));
    }
  }
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, chunkValidity.buffer, 0, Math.ceil(rows / 64) * 8);
}

/**
 * Appends every row of `batch` through `appender`, in `appendOrder`. `networkIds[i]` is the
 * stored id of the batch's network index i + 1.
 */
export function writeBatch(
  appender: DuckDBAppender,
  types: readonly DuckDBType[],
  enumTables: readonly (Uint8Array | undefined)[],
  batch: FlowBatch,
  networkIds: Uint32Array,
  exporterIds: Uint32Array,
): void {
  const order = appendOrder(batch);
  for (let index = 0; index < FLOW_COLUMN_SPECS.length; index++) {
    const spec = FLOW_COLUMN_SPECS[index] as FlowColumnSpec;
    const scratch = scratches[index] as ColumnScratch;
    scratch.reserve(batch.length, widthOf(spec.kind));
    gatherColumn(scratch, spec, enumTables[index], batch, order, networkIds, exporterIds);
  }
  for (const [low, high] of ADDRESS_HALVES) {
    const words = column(batch, FLOW_COLUMN_SPECS[low] as FlowColumnSpec) as Uint32Array;
    gatherAddress(
      (scratches[low] as ColumnScratch).u32,
      (scratches[high] as ColumnScratch).u32,
      words,
      readOrder(words, batch.length, 4, order),
      batch.length,
    );
  }
  const anyExtra = hasExtra(batch);
  for (let from = 0; from < batch.length; from += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, batch.length - from);
    const chunk: DuckDBDataChunk = DataChunk.create(types, rows);
    for (let index = 0; index < FLOW_COLUMN_SPECS.length; index++) {
      const spec = FLOW_COLUMN_SPECS[index] as FlowColumnSpec;
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, index);
      if (spec.kind === "json") {
        copyExtra(vector, batch, order, from, rows, anyExtra);
        continue;
      }
      const scratch = scratches[index] as ColumnScratch;
      const width = widthOf(spec.kind);
      duckdb.copy_data_to_vector(vector, 0, scratch.buffer, from * width, rows * width);
      if (spec.kind === "sampled" && scratch.chunkNulls[from / CHUNK_ROWS] !== 0) {
        duckdb.vector_ensure_validity_writable(vector);
        duckdb.copy_data_to_vector_validity(
          vector,
          0,
          scratch.validity.buffer,
          from / 8,
          Math.ceil(rows / 64) * 8,
        );
      }
    }
    appender.appendDataChunk(chunk);
  }
}
