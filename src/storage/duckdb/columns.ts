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
import { FLOW_COLUMN_SPECS, type FlowColumnSpec } from "./schema.ts";

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
const words64 = new Uint32Array(CHUNK_ROWS * 2);
const bytes8 = new Uint8Array(CHUNK_ROWS);
const ids32 = new Uint32Array(CHUNK_ROWS);
const halves16 = new Uint16Array(CHUNK_ROWS);
const validity = new BigUint64Array(Math.ceil(CHUNK_ROWS / 64));
const zeroStrings = new Uint8Array(CHUNK_ROWS * 16);

type TypedColumn = Float64Array | Uint32Array | Uint16Array | Uint8Array;

function column(batch: FlowBatch, spec: FlowColumnSpec): TypedColumn {
  return (batch as unknown as Record<string, TypedColumn>)[spec.field] as TypedColumn;
}

/** Integer columns as they are (1, 2 or 4 bytes), gathered in append order. */
function copyTyped(
  vector: duckdb.Vector,
  source: Uint32Array | Uint16Array | Uint8Array,
  order: Uint32Array,
  from: number,
  rows: number,
): void {
  const target =
    source.BYTES_PER_ELEMENT === 4 ? ids32 : source.BYTES_PER_ELEMENT === 2 ? halves16 : bytes8;
  for (let row = 0; row < rows; row++) target[row] = source[order[from + row] as number] ?? 0;
  duckdb.copy_data_to_vector(vector, 0, target.buffer, 0, rows * source.BYTES_PER_ELEMENT);
}

/** Float64 whole numbers → little-endian 64-bit integers (two u32 words each). */
function copyFloatAs64(
  vector: duckdb.Vector,
  source: Float64Array,
  order: Uint32Array,
  from: number,
  rows: number,
  name: string,
): void {
  for (let row = 0; row < rows; row++) {
    const value = source[order[from + row] as number] ?? 0;
    if (!(value >= 0) || value > Number.MAX_SAFE_INTEGER) {
      // Negative epoch ms cannot come from a collector; NaN or a negative counter is a bug.
      throw new RecordConversionError(
        order[from + row] as number,
        name,
        new Error(`${value} is not a whole non-negative number`),
      );
    }
    const high = Math.floor(value / TWO_POW_32);
    words64[row * 2] = value - high * TWO_POW_32;
    words64[row * 2 + 1] = high;
  }
  duckdb.copy_data_to_vector(vector, 0, words64.buffer, 0, rows * 8);
}

/**
 * A sampled counter, NULL where it equals its scaled counterpart (`scaled`): readers take
 * `coalesce(sampled_bytes, bytes)`. The value under a NULL is 0, so an all-NULL segment is
 * one constant. Whole non-negative numbers are checked by the scaled column's own copy.
 */
function copySampled(
  vector: duckdb.Vector,
  source: Float64Array,
  scaled: Float64Array,
  order: Uint32Array,
  from: number,
  rows: number,
  name: string,
): void {
  validity.fill(0n);
  let nulls = 0;
  for (let row = 0; row < rows; row++) {
    const at = order[from + row] as number;
    const value = source[at] ?? 0;
    if (value === scaled[at]) {
      words64[row * 2] = 0;
      words64[row * 2 + 1] = 0;
      nulls++;
      continue;
    }
    if (!(value >= 0) || value > Number.MAX_SAFE_INTEGER) {
      throw new RecordConversionError(
        at,
        name,
        new Error(`${value} is not a whole non-negative number`),
      );
    }
    const high = Math.floor(value / TWO_POW_32);
    words64[row * 2] = value - high * TWO_POW_32;
    words64[row * 2 + 1] = high;
    validity[row >> 6] = (validity[row >> 6] ?? 0n) | (1n << BigInt(row & 63));
  }
  duckdb.copy_data_to_vector(vector, 0, words64.buffer, 0, rows * 8);
  if (nulls === 0) return;
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer, 0, Math.ceil(rows / 64) * 8);
}

function copyAddressHalf(
  vector: duckdb.Vector,
  words: Uint32Array,
  order: Uint32Array,
  from: number,
  rows: number,
  high: boolean,
): void {
  const offset = high ? 2 : 0;
  for (let row = 0; row < rows; row++) {
    const base = (order[from + row] as number) * 4 + offset;
    words64[row * 2] = words[base] ?? 0;
    words64[row * 2 + 1] = words[base + 1] ?? 0;
  }
  duckdb.copy_data_to_vector(vector, 0, words64.buffer, 0, rows * 8);
}

function copyTranslated8(
  vector: duckdb.Vector,
  source: Uint8Array,
  table: Uint8Array,
  order: Uint32Array,
  from: number,
  rows: number,
): void {
  for (let row = 0; row < rows; row++) {
    bytes8[row] = table[source[order[from + row] as number] ?? 0] ?? 0;
  }
  duckdb.copy_data_to_vector(vector, 0, bytes8.buffer, 0, rows);
}

function copyNetworkIds(
  vector: duckdb.Vector,
  source: Uint32Array,
  ids: Uint32Array,
  order: Uint32Array,
  from: number,
  rows: number,
  name: string,
): void {
  for (let row = 0; row < rows; row++) {
    const index = source[order[from + row] as number] ?? 0;
    const id = index === 0 ? 0 : ids[index - 1];
    if (id === undefined) {
      throw new RecordConversionError(
        order[from + row] as number,
        name,
        new Error(`network index ${index} is not in the batch's network list`),
      );
    }
    ids32[row] = id;
  }
  duckdb.copy_data_to_vector(vector, 0, ids32.buffer, 0, rows * 4);
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

/** Sparse JSON text: every row starts as NULL, rows with text get a string element. */
function copyExtra(
  vector: duckdb.Vector,
  batch: FlowBatch,
  order: Uint32Array,
  from: number,
  rows: number,
): void {
  validity.fill(0n);
  // An all-zero string_t is a valid empty inlined string: no garbage even for NULL rows.
  duckdb.copy_data_to_vector(vector, 0, zeroStrings.buffer, 0, rows * 16);
  for (let row = 0; row < rows; row++) {
    const text = extraText(batch, order[from + row] as number);
    if (text === undefined) continue;
    duckdb.vector_assign_string_element(vector, row, text);
    validity[row >> 6] = (validity[row >> 6] ?? 0n) | (1n << BigInt(row & 63));
  }
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer, 0, Math.ceil(rows / 64) * 8);
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
  let chunk: DuckDBDataChunk | undefined;
  const order = appendOrder(batch);
  for (let from = 0; from < batch.length; from += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, batch.length - from);
    chunk = DataChunk.create(types, rows);
    for (let index = 0; index < FLOW_COLUMN_SPECS.length; index++) {
      const spec = FLOW_COLUMN_SPECS[index] as FlowColumnSpec;
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, index);
      switch (spec.kind) {
        case "ms":
        case "count":
          copyFloatAs64(vector, column(batch, spec) as Float64Array, order, from, rows, spec.name);
          break;
        case "sampled":
          copySampled(
            vector,
            column(batch, spec) as Float64Array,
            (batch as unknown as Record<string, Float64Array>)[
              spec.scaledField ?? ""
            ] as Float64Array,
            order,
            from,
            rows,
            spec.name,
          );
          break;
        case "u32":
        case "u16":
        case "u8":
        case "bool":
          copyTyped(vector, column(batch, spec) as Uint32Array, order, from, rows);
          break;
        case "enum":
          copyTranslated8(
            vector,
            column(batch, spec) as Uint8Array,
            enumTables[index] as Uint8Array,
            order,
            from,
            rows,
          );
          break;
        case "addr-lo":
        case "addr-hi":
          copyAddressHalf(
            vector,
            column(batch, spec) as Uint32Array,
            order,
            from,
            rows,
            spec.kind === "addr-hi",
          );
          break;
        case "network":
          copyNetworkIds(
            vector,
            column(batch, spec) as Uint32Array,
            networkIds,
            order,
            from,
            rows,
            spec.name,
          );
          break;
        case "exporter":
          copyTyped(vector, exporterIds, order, from, rows);
          break;
        case "json":
          copyExtra(vector, batch, order, from, rows);
          break;
      }
    }
    appender.appendDataChunk(chunk);
  }
}
