/**
 * Cuts a stream of JSON text into units (one JSON value each) without parsing it, so that the
 * importer's memory is bounded by the largest unit, not by the file: an Azure blob
 * `{"records":[…]}` is often hundreds of MB, and `gcloud logging read --format=json` writes one
 * array holding every entry.
 *
 * Units:
 * - each top-level object of NDJSON, of whitespace-separated or directly concatenated objects
 *   (`{…}{…}`: Firehose writes CloudWatch Logs envelopes that way);
 * - each element of a top-level array;
 * - each element of the `records` array when a top-level object's FIRST key is `"records"` and
 *   its value is an array (Azure blobs); whatever follows that array in the object is skipped;
 * - any other top-level object, whole.
 *
 * The scanner looks at bytes: UTF-8 multi-byte sequences never contain ASCII bytes (RFC 3629
 * §3), so `"`, `\`, brackets and newlines are found without decoding. It tracks strings,
 * escapes and depth only: a unit's text may still be invalid JSON (`{"a":}`), which the caller's
 * `JSON.parse` reports. Top-level scalars are not units (no flow log is a scalar): they are
 * garbage like any other byte that cannot start an object or array.
 *
 * Errors are units too, never exceptions:
 * - `bad-json`: structural garbage at top level (a stray `}`, a non-JSON line), a raw line
 *   break inside a string (never valid, RFC 8259 §7: the usual sign of a cut NDJSON line), or a
 *   value cut off by the end of the stream. After garbage the scanner resyncs at the next line
 *   whose first non-blank byte is `{` or `[`; one error unit covers everything skipped.
 * - `too-large`: a unit longer than `maxValueBytes`; it is scanned to its end but not
 *   buffered.
 *
 * Known limit: a value cut outside a string (`{"a":1` then a newline and the next object) is
 * not detectable by structure alone: the following lines join it until the brackets balance,
 * the limit is hit or the stream ends.
 */

/** A value found in the stream. Offsets are bytes from the stream's start, end exclusive. */
export interface JsonTextUnit {
  text: string;
  startOffset: number;
  endOffset: number;
  /** 1-based line on which the value starts. */
  line: number;
}

export const JSON_SPLIT_ERRORS = ["bad-json", "too-large"] as const;
export type JsonSplitError = (typeof JSON_SPLIT_ERRORS)[number];

/** A stretch of the stream that is not a usable value. */
export interface JsonErrorUnit {
  error: JsonSplitError;
  detail: string;
  startOffset: number;
  endOffset: number;
  line: number;
}

export type JsonUnit = JsonTextUnit | JsonErrorUnit;

export interface JsonValueSplitterOptions {
  /** Largest unit kept, in bytes (default 64 MiB). Larger ones become `too-large` units. */
  maxValueBytes?: number;
}

export interface JsonValueSplitter {
  /** Scans the next bytes of the stream; returns the units that ended in them. */
  push(chunk: Uint8Array): JsonUnit[];
  /** Ends the stream: returns what is left (a cut value, trailing garbage). Resets the state. */
  finish(): JsonUnit[];
  /** Bytes pushed so far. */
  readonly offset: number;
}

export const JSON_VALUE_MAX_BYTES_DEFAULT = 64 * 1024 * 1024;

export function isJsonErrorUnit(unit: JsonUnit): unit is JsonErrorUnit {
  return "error" in unit;
}

export function createJsonValueSplitter(options: JsonValueSplitterOptions = {}): JsonValueSplitter {
  return new Splitter(options.maxValueBytes ?? JSON_VALUE_MAX_BYTES_DEFAULT);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Byte classes outside strings. */
const C_PLAIN = 0;
const C_QUOTE = 1;
const C_OPEN = 2;
const C_CLOSE = 3;
const C_NEWLINE = 4;
const STRUCTURE = new Uint8Array(256);
STRUCTURE[QUOTE] = C_QUOTE;
STRUCTURE[OPEN_BRACE] = C_OPEN;
STRUCTURE[OPEN_BRACKET] = C_OPEN;
STRUCTURE[CLOSE_BRACE] = C_CLOSE;
STRUCTURE[CLOSE_BRACKET] = C_CLOSE;
STRUCTURE[NEWLINE] = C_NEWLINE;

/** Bytes of a string scanned by a plain loop before switching to native searches. */
const SHORT_STRING_BYTES = 24;

/** `records`, the first key that makes a top-level object a container (Azure blobs). */
const RECORDS_KEY = [0x72, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x73] as const;
/** UTF-8 byte order mark, tolerated at the very start of the stream. */
const BOM = [0xef, 0xbb, 0xbf] as const;

/** Between top-level values. */
const M_TOP = 0;
/** Inside an object or array (a unit, or the tail of a records object being skipped). */
const M_VALUE = 1;
/** Between the elements of a container (top-level array or records array). */
const M_CONTAINER = 2;
/** Inside a scalar element of a container. */
const M_SCALAR = 3;
/** After a top-level `{`: is its first key "records" holding an array? */
const M_PROBE = 4;
/** Skipping garbage up to the next line that starts a value. */
const M_GARBAGE = 5;

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

function describeByte(byte: number): string {
  return byte >= 0x21 && byte < 0x7f
    ? `'${String.fromCharCode(byte)}'`
    : `byte 0x${byte.toString(16).padStart(2, "0")}`;
}

class Splitter implements JsonValueSplitter {
  readonly #maxValueBytes: number;
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  /** Absolute offset of the current chunk's first byte. */
  #base = 0;
  #line = 1;
  #mode = M_TOP;
  #depth = 0;
  #inString = false;
  /** A backslash was the last byte of the previous chunk: skip the first byte of this one. */
  #escapePending = false;
  /** Depth at which the current value ends. */
  #endDepth = 0;
  /** Depth of the elements' container: 1 top-level array, 2 records array, 0 none. */
  #containerDepth = 0;
  #containerStart = 0;
  #containerLine = 1;

  #hasUnit = false;
  /** End offset and last line of the last unit emitted. */
  #lastEnd = 0;
  #lastLine = 1;
  #unitStart = 0;
  #unitLine = 1;
  #unitIsString = false;
  #parts: Uint8Array[] = [];
  #partsBytes = 0;
  #tooLarge = false;

  #probeState = 0;
  /** Next backslash and line break in the current chunk at or after the scan (n: none). */
  #nextBackslash = -1;
  #nextNewline = -1;

  #garbageStart = 0;
  #garbageLine = 1;
  #garbageDetail = "";
  #atLineStart = false;
  #lineStart = 0;

  constructor(maxValueBytes: number) {
    this.#maxValueBytes = maxValueBytes;
  }

  get offset(): number {
    return this.#base;
  }

  push(chunk: Uint8Array): JsonUnit[] {
    const out: JsonUnit[] = [];
    const n = chunk.length;
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, n);
    this.#nextBackslash = -1;
    this.#nextNewline = -1;
    let i = 0;
    if (this.#escapePending && n > 0) {
      this.#escapePending = false;
      i = 1;
    }
    while (i < n) {
      switch (this.#mode) {
        case M_TOP:
          i = this.#top(chunk, i, n);
          break;
        case M_VALUE:
          i = this.#value(chunk, view, i, n, out);
          break;
        case M_CONTAINER:
          i = this.#container(chunk, i, n);
          break;
        case M_SCALAR:
          i = this.#scalar(chunk, i, n, out);
          break;
        case M_PROBE:
          i = this.#probe(chunk, i, n);
          break;
        default:
          i = this.#garbage(chunk, i, n, out);
      }
    }
    this.#keepUnitTail(chunk, n);
    this.#base += n;
    return out;
  }

  finish(): JsonUnit[] {
    const out: JsonUnit[] = [];
    const end = this.#base;
    if (this.#mode === M_GARBAGE) {
      out.push(this.#garbageUnit(end));
    } else if (this.#hasUnit) {
      const length = end - this.#unitStart;
      out.push(
        this.#tooLarge || length > this.#maxValueBytes
          ? {
              error: "too-large",
              detail: `value of more than ${this.#maxValueBytes} bytes, cut by the end of the stream`,
              startOffset: this.#unitStart,
              endOffset: end,
              line: this.#unitLine,
            }
          : {
              error: "bad-json",
              detail: `value cut by the end of the stream after ${length} bytes`,
              startOffset: this.#unitStart,
              endOffset: end,
              line: this.#unitLine,
            },
      );
    } else if (this.#mode === M_CONTAINER || this.#mode === M_VALUE) {
      out.push({
        error: "bad-json",
        detail:
          this.#mode === M_CONTAINER
            ? "stream ended inside the top-level array or records array"
            : "stream ended inside the object holding the records array",
        // After the last unit: the units before it were whole.
        startOffset: Math.max(this.#containerStart, this.#lastEnd),
        endOffset: end,
        line: this.#lastEnd > this.#containerStart ? this.#lastLine : this.#containerLine,
      });
    }
    this.#reset();
    return out;
  }

  #reset(): void {
    this.#base = 0;
    this.#line = 1;
    this.#mode = M_TOP;
    this.#depth = 0;
    this.#inString = false;
    this.#escapePending = false;
    this.#containerDepth = 0;
    this.#lastEnd = 0;
    this.#lastLine = 1;
    this.#dropUnit();
  }

  #top(chunk: Uint8Array, start: number, n: number): number {
    let i = start;
    for (; i < n; i++) {
      const byte = chunk[i] ?? 0;
      if (byte === NEWLINE) this.#line++;
      else if (!isBlank(byte)) break;
    }
    if (i >= n) return i;
    const byte = chunk[i] ?? 0;
    const at = this.#base + i;
    if (byte === OPEN_BRACE) {
      this.#startUnit(at, false);
      this.#containerStart = at;
      this.#containerLine = this.#line;
      this.#depth = 1;
      this.#endDepth = 0;
      this.#probeState = 0;
      this.#mode = M_PROBE;
      return i + 1;
    }
    if (byte === OPEN_BRACKET) {
      this.#containerStart = at;
      this.#containerLine = this.#line;
      this.#depth = 1;
      this.#containerDepth = 1;
      this.#mode = M_CONTAINER;
      return i + 1;
    }
    if (at < BOM.length && byte === BOM[at]) return i + 1;
    this.#startGarbage(at, `unexpected ${describeByte(byte)} at top level`);
    return i;
  }

  #probe(chunk: Uint8Array, start: number, n: number): number {
    let i = start;
    while (i < n) {
      const byte = chunk[i] ?? 0;
      const state = this.#probeState;
      if (state === 0 || state === 9 || state === 10) {
        if (byte === NEWLINE) {
          this.#line++;
          i++;
          continue;
        }
        if (isBlank(byte)) {
          i++;
          continue;
        }
        const expected = state === 0 ? QUOTE : state === 9 ? COLON : OPEN_BRACKET;
        if (byte !== expected) return this.#probeFailed(i, false);
        if (state === 10) {
          // `{"records": [`: the elements are the units, the object itself is not one.
          this.#dropUnit();
          this.#depth = 2;
          this.#containerDepth = 2;
          this.#mode = M_CONTAINER;
          return i + 1;
        }
        this.#probeState = state === 0 ? 1 : 10;
        i++;
        continue;
      }
      const expected = state <= RECORDS_KEY.length ? RECORDS_KEY[state - 1] : QUOTE;
      if (byte !== expected) return this.#probeFailed(i, true);
      this.#probeState = state + 1;
      i++;
    }
    return i;
  }

  /** The object is a unit of its own; resume the ordinary scan at the byte that differed. */
  #probeFailed(i: number, inString: boolean): number {
    this.#mode = M_VALUE;
    this.#inString = inString;
    return i;
  }

  #container(chunk: Uint8Array, start: number, n: number): number {
    let i = start;
    for (; i < n; i++) {
      const byte = chunk[i] ?? 0;
      if (byte === NEWLINE) this.#line++;
      else if (!isBlank(byte) && byte !== COMMA) break;
    }
    if (i >= n) return i;
    const byte = chunk[i] ?? 0;
    const at = this.#base + i;
    if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      this.#depth--;
      this.#containerDepth = 0;
      if (this.#depth === 0) {
        this.#mode = M_TOP;
      } else {
        // The records array ended: skip the rest of its object, no unit.
        this.#mode = M_VALUE;
        this.#inString = false;
        this.#endDepth = 0;
      }
      return i + 1;
    }
    this.#endDepth = this.#containerDepth;
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      this.#startUnit(at, false);
      this.#depth++;
      this.#inString = false;
      this.#mode = M_VALUE;
      return i + 1;
    }
    if (byte === QUOTE) {
      this.#startUnit(at, true);
      this.#inString = true;
      this.#mode = M_VALUE;
      return i + 1;
    }
    this.#startUnit(at, false);
    this.#mode = M_SCALAR;
    return i;
  }

  #scalar(chunk: Uint8Array, start: number, n: number, out: JsonUnit[]): number {
    let i = start;
    for (; i < n; i++) {
      const byte = chunk[i] ?? 0;
      if (
        byte === COMMA ||
        byte === CLOSE_BRACKET ||
        byte === CLOSE_BRACE ||
        byte === NEWLINE ||
        isBlank(byte)
      ) {
        break;
      }
    }
    if (i < n) {
      this.#emitUnit(chunk, i, out);
      this.#mode = M_CONTAINER;
    }
    return i;
  }

  /** The hot loop: inside an object or array, strings included. */
  #value(chunk: Uint8Array, view: Buffer, start: number, n: number, out: JsonUnit[]): number {
    let i = start;
    let depth = this.#depth;
    let inString = this.#inString;
    const endDepth = this.#endDepth;
    while (i < n) {
      if (inString) {
        // Short strings (keys) end within a few bytes: a plain loop. Longer ones (Azure
        // tuples, GCP names) go to native searches, Buffer#indexOf (memchr), which scanned
        // the compact Azure blob of bench/json-splitter.ts faster than any byte loop (Node 20).
        // Backslashes and raw line breaks are rare inside strings: their next positions are
        // searched once and reused until the scan passes them.
        const near = i + SHORT_STRING_BYTES < n ? i + SHORT_STRING_BYTES : n;
        while (i < near) {
          const byte = chunk[i] ?? 0;
          if (byte === QUOTE || byte === BACKSLASH || byte === NEWLINE) break;
          i++;
        }
        if (i === near && near < n) {
          const quote = view.indexOf(QUOTE, i);
          let stop = quote < 0 ? n : quote;
          if (this.#nextBackslash < i) {
            const found = view.indexOf(BACKSLASH, i);
            this.#nextBackslash = found < 0 ? n : found;
          }
          if (this.#nextNewline < i) {
            const found = view.indexOf(NEWLINE, i);
            this.#nextNewline = found < 0 ? n : found;
          }
          if (this.#nextBackslash < stop) stop = this.#nextBackslash;
          if (this.#nextNewline < stop) stop = this.#nextNewline;
          i = stop;
        }
        if (i >= n) break;
        const byte = chunk[i] ?? 0;
        if (byte === QUOTE) {
          i++;
          inString = false;
          if (this.#unitIsString && depth === endDepth) {
            this.#depth = depth;
            this.#inString = false;
            this.#emitUnit(chunk, i, out);
            this.#mode = M_CONTAINER;
            return i;
          }
        } else if (byte === BACKSLASH) {
          i += 2;
          if (i > n) this.#escapePending = true;
        } else {
          // A raw line break cannot be inside a JSON string (RFC 8259 §7): the value was cut.
          const at = this.#base + i;
          const from = this.#hasUnit ? this.#unitStart : at;
          const line = this.#hasUnit ? this.#unitLine : this.#line;
          this.#dropUnit();
          this.#depth = 0;
          this.#inString = false;
          this.#containerDepth = 0;
          this.#startGarbage(from, "line break inside a string (value cut off)");
          this.#garbageLine = line;
          this.#line++;
          this.#atLineStart = true;
          this.#lineStart = at + 1;
          return i + 1;
        }
        continue;
      }
      for (; i < n; i++) {
        const kind = STRUCTURE[chunk[i] ?? 0] ?? C_PLAIN;
        if (kind === C_PLAIN) continue;
        if (kind === C_QUOTE) {
          inString = true;
          i++;
          break;
        }
        if (kind === C_OPEN) {
          depth++;
        } else if (kind === C_CLOSE) {
          depth--;
          if (depth === endDepth) {
            i++;
            this.#depth = depth;
            this.#inString = false;
            if (this.#hasUnit) this.#emitUnit(chunk, i, out);
            this.#mode =
              this.#containerDepth > 0 && depth === this.#containerDepth ? M_CONTAINER : M_TOP;
            return i;
          }
        } else {
          this.#line++;
        }
      }
    }
    this.#depth = depth;
    this.#inString = inString;
    return i;
  }

  #garbage(chunk: Uint8Array, start: number, n: number, out: JsonUnit[]): number {
    let i = start;
    while (i < n) {
      if (!this.#atLineStart) {
        const newline = chunk.indexOf(NEWLINE, i);
        if (newline < 0) return n;
        i = newline;
      }
      const byte = chunk[i] ?? 0;
      if (byte === NEWLINE) {
        this.#line++;
        this.#atLineStart = true;
        this.#lineStart = this.#base + i + 1;
        i++;
        continue;
      }
      if (isBlank(byte)) {
        i++;
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        out.push(this.#garbageUnit(this.#lineStart));
        this.#mode = M_TOP;
        return i;
      }
      this.#atLineStart = false;
      i++;
    }
    return i;
  }

  #startGarbage(at: number, detail: string): void {
    this.#mode = M_GARBAGE;
    this.#garbageStart = at;
    this.#garbageLine = this.#line;
    this.#garbageDetail = detail;
    this.#atLineStart = false;
  }

  #garbageUnit(end: number): JsonErrorUnit {
    return {
      error: "bad-json",
      detail: this.#garbageDetail,
      startOffset: this.#garbageStart,
      endOffset: end,
      line: this.#garbageLine,
    };
  }

  #startUnit(at: number, isString: boolean): void {
    this.#hasUnit = true;
    this.#unitStart = at;
    this.#unitLine = this.#line;
    this.#unitIsString = isString;
    this.#tooLarge = false;
  }

  #dropUnit(): void {
    this.#hasUnit = false;
    this.#unitIsString = false;
    this.#tooLarge = false;
    if (this.#partsBytes > 0) {
      this.#parts = [];
      this.#partsBytes = 0;
    }
  }

  /** The unit ends before chunk[end]. */
  #emitUnit(chunk: Uint8Array, end: number, out: JsonUnit[]): void {
    const endOffset = this.#base + end;
    const startOffset = this.#unitStart;
    const length = endOffset - startOffset;
    const line = this.#unitLine;
    if (this.#tooLarge || length > this.#maxValueBytes) {
      out.push({
        error: "too-large",
        detail: `value of ${length} bytes exceeds the limit of ${this.#maxValueBytes}`,
        startOffset,
        endOffset,
        line,
      });
    } else if (this.#partsBytes === 0) {
      out.push({
        text: this.#decoder.decode(chunk.subarray(startOffset - this.#base, end)),
        startOffset,
        endOffset,
        line,
      });
    } else {
      const bytes = new Uint8Array(length);
      let at = 0;
      for (const part of this.#parts) {
        bytes.set(part, at);
        at += part.length;
      }
      bytes.set(chunk.subarray(0, end), at);
      out.push({ text: this.#decoder.decode(bytes), startOffset, endOffset, line });
    }
    this.#lastEnd = endOffset;
    this.#lastLine = this.#line;
    this.#dropUnit();
  }

  /** At the end of a chunk: copy the open unit's bytes (the caller may reuse its buffer). */
  #keepUnitTail(chunk: Uint8Array, n: number): void {
    if (!this.#hasUnit || this.#tooLarge) return;
    const from = Math.max(this.#unitStart - this.#base, 0);
    if (this.#base + n - this.#unitStart > this.#maxValueBytes) {
      this.#tooLarge = true;
      this.#parts = [];
      this.#partsBytes = 0;
      return;
    }
    if (from >= n) return;
    this.#parts.push(chunk.slice(from, n));
    this.#partsBytes += n - from;
  }
}
