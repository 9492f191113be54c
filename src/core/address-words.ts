import { formatIpv4, formatIpv6Groups, parseIpv4ToU32, parseIpv6ToWords } from "./ip.ts";

/**
 * Addresses on the hot path are four 32-bit words per row, not text: the 128-bit form of
 * `ip.ts` (IPv4 as IPv4-mapped IPv6, `::ffff:a.b.c.d`), least significant word first.
 *
 *   word 0 = bits 0–31 (for IPv4: the address itself), word 1 = bits 32–63 (0x0000ffff for
 *   IPv4), words 2–3 = bits 64–127 (0 for IPv4).
 *
 * Least-significant-first is the in-memory layout of DuckDB's (U)HUGEINT and of two
 * little-endian u64 halves, so storage adapters copy or split the words without reordering,
 * and an IPv4 address costs one word store plus a constant.
 *
 * All-zero words (`::`) mean "no address" for optional columns (next hop, post-NAT).
 */

export const IPV4_MAPPED_WORD1 = 0x0000ffff;

/** Words per address. */
export const ADDRESS_WORDS = 4;

export function setIpv4Words(words: Uint32Array, row: number, ipv4: number): void {
  const base = row * 4;
  words[base] = ipv4;
  words[base + 1] = IPV4_MAPPED_WORD1;
  words[base + 2] = 0;
  words[base + 3] = 0;
}

/** Copies 16 network-order bytes at `offset` of `view` (an IPv6 address) into row `row`. */
export function setIpv6WordsFromView(
  words: Uint32Array,
  row: number,
  view: DataView,
  offset: number,
): void {
  const base = row * 4;
  words[base + 3] = view.getUint32(offset);
  words[base + 2] = view.getUint32(offset + 4);
  words[base + 1] = view.getUint32(offset + 8);
  words[base] = view.getUint32(offset + 12);
}

export function clearWords(words: Uint32Array, row: number): void {
  const base = row * 4;
  words[base] = 0;
  words[base + 1] = 0;
  words[base + 2] = 0;
  words[base + 3] = 0;
}

export function copyWords(
  from: Uint32Array,
  fromRow: number,
  to: Uint32Array,
  toRow: number,
): void {
  const source = fromRow * 4;
  const target = toRow * 4;
  to[target] = from[source] ?? 0;
  to[target + 1] = from[source + 1] ?? 0;
  to[target + 2] = from[source + 2] ?? 0;
  to[target + 3] = from[source + 3] ?? 0;
}

export function isIpv4Words(words: Uint32Array, row: number): boolean {
  const base = row * 4;
  return words[base + 1] === IPV4_MAPPED_WORD1 && words[base + 2] === 0 && words[base + 3] === 0;
}

export function isZeroWords(words: Uint32Array, row: number): boolean {
  const base = row * 4;
  return (
    words[base] === 0 && words[base + 1] === 0 && words[base + 2] === 0 && words[base + 3] === 0
  );
}

/** Canonical text of row `row` (dotted quad for IPv4-mapped, RFC 5952 otherwise). */
export function wordsToText(words: Uint32Array, row: number): string {
  const base = row * 4;
  if (isIpv4Words(words, row)) return formatIpv4(words[base] ?? 0);
  const groups: number[] = [];
  for (let word = 3; word >= 0; word--) {
    const value = words[base + word] ?? 0;
    groups.push(value >>> 16, value & 0xffff);
  }
  return formatIpv6Groups(groups);
}

const scratch = new Uint32Array(4);

/** Parses canonical or any valid text into row `row`; false when `text` is not an address. */
export function textToWords(text: string, words: Uint32Array, row: number): boolean {
  const base = row * 4;
  if (!text.includes(":")) {
    const ipv4 = parseIpv4ToU32(text);
    if (ipv4 < 0) return false;
    setIpv4Words(words, row, ipv4);
    return true;
  }
  // parseIpv6ToWords gives the most significant word first.
  if (!parseIpv6ToWords(text, scratch)) return false;
  words[base + 3] = scratch[0] ?? 0;
  words[base + 2] = scratch[1] ?? 0;
  words[base + 1] = scratch[2] ?? 0;
  words[base] = scratch[3] ?? 0;
  return true;
}
