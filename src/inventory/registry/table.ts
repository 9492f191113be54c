/**
 * The lookup tables: the merged segments of one family as sorted starts, with a first-level
 * index on the top 16 bits so that a lookup binary-searches only the segments of one /16.
 */
import type { RegistryEntry } from "./entry.ts";
import type { Segments } from "./merge.ts";

/** Bits of the first-level index: 65,536 buckets (256 KiB), one per IPv4 /16 or IPv6 /16. */
const INDEX_BITS = 16;
const BUCKETS = 1 << INDEX_BITS;

/** IPv4: the segments whose start lies below 2^32, their starts as one Uint32Array. */
export class Ipv4Table {
  readonly segmentCount: number;
  readonly #starts: Uint32Array;
  readonly #entryIndexes: Uint32Array;
  readonly #entries: readonly (RegistryEntry | undefined)[];
  /** `#buckets[h]` is the segment holding `h << 16`; `#buckets[65536]` the last segment. */
  readonly #buckets: Uint32Array;

  constructor(segments: Segments, entries: readonly (RegistryEntry | undefined)[]) {
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
    this.segmentCount = count;
    this.#starts = starts;
    this.#entryIndexes = segments.entries.slice(0, count);
    this.#entries = entries;
    this.#buckets = buildBuckets(
      count,
      (index, bucket) => (starts[index] ?? 0) <= (bucket << INDEX_BITS) >>> 0,
    );
  }

  /** The entry of an unsigned 32-bit address. Allocates nothing. */
  lookup(address: number): RegistryEntry | undefined {
    const bucket = address >>> INDEX_BITS;
    const starts = this.#starts;
    let low = this.#buckets[bucket] ?? 0;
    let high = this.#buckets[bucket + 1] ?? 0;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((starts[middle] ?? 0) <= address) low = middle;
      else high = middle - 1;
    }
    return this.#entries[this.#entryIndexes[low] ?? 0];
  }

  /** The segment number holding an address (for `describe`). */
  segmentOf(address: number): number {
    const bucket = address >>> INDEX_BITS;
    let low = this.#buckets[bucket] ?? 0;
    let high = this.#buckets[bucket + 1] ?? 0;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.#starts[middle] ?? 0) <= address) low = middle;
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

  memoryBytes(): number {
    return this.#starts.byteLength + this.#entryIndexes.byteLength + this.#buckets.byteLength;
  }
}

/** IPv6: every segment, starts as four words each, index on the top 16 bits of word 0. */
export class Ipv6Table {
  readonly segmentCount: number;
  readonly #starts: Uint32Array;
  readonly #entryIndexes: Uint32Array;
  readonly #entries: readonly (RegistryEntry | undefined)[];
  readonly #buckets: Uint32Array;

  constructor(segments: Segments, entries: readonly (RegistryEntry | undefined)[]) {
    this.segmentCount = segments.count;
    this.#starts = segments.starts;
    this.#entryIndexes = segments.entries;
    this.#entries = entries;
    const starts = segments.starts;
    this.#buckets = buildBuckets(segments.count, (index, bucket) =>
      startAtMost(starts, index * 4, (bucket << INDEX_BITS) >>> 0, 0, 0, 0),
    );
  }

  /** The entry of an address given as four words, most significant first. Allocates nothing. */
  lookup(w0: number, w1: number, w2: number, w3: number): RegistryEntry | undefined {
    return this.#entries[this.#entryIndexes[this.segmentOf(w0, w1, w2, w3)] ?? 0];
  }

  segmentOf(w0: number, w1: number, w2: number, w3: number): number {
    const starts = this.#starts;
    const bucket = w0 >>> 16;
    let low = this.#buckets[bucket] ?? 0;
    let high = this.#buckets[bucket + 1] ?? 0;
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
    return this.#starts.byteLength + this.#entryIndexes.byteLength + this.#buckets.byteLength;
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
