/**
 * Address ranges from one source (an ASN or a country file, one family) before they become a
 * lookup table. Both families use 128-bit keys held as four unsigned 32-bit words, most
 * significant first (an IPv4 address is `[0, 0, 0, v4]`), so one sweep serves both.
 */

/** Words per 128-bit key. */
const KEY_WORDS = 4;
/** Words per range: the start key then the end key (both inclusive). */
const RANGE_WORDS = 8;

/** Ranges with a value id each (what the value means belongs to the source that read them). */
export interface RangeList {
  readonly count: number;
  /** `RANGE_WORDS` words per range: start w0..w3, end w0..w3. */
  readonly words: Uint32Array;
  readonly values: Int32Array;
}

/** Compares the 128-bit keys at word offsets `left` of `a` and `right` of `b`. */
export function compareKeys(a: Uint32Array, left: number, b: Uint32Array, right: number): number {
  for (let word = 0; word < KEY_WORDS; word++) {
    const x = a[left + word] ?? 0;
    const y = b[right + word] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Adds one to the key at `offset`; returns false when it wrapped (the key was all ones). */
export function incrementKey(key: Uint32Array, offset: number): boolean {
  for (let word = KEY_WORDS - 1; word >= 0; word--) {
    const next = ((key[offset + word] ?? 0) + 1) >>> 0;
    key[offset + word] = next;
    if (next !== 0) return true;
  }
  return false;
}

/** Subtracts one from the key at `offset` (never called on zero). */
export function decrementKey(key: Uint32Array, offset: number): void {
  for (let word = KEY_WORDS - 1; word >= 0; word--) {
    const value = key[offset + word] ?? 0;
    key[offset + word] = (value - 1) >>> 0;
    if (value !== 0) return;
  }
}

/** Appends ranges into growing typed arrays (a million ranges would be 8 million boxed numbers). */
export class RangeListBuilder {
  private words = new Uint32Array(RANGE_WORDS * 1024);
  private values = new Int32Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Appends a range given as two 128-bit keys (most significant word first). */
  push(
    s0: number,
    s1: number,
    s2: number,
    s3: number,
    e0: number,
    e1: number,
    e2: number,
    e3: number,
    value: number,
  ): void {
    if (this.count === this.values.length) this.grow();
    const base = this.count * RANGE_WORDS;
    const words = this.words;
    words[base] = s0;
    words[base + 1] = s1;
    words[base + 2] = s2;
    words[base + 3] = s3;
    words[base + 4] = e0;
    words[base + 5] = e1;
    words[base + 6] = e2;
    words[base + 7] = e3;
    this.values[this.count++] = value;
  }

  /** Makes room for `count` more ranges at once (a file's line count), so pushes never copy. */
  reserve(count: number): void {
    if (this.values.length < this.count + count) this.grow(this.count + count);
  }

  /** Moves the end of the last range. */
  setLastEnd(words: Uint32Array, offset: number): void {
    const base = (this.count - 1) * RANGE_WORDS + 4;
    this.words[base] = words[offset] ?? 0;
    this.words[base + 1] = words[offset + 1] ?? 0;
    this.words[base + 2] = words[offset + 2] ?? 0;
    this.words[base + 3] = words[offset + 3] ?? 0;
  }

  pushIpv4(start: number, end: number, value: number): void {
    this.push(0, 0, 0, start, 0, 0, 0, end, value);
  }

  build(): RangeList {
    return {
      count: this.count,
      words: this.words.slice(0, this.count * RANGE_WORDS),
      values: this.values.slice(0, this.count),
    };
  }

  private grow(capacity = this.values.length * 2): void {
    const words = new Uint32Array(capacity * RANGE_WORDS);
    words.set(this.words);
    this.words = words;
    const values = new Int32Array(capacity);
    values.set(this.values);
    this.values = values;
  }
}

/**
 * Makes ranges sorted and disjoint. Where ranges overlap, the range that STARTS LATER wins for
 * the addresses it covers, and of two ranges with the same start the one read later wins. For a
 * file sorted by start, as every published one is, that is simply "the later line wins": the
 * default country file lists a more specific range right after the range that encloses it
 * (`2.59.54.0-2.59.54.255,DE` then `2.59.54.15,2.59.54.15,BE`; 6,670 such nestings in
 * geo-whois-asn-country-ipv4 2.3.2026061719) and its README merges its sources front-over-back,
 * so this reads those files as meant. Sorted, disjoint lists (every MMDB) come back as they are.
 */
export function normalizeRanges(list: RangeList): RangeList {
  const { count, words } = list;
  let disjoint = true;
  let sorted = true;
  for (let index = 1; index < count && sorted; index++) {
    const here = index * RANGE_WORDS;
    const previous = here - RANGE_WORDS;
    if (compareKeys(words, here, words, previous + 4) <= 0) disjoint = false;
    if (compareKeys(words, here, words, previous) < 0) sorted = false;
  }
  if (disjoint && sorted) return list;
  let order: ArrayLike<number> | undefined;
  if (!sorted) {
    const byStart = Array.from({ length: count }, (_, index) => index);
    byStart.sort((a, b) => compareKeys(words, a * RANGE_WORDS, words, b * RANGE_WORDS) || a - b);
    order = byStart;
  }
  return paintLaterStartWins(list, order);
}

/**
 * One pass over the ranges in start order with a stack of the ranges open at the current point:
 * the top of the stack started last, so it owns the addresses until it ends or a range starting
 * later is pushed above it. Each range is pushed and popped once.
 */
function paintLaterStartWins(list: RangeList, order: ArrayLike<number> | undefined): RangeList {
  const { count, words, values } = list;
  const out = new CoalescingBuilder(count);
  const stack = new Int32Array(count);
  let depth = 0;
  // The first address not yet given to a range (four words), and scratch for "start - 1".
  const position = new Uint32Array(KEY_WORDS);
  const before = new Uint32Array(KEY_WORDS);
  for (let step = 0; step < count; step++) {
    const range = order === undefined ? step : (order[step] ?? 0);
    const start = range * RANGE_WORDS;
    while (depth > 0) {
      const top = stack[depth - 1] ?? 0;
      const topEnd = top * RANGE_WORDS + 4;
      if (compareKeys(words, topEnd, position, 0) < 0) {
        depth--; // Ended under a range above it.
      } else if (compareKeys(words, topEnd, words, start) < 0) {
        out.push(position, words, topEnd, values[top] ?? 0);
        copyKey(words, topEnd, position);
        incrementKey(position, 0); // topEnd < start, so this does not wrap.
        depth--;
      } else {
        if (compareKeys(position, 0, words, start) < 0) {
          copyKey(words, start, before);
          decrementKey(before, 0);
          out.push(position, before, 0, values[top] ?? 0);
        }
        break;
      }
    }
    stack[depth++] = range;
    copyKey(words, start, position);
  }
  let done = false;
  while (depth > 0 && !done) {
    const top = stack[--depth] ?? 0;
    const topEnd = top * RANGE_WORDS + 4;
    if (compareKeys(words, topEnd, position, 0) < 0) continue;
    out.push(position, words, topEnd, values[top] ?? 0);
    copyKey(words, topEnd, position);
    done = !incrementKey(position, 0);
  }
  return out.build();
}

export function copyKey(from: Uint32Array, offset: number, to: Uint32Array): void {
  to[0] = from[offset] ?? 0;
  to[1] = from[offset + 1] ?? 0;
  to[2] = from[offset + 2] ?? 0;
  to[3] = from[offset + 3] ?? 0;
}

/** A builder that joins a range to the previous one when they touch and share the value. */
class CoalescingBuilder {
  readonly #builder = new RangeListBuilder();
  readonly #next = new Uint32Array(KEY_WORDS);
  #lastValue = -1;
  #hasLast = false;

  constructor(expected: number) {
    this.#builder.reserve(expected);
  }

  /** Appends [start (key 0 of `startKey`), end (key at `endOffset` of `endWords`)]. */
  push(startKey: Uint32Array, endWords: Uint32Array, endOffset: number, value: number): void {
    if (
      this.#hasLast &&
      value === this.#lastValue &&
      compareKeys(this.#next, 0, startKey, 0) === 0
    ) {
      this.#builder.setLastEnd(endWords, endOffset);
    } else {
      this.#builder.push(
        startKey[0] ?? 0,
        startKey[1] ?? 0,
        startKey[2] ?? 0,
        startKey[3] ?? 0,
        endWords[endOffset] ?? 0,
        endWords[endOffset + 1] ?? 0,
        endWords[endOffset + 2] ?? 0,
        endWords[endOffset + 3] ?? 0,
        value,
      );
    }
    this.#hasLast = true;
    this.#lastValue = value;
    copyKey(endWords, endOffset, this.#next);
    // A wrap means the range reached the end of the space: nothing can follow it.
    if (!incrementKey(this.#next, 0)) this.#hasLast = false;
  }

  build(): RangeList {
    return this.#builder.build();
  }
}
