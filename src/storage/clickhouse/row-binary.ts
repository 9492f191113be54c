import { isZeroWords, wordsToText, type FlowBatch } from "../../core/index.ts";
import { FLOW_COLUMN_SPECS, type FlowColumnSpec } from "./schema.ts";

/**
 * Encodes a FlowBatch as ClickHouse RowBinary (little-endian fixed-width values in table
 * order, strings as LEB128 length + bytes) into one Buffer reused from batch to batch: no
 * per-row or per-value object. The batch is columnar and RowBinary is row-major, so each
 * column is written with a stride of the fixed row width; only `extra` has a variable width,
 * and it sits near the end, so a row's fixed prefix is written first and its text after.
 * Native (columnar) would need no stride, but its block header differs between versions and
 * RowBinary is what 18.16 and every later version read alike.
 */

const TWO_POW_32 = 4294967296;

/** Thrown when a batch cannot be converted; the store wraps it in ERR_STORE_WRITE. */
export class RecordConversionError extends Error {
  constructor(recordIndex: number, column: string, detail: string) {
    super(`record ${recordIndex}, column ${column}: ${detail}`);
    this.name = "RecordConversionError";
  }
}

/**
 * The `extra` text of a row: its decoder's extra fields plus post-NAT and VRF fields, as the
 * DuckDB store writes it (`storage/duckdb/columns.ts`, same rules).
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
  if (!isZeroWords(batch.postNatSrcAddr, row)) {
    fields["postNatSrcAddr"] = wordsToText(batch.postNatSrcAddr, row);
  }
  if (!isZeroWords(batch.postNatDstAddr, row)) {
    fields["postNatDstAddr"] = wordsToText(batch.postNatDstAddr, row);
  }
  if (batch.postNatSrcPort[row] !== 0) fields["postNatSrcPort"] = batch.postNatSrcPort[row];
  if (batch.postNatDstPort[row] !== 0) fields["postNatDstPort"] = batch.postNatDstPort[row];
  if (batch.inVrf[row] !== 0) fields["inVrf"] = batch.inVrf[row];
  if (batch.outVrf[row] !== 0) fields["outVrf"] = batch.outVrf[row];
  return JSON.stringify(fields);
}

type TypedColumn = Float64Array | Uint32Array | Uint16Array | Uint8Array;

/** Byte offset of each column inside a row, for the columns before `extra`. */
const OFFSETS: number[] = [];
let prefixWidth = 0;
const EXTRA_INDEX = FLOW_COLUMN_SPECS.findIndex((spec) => spec.kind === "json");
for (const [index, spec] of FLOW_COLUMN_SPECS.entries()) {
  OFFSETS.push(index > EXTRA_INDEX ? -1 : prefixWidth);
  if (index < EXTRA_INDEX) prefixWidth += spec.width;
}
/** Columns after `extra` (fixed width): written after the text. */
const SUFFIX = FLOW_COLUMN_SPECS.slice(EXTRA_INDEX + 1);
const SUFFIX_WIDTH = SUFFIX.reduce((sum, spec) => sum + spec.width, 0);
export const FIXED_ROW_BYTES = prefixWidth + 1 + SUFFIX_WIDTH;

function column(batch: FlowBatch, spec: FlowColumnSpec): TypedColumn {
  return (batch as unknown as Record<string, TypedColumn>)[spec.field] as TypedColumn;
}

export interface RowBinaryEncoder {
  /**
   * The batch as RowBinary. `networkIds` holds two words (lo, hi) per network of the batch's
   * list (index i → words 2i, 2i+1 of network i + 1); `exporterIds` two words per row. The
   * returned Buffer is a view of the encoder's own memory, valid until the next call.
   */
  encode(batch: FlowBatch, networkIds: Uint32Array, exporterIds: Uint32Array): Buffer;
}

export function createRowBinaryEncoder(): RowBinaryEncoder {
  let buffer = Buffer.alloc(0);
  const ensure = (bytes: number, keep: number): void => {
    if (buffer.length >= bytes) return;
    const next = Buffer.alloc(Math.max(bytes, buffer.length * 2));
    buffer.copy(next, 0, 0, keep);
    buffer = next;
  };
  return {
    encode(batch, networkIds, exporterIds) {
      const rows = batch.length;
      ensure(rows * FIXED_ROW_BYTES, 0);
      // First pass: every fixed-width value, assuming an empty `extra`; the rows holding text
      // are rare (NAT, VRF, enterprise fields) and are fixed up by moving bytes afterwards.
      // Simpler and faster than a size pass: compute offsets when a row has text.
      const texts: (string | undefined)[] = [];
      let anyText = false;
      for (let row = 0; row < rows; row++) {
        const text = extraText(batch, row);
        texts.push(text);
        if (text !== undefined && text !== "") anyText = true;
      }
      if (!anyText) {
        writeFixed(buffer, batch, networkIds, exporterIds, 0, rows, FIXED_ROW_BYTES, null);
        return buffer.subarray(0, rows * FIXED_ROW_BYTES);
      }
      // With text: rows have their own widths; write row by row at running offsets.
      let total = 0;
      const encoded = texts.map((text) => (text === undefined ? undefined : Buffer.from(text)));
      for (const bytes of encoded)
        total += FIXED_ROW_BYTES + (bytes === undefined ? 0 : bytes.length + 4);
      ensure(total, 0);
      let at = 0;
      for (let row = 0; row < rows; row++) {
        at = writeFixed(
          buffer,
          batch,
          networkIds,
          exporterIds,
          row,
          row + 1,
          0,
          encoded[row] ?? null,
          at,
        );
      }
      return buffer.subarray(0, at);
    },
  };
}

function leb128(buffer: Buffer, at: number, value: number): number {
  let rest = value;
  let offset = at;
  while (rest >= 0x80) {
    buffer[offset++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buffer[offset++] = rest;
  return offset;
}

/**
 * Writes rows [from, to). With `stride` > 0 every row is FIXED_ROW_BYTES wide (empty extra)
 * and columns are written one after another; with stride 0 one row is written at `at` with
 * `text` as its extra, and the offset after it is returned.
 */
function writeFixed(
  buffer: Buffer,
  batch: FlowBatch,
  networkIds: Uint32Array,
  exporterIds: Uint32Array,
  from: number,
  to: number,
  stride: number,
  text: Buffer | null,
  at = 0,
): number {
  const rowStride = stride === 0 ? 0 : stride;
  const base0 = stride === 0 ? at : 0;
  for (let index = 0; index < FLOW_COLUMN_SPECS.length; index++) {
    const spec = FLOW_COLUMN_SPECS[index] as FlowColumnSpec;
    if (spec.kind === "json") continue;
    let offset = OFFSETS[index] ?? -1;
    if (offset < 0) {
      // After `extra`: its offset depends on the text length.
      offset = prefixWidth + 1 + suffixOffset(index);
      if (text !== null) offset += text.length + lebExtra(text.length);
    }
    let position = base0 + offset;
    const values = column(batch, spec);
    switch (spec.kind) {
      case "ms":
      case "count":
        for (let row = from; row < to; row++, position += rowStride) {
          const value = (values as Float64Array)[row] ?? 0;
          if (!(value >= 0) || value > Number.MAX_SAFE_INTEGER) {
            throw new RecordConversionError(
              row,
              spec.name,
              `${value} is not a whole non-negative number`,
            );
          }
          const high = Math.floor(value / TWO_POW_32);
          buffer.writeUInt32LE(value - high * TWO_POW_32, position);
          buffer.writeUInt32LE(high, position + 4);
        }
        break;
      case "u32":
        for (let row = from; row < to; row++, position += rowStride) {
          buffer.writeUInt32LE((values as Uint32Array)[row] ?? 0, position);
        }
        break;
      case "u16":
        for (let row = from; row < to; row++, position += rowStride) {
          buffer.writeUInt16LE((values as Uint16Array)[row] ?? 0, position);
        }
        break;
      case "u8":
        for (let row = from; row < to; row++, position += rowStride) {
          buffer[position] = (values as Uint8Array)[row] ?? 0;
        }
        break;
      case "addr-hi":
      case "addr-lo": {
        const shift = spec.kind === "addr-hi" ? 2 : 0;
        for (let row = from; row < to; row++, position += rowStride) {
          buffer.writeUInt32LE((values as Uint32Array)[row * 4 + shift] ?? 0, position);
          buffer.writeUInt32LE((values as Uint32Array)[row * 4 + shift + 1] ?? 0, position + 4);
        }
        break;
      }
      case "network":
        for (let row = from; row < to; row++, position += rowStride) {
          const network = (values as Uint32Array)[row] ?? 0;
          if (network === 0) {
            buffer.writeUInt32LE(0, position);
            buffer.writeUInt32LE(0, position + 4);
            continue;
          }
          const lo = networkIds[(network - 1) * 2];
          const hi = networkIds[(network - 1) * 2 + 1];
          if (lo === undefined || hi === undefined) {
            throw new RecordConversionError(
              row,
              spec.name,
              `network index ${network} is not in the batch's network list`,
            );
          }
          buffer.writeUInt32LE(lo, position);
          buffer.writeUInt32LE(hi, position + 4);
        }
        break;
      case "exporter":
        for (let row = from; row < to; row++, position += rowStride) {
          buffer.writeUInt32LE(exporterIds[row * 2] ?? 0, position);
          buffer.writeUInt32LE(exporterIds[row * 2 + 1] ?? 0, position + 4);
        }
        break;
    }
  }
  // The `extra` string: a zero length byte (empty) per row, or the text.
  const extraAt = base0 + prefixWidth;
  if (text === null) {
    for (let row = from, position = extraAt; row < to; row++, position += rowStride)
      buffer[position] = 0;
    return base0 + (to - from) * FIXED_ROW_BYTES;
  }
  const after = leb128(buffer, extraAt, text.length);
  text.copy(buffer, after);
  return base0 + FIXED_ROW_BYTES + text.length + lebExtra(text.length);
}

/** LEB128 bytes beyond the one FIXED_ROW_BYTES already counts. */
function lebExtra(length: number): number {
  let bytes = 1;
  for (let rest = length; rest >= 0x80; rest >>>= 7) bytes++;
  return bytes - 1;
}

function suffixOffset(index: number): number {
  let offset = 0;
  for (let at = EXTRA_INDEX + 1; at < index; at++) offset += FLOW_COLUMN_SPECS[at]?.width ?? 0;
  return offset;
}
