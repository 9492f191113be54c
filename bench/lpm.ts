/**
 * Longest-prefix-match lookups/s: Tollgate's LpmTable (IPv4 16/8/8 trie, IPv6 range table)
 * against the naive structure many JS libraries use, measured in the same run: one Map per
 * prefix length, probed from the longest length present to the shortest (numeric keys for IPv4,
 * BigInt keys for IPv6). Prints medians of several runs, the ratio, build time and memory.
 *
 *   npx tsx bench/lpm.ts                      (add --expose-gc via node for heap figures:
 *   node --expose-gc --import tsx bench/lpm.ts)
 */
import { performance } from "node:perf_hooks";
import {
  LpmTable,
  createSeededRandom,
  formatIpv4,
  formatIpv6Groups,
  parsePrefix,
} from "../src/core/index.ts";
import type { Prefix } from "../src/core/index.ts";

const PREFIXES = 100_000;
const IPV4_LOOKUPS = 1_000_000;
const IPV6_LOOKUPS = 100_000;
const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function gc(): void {
  // Twice: array buffers of the previous family's tables are released on a later cycle.
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
}

function heapBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const rate = (perSecond: number): string => `${(perSecond / 1e6).toFixed(2)} M/s`;

/**
 * IPv4 lengths shaped like a BGP table (RouteViews: about 60 % /24, most of the rest /16–/23),
 * plus 5 % host-ish /25–/32 as declared inventories have.
 */
function ipv4Length(random: () => number): number {
  const draw = random();
  if (draw < 0.6) return 24;
  if (draw < 0.85) return 16 + Math.floor(random() * 8);
  if (draw < 0.95) return 8 + Math.floor(random() * 8);
  return 25 + Math.floor(random() * 8);
}

/** IPv6 lengths: mostly /48 and /32–/47, some /49–/64 and /128, inside 2000::/3. */
function ipv6Length(random: () => number): number {
  const draw = random();
  if (draw < 0.5) return 48;
  if (draw < 0.75) return 32 + Math.floor(random() * 16);
  if (draw < 0.95) return 49 + Math.floor(random() * 16);
  return 128;
}

function mustParse(text: string): Prefix {
  const result = parsePrefix(text);
  if (!result.ok) throw new Error(result.message);
  return result.prefix;
}

function ipv4Prefixes(random: () => number): Prefix[] {
  const prefixes: Prefix[] = [];
  for (let index = 0; index < PREFIXES; index++) {
    const length = ipv4Length(random);
    const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
    const network = (Math.floor(random() * 2 ** 32) & mask) >>> 0;
    prefixes.push(mustParse(`${formatIpv4(network)}/${length}`));
  }
  return prefixes;
}

function ipv6Prefixes(random: () => number): Prefix[] {
  const prefixes: Prefix[] = [];
  for (let index = 0; index < PREFIXES; index++) {
    const length = ipv6Length(random);
    let value = 0x2n; // 2000::/3
    for (let bit = 3; bit < 128; bit += 25)
      value = (value << 25n) | BigInt(Math.floor(random() * 2 ** 25));
    value >>= BigInt(3 + Math.ceil(125 / 25) * 25 - 128);
    value &= ~((1n << BigInt(128 - length)) - 1n);
    const groups = Array.from({ length: 8 }, (_, i) =>
      Number((value >> BigInt(112 - 16 * i)) & 0xffffn),
    );
    prefixes.push(mustParse(`${formatIpv6Groups(groups)}/${length}`));
  }
  return prefixes;
}

/** Half the addresses inside a random declared prefix, half uniformly random. */
function ipv4Addresses(prefixes: Prefix[], random: () => number, count: number): Uint32Array {
  const addresses = new Uint32Array(count);
  for (let index = 0; index < count; index++) {
    const prefix = prefixes[Math.floor(random() * prefixes.length)]!;
    const host = Math.floor(random() * 2 ** 32);
    if (index % 2 === 0 && prefix.version === 4) {
      const hostMask = prefix.length === 32 ? 0 : 0xffffffff >>> prefix.length;
      addresses[index] = (prefix.network | (host & hostMask)) >>> 0;
    } else {
      addresses[index] = host;
    }
  }
  return addresses;
}

function ipv6Addresses(prefixes: Prefix[], random: () => number, count: number): Uint32Array {
  const addresses = new Uint32Array(count * 4);
  for (let index = 0; index < count; index++) {
    const prefix = prefixes[Math.floor(random() * prefixes.length)]!;
    for (let word = 0; word < 4; word++) {
      const noise = Math.floor(random() * 2 ** 32);
      let value = noise;
      if (index % 2 === 0 && prefix.version === 6) {
        const keep = Math.min(32, Math.max(0, prefix.length - 32 * word));
        const networkMask = keep === 0 ? 0 : (0xffffffff << (32 - keep)) >>> 0;
        value = ((prefix.words[word]! & networkMask) | (noise & ~networkMask)) >>> 0;
      } else if (word === 0) {
        value = (0x20000000 | (noise & 0x1fffffff)) >>> 0; // inside 2000::/3
      }
      addresses[4 * index + word] = value;
    }
  }
  return addresses;
}

/**
 * The naive baseline: a Map per length, probed longest first. IPv4 keys are the masked address as
 * a number; IPv6 keys are the four masked words as a string (BigInt keys would be worse than
 * fair: V8 hashes many BigInts to the same bucket, measured here at 175 µs per Map.get with 20k
 * keys).
 */
class MapPerLength {
  readonly maps = new Map<number, Map<number | string, number>>();
  lengths: number[] = [];

  insert(prefix: Prefix, value: number): void {
    let map = this.maps.get(prefix.length);
    if (map === undefined) {
      map = new Map();
      this.maps.set(prefix.length, map);
      this.lengths = [...this.maps.keys()].sort((a, b) => b - a);
    }
    if (prefix.version === 4) map.set(prefix.network, value);
    else map.set(prefix.words.join(":"), value);
  }

  lookupIpv4(address: number): number | undefined {
    for (const length of this.lengths) {
      const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
      const value = this.maps.get(length)!.get((address & mask) >>> 0);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  lookupIpv6(w0: number, w1: number, w2: number, w3: number): number | undefined {
    for (const length of this.lengths) {
      const key = `${(w0 & mask(length, 0)) >>> 0}:${(w1 & mask(length, 1)) >>> 0}:${(w2 & mask(length, 2)) >>> 0}:${(w3 & mask(length, 3)) >>> 0}`;
      const value = this.maps.get(length)!.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  }
}

function mask(length: number, word: number): number {
  const bits = Math.min(32, Math.max(0, length - 32 * word));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

interface Figures {
  buildMs: number;
  memoryBytes: number;
  lookupsPerSecond: number;
  checksum: number;
}

function measureBuild<T>(build: () => T): { value: T; buildMs: number; heapDelta: number } {
  gc();
  const before = heapBytes();
  const start = performance.now();
  const value = build();
  const buildMs = performance.now() - start;
  gc();
  return { value, buildMs, heapDelta: heapBytes() - before };
}

function runFamily(family: 4 | 6): void {
  const random = createSeededRandom(family === 4 ? 4 : 6);
  const prefixes = family === 4 ? ipv4Prefixes(random) : ipv6Prefixes(random);
  const count = family === 4 ? IPV4_LOOKUPS : IPV6_LOOKUPS;
  const addresses =
    family === 4 ? ipv4Addresses(prefixes, random, count) : ipv6Addresses(prefixes, random, count);
  const ours = measureBuild(() => {
    const table = new LpmTable<number>();
    prefixes.forEach((prefix, index) => {
      table.insert(prefix, index + 1);
    });
    table.lookup(family === 4 ? "0.0.0.0" : "::"); // IPv6 ranges are built on first lookup
    return table;
  });
  const naive = measureBuild(() => {
    const table = new MapPerLength();
    prefixes.forEach((prefix, index) => {
      table.insert(prefix, index + 1);
    });
    return table;
  });

  const oursRuns: number[] = [];
  const naiveRuns: number[] = [];
  let oursChecksum = 0;
  let naiveChecksum = 0;
  for (let run = 0; run < RUNS; run++) {
    let sum = 0;
    let start = performance.now();
    if (family === 4) {
      for (let i = 0; i < count; i++) sum += ours.value.lookupIpv4(addresses[i]!) ?? 0;
    } else {
      for (let i = 0; i < count; i++) {
        sum +=
          ours.value.lookupIpv6(
            addresses[4 * i]!,
            addresses[4 * i + 1]!,
            addresses[4 * i + 2]!,
            addresses[4 * i + 3]!,
          ) ?? 0;
      }
    }
    oursRuns.push(count / ((performance.now() - start) / 1000));
    oursChecksum = sum;
    sum = 0;
    start = performance.now();
    if (family === 4) {
      for (let i = 0; i < count; i++) sum += naive.value.lookupIpv4(addresses[i]!) ?? 0;
    } else {
      for (let i = 0; i < count; i++) {
        sum +=
          naive.value.lookupIpv6(
            addresses[4 * i]!,
            addresses[4 * i + 1]!,
            addresses[4 * i + 2]!,
            addresses[4 * i + 3]!,
          ) ?? 0;
      }
    }
    naiveRuns.push(count / ((performance.now() - start) / 1000));
    naiveChecksum = sum;
  }
  if (oursChecksum !== naiveChecksum) {
    throw new Error(`IPv${family}: answers differ (checksums ${oursChecksum} vs ${naiveChecksum})`);
  }
  const report: Record<string, Figures & { heapDelta: number }> = {
    LpmTable: {
      buildMs: ours.buildMs,
      memoryBytes: ours.value.memoryBytes(),
      lookupsPerSecond: median(oursRuns),
      checksum: oursChecksum,
      heapDelta: ours.heapDelta,
    },
    "Map per length": {
      buildMs: naive.buildMs,
      memoryBytes: Number.NaN,
      lookupsPerSecond: median(naiveRuns),
      checksum: naiveChecksum,
      heapDelta: naive.heapDelta,
    },
  };
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === "function";
  console.log(
    `\nIPv${family}: ${prefixes.length.toLocaleString("en")} random prefixes (${ours.value.size.toLocaleString("en")} distinct), ${count.toLocaleString("en")} lookups (half inside a prefix), median of ${RUNS} runs`,
  );
  for (const [name, figures] of Object.entries(report)) {
    console.log(
      `  ${name.padEnd(15)} ${rate(figures.lookupsPerSecond).padStart(11)}  build ${figures.buildMs.toFixed(0).padStart(5)} ms` +
        (Number.isNaN(figures.memoryBytes) ? "" : `  typed arrays ${mib(figures.memoryBytes)}`) +
        (hasGc ? `  heap+buffers Δ ${mib(figures.heapDelta)}` : ""),
    );
  }
  console.log(
    `  ratio LpmTable / Map per length: ${(median(oursRuns) / median(naiveRuns)).toFixed(1)}×  (answers agree: checksum ${oursChecksum})`,
  );
}

console.log(`node ${process.version}, ${process.arch}`);
runFamily(4);
runFamily(6);
