import {
  DuckDBDataChunk,
  DuckDBMapValue,
  DuckDBVector,
  type DuckDBAppender,
  type DuckDBEnumType,
  type DuckDBMapType,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import { ipToU128, type FlowRecord, type Tags } from "../../core/index.ts";
import { FLOW_COLUMNS_SQL } from "./schema.ts";

/**
 * How each FlowRecord field becomes a `flows` column, and the two ways of handing rows to a
 * DuckDB appender: column vectors in data chunks (`writeChunks`, the one the store uses) and
 * one typed call per value (`writeRows`, kept as the baseline bench/duckdb-append.ts measures
 * against). Both share the conversions, so the benchmark compares only the hand-over.
 */

type FlowColumn =
  | {
      name: string;
      kind: "int64" | "uint64" | "uint32" | "uint16" | "uint8";
      get: (r: FlowRecord) => number;
    }
  | {
      name: string;
      kind: "address" | "optional-address" | "enum" | "text";
      get: (r: FlowRecord) => string;
    }
  | { name: string; kind: "bool"; get: (r: FlowRecord) => boolean }
  | { name: string; kind: "tags"; get: (r: FlowRecord) => Tags };

/** In `FLOW_COLUMNS_SQL` order; a test checks that the two lists agree. */
export const FLOW_COLUMNS: readonly FlowColumn[] = [
  { name: "start_ms", kind: "int64", get: (r) => r.startMs },
  { name: "end_ms", kind: "int64", get: (r) => r.endMs },
  { name: "received_ms", kind: "int64", get: (r) => r.receivedMs },
  { name: "exporter", kind: "address", get: (r) => r.exporterAddr },
  { name: "source", kind: "enum", get: (r) => r.source },
  { name: "in_if", kind: "uint32", get: (r) => r.inIf },
  { name: "out_if", kind: "uint32", get: (r) => r.outIf },
  { name: "ip_version", kind: "uint8", get: (r) => r.ipVersion },
  { name: "src_addr", kind: "address", get: (r) => r.srcAddr },
  { name: "dst_addr", kind: "address", get: (r) => r.dstAddr },
  { name: "src_port", kind: "uint16", get: (r) => r.srcPort },
  { name: "dst_port", kind: "uint16", get: (r) => r.dstPort },
  { name: "protocol", kind: "uint8", get: (r) => r.protocol },
  { name: "tcp_flags", kind: "uint16", get: (r) => r.tcpFlags },
  { name: "tos", kind: "uint8", get: (r) => r.tos },
  { name: "src_as", kind: "uint32", get: (r) => r.srcAs },
  { name: "dst_as", kind: "uint32", get: (r) => r.dstAs },
  { name: "src_mask_len", kind: "uint8", get: (r) => r.srcMaskLen },
  { name: "dst_mask_len", kind: "uint8", get: (r) => r.dstMaskLen },
  { name: "next_hop", kind: "optional-address", get: (r) => r.nextHop },
  { name: "sampled_bytes", kind: "uint64", get: (r) => r.sampledBytes },
  { name: "sampled_packets", kind: "uint64", get: (r) => r.sampledPackets },
  { name: "sampling_rate", kind: "uint32", get: (r) => r.samplingRate },
  { name: "sampling_rate_known", kind: "bool", get: (r) => r.samplingRateKnown },
  { name: "bytes", kind: "uint64", get: (r) => r.bytes },
  { name: "packets", kind: "uint64", get: (r) => r.packets },
  { name: "direction", kind: "enum", get: (r) => r.direction },
  { name: "direction_source", kind: "enum", get: (r) => r.directionSource },
  { name: "locality", kind: "enum", get: (r) => r.locality },
  { name: "src_network", kind: "text", get: (r) => r.srcNetwork },
  { name: "dst_network", kind: "text", get: (r) => r.dstNetwork },
  { name: "src_tags", kind: "tags", get: (r) => r.srcTags },
  { name: "dst_tags", kind: "tags", get: (r) => r.dstTags },
];

if (FLOW_COLUMNS.length !== FLOW_COLUMNS_SQL.length) {
  throw new Error("storage/duckdb: FLOW_COLUMNS and FLOW_COLUMNS_SQL disagree");
}

/** Thrown by a conversion; the store wraps it in ERR_STORE_WRITE. */
export class RecordConversionError extends Error {
  constructor(recordIndex: number, column: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`record ${recordIndex}, column ${column}: ${detail}`, { cause });
    this.name = "RecordConversionError";
  }
}

// Parsing dominates the cost of an address column (measured on Node 20: about 0.8 µs per
// IPv4 and several µs per IPv6 text, against 0.1 µs to set the vector item), and flows repeat
// addresses (exporters, popular servers), so conversions are cached. The cache is bounded and
// simply dropped when full: addresses come from the network and an attacker can vary them.
const ADDRESS_CACHE_MAX = 100_000;
const addressCache = new Map<string, bigint>();

function addressToU128(text: string): bigint {
  let value = addressCache.get(text);
  if (value !== undefined) return value;
  value = ipToU128(text);
  if (value === undefined) throw new Error(`"${text}" is not an IP address`);
  if (addressCache.size >= ADDRESS_CACHE_MAX) addressCache.clear();
  addressCache.set(text, value);
  return value;
}

// The pipeline shares one Tags object per declared network across its records, so the map
// value is built once per object rather than once per row.
const tagValues = new WeakMap<Tags, DuckDBMapValue | null>();

function tagsToMap(tags: Tags): DuckDBMapValue | null {
  let value = tagValues.get(tags);
  if (value === undefined) {
    const entries = Object.entries(tags).map(([key, text]) => ({ key, value: text }));
    value = entries.length === 0 ? null : new DuckDBMapValue(entries);
    tagValues.set(tags, value);
  }
  return value;
}

function convert(column: FlowColumn, record: FlowRecord): DuckDBValue {
  switch (column.kind) {
    case "int64":
    case "uint64":
      return BigInt(column.get(record));
    case "uint32":
    case "uint16":
    case "uint8":
      return column.get(record);
    case "address":
      return addressToU128(column.get(record));
    case "optional-address": {
      const text = column.get(record);
      return text === "" ? null : addressToU128(text);
    }
    case "enum":
      return column.get(record);
    case "text": {
      const text = column.get(record);
      return text === "" ? null : text;
    }
    case "bool":
      return column.get(record);
    case "tags":
      return tagsToMap(column.get(record));
  }
}

/** The column types of the `flows` table as the appender reports them (enum members included). */
export function appenderColumnTypes(appender: DuckDBAppender): DuckDBType[] {
  return Array.from({ length: appender.columnCount }, (_, index) => appender.columnType(index));
}

/**
 * Appends records as data chunks of up to the DuckDB vector size (2048 rows): each column is
 * filled by one loop over the rows, then handed over in a single native call.
 */
export function writeChunks(
  appender: DuckDBAppender,
  types: readonly DuckDBType[],
  records: readonly FlowRecord[],
): void {
  const chunkRows = DuckDBVector.standardSize();
  for (let offset = 0; offset < records.length; offset += chunkRows) {
    const rowCount = Math.min(chunkRows, records.length - offset);
    const chunk = DuckDBDataChunk.create(types, rowCount);
    for (let columnIndex = 0; columnIndex < FLOW_COLUMNS.length; columnIndex++) {
      const column = FLOW_COLUMNS[columnIndex] as FlowColumn;
      const vector = chunk.getColumnVector(columnIndex);
      let row = 0;
      try {
        for (; row < rowCount; row++) {
          vector.setItem(row, convert(column, records[offset + row] as FlowRecord));
        }
      } catch (error) {
        throw new RecordConversionError(offset + row, column.name, error);
      }
      vector.flush();
    }
    appender.appendDataChunk(chunk);
  }
}

/** Appends records one typed call per value: the baseline the benchmark compares against. */
export function writeRows(
  appender: DuckDBAppender,
  types: readonly DuckDBType[],
  records: readonly FlowRecord[],
): void {
  for (let row = 0; row < records.length; row++) {
    const record = records[row] as FlowRecord;
    for (let columnIndex = 0; columnIndex < FLOW_COLUMNS.length; columnIndex++) {
      const column = FLOW_COLUMNS[columnIndex] as FlowColumn;
      try {
        appendOne(appender, column, types[columnIndex] as DuckDBType, convert(column, record));
      } catch (error) {
        throw new RecordConversionError(row, column.name, error);
      }
    }
    appender.endRow();
  }
}

function appendOne(
  appender: DuckDBAppender,
  column: FlowColumn,
  type: DuckDBType,
  value: DuckDBValue,
): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (column.kind) {
    case "int64":
      appender.appendBigInt(value as bigint);
      return;
    case "uint64":
      appender.appendUBigInt(value as bigint);
      return;
    case "uint32":
      appender.appendUInteger(value as number);
      return;
    case "uint16":
      appender.appendUSmallInt(value as number);
      return;
    case "uint8":
      appender.appendUTinyInt(value as number);
      return;
    case "address":
    case "optional-address":
      appender.appendUHugeInt(value as bigint);
      return;
    case "enum":
      appender.appendEnum(value as string, type as DuckDBEnumType);
      return;
    case "text":
      appender.appendVarchar(value as string);
      return;
    case "bool":
      appender.appendBoolean(value as boolean);
      return;
    case "tags":
      appender.appendMap(value as DuckDBMapValue, type as DuckDBMapType);
      return;
  }
}
