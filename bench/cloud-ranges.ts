/**
 * Cloud provider IP ranges: parse, build and lookups/s of inventory/cloud-ranges' table at the
 * providers' real sizes (generated in their published formats: ~10k AWS entries, 2k Google,
 * 50k Azure tag prefixes), against a baseline measured in the same run: binary search over the
 * same winning prefixes sorted by start, then a walk up to the nearest enclosing prefix that
 * holds the address (what range-list libraries do). Both answer every lookup the same (checked).
 *
 *   npx tsx bench/cloud-ranges.ts
 *   node --expose-gc --import tsx bench/cloud-ranges.ts      (adds heap figures)
 */
import { performance } from "node:perf_hooks";
import {
  comparePrefixes,
  createSeededRandom,
  formatIpv4,
  formatIpv6Groups,
} from "../src/core/index.ts";
import type { Prefix } from "../src/core/index.ts";
import {
  buildCloudRangeTableFromFiles,
  parseAwsIpRanges,
  parseAzureServiceTags,
  parseGcpCloud,
  parseGcpGoog,
} from "../src/inventory/cloud-ranges/index.ts";
import type {
  CloudRange,
  CloudRangeTable,
  ParsedCloudRanges,
} from "../src/inventory/cloud-ranges/index.ts";

const RUNS = 5;
const IPV4_LOOKUPS = 2_000_000;
const IPV6_LOOKUPS = 500_000;

const random = createSeededRandom(5);
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const rate = (perSecond: number): string => `${(perSecond / 1e6).toFixed(2)} M/s`;
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
}
const canGc = typeof (globalThis as { gc?: unknown }).gc === "function";
const heapBytes = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

// ---- generated files, in the published formats -------------------------------------------------

const AWS_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "eu-west-1",
  "eu-central-1",
  "ap-northeast-1",
  "ap-southeast-2",
  "sa-east-1",
];
const AWS_SERVICES = [
  "EC2",
  "EC2",
  "EC2",
  "EC2",
  "S3",
  "DYNAMODB",
  "CLOUDFRONT",
  "ROUTE53_HEALTHCHECKS",
  "API_GATEWAY",
  "CODEBUILD",
];
const GCP_REGIONS = [
  "us-central1",
  "us-east1",
  "us-west1",
  "europe-west1",
  "europe-west4",
  "asia-east1",
  "asia-northeast1",
];
const AZURE_REGIONS = [
  "eastus",
  "eastus2",
  "westus2",
  "westeurope",
  "northeurope",
  "southeastasia",
  "japaneast",
  "australiaeast",
  "uksouth",
  "centralus",
];
const AZURE_SERVICES = [
  "Storage",
  "Sql",
  "AzureMonitor",
  "EventHub",
  "ServiceBus",
  "AppService",
  "AzureCosmosDB",
  "AzureKeyVault",
];

function v4(network: number, length: number): string {
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return `${formatIpv4((network & mask) >>> 0)}/${length}`;
}

function v6(top: number, length: number): string {
  // `top` = the first 48 bits' last 32 bits under 2600::/16-ish space.
  const groups = [
    0x2600 + ((top >>> 28) & 0xf),
    (top >>> 12) & 0xffff,
    (top << 4) & 0xffff,
    0,
    0,
    0,
    0,
    0,
  ];
  const prefix = formatIpv6Groups(groups);
  return `${prefix}/${length}`;
}

/** A /`outer` block, and `count` random /`min`–/`max` prefixes inside it. */
function inside(block: number, outer: number, count: number, min: number, max: number): number[][] {
  const out: number[][] = [];
  for (let index = 0; index < count; index++) {
    const length = min + Math.floor(random() * (max - min + 1));
    const host = Math.floor(random() * 2 ** (32 - outer));
    out.push([(block | host) >>> 0, length]);
  }
  return out;
}

function awsFile(): unknown {
  const prefixes: object[] = [];
  const ipv6: object[] = [];
  // 100 AMAZON /12–/15 blocks; inside each ~35 service prefixes listed twice (AMAZON + service).
  for (let block = 0; block < 100; block++) {
    const outer = 12 + Math.floor(random() * 4);
    const network =
      ((0x03000000 + Math.floor(random() * 0xd0) * 0x01000000) |
        (Math.floor(random() * 256) << 16)) >>>
      0;
    const region = pick(AWS_REGIONS);
    prefixes.push({
      ip_prefix: v4(network, outer),
      region,
      service: "AMAZON",
      network_border_group: region,
    });
    for (const [inner, length] of inside(
      network & ((0xffffffff << (32 - outer)) >>> 0),
      outer,
      35,
      16,
      28,
    )) {
      const service = pick(AWS_SERVICES);
      const entryRegion = service === "CLOUDFRONT" ? "GLOBAL" : region;
      const text = v4(inner!, length!);
      prefixes.push({
        ip_prefix: text,
        region: entryRegion,
        service: "AMAZON",
        network_border_group: entryRegion,
      });
      prefixes.push({
        ip_prefix: text,
        region: entryRegion,
        service,
        network_border_group: entryRegion,
      });
    }
  }
  for (let index = 0; index < 1500; index++) {
    const region = pick(AWS_REGIONS);
    const text = v6(Math.floor(random() * 2 ** 32), 36 + Math.floor(random() * 21));
    ipv6.push({ ipv6_prefix: text, region, service: "AMAZON", network_border_group: region });
    ipv6.push({
      ipv6_prefix: text,
      region,
      service: pick(AWS_SERVICES),
      network_border_group: region,
    });
  }
  return {
    syncToken: "1717099990",
    createDate: "2024-05-30-20-13-10",
    prefixes,
    ipv6_prefixes: ipv6,
  };
}

function gcpFiles(): { cloud: unknown; goog: unknown } {
  const cloud: object[] = [];
  const goog: object[] = [];
  for (let block = 0; block < 150; block++) {
    const network = ((0x22000000 + Math.floor(random() * 0x02000000)) & 0xfff80000) >>> 0; // 34.x /13 blocks
    goog.push({ ipv4Prefix: v4(network, 13) });
    for (const [inner, length] of inside(network, 13, 10, 14, 22)) {
      cloud.push({
        ipv4Prefix: v4(inner!, length!),
        service: "Google Cloud",
        scope: pick(GCP_REGIONS),
      });
    }
  }
  for (let index = 0; index < 350; index++) {
    cloud.push({
      ipv6Prefix: v6(Math.floor(random() * 2 ** 32), 44 + Math.floor(random() * 5)),
      service: "Google Cloud",
      scope: pick(GCP_REGIONS),
    });
  }
  for (let index = 0; index < 50; index++)
    goog.push({ ipv6Prefix: v6(Math.floor(random() * 2 ** 32), 32) });
  return {
    cloud: { syncToken: "1", creationTime: "2024-05-30T08:01:03.416", prefixes: cloud },
    goog: { syncToken: "1", creationTime: "2024-05-30T08:01:03.416", prefixes: goog },
  };
}

function azureFile(): unknown {
  // Each region's AzureCloud prefixes are listed under AzureCloud, AzureCloud.<region>, and a
  // third of them again under a service tag and its regional tag: ~50k prefix entries.
  const values: object[] = [];
  const global: string[] = [];
  const byService = new Map<string, string[]>();
  for (const region of AZURE_REGIONS) {
    const regional: string[] = [];
    const perService = new Map<string, string[]>();
    for (let block = 0; block < 17; block++) {
      const network = ((0x14000000 + Math.floor(random() * 0x40000000)) & 0xffff0000) >>> 0;
      for (const [inner, length] of inside(network, 16, 100, 18, 29)) {
        const text = v4(inner!, length!);
        regional.push(text);
        if (random() < 0.33) {
          const service = pick(AZURE_SERVICES);
          perService.set(service, [...(perService.get(service) ?? []), text]);
        }
      }
    }
    for (let index = 0; index < 200; index++)
      regional.push(v6(Math.floor(random() * 2 ** 32), 40 + Math.floor(random() * 25)));
    global.push(...regional);
    values.push({
      name: `AzureCloud.${region}`,
      id: `AzureCloud.${region}`,
      properties: {
        changeNumber: 1,
        region,
        regionId: 1,
        platform: "Azure",
        systemService: "",
        addressPrefixes: regional,
        networkFeatures: ["API", "NSG"],
      },
    });
    for (const [service, list] of perService) {
      byService.set(service, [...(byService.get(service) ?? []), ...list]);
      values.push({
        name: `${service}.${region}`,
        id: `${service}.${region}`,
        properties: {
          changeNumber: 1,
          region,
          regionId: 1,
          platform: "Azure",
          systemService: `Azure${service}`,
          addressPrefixes: list,
          networkFeatures: ["API", "NSG"],
        },
      });
    }
  }
  values.push({
    name: "AzureCloud",
    id: "AzureCloud",
    properties: {
      changeNumber: 1,
      region: "",
      regionId: 0,
      platform: "Azure",
      systemService: "",
      addressPrefixes: global,
      networkFeatures: ["API", "NSG"],
    },
  });
  for (const [service, list] of byService) {
    values.push({
      name: service,
      id: service,
      properties: {
        changeNumber: 1,
        region: "",
        regionId: 0,
        platform: "Azure",
        systemService: `Azure${service}`,
        addressPrefixes: list,
        networkFeatures: ["API", "NSG"],
      },
    });
  }
  return { changeNumber: 312, cloud: "Public", values };
}

// ---- the baseline: binary search over sorted prefixes, then the enclosing chain ---------------

class SortedRanges {
  readonly starts4: Uint32Array;
  readonly ends4: Uint32Array;
  readonly parents4: Int32Array;
  readonly values4: CloudRange[];
  readonly words6: Uint32Array; // start then end, 8 words per prefix
  readonly parents6: Int32Array;
  readonly values6: CloudRange[];

  constructor(ranges: readonly CloudRange[]) {
    const sorted = [...ranges].sort((a, b) => comparePrefixes(a.prefix, b.prefix));
    const four = sorted.filter((range) => range.prefix.version === 4);
    const six = sorted.filter((range) => range.prefix.version === 6);
    this.values4 = four;
    this.starts4 = new Uint32Array(four.length);
    this.ends4 = new Uint32Array(four.length);
    four.forEach((range, index) => {
      const prefix = range.prefix as Extract<Prefix, { version: 4 }>;
      this.starts4[index] = prefix.network;
      this.ends4[index] = (prefix.network + 2 ** (32 - prefix.length) - 1) >>> 0;
    });
    this.parents4 = parents(
      four.length,
      (inner, outer) =>
        this.starts4[inner]! <= this.ends4[outer]! && this.ends4[inner]! <= this.ends4[outer]!,
    );
    this.values6 = six;
    this.words6 = new Uint32Array(six.length * 8);
    six.forEach((range, index) => {
      const prefix = range.prefix as Extract<Prefix, { version: 6 }>;
      for (let word = 0; word < 4; word++) {
        const bits = Math.min(32, Math.max(0, prefix.length - 32 * word));
        const hostMask = bits === 32 ? 0 : bits === 0 ? 0xffffffff : 0xffffffff >>> bits;
        this.words6[8 * index + word] = prefix.words[word]!;
        this.words6[8 * index + 4 + word] = (prefix.words[word]! | hostMask) >>> 0;
      }
    });
    this.parents6 = parents(
      six.length,
      (inner, outer) => compare6(this.words6, 8 * inner + 4, this.words6, 8 * outer + 4) <= 0,
    );
  }

  lookupIpv4(address: number): CloudRange | undefined {
    let low = 0;
    let high = this.starts4.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.starts4[middle]! <= address) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    while (found >= 0 && this.ends4[found]! < address) found = this.parents4[found]!;
    return found < 0 ? undefined : this.values4[found];
  }

  readonly #probe = new Uint32Array(4);

  lookupIpv6(w0: number, w1: number, w2: number, w3: number): CloudRange | undefined {
    const probe = this.#probe;
    probe[0] = w0;
    probe[1] = w1;
    probe[2] = w2;
    probe[3] = w3;
    let low = 0;
    let high = this.values6.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (compare6(this.words6, 8 * middle, probe, 0) <= 0) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    while (found >= 0 && compare6(this.words6, 8 * found + 4, probe, 0) < 0)
      found = this.parents6[found]!;
    return found < 0 ? undefined : this.values6[found];
  }
}

/** Nearest enclosing prefix of each (sorted: start ascending, shorter first), by a stack sweep. */
function parents(count: number, within: (inner: number, outer: number) => boolean): Int32Array {
  const result = new Int32Array(count).fill(-1);
  const stack: number[] = [];
  for (let index = 0; index < count; index++) {
    while (stack.length > 0 && !within(index, stack[stack.length - 1]!)) stack.pop();
    result[index] = stack.length > 0 ? stack[stack.length - 1]! : -1;
    stack.push(index);
  }
  return result;
}

function compare6(a: Uint32Array, offsetA: number, b: Uint32Array, offsetB: number): number {
  for (let word = 0; word < 4; word++) {
    const left = a[offsetA + word]!;
    const right = b[offsetB + word]!;
    if (left !== right) return left < right ? -1 : 1;
  }
  return 0;
}

// ---- run ----------------------------------------------------------------------------------------

const files = { aws: awsFile(), ...gcpFiles(), azure: azureFile() };
const parseRuns: number[] = [];
let parsed: ParsedCloudRanges[] = [];
for (let run = 0; run < RUNS; run++) {
  const start = performance.now();
  parsed = [
    parseAwsIpRanges(files.aws),
    parseGcpCloud(files.cloud),
    parseGcpGoog(files.goog),
    parseAzureServiceTags(files.azure),
  ];
  parseRuns.push(performance.now() - start);
}
const entries = parsed.reduce((sum, file) => sum + file.ranges.length, 0);
console.log(
  `entries: ${parsed.map((file) => `${file.info.source} ${file.ranges.length}`).join(", ")} (total ${entries})`,
);
console.log(`parse (from parsed JSON):  ${median(parseRuns).toFixed(1)} ms median of ${RUNS}`);

const buildRuns: number[] = [];
let table: CloudRangeTable | undefined;
let heapDelta = 0;
for (let run = 0; run < RUNS; run++) {
  table = undefined;
  gc();
  const before = heapBytes();
  const start = performance.now();
  table = buildCloudRangeTableFromFiles(parsed);
  buildRuns.push(performance.now() - start);
  gc();
  heapDelta = heapBytes() - before;
}
const ours = table!;
console.log(
  `build: ${median(buildRuns).toFixed(1)} ms median of ${RUNS}; ${ours.size} distinct prefixes`,
);
console.log(
  `memoryBytes(): ${mib(ours.memoryBytes())}${canGc ? `; heap + array buffers after build: ${mib(heapDelta)}` : " (run with --expose-gc for the heap figure)"}`,
);

// The baseline indexes the same winning ranges, so both must answer the same.
const allRanges = parsed.flatMap((file) => file.ranges);
const winners = ours.ranges();
const baselineStart = performance.now();
const baseline = new SortedRanges(winners);
const baselineBuildMs = performance.now() - baselineStart;
console.log(
  `baseline: ${winners.length} prefixes, built in ${baselineBuildMs.toFixed(1)} ms (from the winners)`,
);

const prefixes4 = allRanges
  .filter((range) => range.prefix.version === 4)
  .map((range) => range.prefix as Extract<Prefix, { version: 4 }>);
const prefixes6 = allRanges
  .filter((range) => range.prefix.version === 6)
  .map((range) => range.prefix as Extract<Prefix, { version: 6 }>);
const addresses4 = new Uint32Array(IPV4_LOOKUPS);
for (let index = 0; index < IPV4_LOOKUPS; index++) {
  const host = Math.floor(random() * 2 ** 32);
  if (index % 2 === 0) {
    const prefix = pick(prefixes4);
    addresses4[index] =
      (prefix.network | (host & (prefix.length === 32 ? 0 : 0xffffffff >>> prefix.length))) >>> 0;
  } else addresses4[index] = host;
}
const addresses6 = new Uint32Array(IPV6_LOOKUPS * 4);
for (let index = 0; index < IPV6_LOOKUPS; index++) {
  const prefix = pick(prefixes6);
  for (let word = 0; word < 4; word++) {
    const noise = Math.floor(random() * 2 ** 32);
    const bits = Math.min(32, Math.max(0, prefix.length - 32 * word));
    const networkMask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    addresses6[4 * index + word] =
      index % 2 === 0
        ? ((prefix.words[word]! & networkMask) | (noise & ~networkMask)) >>> 0
        : word === 0
          ? (0x26000000 | (noise & 0x00ffffff)) >>> 0
          : noise;
  }
}

let mismatches = 0;
for (let index = 0; index < IPV4_LOOKUPS; index += 7) {
  if (ours.lookupIpv4(addresses4[index]!) !== baseline.lookupIpv4(addresses4[index]!)) mismatches++;
}
for (let index = 0; index < IPV6_LOOKUPS; index += 7) {
  const [w0, w1, w2, w3] = addresses6.subarray(4 * index, 4 * index + 4);
  if (ours.lookupIpv6(w0!, w1!, w2!, w3!) !== baseline.lookupIpv6(w0!, w1!, w2!, w3!)) mismatches++;
}
console.log(
  `answers differing between table and baseline (1 in 7 addresses checked): ${mismatches}`,
);

type Lookup4 = (address: number) => CloudRange | undefined;
type Lookup6 = (w0: number, w1: number, w2: number, w3: number) => CloudRange | undefined;

function time4(lookup: Lookup4): { perSecond: number; hits: number } {
  let hits = 0;
  const start = performance.now();
  for (let index = 0; index < IPV4_LOOKUPS; index++)
    if (lookup(addresses4[index]!) !== undefined) hits++;
  return { perSecond: IPV4_LOOKUPS / ((performance.now() - start) / 1000), hits };
}

function time6(lookup: Lookup6): { perSecond: number; hits: number } {
  let hits = 0;
  const start = performance.now();
  for (let index = 0; index < IPV6_LOOKUPS; index++) {
    const base = 4 * index;
    if (
      lookup(
        addresses6[base]!,
        addresses6[base + 1]!,
        addresses6[base + 2]!,
        addresses6[base + 3]!,
      ) !== undefined
    )
      hits++;
  }
  return { perSecond: IPV6_LOOKUPS / ((performance.now() - start) / 1000), hits };
}

const runs = {
  ours4: [] as number[],
  base4: [] as number[],
  ours6: [] as number[],
  base6: [] as number[],
};
let hits4 = 0;
let hits6 = 0;
for (let run = 0; run < RUNS; run++) {
  const o4 = time4((address) => ours.lookupIpv4(address));
  const b4 = time4((address) => baseline.lookupIpv4(address));
  const o6 = time6((w0, w1, w2, w3) => ours.lookupIpv6(w0, w1, w2, w3));
  const b6 = time6((w0, w1, w2, w3) => baseline.lookupIpv6(w0, w1, w2, w3));
  runs.ours4.push(o4.perSecond);
  runs.base4.push(b4.perSecond);
  runs.ours6.push(o6.perSecond);
  runs.base6.push(b6.perSecond);
  hits4 = o4.hits;
  hits6 = o6.hits;
}
console.log(
  `IPv4 lookups (${IPV4_LOOKUPS}, ${((100 * hits4) / IPV4_LOOKUPS).toFixed(0)} % hit), median of ${RUNS}: table ${rate(median(runs.ours4))}, baseline ${rate(median(runs.base4))}, ratio ${(median(runs.ours4) / median(runs.base4)).toFixed(2)}x`,
);
console.log(
  `IPv6 lookups (${IPV6_LOOKUPS}, ${((100 * hits6) / IPV6_LOOKUPS).toFixed(0)} % hit), median of ${RUNS}: table ${rate(median(runs.ours6))}, baseline ${rate(median(runs.base6))}, ratio ${(median(runs.ours6) / median(runs.base6)).toFixed(2)}x`,
);
