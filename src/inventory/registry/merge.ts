/**
 * Merges the ASN ranges and the country ranges of one family into one table of segments. The two
 * sources cut the space at different places (a /16 of one AS may span three countries, a country
 * range may span many ASes), so the segments are the pieces between every boundary of either.
 */
import { compareKeys, copyKey, incrementKey } from "./range-list.ts";
import type { RangeList } from "./range-list.ts";

/**
 * Consecutive segments covering the whole 128-bit space from zero: segment `i` runs from its
 * start to the next segment's start minus one (the last to the end of the space). `entries[i]` is
 * an entry index, 0 where neither source says anything.
 */
export interface Segments {
  readonly count: number;
  /** Four words per segment start, most significant first. */
  readonly starts: Uint32Array;
  readonly entries: Uint32Array;
}

/** Maps the value ids of the two sources at a point (-1 = not covered) to an entry index. */
export type EntryResolver = (asnValue: number, countryValue: number) => number;

/** Both lists must be normalized (sorted and disjoint, see `normalizeRanges`). */
export function mergeRanges(asn: RangeList, country: RangeList, resolve: EntryResolver): Segments {
  let capacity = asn.count * 2 + country.count * 2 + 2;
  let starts = new Uint32Array(capacity * 4);
  let entries = new Uint32Array(capacity);
  let count = 0;

  const point = new Uint32Array(4);
  // Scratch for the next boundary of each source.
  const nextA = new Uint32Array(4);
  const nextB = new Uint32Array(4);
  const asnValue: Boundary = { value: -1, end: false };
  const countryValue: Boundary = { value: -1, end: false };
  let a = 0;
  let b = 0;
  for (;;) {
    while (a < asn.count && compareKeys(asn.words, a * 8 + 4, point, 0) < 0) a++;
    while (b < country.count && compareKeys(country.words, b * 8 + 4, point, 0) < 0) b++;
    nextBoundary(asn, a, point, nextA, asnValue);
    nextBoundary(country, b, point, nextB, countryValue);
    const entry = resolve(asnValue.value, countryValue.value);
    if (count === 0 || entries[count - 1] !== entry) {
      if (count === capacity) {
        capacity *= 2;
        const grownStarts = new Uint32Array(capacity * 4);
        grownStarts.set(starts);
        starts = grownStarts;
        const grownEntries = new Uint32Array(capacity);
        grownEntries.set(entries);
        entries = grownEntries;
      }
      starts.set(point, count * 4);
      entries[count++] = entry;
    }
    if (asnValue.end && countryValue.end) break;
    if (asnValue.end) point.set(nextB);
    else if (countryValue.end) point.set(nextA);
    else point.set(compareKeys(nextA, 0, nextB, 0) <= 0 ? nextA : nextB);
  }
  return { count, starts: starts.slice(0, count * 4), entries: entries.slice(0, count) };
}

interface Boundary {
  /** The source's value at the point, -1 when the point is in none of its ranges. */
  value: number;
  /** True when the source does not change again before the end of the space. */
  end: boolean;
}

/**
 * The value of `list` at `point` (its ranges before `index` all end before the point) and where
 * that value next changes, written into `next` and `result`.
 */
function nextBoundary(
  list: RangeList,
  index: number,
  point: Uint32Array,
  next: Uint32Array,
  result: Boundary,
): void {
  if (index >= list.count) {
    result.value = -1;
    result.end = true;
    return;
  }
  const base = index * 8;
  if (compareKeys(list.words, base, point, 0) <= 0) {
    result.value = list.values[index] ?? -1;
    copyKey(list.words, base + 4, next);
    result.end = !incrementKey(next, 0);
  } else {
    result.value = -1;
    copyKey(list.words, base, next);
    result.end = false;
  }
}
