/**
 * The address registry (ASN, AS name, country) with the full default data: load time (wall and
 * CPU), memory, and lookups/s for random IPv4 and IPv6 addresses, median of 5 runs, against two
 * baselines measured in the same run:
 *   - a plain binary search over the same IPv4 segment starts (no index), and the same with a
 *     16-bit first-level index (binary search within the /16);
 *   - mmdb-lib's `get()` on an MMDB written by the test writer from the first 60,000 IPv4
 *     segments (a smaller tree than the full data, so this baseline is flattered).
 * and the snapshot cache: a load that writes the snapshot, loads mapped back from it (wall, CPU,
 * memory, ratio to the load from the sources), and their answers checked against the fresh
 * registry's on every benchmark address.
 *
 *   npx tsx bench/registry.ts          (heap figures: node --expose-gc --import tsx bench/registry.ts)
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Reader } from "mmdb-lib";
import type { Response } from "mmdb-lib";
import { createSeededRandom, formatIpv4 } from "../src/core/index.ts";
import { loadAddressRegistry } from "../src/inventory/registry/index.ts";
import type { AddressRegistry, RegistryEntry } from "../src/inventory/registry/index.ts";
import { writeMmdb } from "../src/inventory/registry/testdata/mmdb-writer.ts";
import { parseAsnCsv, parseCountryCsv } from "../src/inventory/registry/csv.ts";
import { EntryInterner, countryCodeToText } from "../src/inventory/registry/entry.ts";
import { mergeRanges } from "../src/inventory/registry/merge.ts";
import { RangeListBuilder, normalizeRanges } from "../src/inventory/registry/range-list.ts";
import { Ipv4Table } from "../src/inventory/registry/table.ts";
import { AsnValues } from "../src/inventory/registry/values.ts";
import type { MmdbNetwork } from "../src/inventory/registry/testdata/mmdb-writer.ts";

const RUNS = 5;
const LOAD_RUNS = 3;
const IPV4_LOOKUPS = 2_000_000;
const IPV6_LOOKUPS = 1_000_000;
const MMDB_SEGMENTS = 60_000;
const MMDB_LOOKUPS = 200_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * gc() and then a few turns of the event loop, gc() again: V8 releases large array buffers'
 * memory after the collection that frees them, so without the wait the 34 MiB buffer of a
 * snapshot just written still counted as in use (measured: +3.5 MiB for a cached registry).
 */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  gc();
}

const hasGc = typeof (globalThis as { gc?: unknown }).gc === "function";
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const rate = (perSecond: number): string => `${(perSecond / 1e6).toFixed(2)} M/s`;
const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

interface Task {
  readonly count: number;
  readonly run: () => number;
  readonly rates: number[];
}
const tasks: Task[] = [];

/** Registers a lookup loop of `count` lookups; `runInterleaved` times them all. */
function measure(count: number, run: () => number): Task {
  const task: Task = { count, run, rates: [] };
  tasks.push(task);
  return task;
}

/**
 * Runs every task once per round, RUNS + 1 rounds (the first warms the JIT and is dropped), so
 * that load from other processes falls on every variant alike rather than on whichever ran last.
 */
function runInterleaved(): void {
  let sink = 0;
  for (let round = 0; round < RUNS + 1; round++) {
    for (const task of tasks) {
      const started = performance.now();
      sink += task.run();
      const elapsed = performance.now() - started;
      if (round > 0) task.rates.push((task.count / elapsed) * 1000);
    }
  }
  if (sink === -1) console.log("unreachable");
}

const rateOf = (task: Task): number => median(task.rates);

// ---- load ----------------------------------------------------------------------------------
gc();
const heapBefore = process.memoryUsage();
const wallTimes: number[] = [];
const cpuTimes: number[] = [];
let registry: AddressRegistry | undefined;
for (let run = 0; run < LOAD_RUNS; run++) {
  registry = undefined;
  gc();
  const wall = performance.now();
  const cpu = cpuMs();
  registry = await loadAddressRegistry();
  wallTimes.push(performance.now() - wall);
  cpuTimes.push(cpuMs() - cpu);
}
if (registry === undefined) throw new Error("no registry");
gc();
const heapAfter = process.memoryUsage();
console.log(
  `registry: ${registry.sources.map((source) => `${source.version} ${source.ranges} ranges`).join("; ")}`,
);
console.log(
  `load (median of ${LOAD_RUNS}): ${median(wallTimes).toFixed(0)} ms wall, ${median(cpuTimes).toFixed(0)} ms CPU;` +
    ` ${registry.rangeCount} segments, ${registry.entryCount} entries`,
);
console.log(
  `memory: memoryBytes() ${mib(registry.memoryBytes())}` +
    (hasGc
      ? `; measured heap +${mib(heapAfter.heapUsed - heapBefore.heapUsed)}, array buffers +${mib(heapAfter.arrayBuffers - heapBefore.arrayBuffers)}`
      : " (run with node --expose-gc --import tsx for measured heap)"),
);

// ---- addresses -----------------------------------------------------------------------------
const random = createSeededRandom(20260617);
const ipv4 = new Uint32Array(IPV4_LOOKUPS);
for (let index = 0; index < IPV4_LOOKUPS; index++) ipv4[index] = Math.floor(random() * 2 ** 32);
const ipv6 = new Uint32Array(IPV6_LOOKUPS * 4);
for (let index = 0; index < IPV6_LOOKUPS; index++) {
  // Half inside 2000::/3 (all allocated IPv6 space, mostly sparse), half inside 2a00::/12 (RIPE,
  // densely allocated), so that lookups also meet crowded /16s.
  ipv6[index * 4] =
    index % 2 === 0
      ? (0x20000000 | Math.floor(random() * 2 ** 29)) >>> 0
      : (0x2a000000 | Math.floor(random() * 2 ** 20)) >>> 0;
  for (let word = 1; word < 4; word++) ipv6[index * 4 + word] = Math.floor(random() * 2 ** 32);
}

// ---- snapshot cache ------------------------------------------------------------------------
// Fresh loads above parse the sources; here one load writes the snapshot into an empty cache
// directory, then LOAD_RUNS loads map it back.
const cacheDir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-registry-"));
const writeWall = performance.now();
const writeCpu = cpuMs();
const writing = await loadAddressRegistry({ cacheDir });
const writingWallMs = performance.now() - writeWall;
const writingCpuMs = cpuMs() - writeCpu;
if (writing.cache.state !== "written")
  throw new Error(`snapshot not written: ${writing.cache.reason}`);
const snapshotBytes = statSync(writing.cache.file ?? "").size;
const cachedWallTimes: number[] = [];
const cachedCpuTimes: number[] = [];
let cached: AddressRegistry | undefined;
await settle();
const cachedHeapBefore = process.memoryUsage();
for (let run = 0; run < LOAD_RUNS; run++) {
  cached = undefined;
  gc();
  const wall = performance.now();
  const cpu = cpuMs();
  cached = await loadAddressRegistry({ cacheDir });
  cachedWallTimes.push(performance.now() - wall);
  cachedCpuTimes.push(cpuMs() - cpu);
  if (cached.cache.state !== "hit") throw new Error(`snapshot not used: ${cached.cache.reason}`);
}
if (cached === undefined) throw new Error("no cached registry");
await settle();
const cachedHeapAfter = process.memoryUsage();
rmSync(cacheDir, { recursive: true, force: true });
// The cached registry must answer as the fresh one on every address the lookups below use.
let mismatches = 0;
const sameEntry = (a: RegistryEntry | undefined, b: RegistryEntry | undefined): boolean =>
  a?.asn === b?.asn && a?.asName === b?.asName && a?.country === b?.country;
for (let index = 0; index < IPV4_LOOKUPS; index++) {
  if (!sameEntry(cached.lookupIpv4(ipv4[index]!), registry.lookupIpv4(ipv4[index]!))) mismatches++;
}
for (let index = 0; index < IPV6_LOOKUPS; index++) {
  const base = index * 4;
  const words = [ipv6[base]!, ipv6[base + 1]!, ipv6[base + 2]!, ipv6[base + 3]!] as const;
  if (!sameEntry(cached.lookupIpv6(...words), registry.lookupIpv6(...words))) mismatches++;
}
if (mismatches > 0) throw new Error(`cached registry differs on ${mismatches} addresses`);
const freshWallMs = median(wallTimes);
const cachedWallMs = median(cachedWallTimes);
console.log(
  `\nsnapshot cache (${mib(snapshotBytes)} file): first load, parse + write ` +
    `${writingWallMs.toFixed(0)} ms wall, ${writingCpuMs.toFixed(0)} ms CPU ` +
    `(${(writingWallMs - freshWallMs).toFixed(0)} ms wall over the median fresh load)`,
);
console.log(
  `  cached load (median of ${LOAD_RUNS}): ${cachedWallMs.toFixed(0)} ms wall, ` +
    `${median(cachedCpuTimes).toFixed(0)} ms CPU; fresh/cached ${(freshWallMs / cachedWallMs).toFixed(1)}x wall, ` +
    `${(median(cpuTimes) / median(cachedCpuTimes)).toFixed(1)}x CPU`,
);
console.log(
  `  memory: memoryBytes() ${mib(cached.memoryBytes())}` +
    (hasGc
      ? `; measured heap +${mib(cachedHeapAfter.heapUsed - cachedHeapBefore.heapUsed)}, ` +
        `array buffers +${mib(cachedHeapAfter.arrayBuffers - cachedHeapBefore.arrayBuffers)} ` +
        `(fresh: heap +${mib(heapAfter.heapUsed - heapBefore.heapUsed)}, ` +
        `array buffers +${mib(heapAfter.arrayBuffers - heapBefore.arrayBuffers)})`
      : "") +
    `; ${IPV4_LOOKUPS + IPV6_LOOKUPS} lookups answer as the fresh registry's`,
);
cached = undefined;
const table = registry;
const countKnown = (entry: RegistryEntry | undefined): number => (entry === undefined ? 0 : 1);
const ipv4Task = measure(IPV4_LOOKUPS, () => {
  let known = 0;
  for (let index = 0; index < IPV4_LOOKUPS; index++)
    known += countKnown(table.lookupIpv4(ipv4[index]!));
  return known;
});
const ipv6Task = measure(IPV6_LOOKUPS, () => {
  let known = 0;
  for (let index = 0; index < IPV6_LOOKUPS; index++) {
    const base = index * 4;
    known += countKnown(
      table.lookupIpv6(ipv6[base]!, ipv6[base + 1]!, ipv6[base + 2]!, ipv6[base + 3]!),
    );
  }
  return known;
});

// ---- baseline 1: plain binary search over the same IPv4 segments ---------------------------
// The exact segments, rebuilt from the default IPv4 files by the registry's own steps.
const require = createRequire(import.meta.url);
const dataFile = (name: string): string =>
  path.join(
    path.dirname(require.resolve(`@ip-location-db/${name}/package.json`)),
    `${name}-ipv4.csv`,
  );
const asnValues = new AsnValues();
const asnSinks = { ipv4: new RangeListBuilder(), ipv6: new RangeListBuilder() };
const countrySinks = { ipv4: new RangeListBuilder(), ipv6: new RangeListBuilder() };
await parseAsnCsv(readFileSync(dataFile("asn")), "asn", asnValues, asnSinks);
await parseCountryCsv(readFileSync(dataFile("geo-whois-asn-country")), "country", countrySinks);
const interner = new EntryInterner();
const segments = mergeRanges(
  normalizeRanges(asnSinks.ipv4.build()),
  normalizeRanges(countrySinks.ipv4.build()),
  (asn, country) =>
    interner.intern(
      asnValues.list[asn]?.asn ?? 0,
      asnValues.list[asn]?.name ?? "",
      country < 0 ? "" : countryCodeToText(country),
    ),
);
const ipv4Table = Ipv4Table.fromSegments(segments, interner.entries);
const flatStarts = ipv4Table.parts().starts;
const entryIndexes = ipv4Table.parts().entryIndexes;
const entries = Array.from(entryIndexes, (index) => interner.entries[index]);
console.log(`IPv4 segments: ${flatStarts.length}`);
const flatLookup = (address: number): RegistryEntry | undefined => {
  let low = 0;
  let high = flatStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (flatStarts[middle]! <= address) low = middle;
    else high = middle - 1;
  }
  return entries[low];
};
const flatTask = measure(IPV4_LOOKUPS, () => {
  let known = 0;
  for (let index = 0; index < IPV4_LOOKUPS; index++) known += countKnown(flatLookup(ipv4[index]!));
  return known;
});

// ---- baseline 1b: a 16-bit first-level index + binary search within the /16 ----------------
// (the registry's first design for IPv4; its IPv6 table works this way)
const buckets = new Uint32Array(65_537);
{
  let segment = 0;
  for (let bucket = 0; bucket < 65_536; bucket++) {
    while (segment + 1 < flatStarts.length && flatStarts[segment + 1]! <= (bucket << 16) >>> 0)
      segment++;
    buckets[bucket] = segment;
  }
  buckets[65_536] = flatStarts.length - 1;
}
const indexedLookup = (address: number): RegistryEntry | undefined => {
  const bucket = address >>> 16;
  let low = buckets[bucket]!;
  let high = buckets[bucket + 1]!;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (flatStarts[middle]! <= address) low = middle;
    else high = middle - 1;
  }
  return entries[low];
};
const indexedTask = measure(IPV4_LOOKUPS, () => {
  let known = 0;
  for (let index = 0; index < IPV4_LOOKUPS; index++)
    known += countKnown(indexedLookup(ipv4[index]!));
  return known;
});

// ---- baseline 2: mmdb-lib get() ------------------------------------------------------------
function cidrs(start: number, end: number): string[] {
  const out: string[] = [];
  let at = start;
  while (at <= end) {
    let size = at === 0 ? 2 ** 32 : 2 ** Math.min(32, Math.log2(at & -at) | 0);
    if ((at & -at) >>> 0 === 0x80000000) size = 2 ** 31;
    while (at + size - 1 > end) size /= 2;
    out.push(`${formatIpv4(at)}/${32 - Math.log2(size)}`);
    at += size;
  }
  return out;
}
const networks: MmdbNetwork[] = [];
for (let index = 0; index < Math.min(MMDB_SEGMENTS, flatStarts.length - 1); index++) {
  const entry = entries[index];
  if (entry === undefined) continue;
  const data = {
    autonomous_system_number: entry.asn,
    autonomous_system_organization: entry.asName,
    country: { iso_code: entry.country },
  };
  for (const prefix of cidrs(flatStarts[index]!, flatStarts[index + 1]! - 1))
    networks.push({ prefix, data });
}
const mmdbBytes = writeMmdb({ ipVersion: 6, recordSize: 28, databaseType: "bench", networks });
const reader = new Reader<Response>(mmdbBytes);
const lastCovered = flatStarts[Math.min(MMDB_SEGMENTS, flatStarts.length - 1)]!;
const mmdbAddresses = Array.from({ length: MMDB_LOOKUPS }, (_, index) =>
  formatIpv4(Math.floor((ipv4[index]! / 2 ** 32) * lastCovered)),
);
const mmdbTask = measure(MMDB_LOOKUPS, () => {
  let known = 0;
  for (const address of mmdbAddresses) known += reader.get(address) === null ? 0 : 1;
  return known;
});
const registryTextTask = measure(MMDB_LOOKUPS, () => {
  let known = 0;
  for (const address of mmdbAddresses) known += countKnown(table.lookup(address));
  return known;
});

runInterleaved();
const ipv4Rate = rateOf(ipv4Task);
const ipv6Rate = rateOf(ipv6Task);
const flatRate = rateOf(flatTask);
const indexedRate = rateOf(indexedTask);
const mmdbRate = rateOf(mmdbTask);
const registryTextRate = rateOf(registryTextTask);
console.log(`\nlookups/s, median of ${RUNS} interleaved rounds (Node ${process.version}):`);
console.log(`  IPv4 registry.lookupIpv4            ${rate(ipv4Rate)}`);
console.log(
  `  IPv4 plain binary search (baseline) ${rate(flatRate)}   ratio ${(ipv4Rate / flatRate).toFixed(2)}x`,
);
console.log(
  `  IPv4 /16 index + binary search      ${rate(indexedRate)}   ratio ${(ipv4Rate / indexedRate).toFixed(2)}x`,
);
console.log(`  IPv6 registry.lookupIpv6            ${rate(ipv6Rate)}`);
console.log(
  `  text: registry.lookup(string)       ${rate(registryTextRate)} vs mmdb-lib get() ${rate(mmdbRate)}` +
    ` (${networks.length} networks) ratio ${(registryTextRate / mmdbRate).toFixed(1)}x`,
);
console.log(`  flows/s with both ends enriched (IPv4): ${rate(ipv4Rate / 2)}`);
