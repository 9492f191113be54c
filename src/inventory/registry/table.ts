/**
 * The lookup tables: the merged segments of one family as sorted starts, with an index in front
 * so that a lookup touches few of them.
 */
import type { RegistryEntry } from "./entry.ts";
import type { Segments } from "./merge.ts";

/**
 * The typed arrays an IPv4 table is made of: what a snapshot stores and maps back (see
 * snapshot.ts). `starts` and `entryIndexes` have one element per segment.
 */
export interface Ipv4TableParts {
  readonly starts: Uint32Array;
  readonly entryIndexes: Uint32Array;
  /** 65,536 slots, one per /16. */
  readonly level0: Int32Array;
  /** 256 slots per /16 that segments split. */
  readonly level1: Int32Array;
}

/** The typed arrays an IPv6 table is made of. */
export interface Ipv6TableParts {
  /** Four words per segment. */
  readonly starts: Uint32Array;
  readonly entryIndexes: Uint32Array;
  /** 65,537 positions. */
  readonly buckets: Uint32Array;
  /** 65,536 slots. */
  readonly subIndex: Int32Array;
  /** 257 positions per crowded /16. */
  readonly subBuckets: Uint32Array;
}

/** Bits of the IPv6 first-level index: 65,536 buckets (256 KiB), one per /16. */
const INDEX_BITS = 16;
const BUCKETS = 1 << INDEX_BITS;
/** An IPv6 /16 with at least this many segments gets a second index level on its /24s. */
const SUB_INDEX_MIN_SEGMENTS = 256;

/**
 * IPv4: the segments whose start lies below 2^32, with a 16/8 index in front of them. A /16
 * inside one segment answers from the first level; a /24 inside one segment from the second; only
 * a /24 that segments split (mostly by sub-/24 country ranges) scans the few segments starting in
 * it. Against a 16-bit index + binary search within the /16 over the same segments, measured
 * with bench/registry.ts: see docs/32-asn-country.md.
 */
export class Ipv4Table {
  readonly segmentCount: number;
  readonly #starts: Uint32Array;
  readonly #entryIndexes: Uint32Array;
  readonly #entries: readonly (RegistryEntry | undefined)[];
  /**
   * Per /16: `>= 0` an entry index (the /16 lies in one segment); `< 0` the one's complement of
   * a block of 256 slots in `#level1`, one per /24, holding an entry index (`>= 0`) or the one's
   * complement of the segment holding the /24's first address.
   */
  readonly #level0: Int32Array;
  readonly #level1: Int32Array;

  /** Takes the arrays as they are (no copy): a snapshot's views of its file stay views. */
  constructor(parts: Ipv4TableParts, entries: readonly (RegistryEntry | undefined)[]) {
    this.segmentCount = parts.starts.length;
    this.#starts = parts.starts;
    this.#entryIndexes = parts.entryIndexes;
    this.#level0 = parts.level0;
    this.#level1 = parts.level1;
    this.#entries = entries;
  }

  /** Builds the table and its index from the merged segments of both families. */
  static fromSegments(
    segments: Segments,
    entries: readonly (RegistryEntry | undefined)[],
  ): Ipv4Table {
    let count = 0;
    const words = segments.starts;
    while (
      count < segments.count &&
      words[count * 4] === 0 &&
      words[count * 4 + 1] === 0 &&
      words[count * 4 + 2] === 0
    ) {
      count++;
    }
    const starts = new Uint32Array(count);
    for (let index = 0; index < count; index++) starts[index] = words[index * 4 + 3] ?? 0;
    const entryIndexes = segments.entries.slice(0, count);

    // The segment holding `address`, for addresses visited in increasing order.
    let cursor = 0;
    const holding = (address: number): number => {
      while (cursor + 1 < count && (starts[cursor + 1] ?? 0) <= address) cursor++;
      return cursor;
    };
    const level0 = new Int32Array(65_536);
    const blocks: Int32Array[] = [];
    for (let high = 0; high < 65_536; high++) {
      const first = (high << 16) >>> 0;
      const segment = holding(first);
      if (segment + 1 >= count || (starts[segment + 1] ?? 0) > first + 0xffff) {
        level0[high] = entryIndexes[segment] ?? 0;
        continue;
      }
      const block = new Int32Array(256);
      for (let middle = 0; middle < 256; middle++) {
        const blockFirst = first + middle * 256;
        const inner = holding(blockFirst);
        block[middle] =
          inner + 1 >= count || (starts[inner + 1] ?? 0) > blockFirst + 255
            ? (entryIndexes[inner] ?? 0)
            : ~inner;
      }
      level0[high] = ~blocks.length;
      blocks.push(block);
    }
    const level1 = new Int32Array(blocks.length * 256);
    blocks.forEach((block, index) => {
      level1.set(block, index * 256);
    });
    return new Ipv4Table({ starts, entryIndexes, level0, level1 }, entries);
  }

  /** The entry of an unsigned 32-bit address. Allocates nothing. */
  lookup(address: number): RegistryEntry | undefined {
    let slot = this.#level0[address >>> 16] ?? 0;
    if (slot < 0) {
      slot = this.#level1[(~slot << 8) | ((address >>> 8) & 255)] ?? 0;
      if (slot < 0) {
        // A split /24: scan the segments starting in it (one to a few; at most 255).
        let segment = ~slot;
        const starts = this.#starts;
        const last = this.segmentCount - 1;
        while (segment < last && (starts[segment + 1] ?? 0) <= address) segment++;
        slot = this.#entryIndexes[segment] ?? 0;
      }
    }
    return this.#entries[slot];
  }

  /** The segment number holding an address (for `describe`). */
  segmentOf(address: number): number {
    const starts = this.#starts;
    let low = 0;
    let high = this.segmentCount - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((starts[middle] ?? 0) <= address) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Start of segment `segment` (its end is the next start minus one, or 255.255.255.255). */
  startOf(segment: number): number {
    return this.#starts[segment] ?? 0;
  }

  entryOf(segment: number): RegistryEntry | undefined {
    return this.#entries[this.#entryIndexes[segment] ?? 0];
  }

  /** The arrays (for the snapshot, and for benchmarks that compare layouts). Do not modify. */
  parts(): Ipv4TableParts {
    return {
      starts: this.#starts,
      entryIndexes: this.#entryIndexes,
      level0: this.#level0,
      level1: this.#level1,
    };
  }

  memoryBytes(): number {
    return (
      this.#starts.byteLength +
      this.#entryIndexes.byteLength +
      this.#level0.byteLength +
      this.#level1.byteLength
    );
  }
}

/**
 * IPv6: every segment, starts as four words each, with an index on the top 16 bits of word 0 and,
 * for the crowded /16s (2a00::/16 … 2a0f::/16 hold tens of thousands of RIPE segments each), a
 * second index on the next 8 bits, then a binary search.
 */
export class Ipv6Table {
  readonly segmentCount: number;
  readonly #starts: Uint32Array;
  readonly #entryIndexes: Uint32Array;
  readonly #entries: readonly (RegistryEntry | undefined)[];
  readonly #buckets: Uint32Array;
  /** Per /16: -1, or the block of 257 positions in `#subBuckets` indexing its /24s. */
  readonly #subIndex: Int32Array;
  readonly #subBuckets: Uint32Array;

  /** Takes the arrays as they are (no copy). */
  constructor(parts: Ipv6TableParts, entries: readonly (RegistryEntry | undefined)[]) {
    this.segmentCount = parts.entryIndexes.length;
    this.#starts = parts.starts;
    this.#entryIndexes = parts.entryIndexes;
    this.#buckets = parts.buckets;
    this.#subIndex = parts.subIndex;
    this.#subBuckets = parts.subBuckets;
    this.#entries = entries;
  }

  /** Builds the table and its indexes from the merged segments. */
  static fromSegments(
    segments: Segments,
    entries: readonly (RegistryEntry | undefined)[],
  ): Ipv6Table {
    const starts = segments.starts;
    const count = segments.count;
    const buckets = buildBuckets(count, (index, bucket) =>
      startAtMost(starts, index * 4, (bucket << INDEX_BITS) >>> 0, 0, 0, 0),
    );
    const subIndex = new Int32Array(BUCKETS).fill(-1);
    const blocks: Uint32Array[] = [];
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const low = buckets[bucket] ?? 0;
      const high = buckets[bucket + 1] ?? 0;
      if (high - low < SUB_INDEX_MIN_SEGMENTS) continue;
      // The segment holding each /24's first address, found by a forward scan from the /16's.
      const block = new Uint32Array(257);
      let segment = low;
      for (let sub = 0; sub < 256; sub++) {
        const key = ((bucket << 16) | (sub << 8)) >>> 0;
        while (segment + 1 < count && startAtMost(starts, (segment + 1) * 4, key, 0, 0, 0)) {
          segment++;
        }
        block[sub] = segment;
      }
      block[256] = high;
      subIndex[bucket] = blocks.length;
      blocks.push(block);
    }
    const subBuckets = new Uint32Array(blocks.length * 257);
    blocks.forEach((block, index) => {
      subBuckets.set(block, index * 257);
    });
    return new Ipv6Table(
      {
        starts: starts.subarray(0, count * 4),
        entryIndexes: segments.entries.subarray(0, count),
        buckets,
        subIndex,
        subBuckets,
      },
      entries,
    );
  }

  /** The arrays (for the snapshot). Do not modify. */
  parts(): Ipv6TableParts {
    return {
      starts: this.#starts,
      entryIndexes: this.#entryIndexes,
      buckets: this.#buckets,
      subIndex: this.#subIndex,
      subBuckets: this.#subBuckets,
    };
  }

  /** The entry of an address given as four words, most significant first. Allocates nothing. */
  lookup(w0: number, w1: number, w2: number, w3: number): RegistryEntry | undefined {
    return this.#entries[this.#entryIndexes[this.segmentOf(w0, w1, w2, w3)] ?? 0];
  }

  segmentOf(w0: number, w1: number, w2: number, w3: number): number {
    const starts = this.#starts;
    const bucket = w0 >>> 16;
    let low: number;
    let high: number;
    const block = this.#subIndex[bucket] ?? -1;
    if (block < 0) {
      low = this.#buckets[bucket] ?? 0;
      high = this.#buckets[bucket + 1] ?? 0;
    } else {
      const at = block * 257 + ((w0 >>> 8) & 255);
      low = this.#subBuckets[at] ?? 0;
      high = this.#subBuckets[at + 1] ?? 0;
    }
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (startAtMost(starts, middle * 4, w0, w1, w2, w3)) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Start words of segment `segment`, written into `out` (most significant first). */
  startOf(segment: number, out: Uint32Array): void {
    out.set(this.#starts.subarray(segment * 4, segment * 4 + 4));
  }

  entryOf(segment: number): RegistryEntry | undefined {
    return this.#entries[this.#entryIndexes[segment] ?? 0];
  }

  memoryBytes(): number {
    return (
      this.#starts.byteLength +
      this.#entryIndexes.byteLength +
      this.#buckets.byteLength +
      this.#subIndex.byteLength +
      this.#subBuckets.byteLength
    );
  }
}

function startAtMost(
  starts: Uint32Array,
  base: number,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): boolean {
  const s0 = starts[base] ?? 0;
  if (s0 !== w0) return s0 < w0;
  const s1 = starts[base + 1] ?? 0;
  if (s1 !== w1) return s1 < w1;
  const s2 = starts[base + 2] ?? 0;
  if (s2 !== w2) return s2 < w2;
  return (starts[base + 3] ?? 0) <= w3;
}

/**
 * `buckets[h]` = the last segment starting at or before the first key of bucket h, so a key of
 * bucket h lies in a segment between `buckets[h]` and `buckets[h + 1]` (inclusive). Segments
 * start at zero, so segment 0 qualifies for bucket 0.
 */
function buildBuckets(
  count: number,
  startsAtOrBefore: (segment: number, bucket: number) => boolean,
): Uint32Array {
  const buckets = new Uint32Array(BUCKETS + 1);
  let segment = 0;
  for (let bucket = 0; bucket < BUCKETS; bucket++) {
    while (segment + 1 < count && startsAtOrBefore(segment + 1, bucket)) segment++;
    buckets[bucket] = segment;
  }
  buckets[BUCKETS] = Math.max(count - 1, 0);
  return buckets;
}
