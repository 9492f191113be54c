/**
 * Field parsers that read the bytes of a line in place: no string per number or IPv4 address,
 * which is what makes the decoder several times faster than `split` + `Number` (bench/
 * decode-aws-vpc.ts).
 */

export const SPACE = 32;
export const DASH = 45;
export const CR = 13;

/**
 * Where the last `scan…` call stopped: the end of the field it read (the next space or the
 * line's end). The scanners read a field and find its end in one pass over its bytes.
 */
export const scanned = { end: 0 };

/** The end of the field starting at `start`: the next space or `end`. */
export function fieldEndOf(buffer: Uint8Array, start: number, end: number): number {
  let at = start;
  while (at < end && buffer[at] !== SPACE) at++;
  return at;
}

/**
 * The unsigned decimal integer of the field starting at `start` (up to the next space or
 * `end`), or -1 when it is not one or is larger than 2^53 − 1; sets `scanned.end`.
 */
export function scanUint(buffer: Uint8Array, start: number, end: number): number {
  let value = 0;
  let at = start;
  for (; at < end; at++) {
    const code = buffer[at] ?? 0;
    if (code === SPACE) break;
    const digit = code - 48;
    if (digit < 0 || digit > 9) {
      scanned.end = fieldEndOf(buffer, at, end);
      return -1;
    }
    value = value * 10 + digit;
  }
  scanned.end = at;
  if (at === start || at - start > SAFE_DIGITS + 1) return -1;
  return value <= Number.MAX_SAFE_INTEGER ? value : -1;
}

/**
 * The dotted-quad IPv4 address of the field starting at `start` as an unsigned 32-bit number,
 * or -1 when the field is not one (it may be IPv6); sets `scanned.end`.
 */
export function scanIpv4(buffer: Uint8Array, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let at = start;
  for (; at < end; at++) {
    const code = buffer[at] ?? 0;
    if (code === SPACE) break;
    if (code === 46 /* . */) {
      if (digits === 0 || dots === 3) break;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57 && !(digits > 0 && octet === 0)) {
      // A leading zero would make "010" octal to inet_aton: not accepted.
      octet = octet * 10 + (code - 48);
      digits++;
      if (octet > 255) break;
    } else {
      break;
    }
  }
  if (at < end && buffer[at] !== SPACE) {
    scanned.end = fieldEndOf(buffer, at, end);
    return -1;
  }
  scanned.end = at;
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** Largest decimal digit count that cannot exceed 2^53 − 1 (9,007,199,254,740,991 has 16). */
const SAFE_DIGITS = 15;

/**
 * The unsigned decimal integer in `[start, end)`, or -1 when the bytes are not one or it is
 * larger than 2^53 − 1 (a count no flow log can hold: 9 PB in one record).
 */
export function parseUint(buffer: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0 || length > SAFE_DIGITS + 1) return -1;
  let value = 0;
  for (let at = start; at < end; at++) {
    const digit = (buffer[at] ?? 0) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value <= Number.MAX_SAFE_INTEGER ? value : -1;
}

/** True when `[start, end)` is an integer JSON writes as it is: digits, no leading zero. */
export function isJsonInteger(buffer: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0 || length > SAFE_DIGITS) return false;
  if (buffer[start] === 48 && length > 1) return false;
  for (let at = start; at < end; at++) {
    const code = buffer[at] ?? 0;
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * The dotted-quad IPv4 address in `[start, end)` as an unsigned 32-bit number, or -1. Same
 * grammar as `parseIpv4ToU32` in core/ip.ts (no leading zeros: "010" is octal to inet_aton).
 */
export function parseIpv4Bytes(buffer: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let at = start; at < end; at++) {
    const code = buffer[at] ?? 0;
    if (code === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (code - 48);
      digits++;
      if (octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** True when `[start, end)` holds exactly the ASCII bytes of `word` (an upper-case constant). */
export function bytesEqual(
  buffer: Uint8Array,
  start: number,
  end: number,
  word: Uint8Array,
): boolean {
  if (end - start !== word.length) return false;
  for (let index = 0; index < word.length; index++) {
    if (buffer[start + index] !== word[index]) return false;
  }
  return true;
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

const utf8 = new TextDecoder("utf-8");

/**
 * Node's one-byte-per-character decoder, which works on any Uint8Array: one native call and
 * one flat string. Building the string a character at a time made a garbage string per byte
 * (measured: 40 % of the decoder's time in GC on 42-field lines with ECS ARNs).
 */
const latin1Slice = (
  Buffer.prototype as unknown as {
    latin1Slice: (this: Uint8Array, start: number, end: number) => string;
  }
).latin1Slice;

/** The text of `[start, end)`: one-byte characters when ASCII (the usual case), else UTF-8. */
export function bytesText(buffer: Uint8Array, start: number, end: number): string {
  for (let at = start; at < end; at++) {
    if ((buffer[at] ?? 0) >= 0x80) return utf8.decode(buffer.subarray(start, end));
  }
  return latin1Slice.call(buffer, start, end);
}

/** `[start, end)` as a JSON string literal. */
export function jsonStringOf(buffer: Uint8Array, start: number, end: number): string {
  for (let at = start; at < end; at++) {
    const code = buffer[at] ?? 0;
    // Printable ASCII other than `"` and `\` needs no escape.
    if (code < 0x20 || code > 0x7e || code === 34 || code === 92) {
      return JSON.stringify(bytesText(buffer, start, end));
    }
  }
  return '"' + bytesText(buffer, start, end) + '"';
}

/** `[start, end)` shortened for a skip's detail (bounded, whatever the line). */
export function preview(buffer: Uint8Array, start: number, end: number, max = 60): string {
  const text = bytesText(buffer, start, Math.min(end, start + max));
  return end - start > max ? text + "…" : text;
}
