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
  #maxIpv6Length = 0;
  #rangeStarts = new Uint32Array(4);
  #rangeIds = new Int32Array(1);
  #rangeBuckets = new Int32Array(LEVEL0_SLOTS + 1).fill(1);
  // Crowded buckets' radix index: per bucket its root node (-1: none). A node (NODE_FIELDS
  // int32s in #subNodes) covers ranges first … last sharing `skip` leading bits and has a block
  // in #subBuckets of 2^bits pairs plus one: pair k holds the first of its ranges whose next
  // `bits` bits are ≥ k, and the child node of the ranges whose bits equal k (-1: none).
  #subRoots = new Int32Array(LEVEL0_SLOTS).fill(-1);
  #subNodes = new Int32Array(0);
  #subBuckets = new Int32Array(0);
  readonly #scratch = new Uint32Array(4);

  /**
   * The longest IPv6 prefix length inserted (0: none). At most 64 means every address of a /64
   * gets the same answer: callers may cache answers by /64.
   */
  get maxIpv6Length(): number {
    return this.#maxIpv6Length;
  }

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
      this.#maxIpv6Length = Math.max(this.#maxIpv6Length, parsed.length);
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
    return this.#rangeIds[this.#rangeOf(w0, w1, w2, w3)] ?? 0;
  }

  /**
   * The range holding an address: the last range starting at or below it. The 16-bit bucket
   * bounds the search; a crowded bucket (an inventory's prefixes mostly share one /16, e.g.
   * fd00::/16 or a provider's /32) has a second index on the bits right after those its
   * ranges all share, so the binary search runs over a few ranges, not the bucket's thousands
   * (100k /48s in fd00::/16: 0.87 → see bench/enrich.ts).
   */
  #rangeOf(word0: number, word1: number, word2: number, word3: number): number {
    // Words may come signed (int32, as the classifier passes them: a word above 2^31 passed as
    // an unsigned number is a heap allocation per call, measured as 12% of IPv6 enrichment's
    // profile in GC); compared unsigned here, where they stay unboxed.
    const w0 = word0 >>> 0;
    const w1 = word1 >>> 0;
    const w2 = word2 >>> 0;
    const w3 = word3 >>> 0;
    const starts = this.#rangeStarts;
    const buckets = this.#rangeBuckets;
    const bucket = w0 >>> 16;
    // Ranges before buckets[bucket] start below this address's /16, ranges from
    // buckets[bucket + 1] on start above it; range 0 starts at ::, so `low` always qualifies.
    let low = Math.max((buckets[bucket] ?? 0) - 1, 0);
    let high = (buckets[bucket + 1] ?? 0) - 1;
    const nodes = this.#subNodes;
    const subBuckets = this.#subBuckets;
    for (let node = this.#subRoots[bucket] ?? -1; node >= 0;) {
      // A node indexes ranges first … last, which share their first `skip` bits; the `bits`
      // after those pick a sub-bucket. An address below the first start or at or above the last
      // has its answer at once; any other shares the `skip` bits.
      const at = node * NODE_FIELDS;
      const first = nodes[at + NODE_FIRST] ?? 0;
      if (!rangeStartAtMost(starts, first, w0, w1, w2, w3)) return first - 1;
      const last = nodes[at + NODE_LAST] ?? 0;
      if (rangeStartAtMost(starts, last, w0, w1, w2, w3)) return last;
      const skip = nodes[at + NODE_SKIP] ?? 16;
      const bits = nodes[at + NODE_BITS] ?? 1;
      const word = skip >>> 5;
      const shift = skip & 31;
      const hi = word === 0 ? w0 : word === 1 ? w1 : word === 2 ? w2 : w3;
      let field = (hi << shift) >>> (32 - bits);
      if (shift + bits > 32) {
        const lo = word === 0 ? w1 : word === 1 ? w2 : w3;
        field |= lo >>> (64 - shift - bits);
      }
      const block = (nodes[at + NODE_BLOCK] ?? 0) + 2 * field;
      // The ranges whose bits equal the address's, and the last one before them.
      low = Math.max((subBuckets[block] ?? 0) - 1, first);
      high = Math.max((subBuckets[block + 2] ?? 0) - 1, low);
      node = subBuckets[block + 1] ?? -1;
    }
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (rangeStartAtMost(starts, middle, w0, w1, w2, w3)) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /**
   * Whether IPv6 lookups under this first word search a crowded /16 (a radix index over more
   * than a few ranges): where a caller's cache pays. Elsewhere a lookup is a short search over
   * a few ranges, cheaper than a cache probe that may miss.
   */
  isCrowdedIpv6(w0: number): boolean {
    if (this.#ipv6Dirty) this.#buildIpv6Ranges();
    return (this.#subRoots[w0 >>> 16] ?? -1) >= 0;
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
    const id = this.#rangeIds[this.#rangeOf(w0, w1, w2, w3)] ?? 0;
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
      this.#rangeBuckets.byteLength +
      this.#subRoots.byteLength +
      this.#subNodes.byteLength +
      this.#subBuckets.byteLength
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

  #buildSubIndex(starts: Uint32Array, buckets: Int32Array): void {
    const roots = new Int32Array(LEVEL0_SLOTS).fill(-1);
    const nodes: number[] = [];
    const blocks: number[] = [];
    // Ranges first … last (at least SUB_INDEX_MIN_RANGES), sharing more than `after` bits.
    const build = (first: number, last: number, after: number): number => {
      const shared = sharedBits(starts, first, last);
      const bits = Math.min(SUB_INDEX_MAX_BITS, 32 - Math.clz32(last - first + 1));
      const skip = Math.min(shared, 128 - bits);
      if (skip <= after) return -1;
      const node = nodes.length / NODE_FIELDS;
      const block = blocks.length;
      nodes.push(first, last, skip, bits, block);
      blocks.length += 2 * (1 << bits) + 1;
      let range = first;
      for (let value = 0; value <= 1 << bits; value++) {
        while (range <= last && startBits(starts, range, skip, bits) < value) range++;
        blocks[block + 2 * value] = range;
      }
      for (let value = 0; value < 1 << bits; value++) {
        const from = blocks[block + 2 * value] ?? 0;
        const to = blocks[block + 2 * value + 2] ?? 0;
        blocks[block + 2 * value + 1] =
          to - from >= SUB_INDEX_MIN_RANGES ? build(from, to - 1, skip) : -1;
      }
      return node;
    };
    for (let bucket = 0; bucket < LEVEL0_SLOTS; bucket++) {
      const first = buckets[bucket] ?? 0;
      const end = buckets[bucket + 1] ?? 0;
      if (end - first >= SUB_INDEX_MIN_RANGES) roots[bucket] = build(first, end - 1, 15);
    }
    this.#subRoots = roots;
    this.#subNodes = Int32Array.from(nodes);
    this.#subBuckets = Int32Array.from(blocks);
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
    this.#buildSubIndex(packed, buckets);
    this.#ipv6Dirty = false;
  }
}

/** A bucket with at least this many ranges gets a second index. */
const SUB_INDEX_MIN_RANGES = 32;
/** At most 2^12 sub-buckets per node (32 KiB), about two ranges per sub-bucket. */
const SUB_INDEX_MAX_BITS = 12;
// A radix node's fields.
const NODE_FIELDS = 5;
const NODE_FIRST = 0;
const NODE_LAST = 1;
const NODE_SKIP = 2;
const NODE_BITS = 3;
const NODE_BLOCK = 4;

/** Bits `skip` … `skip + bits − 1` (0: the most significant) of range `index`'s start. */
function startBits(starts: Uint32Array, index: number, skip: number, bits: number): number {
  const word = skip >>> 5;
  const shift = skip & 31;
  let field = ((starts[4 * index + word] ?? 0) << shift) >>> (32 - bits);
  if (shift + bits > 32) field |= (starts[4 * index + word + 1] ?? 0) >>> (64 - shift - bits);
  return field;
}

/** How many leading bits the starts of ranges `a` and `b` share (0–128). */
function sharedBits(starts: Uint32Array, a: number, b: number): number {
  for (let word = 0; word < 4; word++) {
    const difference = ((starts[4 * a + word] ?? 0) ^ (starts[4 * b + word] ?? 0)) >>> 0;
    if (difference !== 0) return 32 * word + Math.clz32(difference);
  }
  return 128;
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
