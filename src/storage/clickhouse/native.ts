import type { FlowBatch } from "../../core/index.ts";
import { extraText, RecordConversionError } from "./row-binary.ts";
import { FLOW_COLUMN_SPECS, type FlowColumnSpec } from "./schema.ts";

/**
 * Encodes a FlowBatch as one block of ClickHouse's Native format over HTTP (`INSERT … FORMAT
 * Native`): the column count and row count (LEB128), then per column its name, its type and
 * its values, contiguous and little-endian. Native is columnar like the batch, so a column of
 * the batch's own width (UInt32, UInt16, UInt8 and the Enum8 indexes) is one `set` of its bytes,
 * and the rest are tight loops over typed-array views of one ArrayBuffer: no per-value call,
 * no stride. Over HTTP the block has no block-info header (that belongs to the TCP protocol,
 * when the client sends a revision), which is why 18.16 and later versions read it alike;
 * checked against 18.16.1 by the contract suite.
 *
 * Measured against the RowBinary writer it replaces (row-binary.ts, `writeUInt32LE` per value
 * at a row stride): see bench/clickhouse-append.ts and docs/34-clickhouse.md.
 */

const TWO_POW_32 = 4294967296;
const encoder = new TextEncoder();

export interface NativeEncoder {
  /**
   * The batch as one Native block. `networkIds` and `exporterIds` as for the RowBinary encoder
   * (two words, lo then hi, per network of the list / per row). The result is a view of the
   * encoder's own memory, valid until the next call.
   */
  encode(batch: FlowBatch, networkIds: Uint32Array, exporterIds: Uint32Array): Uint8Array;
}

/** One growing byte buffer, kept from batch to batch. */
class Output {
  bytes = new Uint8Array(0);
  at = 0;

  reserve(extra: number): void {
    const needed = this.at + extra;
    if (needed <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    next.set(this.bytes.subarray(0, this.at));
    this.bytes = next;
  }

  leb128(value: number): void {
    this.reserve(10);
    let rest = value;
    while (rest >= 0x80) {
      this.bytes[this.at++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.bytes[this.at++] = rest;
  }

  text(value: string): void {
    const encoded = encoder.encode(value);
    this.leb128(encoded.length);
    this.reserve(encoded.length);
    this.bytes.set(encoded, this.at);
    this.at += encoded.length;
  }
}

type TypedColumn = Float64Array | Uint32Array | Uint16Array | Uint8Array;

function column(batch: FlowBatch, spec: FlowColumnSpec): TypedColumn {
  return (batch as unknown as Record<string, TypedColumn>)[spec.field] as TypedColumn;
}

export function createNativeEncoder(): NativeEncoder {
  const out = new Output();
  /** Values of 8-byte columns, built aligned here and copied after the (unaligned) header. */
  let scratch = new Uint32Array(0);
  let scratchBytes = new Uint8Array(0);

  function wide(rows: number): Uint32Array {
    if (scratch.length < rows * 2) {
      scratch = new Uint32Array(rows * 2);
      scratchBytes = new Uint8Array(scratch.buffer);
    }
    return scratch;
  }

  function putWide(rows: number): void {
    out.reserve(rows * 8);
    out.bytes.set(scratchBytes.subarray(0, rows * 8), out.at);
    out.at += rows * 8;
  }

  return {
    encode(batch, networkIds, exporterIds) {
      const rows = batch.length;
      out.at = 0;
      out.leb128(FLOW_COLUMN_SPECS.length);
      out.leb128(rows);
      for (const spec of FLOW_COLUMN_SPECS) {
        out.text(spec.name);
        out.text(spec.type);
        switch (spec.kind) {
          case "u32":
          case "u16":
          case "u8": {
            const values = column(batch, spec);
            const bytes = new Uint8Array(values.buffer, values.byteOffset, rows * spec.width);
            out.reserve(bytes.length);
            out.bytes.set(bytes, out.at);
            out.at += bytes.length;
            break;
          }
          case "ms":
          case "count": {
            const values = column(batch, spec) as Float64Array;
            const target = wide(rows);
            for (let row = 0; row < rows; row++) {
              const value = values[row] as number;
              if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER)) {
                throw new RecordConversionError(
                  row,
                  spec.name,
                  `${value} is not a whole non-negative number`,
                );
              }
              const high = Math.floor(value / TWO_POW_32);
              target[row * 2] = value - high * TWO_POW_32;
              target[row * 2 + 1] = high;
            }
            putWide(rows);
            break;
          }
          case "addr-hi":
          case "addr-lo": {
            // Four words per address, least significant first (core/ip.ts): lo is words 0–1.
            const words = column(batch, spec) as Uint32Array;
            const shift = spec.kind === "addr-hi" ? 2 : 0;
            const target = wide(rows);
            for (let row = 0; row < rows; row++) {
              target[row * 2] = words[row * 4 + shift] as number;
              target[row * 2 + 1] = words[row * 4 + shift + 1] as number;
            }
            putWide(rows);
            break;
          }
          case "network": {
            const indexes = column(batch, spec) as Uint32Array;
            const target = wide(rows);
            const networks = networkIds.length / 2;
            for (let row = 0; row < rows; row++) {
              const network = indexes[row] as number;
              if (network === 0) {
                target[row * 2] = 0;
                target[row * 2 + 1] = 0;
                continue;
              }
              if (network > networks) {
                throw new RecordConversionError(
                  row,
                  spec.name,
                  `network index ${network} is not in the batch's network list`,
                );
              }
              target[row * 2] = networkIds[(network - 1) * 2] as number;
              target[row * 2 + 1] = networkIds[(network - 1) * 2 + 1] as number;
            }
            putWide(rows);
            break;
          }
          case "exporter": {
            out.reserve(rows * 8);
            out.bytes.set(
              new Uint8Array(exporterIds.buffer, exporterIds.byteOffset, rows * 8),
              out.at,
            );
            out.at += rows * 8;
            break;
          }
          case "json": {
            // Mostly empty: one zero length byte per row, text only where a row has some.
            out.reserve(rows);
            for (let row = 0; row < rows; row++) {
              const text = extraText(batch, row);
              if (text === undefined || text === "") {
                out.reserve(1);
                out.bytes[out.at++] = 0;
              } else {
                out.text(text);
              }
            }
            break;
          }
        }
      }
      return out.bytes.subarray(0, out.at);
    },
  };
}
