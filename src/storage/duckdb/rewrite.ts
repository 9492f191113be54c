import duckdb from "@duckdb/node-bindings";
import {
  DuckDBDataChunk,
  DuckDBVector,
  type DuckDBConnection,
  type DuckDBEnumType,
  type DuckDBType,
} from "@duckdb/node-api";
import {
  CLOUD_PROVIDERS,
  DIRECTIONS,
  DIRECTION_SOURCES,
  FlowBatch,
  LOCALITIES,
  type CloudContext,
} from "../../core/index.ts";
import type { ReadChunk, RewriteCounts, StoredChunk } from "../chunked-rewrite.ts";
import type { FlowScanQuery } from "../store.ts";
import { withAppender } from "./appender.ts";
import { sampledSql } from "./sampled-columns.ts";
import { EXPORTER_CLOUD_COLUMNS, EXPORTERS_TABLE, FLOWS_TABLE } from "./schema.ts";

/**
 * Reading stored flows back into FlowBatch columns and writing reclassified pipeline columns
 * over them (`tollgate reclassify`, `tollgate inventory suggest`).
 *
 * Rows are addressed by DuckDB's `rowid`: stable while the table only grows and its rows are
 * updated in place (an UPDATE of fixed-width columns keeps them; nothing deletes flows yet),
 * and a `rowid` range prunes row groups like the zone maps of `end_ms` do. Chunks are spans of
 * rowid, so progress is real (chunks done of chunks planned), not an estimate.
 *
 * Reads go column by column through `vector_get_data` (a column of a 2048-row vector is one
 * copy), never through per-value objects. Writes load the new values into a temporary table
 * with the appender, then apply them with one `UPDATE … FROM` join on rowid per chunk.
 */

/** Rows of rowid span per chunk: one transaction each, and the progress step. */
export const REWRITE_CHUNK_ROWS = 131_072;

/**
 * The temporary table one chunk's new values go through. Besides the rowid it holds a few
 * columns that never change (end time, low address halves) to check the rowid still names the
 * row that was read: DuckDB renumbers rowids when a checkpoint vacuums deleted rows (retention),
 * measured here: 400,000 rows kept of 1,000,000 after a DELETE and a CHECKPOINT, none at their
 * old rowid. A chunk whose rows moved is refused whole rather than written over other flows.
 */
const STAGE_TABLE = "reclassify_stage";

/** SQL selecting the `flows` rows of the chunk being rewritten (for rollups.ts). */
export const STAGED_ROWS_SQL = `rowid IN (SELECT rid FROM temp.main.${STAGE_TABLE})`;

/** Columns the rewrite sets, in the stage table's order after `rid`. */
const REWRITTEN = [
  "bytes",
  "packets",
  "direction",
  "direction_source",
  "locality",
  "src_network_id",
  "dst_network_id",
  "src_country",
  "dst_country",
  "src_as",
  "dst_as",
  "boundary_id",
] as const;

function rangeSql(query: FlowScanQuery): { where: string; params: Record<string, number> } {
  const clauses: string[] = [];
  const params: Record<string, number> = {};
  if (query.range.fromMs !== undefined) {
    clauses.push("f.end_ms >= $from_ms");
    params["from_ms"] = query.range.fromMs;
  }
  if (query.range.toMs !== undefined) {
    clauses.push("f.end_ms < $to_ms");
    params["to_ms"] = query.range.toMs;
  }
  if (query.cloudOnly === true) {
    clauses.push(
      `f.exporter_id IN (SELECT id FROM ${EXPORTERS_TABLE} WHERE coalesce(cloud_provider, '') <> '')`,
    );
  }
  return { where: clauses.length === 0 ? "true" : clauses.join(" AND "), params };
}

export async function planChunks(
  connection: DuckDBConnection,
  query: FlowScanQuery,
): Promise<StoredChunk[]> {
  const { where, params } = rangeSql(query);
  const reader = await connection.runAndReadAll(
    `SELECT min(f.rowid)::DOUBLE, max(f.rowid)::DOUBLE FROM ${FLOWS_TABLE} f WHERE ${where}`,
    params,
  );
  const [first, last] = reader.getRows()[0] ?? [];
  if (typeof first !== "number" || typeof last !== "number") return [];
  const chunks: StoredChunk[] = [];
  for (let from = first; from <= last; from += REWRITE_CHUNK_ROWS) {
    chunks.push({ fromRowId: from, toRowId: Math.min(from + REWRITE_CHUNK_ROWS, last + 1) });
  }
  return chunks;
}

/** Read columns in order: SQL expression, then where the values go. */
type Target =
  | {
      kind: "f64";
      field: "startMs" | "endMs" | "sampledBytes" | "sampledPackets" | "bytes" | "packets";
    }
  | { kind: "rowid" }
  | { kind: "u32"; field: "inIf" | "outIf" | "srcAs" | "dstAs" | "samplingRate" }
  | { kind: "u16"; field: "srcCountry" | "dstCountry" }
  | { kind: "u8"; field: "flowDirection" }
  | { kind: "half"; field: "exporter" | "srcAddr" | "dstAddr"; high: boolean }
  | { kind: "exporter-id" };

const READ_COLUMNS: readonly (readonly [sql: string, target: Target])[] = [
  ["f.rowid::DOUBLE", { kind: "rowid" }],
  ["f.start_ms::DOUBLE", { kind: "f64", field: "startMs" }],
  ["f.end_ms::DOUBLE", { kind: "f64", field: "endMs" }],
  ["e.address_hi", { kind: "half", field: "exporter", high: true }],
  ["e.address_lo", { kind: "half", field: "exporter", high: false }],
  ["f.src_addr_hi", { kind: "half", field: "srcAddr", high: true }],
  ["f.src_addr_lo", { kind: "half", field: "srcAddr", high: false }],
  ["f.dst_addr_hi", { kind: "half", field: "dstAddr", high: true }],
  ["f.dst_addr_lo", { kind: "half", field: "dstAddr", high: false }],
  ["f.in_if", { kind: "u32", field: "inIf" }],
  ["f.out_if", { kind: "u32", field: "outIf" }],
  ["f.src_as", { kind: "u32", field: "srcAs" }],
  ["f.dst_as", { kind: "u32", field: "dstAs" }],
  ["f.flow_direction", { kind: "u8", field: "flowDirection" }],
  [`${sampledSql("sampled_bytes", "f.")}::DOUBLE`, { kind: "f64", field: "sampledBytes" }],
  [`${sampledSql("sampled_packets", "f.")}::DOUBLE`, { kind: "f64", field: "sampledPackets" }],
  ["f.sampling_rate", { kind: "u32", field: "samplingRate" }],
  ["f.bytes::DOUBLE", { kind: "f64", field: "bytes" }],
  ["f.packets::DOUBLE", { kind: "f64", field: "packets" }],
  ["coalesce(f.src_country, 0)::USMALLINT", { kind: "u16", field: "srcCountry" }],
  ["coalesce(f.dst_country, 0)::USMALLINT", { kind: "u16", field: "dstCountry" }],
  ["f.exporter_id", { kind: "exporter-id" }],
];

const WIDTH: Readonly<Record<Target["kind"], number>> = {
  f64: 8,
  rowid: 8,
  u32: 4,
  u16: 2,
  u8: 1,
  half: 8,
  "exporter-id": 4,
};

/** The cloud context of each exporter id, read once per store (exporters never change). */
export type CloudContexts = Map<number, CloudContext | undefined>;

async function cloudContextsOf(
  connection: DuckDBConnection,
  known: CloudContexts,
  ids: Iterable<number>,
): Promise<void> {
  const missing = [...ids].filter((id) => !known.has(id));
  if (missing.length === 0) return;
  const reader = await connection.runAndReadAll(
    `SELECT id, ${EXPORTER_CLOUD_COLUMNS.map(([name]) => `coalesce(${name}, '')`).join(", ")} FROM ${EXPORTERS_TABLE} WHERE id IN (${missing.map(Number).join(", ")})`,
  );
  for (const id of missing) known.set(id, undefined);
  for (const [id, ...values] of reader.getRows()) {
    const provider = String(values[0] ?? "");
    if (!(CLOUD_PROVIDERS as readonly string[]).includes(provider)) continue;
    const context = Object.fromEntries(
      EXPORTER_CLOUD_COLUMNS.map(([, field], index) => [field, String(values[index] ?? "")]),
    ) as unknown as CloudContext;
    known.set(Number(id), Object.freeze(context));
  }
}

function view<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(
  bytes: Uint8Array,
  make: (buffer: ArrayBuffer, offset: number, length: number) => T,
  width: number,
  rows: number,
): T {
  // The vector's memory is DuckDB's and aligned; copy when a runtime hands it out unaligned.
  const source = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  return make(source.buffer as ArrayBuffer, source.byteOffset, rows);
}

export async function readChunk(
  connection: DuckDBConnection,
  query: FlowScanQuery,
  chunk: StoredChunk,
  contexts: CloudContexts,
): Promise<ReadChunk> {
  const { where, params } = rangeSql(query);
  const result = await connection.run(
    `SELECT ${READ_COLUMNS.map(([sql]) => sql).join(", ")}
     FROM ${FLOWS_TABLE} f JOIN ${EXPORTERS_TABLE} e ON e.id = f.exporter_id
     WHERE f.rowid >= $from_row AND f.rowid < $to_row AND ${where}
     ORDER BY f.rowid`,
    { ...params, from_row: chunk.fromRowId, to_row: chunk.toRowId },
  );
  const batch = new FlowBatch(Math.max(1, chunk.toRowId - chunk.fromRowId));
  let rowIds = new Float64Array(batch.capacity);
  const exporterIds = new Uint32Array(batch.capacity);
  let at = 0;
  for (;;) {
    const data = await result.fetchChunk();
    if (data === null || data.rowCount === 0) break;
    const rows = data.rowCount;
    batch.reserve(rows);
    READ_COLUMNS.forEach(([, target], index) => {
      const vector = duckdb.data_chunk_get_vector(data.chunk, index);
      const width = WIDTH[target.kind];
      const bytes = duckdb.vector_get_data(vector, rows * width);
      switch (target.kind) {
        case "rowid":
          rowIds.set(
            view(bytes, (b, o, n) => new Float64Array(b, o, n), 8, rows),
            at,
          );
          break;
        case "f64":
          batch[target.field].set(
            view(bytes, (b, o, n) => new Float64Array(b, o, n), 8, rows),
            at,
          );
          break;
        case "u32":
          batch[target.field].set(
            view(bytes, (b, o, n) => new Uint32Array(b, o, n), 4, rows),
            at,
          );
          break;
        case "u16":
          batch[target.field].set(
            view(bytes, (b, o, n) => new Uint16Array(b, o, n), 2, rows),
            at,
          );
          break;
        case "u8":
          batch[target.field].set(bytes.subarray(0, rows), at);
          break;
        case "exporter-id":
          exporterIds.set(
            view(bytes, (b, o, n) => new Uint32Array(b, o, n), 4, rows),
            at,
          );
          break;
        case "half": {
          // A 64-bit half is two little-endian words: words 2–3 of the batch's form for the
          // high half, 0–1 for the low (core/address-words.ts).
          const words = view(bytes, (b, o, n) => new Uint32Array(b, o, n), 4, rows * 2);
          const column = batch[target.field];
          const offset = target.high ? 2 : 0;
          for (let row = 0; row < rows; row++) {
            column[(at + row) * 4 + offset] = words[row * 2] ?? 0;
            column[(at + row) * 4 + offset + 1] = words[row * 2 + 1] ?? 0;
          }
          break;
        }
      }
    });
    at += rows;
    batch.length = at;
  }
  await cloudContextsOf(connection, contexts, new Set(exporterIds.subarray(0, at)));
  for (let row = 0; row < at; row++) {
    const context = contexts.get(exporterIds[row] ?? 0);
    if (context !== undefined) batch.cloud[row] = batch.internCloud(context);
    // Not stored as such; what the classifier and `record()` read it from.
    batch.ipVersion[row] = batch.isIpv4Source(row) ? 4 : 6;
  }
  if (rowIds.length !== at) rowIds = rowIds.slice(0, at);
  return { batch, rowIds };
}

/** Stage columns between `rid` and the rewritten ones. */
const GUARDS = 3;

/** SQL: the `flows` row (aliased `alias`) is the staged row `s` read, at the same rowid. */
function sameRow(alias: string): string {
  return `${alias}.rowid = s.rid AND ${alias}.end_ms = s.guard_end_ms AND ${alias}.src_addr_lo = s.guard_src_lo AND ${alias}.dst_addr_lo = s.guard_dst_lo`;
}

/** Bits 0–63 of 4-word addresses (words 0 and 1, little-endian) → UBIGINT. */
function copyAddressLow(
  vector: duckdb.Vector,
  words: Uint32Array,
  from: number,
  rows: number,
): void {
  for (let row = 0; row < rows; row++) {
    words64[row * 2] = words[(from + row) * 4] ?? 0;
    words64[row * 2 + 1] = words[(from + row) * 4 + 1] ?? 0;
  }
  duckdb.copy_data_to_vector(vector, 0, words64.buffer, 0, rows * 8);
}

/** For each enum column of the stage table, the stored index of each core vocabulary index. */
function stageEnumTables(types: readonly DuckDBType[]): Map<number, Uint8Array> {
  const vocabularies: Readonly<Record<string, readonly string[]>> = {
    direction: DIRECTIONS,
    direction_source: DIRECTION_SOURCES,
    locality: LOCALITIES,
  };
  const tables = new Map<number, Uint8Array>();
  REWRITTEN.forEach((name, index) => {
    const vocabulary = vocabularies[name];
    if (vocabulary === undefined) return;
    const stored = (types[index + 1 + GUARDS] as DuckDBEnumType | undefined)?.values ?? [];
    const table = new Uint8Array(256);
    vocabulary.forEach((value, coreIndex) => {
      const storedIndex = stored.indexOf(value);
      if (storedIndex < 0) throw new Error(`column ${name} has no member "${value}"`);
      table[coreIndex] = storedIndex;
    });
    tables.set(index + 1 + GUARDS, table);
  });
  return tables;
}

const CHUNK_ROWS = DuckDBVector.standardSize();
const words64 = new Uint32Array(CHUNK_ROWS * 2);
const bytes8 = new Uint8Array(CHUNK_ROWS);
const ids32 = new Uint32Array(CHUNK_ROWS);
const TWO_POW_32 = 4294967296;

function copy64(vector: duckdb.Vector, source: Float64Array, from: number, rows: number): void {
  for (let row = 0; row < rows; row++) {
    const value = source[from + row] ?? 0;
    if (!(value >= 0) || value > Number.MAX_SAFE_INTEGER) {
      throw new Error(`row ${from + row}: ${value} is not a whole non-negative number`);
    }
    const high = Math.floor(value / TWO_POW_32);
    words64[row * 2] = value - high * TWO_POW_32;
    words64[row * 2 + 1] = high;
  }
  duckdb.copy_data_to_vector(vector, 0, words64.buffer, 0, rows * 8);
}

function copyTyped(
  vector: duckdb.Vector,
  source: Uint32Array | Uint16Array,
  from: number,
  rows: number,
): void {
  const width = source.BYTES_PER_ELEMENT;
  duckdb.copy_data_to_vector(
    vector,
    0,
    source.buffer as ArrayBuffer,
    source.byteOffset + from * width,
    rows * width,
  );
}

/**
 * Writes the classifier's columns of `read.batch` over the stored rows `read.rowIds`, and says
 * how many rows changed direction, locality or network. Runs inside the caller's transaction.
 * `networkIds[i]` is the stored id of the batch's network index i + 1.
 */
export async function rewriteChunk(
  connection: DuckDBConnection,
  read: ReadChunk,
  networkIds: Uint32Array,
  aroundUpdate: (update: () => Promise<void>) => Promise<void> = (update) => update(),
): Promise<RewriteCounts> {
  const { batch, rowIds } = read;
  // The stage table takes the stored column types (ENUM members in their stored order).
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${STAGE_TABLE} AS SELECT rowid::BIGINT AS rid, end_ms AS guard_end_ms, src_addr_lo AS guard_src_lo, dst_addr_lo AS guard_dst_lo, ${REWRITTEN.join(", ")} FROM ${FLOWS_TABLE} LIMIT 0`,
  );
  await withAppender(
    connection,
    { table: STAGE_TABLE, schema: "main", catalog: "temp" },
    (appender) => {
      const types = Array.from({ length: appender.columnCount }, (_, index) =>
        appender.columnType(index),
      );
      const enumTables = stageEnumTables(types);
      for (let from = 0; from < batch.length; from += CHUNK_ROWS) {
        const rows = Math.min(CHUNK_ROWS, batch.length - from);
        const chunk = DuckDBDataChunk.create(types, rows);
        const vector = (index: number) => duckdb.data_chunk_get_vector(chunk.chunk, index);
        copy64(vector(0), rowIds, from, rows);
        copy64(vector(1), batch.endMs, from, rows);
        copyAddressLow(vector(2), batch.srcAddr, from, rows);
        copyAddressLow(vector(3), batch.dstAddr, from, rows);
        copy64(vector(GUARDS + 1), batch.bytes, from, rows);
        copy64(vector(GUARDS + 2), batch.packets, from, rows);
        const enums = [batch.direction, batch.directionSource, batch.locality];
        enums.forEach((source, offset) => {
          const table = enumTables.get(GUARDS + 3 + offset) as Uint8Array;
          for (let row = 0; row < rows; row++) bytes8[row] = table[source[from + row] ?? 0] ?? 0;
          duckdb.copy_data_to_vector(vector(GUARDS + 3 + offset), 0, bytes8.buffer, 0, rows);
        });
        // The boundary interface crossed is a network id too (kind boundary): written last.
        const networkColumns: [Uint32Array, number][] = [
          [batch.srcNetwork, GUARDS + 6],
          [batch.dstNetwork, GUARDS + 7],
          [batch.boundary, GUARDS + 12],
        ];
        networkColumns.forEach(([source, position]) => {
          for (let row = 0; row < rows; row++) {
            const index = source[from + row] ?? 0;
            const id = index === 0 ? 0 : networkIds[index - 1];
            if (id === undefined) {
              throw new Error(`network index ${index} is not in the network list`);
            }
            ids32[row] = id;
          }
          duckdb.copy_data_to_vector(vector(position), 0, ids32.buffer, 0, rows * 4);
        });
        copyTyped(vector(GUARDS + 8), batch.srcCountry, from, rows);
        copyTyped(vector(GUARDS + 9), batch.dstCountry, from, rows);
        copyTyped(vector(GUARDS + 10), batch.srcAs, from, rows);
        copyTyped(vector(GUARDS + 11), batch.dstAs, from, rows);
        appender.appendDataChunk(chunk);
      }
    },
  );
  const counted = await connection.runAndReadAll(
    `SELECT count(*)::DOUBLE,
       count(*) FILTER (WHERE f.direction <> s.direction)::DOUBLE,
       count(*) FILTER (WHERE f.locality <> s.locality)::DOUBLE,
       count(*) FILTER (WHERE f.src_network_id <> s.src_network_id OR f.dst_network_id <> s.dst_network_id)::DOUBLE
     FROM ${FLOWS_TABLE} f JOIN temp.main.${STAGE_TABLE} s ON ${sameRow("f")}`,
  );
  const [rows, direction, locality, network] = (counted.getRows()[0] ?? []).map(Number);
  if ((rows ?? 0) !== batch.length) {
    throw new Error(
      `${batch.length - (rows ?? 0)} of the ${batch.length} flows read moved before they could be rewritten (retention deleted older flows meanwhile): nothing of this chunk was changed; run the same reclassify again`,
    );
  }
  await aroundUpdate(async () => {
    await connection.run(
      `UPDATE ${FLOWS_TABLE} SET ${REWRITTEN.map((name) => `${name} = s.${name}`).join(", ")}
       FROM temp.main.${STAGE_TABLE} s WHERE ${sameRow(FLOWS_TABLE)}`,
    );
  });
  await connection.run(`DROP TABLE temp.main.${STAGE_TABLE}`);
  return {
    rows: rows ?? 0,
    directionChanged: direction ?? 0,
    localityChanged: locality ?? 0,
    networkChanged: network ?? 0,
  };
}
