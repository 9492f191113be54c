/**
 * All providers' ranges in one longest-prefix-match table (core's `LpmTable`), for the
 * classifier's hot path: which cloud, service and region a far-end address belongs to.
 *
 * Which range answers for an address:
 *
 * 1. Google's services are `goog.json` minus `cloud.json` (Google's documented use of the two
 *    files): a goog prefix equal to or inside a cloud prefix is dropped. With rule 2 this makes
 *    every address of a cloud.json prefix answer Google Cloud, whatever goog.json says.
 * 2. The longest prefix holding the address wins: AMAZON's 52.0.0.0/10-style blocks and
 *    `AzureCloud` hold the EC2, S3 and Storage prefixes, and the inner list names the service.
 * 3. For the very same prefix listed several times: the more specific list wins (`kinds.ts`:
 *    a named service over the customer pool EC2/Google Cloud over the catch-all AMAZON/AzureCloud/
 *    goog), then a regional entry over a global one (`Storage.EastUS` over `Storage`), then, only
 *    to be independent of file order, the first source in `CLOUD_RANGE_SOURCES` and the
 *    alphabetically first service, region and border group.
 *
 * Lookups return the winning range object, frozen and shared: nothing is allocated per lookup.
 */
import { LpmTable, comparePrefixes, ipv4Mask, ipv6WordMask } from "../../core/index.ts";
import type { Prefix } from "../../core/index.ts";
import { CLOUD_RANGE_SOURCES } from "./cloud-range.ts";
import type { CloudRange, CloudRangeFileInfo, ParsedCloudRanges } from "./cloud-range.ts";
import { cloudRangeRank } from "./kinds.ts";

export interface CloudRangeTable {
  /** The range holding an address given as text (either family), or undefined. */
  lookup(address: string): CloudRange | undefined;
  /** Hot path: the range holding an IPv4 address given as an unsigned 32-bit number. */
  lookupIpv4(address: number): CloudRange | undefined;
  /** Hot path: the range holding an IPv6 address as four unsigned 32-bit words, most significant first. */
  lookupIpv6(w0: number, w1: number, w2: number, w3: number): CloudRange | undefined;
  /** Number of distinct prefixes in the table (after the rules above). */
  readonly size: number;
  /** Bytes held by the lookup structures (see `LpmTable.memoryBytes`); range objects excluded. */
  memoryBytes(): number;
  /** What each file said about itself, in the order given. */
  readonly sources: readonly CloudRangeFileInfo[];
  /** The range kept for each distinct prefix (the winners of the rules above), by prefix order. */
  ranges(): readonly CloudRange[];
}

/** Builds a table from parsed files (see `parseCloudRanges`). */
export function buildCloudRangeTableFromFiles(
  files: readonly ParsedCloudRanges[],
): CloudRangeTable {
  return buildCloudRangeTable(
    files.flatMap((file) => file.ranges),
    files.map((file) => file.info),
  );
}

/**
 * Builds a table from ranges directly (tests, or ranges from elsewhere). `sources` is only
 * carried through to `table.sources`. The result depends on the set of ranges, never their order.
 */
export function buildCloudRangeTable(
  ranges: Iterable<CloudRange>,
  sources: readonly CloudRangeFileInfo[] = [],
): CloudRangeTable {
  const all = [...ranges];
  const cloudKeys = new Set<string>();
  for (const range of all) if (range.source === "gcp-cloud") cloudKeys.add(prefixKey(range.prefix));
  const winners = new Map<string, CloudRange>();
  for (const range of all) {
    if (range.source === "gcp-goog" && insideAny(range.prefix, cloudKeys)) continue;
    const key = range.prefix.text;
    const current = winners.get(key);
    if (current === undefined || compareRanges(range, current) < 0) winners.set(key, range);
  }
  const lpm = new LpmTable<CloudRange>();
  for (const range of winners.values()) lpm.insert(range.prefix, range);
  // Build the IPv6 ranges now, not on the first lookup on the hot path.
  lpm.memoryBytes();
  const frozenSources = Object.freeze([...sources]);
  let sorted: readonly CloudRange[] | undefined;
  return Object.freeze({
    lookup: (address: string) => lpm.lookup(address),
    lookupIpv4: (address: number) => lpm.lookupIpv4(address),
    lookupIpv6: (w0: number, w1: number, w2: number, w3: number) => lpm.lookupIpv6(w0, w1, w2, w3),
    size: lpm.size,
    memoryBytes: () => lpm.memoryBytes(),
    sources: frozenSources,
    ranges: () =>
      (sorted ??= Object.freeze(
        [...winners.values()].sort((a, b) => comparePrefixes(a.prefix, b.prefix)),
      )),
  });
}

/**
 * Order of preference between two ranges of the same prefix (rule 3): negative when `a` wins.
 * Exported for tests' oracle.
 */
export function compareRanges(a: CloudRange, b: CloudRange): number {
  const rank = cloudRangeRank(b) - cloudRangeRank(a);
  if (rank !== 0) return rank;
  const regional = Number(b.region !== "") - Number(a.region !== "");
  if (regional !== 0) return regional;
  const source = CLOUD_RANGE_SOURCES.indexOf(a.source) - CLOUD_RANGE_SOURCES.indexOf(b.source);
  if (source !== 0) return source;
  return (
    compareText(a.service, b.service) ||
    compareText(a.region, b.region) ||
    compareText(a.borderGroup, b.borderGroup)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A key of a prefix's network and length (cheaper than formatting text for masked prefixes). */
function prefixKey(prefix: Prefix): string {
  return prefix.version === 4
    ? `4/${prefix.network}/${prefix.length}`
    : `6/${prefix.words.join("/")}/${prefix.length}`;
}

/** Whether the prefix equals, or lies inside, a prefix whose key is in `keys`. */
function insideAny(prefix: Prefix, keys: ReadonlySet<string>): boolean {
  if (keys.size === 0) return false;
  if (prefix.version === 4) {
    for (let length = prefix.length; length >= 0; length--) {
      if (keys.has(`4/${(prefix.network & ipv4Mask(length)) >>> 0}/${length}`)) return true;
    }
    return false;
  }
  const words = prefix.words;
  for (let length = prefix.length; length >= 0; length--) {
    const masked = words.map((word, index) => (word & ipv6WordMask(length, index)) >>> 0);
    if (keys.has(`6/${masked.join("/")}/${length}`)) return true;
  }
  return false;
}
