/**
 * Range CSV files as @ip-location-db publishes them (and as a user may write them):
 *
 *   ASN:      start,end,asn,name      1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
 *   country:  start,end,country       2001:200::,2001:218:2000:51:ffff:ffff:ffff:ffff,AU
 *
 * Ends are inclusive. Addresses are text (IPv4 dotted quad or IPv6) or, for IPv4, a decimal
 * number (the `-num` files); a file may mix both families. Names follow RFC 4180 quoting (`""`
 * inside quotes is one quote). Blank lines and `#` comments are skipped, and so is a first line
 * that does not start with an address (a header). Parsing works on bytes: only IPv6 addresses and
 * names become strings.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { AppError, parseIpv6ToWords } from "../../core/index.ts";
import type { RangeListBuilder } from "./range-list.ts";
import { countryValue } from "./values.ts";
import type { AsnValues } from "./values.ts";

/** Lines parsed between two yields to the event loop, so a reload does not stall receivers. */
const LINES_PER_SLICE = 65_536;

/** Where a file's ranges go, one builder per family. */
export interface RangeSinks {
  readonly ipv4: RangeListBuilder;
  readonly ipv6: RangeListBuilder;
}

/** The two formats: what follows `start,end,` on a line. */
type ValueFormat = "asn" | "country";

const FORMAT_TEXT: Record<ValueFormat, string> = {
  asn: "start,end,asn,name",
  country: "start,end,country",
};

/** Reads `start,end,asn,name` lines into the sinks; returns the number of ranges read. */
export function parseAsnCsv(
  bytes: Buffer,
  file: string,
  values: AsnValues,
  sinks: RangeSinks,
): Promise<number> {
  return parseRangeCsv(bytes, file, "asn", sinks, values);
}

/** Reads `start,end,country` lines into the sinks; returns the number of ranges read. */
export function parseCountryCsv(bytes: Buffer, file: string, sinks: RangeSinks): Promise<number> {
  return parseRangeCsv(bytes, file, "country", sinks, undefined);
}

/** Parser state across lines: the previous ASN line's name bytes and value, reused when equal. */
interface LineState {
  readonly format: ValueFormat;
  readonly values: AsnValues | undefined;
  readonly words: Uint32Array;
  previousAsn: number;
  previousNameStart: number;
  previousNameEnd: number;
  previousValue: number;
}

async function parseRangeCsv(
  bytes: Buffer,
  file: string,
  format: ValueFormat,
  sinks: RangeSinks,
  values: AsnValues | undefined,
): Promise<number> {
  const length = bytes.length;
  let lines = 0;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
  // Size the family of the first line for the whole file: files are one family in practice.
  const firstLineEnd = bytes.indexOf(10);
  const firstIsIpv6 = indexOf(bytes, 58, 0, firstLineEnd === -1 ? length : firstLineEnd) !== -1;
  (firstIsIpv6 ? sinks.ipv6 : sinks.ipv4).reserve(lines + 1);
  const state: LineState = {
    format,
    values,
    words: new Uint32Array(8),
    previousAsn: -1,
    previousNameStart: 0,
    previousNameEnd: 0,
    previousValue: -1,
  };
  let ranges = 0;
  let lineNumber = 0;
  let position = 0;
  while (position < length) {
    // Buffer.indexOf is a native memchr: the one scan over the whole file.
    let lineEnd = bytes.indexOf(10, position);
    if (lineEnd === -1) lineEnd = length;
    const next = lineEnd + 1;
    if (lineEnd > position && bytes[lineEnd - 1] === 13) lineEnd--;
    lineNumber++;
    if (lineNumber % LINES_PER_SLICE === 0) await yieldToLoop();
    const first = bytes[position];
    if (lineEnd === position || first === 35 /* # */) {
      position = next;
      continue;
    }
    const problem = readLine(bytes, position, lineEnd, state, sinks);
    if (problem !== undefined) {
      if (lineNumber === 1 && problem.header) {
        position = next;
        continue;
      }
      throw new AppError(
        "ERR_REGISTRY_FORMAT",
        `${file} line ${lineNumber} ${problem.message} (expected ${FORMAT_TEXT[format]}): ` +
          `"${bytes.toString("utf8", position, Math.min(lineEnd, position + 120))}"`,
      );
    }
    ranges++;
    position = next;
  }
  return ranges;
}

/** Reads `asn,name` from `start` to the line's end: a value id, or a problem. */
function readAsnValue(
  bytes: Buffer,
  start: number,
  end: number,
  state: LineState,
): number | string {
  const comma = indexOf(bytes, 44, start, end);
  if (comma === -1) return "has no name field after the ASN";
  let digitsStart = start;
  // "AS15169" is how IPinfo and many tools write an ASN; accept it.
  if (end - start > 2 && (bytes[start] === 65 || bytes[start] === 97)) {
    if (bytes[start + 1] === 83 || bytes[start + 1] === 115) digitsStart += 2;
  }
  const asn = parseDecimal(bytes, digitsStart, comma);
  if (asn < 0 || asn > 0xffffffff) {
    return `has ASN "${bytes.toString("latin1", start, comma)}", not a number`;
  }
  // Neighbouring ranges often belong to the same AS: reuse its value without decoding the name.
  if (
    asn === state.previousAsn &&
    bytes.compare(bytes, state.previousNameStart, state.previousNameEnd, comma + 1, end) === 0
  ) {
    return state.previousValue;
  }
  const value = state.values?.intern(asn, readCsvField(bytes, comma + 1, end)) ?? -1;
  state.previousAsn = asn;
  state.previousNameStart = comma + 1;
  state.previousNameEnd = end;
  state.previousValue = value;
  return value;
}

/** Reads `country` from `start` to the line's end: its code, -1 when empty, or a problem. */
function readCountryValue(bytes: Buffer, start: number, end: number): number | string {
  if (end - start === 2) {
    const code = countryValue(bytes.toString("latin1", start, end));
    if (code !== 0) return code;
  }
  const text = readCsvField(bytes, start, end).trim();
  if (text === "") return -1;
  const code = countryValue(text);
  if (code === 0) return `has country "${text}", not an ISO 3166-1 alpha-2 code such as US`;
  return code;
}

interface Problem {
  readonly message: string;
  /** True when the line does not even start with an address: a header on line 1. */
  readonly header: boolean;
}

function readLine(
  bytes: Buffer,
  start: number,
  end: number,
  state: LineState,
  sinks: RangeSinks,
): Problem | undefined {
  const words = state.words;
  const firstComma = indexOf(bytes, 44, start, end);
  if (firstComma === -1) return { message: "has no comma", header: true };
  const secondComma = indexOf(bytes, 44, firstComma + 1, end);
  if (secondComma === -1) return { message: "has fewer than three fields", header: false };
  const startFamily = readAddress(bytes, start, firstComma, words, 0);
  if (startFamily === 0) {
    return {
      message: `has start "${bytes.toString("utf8", start, firstComma)}", not an IP address`,
      header: true,
    };
  }
  const endFamily = readAddress(bytes, firstComma + 1, secondComma, words, 4);
  if (endFamily === 0) {
    return {
      message: `has end "${bytes.toString("utf8", firstComma + 1, secondComma)}", not an IP address`,
      header: false,
    };
  }
  if (startFamily !== endFamily) {
    return { message: "mixes an IPv4 and an IPv6 address", header: false };
  }
  for (let word = 0; word < 4; word++) {
    const startWord = words[word] ?? 0;
    const endWord = words[word + 4] ?? 0;
    if (startWord < endWord) break;
    if (startWord > endWord) return { message: "has its start after its end", header: false };
  }
  const value =
    state.format === "asn"
      ? readAsnValue(bytes, secondComma + 1, end, state)
      : readCountryValue(bytes, secondComma + 1, end);
  if (typeof value === "string") return { message: value, header: false };
  if (value < 0) return undefined; // An empty value: the source says nothing of these addresses.
  const sink = startFamily === 4 ? sinks.ipv4 : sinks.ipv6;
  sink.push(
    words[0] ?? 0,
    words[1] ?? 0,
    words[2] ?? 0,
    words[3] ?? 0,
    words[4] ?? 0,
    words[5] ?? 0,
    words[6] ?? 0,
    words[7] ?? 0,
    value,
  );
  return undefined;
}

const ipv6Words = new Uint32Array(4);

/**
 * Reads an address field into `words` at `offset` (four words, IPv4 as `[0, 0, 0, v4]`) and
 * returns its family, or 0 when the field is not an address.
 */
function readAddress(
  bytes: Buffer,
  start: number,
  end: number,
  words: Uint32Array,
  offset: number,
): 0 | 4 | 6 {
  // Surrounding spaces and quotes are not part of the address ("1.0.0.0", 1.0.0.0 ).
  while (start < end && (bytes[start] === 32 || bytes[start] === 34)) start++;
  while (end > start && (bytes[end - 1] === 32 || bytes[end - 1] === 34)) end--;
  if (indexOf(bytes, 58 /* : */, start, end) !== -1) {
    if (!parseIpv6ToWords(bytes.toString("latin1", start, end), ipv6Words)) return 0;
    words.set(ipv6Words, offset);
    return 6;
  }
  const value =
    indexOf(bytes, 46 /* . */, start, end) === -1
      ? parseDecimal(bytes, start, end)
      : parseIpv4Bytes(bytes, start, end);
  if (value < 0 || value > 0xffffffff) return 0;
  words[offset] = 0;
  words[offset + 1] = 0;
  words[offset + 2] = 0;
  words[offset + 3] = value;
  return 4;
}

function parseIpv4Bytes(bytes: Buffer, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let index = start; index < end; index++) {
    const code = bytes[index] ?? 0;
    if (code === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      octet = octet * 10 + (code - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** A decimal number of up to 15 digits, or -1. */
function parseDecimal(bytes: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let value = 0;
  for (let index = start; index < end; index++) {
    const code = bytes[index] ?? 0;
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return value;
}

/** The text of a CSV field that runs to `end` (the last field), unquoted per RFC 4180. */
function readCsvField(bytes: Buffer, start: number, end: number): string {
  if (bytes[start] !== 34 /* " */) return bytes.toString("utf8", start, end);
  let closing = end;
  while (closing > start + 1 && bytes[closing - 1] === 32) closing--;
  if (closing > start + 1 && bytes[closing - 1] === 34) closing--;
  const inner = bytes.toString("utf8", start + 1, closing);
  return inner.includes('""') ? inner.replaceAll('""', '"') : inner;
}

function indexOf(bytes: Buffer, byte: number, start: number, end: number): number {
  for (let index = start; index < end; index++) if (bytes[index] === byte) return index;
  return -1;
}
