/**
 * Longest-prefix match over IPv4 and IPv6 prefixes, built for the classification hot path
 * (millions of lookups per second against 100k–1M prefixes).
 *
 * IPv4: a multibit trie with strides 16/8/8 and leaf pushing, stored in Int32Arrays. Every slot
 * holds either a value id (≥ 0, 0 = no match) or a child chunk (< 0, `~chunk`), so a lookup is
 * at most three dependent array reads and allocates nothing. Memory: 256 KiB for the first level,
 * plus 1 KiB per /16 that holds a prefix longer than /16 (at most 64 MiB, whatever the number of
 * prefixes), plus 1 KiB per /24 that holds a prefix longer than /24, plus up to a third of slack
 * from growth. Prefixes clustered in a few /16s (a real inventory) cost little; 100k prefixes
 * scattered uniformly at random over the whole space touch most /16s and cost about 60 MiB
 * (bench/lpm.ts prints the figure).
 *
 * IPv6: a sorted array of disjoint address ranges, each labelled with its most specific prefix,
 * searched by binary search after a 65536-bucket index on the first 16 bits. A stride-8 trie
 * needs one 1 KiB chunk per byte of every prefix below the shared top: 100k random /48s would
 * cost about 300 MB, the ranges cost at most (2n + 1) × 20 bytes + 256 KiB (4.3 MB for 100k).
 * The ranges are rebuilt on the first lookup after an insert (O(n log n)), so tables should be
 * built, then queried, which is how inventories are used.
 *
 * Inserting a prefix that is already present replaces its value. Lookups depend only on the set
 * of prefixes and their last values, never on insertion order.
 */
import { parseIpv4ToU32, parseIpv6ToWords } from "./ip.ts";
import { comparePrefixes, parsePrefix } from "./prefix.ts";
import type { Ipv6Prefix, Prefix } from "./prefix.ts";

const CHUNK_SLOTS = 256;
const LEVEL0_SLOTS = 1 << 16;
const UINT128_MAX = (1n << 128n) - 1n;

interface Level {
  slots: Int32Array;
  chunks: number;
}

function newLevel(chunks: number): Level {
  return { slots: new Int32Array(chunks * CHUNK_SLOTS), chunks: 0 };
}

interface Ipv6Entry {
  readonly prefix: Ipv6Prefix;
  readonly id: number;
}

export class LpmTable<T> {
  // Values by id - 1; ids are stable for the life of the table.
  readonly #values: T[] = [];
  // Prefix length by value id (id 0, "no match", has length 0): a slot's current prefix length
  // is the length of the id it holds, so the trie needs no per-slot length array.
  readonly #lengths: number[] = [0];
  readonly #ids = new Map<string, number>();
  // IPv4 trie levels: /16 (one chunk of 65536 slots), /24 and /32 (chunks of 256 slots).
  readonly #level0 = new Int32Array(LEVEL0_SLOTS);
  #level1: Level = newLevel(16);
  #level2: Level = newLevel(16);
  // IPv6 prefixes as inserted, and the range table derived from them.
  readonly #ipv6Entries: Ipv6Entry[] = [];
  #ipv6Dirty = false;
  #rangeStarts = new Uint32Array(4);
  #rangeIds = new Int32Array(1);
  #rangeBuckets = new Int32Array(LEVEL0_SLOTS + 1).fill(1);
  readonly #scratch = new Uint32Array(4);

  /** Number of distinct prefixes in the table. */
  get size(): number {
    return this.#ids.size;
  }

  /**
   * Adds a prefix (a parsed `Prefix` or CIDR text) with its value; a prefix already present gets
   * the new value. Text that is not a valid prefix is a programming error and throws: user input
   * goes through `parsePrefix` first, which returns a message instead.
   */
  insert(prefix: Prefix | string, value: T): void {
    const parsed = typeof prefix === "string" ? parseOrThrow(prefix) : prefix;
    const existing = this.#ids.get(parsed.text);
    if (existing !== undefined) {
      this.#values[existing - 1] = value;
      return;
    }
    this.#values.push(value);
    this.#lengths.push(parsed.length);
    const id = this.#values.length;
    this.#ids.set(parsed.text, id);
    if (parsed.version === 4) {
      this.#insertIpv4(parsed.network, parsed.length, id);
    } else {
      this.#ipv6Entries.push({ prefix: parsed, id });
      this.#ipv6Dirty = true;
    }
  }

  /** The value of the longest prefix holding the address text (either family), or undefined. */
  lookup(address: string): T | undefined {
    const v4 = parseIpv4ToU32(address);
    if (v4 >= 0) return this.lookupIpv4(v4);
    const words = this.#scratch;
    if (!parseIpv6ToWords(address, words)) return undefined;
    return this.lookupIpv6(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
  }

  /** The value of the longest IPv4 prefix holding an unsigned 32-bit address. Allocates nothing. */
  lookupIpv4(address: number): T | undefined {
    let slot = this.#level0[address >>> 16] ?? 0;
    if (slot < 0) {
      slot = this.#level1.slots[(~slot << 8) | ((address >>> 8) & 255)] ?? 0;
      if (slot < 0) slot = this.#level2.slots[(~slot << 8) | (address & 255)] ?? 0;
    }
    return slot === 0 ? undefined : this.#values[slot - 1];
  }

  /**
   * The id of the longest IPv4 prefix holding the address (1 for the first inserted, 0 for none):
   * `lookupIpv4` without reading the value, for callers that keep what they need per id in
   * typed arrays (the classifier), so a lookup touches no object.
   */
  lookupIpv4Id(address: number): number {
    let slot = this.#level0[address >>> 16] ?? 0;
    if (slot < 0) {
      slot = this.#level1.slots[(~slot << 8) | ((address >>> 8) & 255)] ?? 0;
      if (slot < 0) slot = this.#level2.slots[(~slot << 8) | (address & 255)] ?? 0;
    }
    return slot;
  }

  /** The id of the longest IPv6 prefix holding the address (0 for none); see `lookupIpv4Id`. */
  lookupIpv6Id(w0: number, w1: number, w2: number, w3: number): number {
    if (this.#ipv6Dirty) this.#buildIpv6Ranges();
    const starts = this.#rangeStarts;
    const buckets = this.#rangeBuckets;
    const bucket = w0 >>> 16;
    let low = Math.max((buckets[bucket] ?? 0) - 1, 0);
    let high = (buckets[bucket + 1] ?? 0) - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (rangeStartAtMost(starts, middle, w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0)) low = middle;
      else high = middle - 1;
    }
    return this.#rangeIds[low] ?? 0;
  }

  /** The value of a prefix id from `lookupIpv4Id`/`lookupIpv6Id` (undefined for 0). */
  valueOfId(id: number): T | undefined {
    return id === 0 ? undefined : this.#values[id - 1];
  }

  /**
   * The value of the longest IPv6 prefix holding the address given as four unsigned 32-bit words,
   * most significant first. Allocates nothing once the table is built.
   */
  lookupIpv6(w0: number, w1: number, w2: number, w3: number): T | undefined {
    if (this.#ipv6Dirty) this.#buildIpv6Ranges();
    const starts = this.#rangeStarts;
    const buckets = this.#rangeBuckets;
    const bucket = w0 >>> 16;
    // Ranges before buckets[bucket] start below this address's /16, ranges from
    // buckets[bucket + 1] on start above it; range 0 starts at ::, so `low` always qualifies.
    let low = Math.max((buckets[bucket] ?? 0) - 1, 0);
    let high = (buckets[bucket + 1] ?? 0) - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (rangeStartAtMost(starts, middle, w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0)) low = middle;
      else high = middle - 1;
    }
    const id = this.#rangeIds[low] ?? 0;
    return id === 0 ? undefined : this.#values[id - 1];
  }

  /** Bytes held by the lookup structures (typed arrays, allocated capacity), values excluded. */
  memoryBytes(): number {
    if (this.#ipv6Dirty) this.#buildIpv6Ranges();
    return (
      this.#level0.byteLength +
      this.#level1.slots.byteLength +
      this.#level2.slots.byteLength +
      this.#rangeStarts.byteLength +
      this.#rangeIds.byteLength +
      this.#rangeBuckets.byteLength
    );
  }

  #insertIpv4(network: number, length: number, id: number): void {
    if (length <= 16) {
      const first = network >>> 16;
      const count = 1 << (16 - length);
      for (let index = first; index < first + count; index++) {
        this.#pushLevel0(index, id, length);
      }
      return;
    }
    const chunk1 = this.#childOfLevel0(network >>> 16);
    const slot1 = chunk1 * CHUNK_SLOTS + ((network >>> 8) & 255);
    if (length <= 24) {
      const count = 1 << (24 - length);
      for (let index = slot1; index < slot1 + count; index++) this.#pushLevel1(index, id, length);
      return;
    }
    const chunk2 = this.#childOfLevel1(slot1);
    const slot2 = chunk2 * CHUNK_SLOTS + (network & 255);
    const count = 2 ** (32 - length);
    for (let index = slot2; index < slot2 + count; index++) this.#pushLevel2(index, id, length);
  }

  // Leaf pushing: a prefix of length L overwrites every slot it covers whose current prefix is
  // not longer than L, down through child chunks, so a lookup stops at the first leaf it meets.
  #pushLevel0(index: number, id: number, length: number): void {
    const slot = this.#level0[index] ?? 0;
    if (slot < 0) {
      const base = ~slot * CHUNK_SLOTS;
      for (let child = base; child < base + CHUNK_SLOTS; child++)
        this.#pushLevel1(child, id, length);
    } else if ((this.#lengths[slot] ?? 0) <= length) {
      this.#level0[index] = id;
    }
  }

  #pushLevel1(index: number, id: number, length: number): void {
    const level = this.#level1;
    const slot = level.slots[index] ?? 0;
    if (slot < 0) {
      const base = ~slot * CHUNK_SLOTS;
      for (let child = base; child < base + CHUNK_SLOTS; child++)
        this.#pushLevel2(child, id, length);
    } else if ((this.#lengths[slot] ?? 0) <= length) {
      level.slots[index] = id;
    }
  }

  #pushLevel2(index: number, id: number, length: number): void {
    const slots = this.#level2.slots;
    if ((this.#lengths[slots[index] ?? 0] ?? 0) <= length) slots[index] = id;
  }

  #childOfLevel0(index: number): number {
    const slot = this.#level0[index] ?? 0;
    if (slot < 0) return ~slot;
    this.#level1 = withNewChunk(this.#level1, slot, LEVEL0_SLOTS);
    const chunk = this.#level1.chunks - 1;
    this.#level0[index] = ~chunk;
    return chunk;
  }

  #childOfLevel1(index: number): number {
    const level = this.#level1;
    const slot = level.slots[index] ?? 0;
    if (slot < 0) return ~slot;
    // `~chunk << 8` must stay a 31-bit index: 2^23 chunks (8 GiB) is beyond any real table.
    this.#level2 = withNewChunk(this.#level2, slot, 1 << 23);
    const chunk = this.#level2.chunks - 1;
    level.slots[index] = ~chunk;
    return chunk;
  }

  #buildIpv6Ranges(): void {
    const entries = [...this.#ipv6Entries].sort((a, b) => comparePrefixes(a.prefix, b.prefix));
    // Sweep in address order keeping the stack of open (nested) prefixes: a range starts where
    // a prefix starts and where an inner prefix ends (the enclosing prefix resumes). Starts come
    // out in non-decreasing order; a later start at the same address replaces the earlier one.
    const starts: bigint[] = [0n];
    const ids: number[] = [0];
    const emit = (start: bigint, id: number): void => {
      if (starts[starts.length - 1] === start) ids[ids.length - 1] = id;
      else {
        starts.push(start);
        ids.push(id);
      }
    };
    const stack: { end: bigint; id: number }[] = [];
    const close = (before: bigint): void => {
      for (let top = stack.at(-1); top !== undefined && top.end < before; top = stack.at(-1)) {
        stack.pop();
        if (top.end !== UINT128_MAX) emit(top.end + 1n, stack.at(-1)?.id ?? 0);
      }
    };
    for (const { prefix, id } of entries) {
      const [w0, w1, w2, w3] = prefix.words;
      const start = (BigInt(w0) << 96n) | (BigInt(w1) << 64n) | (BigInt(w2) << 32n) | BigInt(w3);
      const end = start | ((1n << BigInt(128 - prefix.length)) - 1n);
      close(start);
      stack.push({ end, id });
      emit(start, id);
    }
    close(UINT128_MAX + 1n);
    // Merge neighbours with the same prefix (an inner prefix of the same value never occurs,
    // but an empty gap between two ranges of "no match" can).
    const rangeStarts: bigint[] = [];
    const rangeIds: number[] = [];
    for (let index = 0; index < starts.length; index++) {
      const id = ids[index] ?? 0;
      if (rangeIds.length > 0 && rangeIds[rangeIds.length - 1] === id) continue;
      rangeStarts.push(starts[index] ?? 0n);
      rangeIds.push(id);
    }
    const count = rangeStarts.length;
    const packed = new Uint32Array(count * 4);
    const buckets = new Int32Array(LEVEL0_SLOTS + 1);
    for (let index = 0; index < count; index++) {
      const start = rangeStarts[index] ?? 0n;
      packed[4 * index] = Number(start >> 96n);
      packed[4 * index + 1] = Number((start >> 64n) & 0xffffffffn);
      packed[4 * index + 2] = Number((start >> 32n) & 0xffffffffn);
      packed[4 * index + 3] = Number(start & 0xffffffffn);
    }
    // buckets[h] = number of ranges starting below h << 112.
    let range = 0;
    for (let bucket = 0; bucket <= LEVEL0_SLOTS; bucket++) {
      while (range < count && (packed[4 * range] ?? 0) >>> 16 < bucket) range++;
      buckets[bucket] = range;
    }
    this.#rangeStarts = packed;
    this.#rangeIds = Int32Array.from(rangeIds);
    this.#rangeBuckets = buckets;
    this.#ipv6Dirty = false;
  }
}

function parseOrThrow(text: string): Prefix {
  const result = parsePrefix(text);
  if (!result.ok) throw new Error(`LpmTable.insert: ${result.message}`);
  return result.prefix;
}

/** A level with one more chunk, every slot set to the parent slot's value (leaf pushing). */
function withNewChunk(level: Level, id: number, maxChunks: number): Level {
  let grown = level;
  if ((level.chunks + 1) * CHUNK_SLOTS > level.slots.length) {
    // Grow by half (not double) to bound the slack at a third; level 1 never needs more than
    // one chunk per /16.
    const chunks = Math.min(maxChunks, Math.ceil((level.slots.length / CHUNK_SLOTS) * 1.5));
    const slots = new Int32Array(chunks * CHUNK_SLOTS);
    slots.set(level.slots);
    grown = { slots, chunks: level.chunks };
  }
  const base = grown.chunks * CHUNK_SLOTS;
  grown.slots.fill(id, base, base + CHUNK_SLOTS);
  grown.chunks++;
  return grown;
}

function rangeStartAtMost(
  starts: Uint32Array,
  index: number,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): boolean {
  const base = 4 * index;
  const s0 = starts[base] ?? 0;
  if (s0 !== w0) return s0 < w0;
  const s1 = starts[base + 1] ?? 0;
  if (s1 !== w1) return s1 < w1;
  const s2 = starts[base + 2] ?? 0;
  if (s2 !== w2) return s2 < w2;
  return (starts[base + 3] ?? 0) <= w3;
}
