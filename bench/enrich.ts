/**
 * Enrichment throughput: flows/s through the classifier with everything an inventory can hold
 * loaded at once, both ends of every flow looked up: 100k declared prefixes (with attributes,
 * tags and nesting), an exporter with boundary interfaces, ~60k cloud provider ranges and the
 * bundled ASN/country registry (~1M ranges), so over 1.1M prefixes and ranges in all. Measured
 * in the same run against the networks-only classifier (what classification cost before
 * enrichment), with the ratio. Also prints memory and the time to build and reload each part.
 * Single thread, columnar batches of 8192 flows as the pipeline hands them over. Median of 5.
 *
 *   npx tsx bench/enrich.ts   # IPv4 1M flows, IPv6 200k flows; skewed and uniform far ends
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import {
  FlowBatch,
  createSeededRandom,
  formatIpv4,
  formatIpv6Groups,
  parsePrefix,
  type Prefix,
} from "../src/core/index.ts";
import { buildCloudRangeTable, type CloudRange } from "../src/inventory/cloud-ranges/index.ts";
import {
  buildExporterTable,
  buildNetworkTable,
  type Inventory,
  type NetworkDeclaration,
} from "../src/inventory/index.ts";
import { loadAddressRegistry } from "../src/inventory/registry/index.ts";
import { createClassifier, networksOnly } from "../src/pipeline/classify/index.ts";

const RUNS = Number(process.env["RUNS"] ?? 5);
const BATCH_ROWS = 8192;
const DECLARED_PREFIXES = 100_000;
const CLOUD_PREFIXES = 60_000;

const random = createSeededRandom(7);
const u32 = (): number => Math.floor(random() * 2 ** 32) >>> 0;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

// Declared networks: 1,000 VPC-like /16s inside 10.0.0.0/8 and fd00::/8, each with 49 subnets
// (/24 or /64) carrying a zone, so nesting and attribute inheritance are exercised.
const declarations: NetworkDeclaration[] = [];
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"];
for (let vpc = 0; declarations.length < DECLARED_PREFIXES / 2; vpc++) {
  const region = REGIONS[vpc % REGIONS.length] ?? "us-east-1";
  const v4Base = (0x0a000000 + (vpc << 16)) >>> 0;
  declarations.push({
    name: `vpc-${vpc}`,
    cidrs: [`${formatIpv4(v4Base)}/16`, `fd00:${(vpc & 0xffff).toString(16)}::/32`],
    tags: { env: vpc % 3 === 0 ? "prod" : "dev", team: `team-${vpc % 40}` },
    provider: "aws",
    account: String(100000000000 + (vpc % 50)),
    region,
    vpc: `vpc-${vpc.toString(16)}`,
  });
  for (let subnet = 0; subnet < 49; subnet++) {
    declarations.push({
      name: `vpc-${vpc}-subnet-${subnet}`,
      cidrs: [
        `${formatIpv4((v4Base + (subnet << 8)) >>> 0)}/24`,
        `fd00:${(vpc & 0xffff).toString(16)}:${subnet.toString(16)}::/48`,
      ],
      tags: subnet % 5 === 0 ? { service: `svc-${subnet}` } : {},
      zone: `${region}${"abc"[subnet % 3] ?? "a"}`,
      subnet: `subnet-${vpc}-${subnet}`,
    });
  }
}

// Cloud ranges shaped like AWS's file: /16–/24 IPv4 and /40–/56 IPv6, a few services and kinds.
const SERVICES: [string, CloudRange["kind"]][] = [
  ["EC2", "compute"],
  ["S3", "service"],
  ["DYNAMODB", "service"],
  ["CLOUDFRONT", "cdn"],
  ["AMAZON", "other"],
];
const cloudRanges: CloudRange[] = [];
const seen = new Set<string>();
while (cloudRanges.length < CLOUD_PREFIXES) {
  const v6 = random() < 0.3;
  const length = v6 ? 40 + Math.floor(random() * 17) : 16 + Math.floor(random() * 9);
  const groups = [
    0x2600 | Math.floor(random() * 0x20),
    Math.floor(random() * 0x10000),
    Math.floor(random() * 0x10000),
    Math.floor(random() * 0x10000),
    0,
    0,
    0,
    0,
  ].map((group, index) => {
    const bits = Math.min(16, Math.max(0, length - 16 * index));
    return bits === 0 ? 0 : group & ((0xffff << (16 - bits)) & 0xffff);
  });
  const text = v6
    ? `${formatIpv6Groups(groups)}/${length}`
    : `${formatIpv4((u32() & ((0xffffffff << (32 - length)) >>> 0)) >>> 0)}/${length}`;
  const parsed = parsePrefix(text);
  if (!parsed.ok) continue;
  const prefix: Prefix = parsed.prefix;
  if (seen.has(prefix.text) || prefix.text.startsWith("10.")) continue;
  seen.add(prefix.text);
  const [service, kind] = SERVICES[Math.floor(random() * SERVICES.length)] ?? ["EC2", "compute"];
  cloudRanges.push(
    Object.freeze({
      prefix,
      provider: "aws",
      service,
      region: REGIONS[Math.floor(random() * REGIONS.length)] ?? "",
      borderGroup: "",
      kind,
      source: "aws",
    }),
  );
}

console.log(
  `node ${process.version}, ${process.arch}; median of ${RUNS} runs; load average ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(" ")} on ${os.cpus().length} cores`,
);
let startMs = performance.now();
const networks = buildNetworkTable(declarations);
if (!networks.ok) throw new Error(JSON.stringify(networks.errors.slice(0, 3)));
const networksMs = performance.now() - startMs;
startMs = performance.now();
const exporters = buildExporterTable([
  {
    address: "192.0.2.1",
    interfaces: [
      { ifIndex: [1, 2], boundary: "external", connectivity: "transit", provider: "Transit A" },
      { ifIndex: 3, boundary: "external", connectivity: "ix", provider: "IX" },
      { ifIndex: [4, 5, 6, 7, 8], boundary: "internal" },
    ],
  },
]);
if (!exporters.ok) throw new Error(JSON.stringify(exporters.errors));
startMs = performance.now();
const cloud = buildCloudRangeTable(cloudRanges);
const cloudMs = performance.now() - startMs;
const heapBefore = process.memoryUsage();
startMs = performance.now();
const registry = await loadAddressRegistry({});
const registryMs = performance.now() - startMs;
const heapAfter = process.memoryUsage();
console.log(
  `declared networks: ${networks.table.prefixCount.toLocaleString("en")} prefixes, built in ${networksMs.toFixed(0)} ms, ${mib(networks.table.memoryBytes())}`,
);
console.log(
  `cloud ranges: ${cloud.size.toLocaleString("en")} prefixes, built in ${cloudMs.toFixed(0)} ms, ${mib(cloud.memoryBytes())}`,
);
console.log(
  `registry: ${registry.rangeCount.toLocaleString("en")} ranges, ${registry.entryCount.toLocaleString("en")} entries, loaded in ${registryMs.toFixed(0)} ms, ${mib(registry.memoryBytes())} (heap +${mib(heapAfter.heapUsed - heapBefore.heapUsed)}, array buffers +${mib(heapAfter.arrayBuffers - heapBefore.arrayBuffers)})`,
);
console.log(
  `in all: ${(networks.table.prefixCount + cloud.size + registry.rangeCount).toLocaleString("en")} prefixes and ranges`,
);

const full: Inventory = {
  networks: networks.table,
  exporters: exporters.table,
  cloudRanges: cloud,
  registry,
};
const enriched = createClassifier(full);
const plain = createClassifier(networksOnly(networks.table));
// Where the time goes: each part added to the networks in turn.
const parts = {
  "+ exporter boundaries": createClassifier({
    ...networksOnly(networks.table),
    exporters: exporters.table,
  }),
  "+ cloud ranges": createClassifier({ ...networksOnly(networks.table), cloudRanges: cloud }),
  "+ registry": createClassifier({ ...networksOnly(networks.table), registry }),
};

/**
 * Flows with one end in a declared subnet and the other public (or both ours). `uniform`: the
 * far end anywhere in the space, every lookup a cache miss (the worst case). Otherwise skewed
 * like real traffic: far ends drawn from 100k public addresses with the first few most popular
 * (index = 100k × u³, so 1% of the addresses get about a fifth of the flows).
 */
function makeBatches(count: number, ipv6: boolean, uniform: boolean): FlowBatch[] {
  const batches: FlowBatch[] = [];
  let batch = new FlowBatch(BATCH_ROWS);
  const ours = (): string => {
    const vpc = Math.floor(random() * 1000);
    const subnet = Math.floor(random() * 49);
    return ipv6
      ? formatIpv6Groups([0xfd00, vpc, subnet, 0, 0, 0, 0, 1 + Math.floor(random() * 65000)])
      : formatIpv4(
          (0x0a000000 + (vpc << 16) + (subnet << 8) + 1 + Math.floor(random() * 250)) >>> 0,
        );
  };
  const anywhere = (): string => {
    if (ipv6) {
      const top =
        random() < 0.5 ? 0x2a00 | Math.floor(random() * 16) : 0x2600 | Math.floor(random() * 0x20);
      return formatIpv6Groups([
        top,
        Math.floor(random() * 0x10000),
        Math.floor(random() * 0x10000),
        0,
        0,
        0,
        0,
        1,
      ]);
    }
    for (;;) {
      const address = u32();
      const first = address >>> 24;
      if (first !== 10 && first !== 127 && first > 0 && first < 224) return formatIpv4(address);
    }
  };
  const pool = uniform ? [] : Array.from({ length: 100_000 }, anywhere);
  const outside = (): string =>
    uniform ? anywhere() : (pool[Math.floor(pool.length * random() ** 3)] ?? anywhere());
  for (let index = 0; index < count; index++) {
    if (batch.length === BATCH_ROWS) {
      batches.push(batch);
      batch = new FlowBatch(BATCH_ROWS);
    }
    const kind = random();
    const [src, dst, inIf, outIf] =
      kind < 0.4
        ? [ours(), outside(), 5, 1]
        : kind < 0.8
          ? [outside(), ours(), 2, 6]
          : [ours(), ours(), 4, 7];
    batch.appendDecoded({
      startMs: 1_700_000_000_000,
      endMs: 1_700_000_001_000,
      exporterAddr: "192.0.2.1",
      source: "ipfix",
      inIf,
      outIf,
      ipVersion: ipv6 ? 6 : 4,
      srcAddr: src,
      dstAddr: dst,
      srcPort: 40000,
      dstPort: 443,
      protocol: 6,
      tcpFlags: 0,
      tos: 0,
      srcAs: 0,
      dstAs: 0,
      srcMaskLen: 0,
      dstMaskLen: 0,
      nextHop: "",
      sampledBytes: 1500,
      sampledPackets: 1,
      samplingRate: 1,
      samplingRateKnown: true,
    });
  }
  batches.push(batch);
  return batches;
}

for (const [label, count, ipv6, uniform] of [
  ["IPv4 skewed", 1_000_000, false, false],
  ["IPv4 uniform", 1_000_000, false, true],
  ["IPv6 skewed", 200_000, true, false],
  ["IPv6 uniform", 200_000, true, true],
] as const) {
  const batches = makeBatches(count, ipv6, uniform);
  // Rates by wall time and by this process's CPU time (user + system): on a shared, loaded
  // machine the second is what one core does when it runs, the first includes waiting for it.
  const measure = (classifier: typeof enriched): { wall: number; cpu: number } => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const began = performance.now();
      const cpuBefore = process.cpuUsage();
      for (const batch of batches) classifier.classifyRows(batch, 0, batch.length, 0);
      const cpuUsed = process.cpuUsage(cpuBefore);
      wall.push(count / ((performance.now() - began) / 1000));
      cpu.push(count / ((cpuUsed.user + cpuUsed.system) / 1e6));
    }
    return { wall: median(wall), cpu: median(cpu) };
  };
  // Interleaved, so the machine's noise falls on both alike.
  const full = measure(enriched);
  const networksOnlyRates = measure(plain);
  const fullRate = full.wall;
  const plainRate = networksOnlyRates.wall;
  let countries = 0;
  let clouds = 0;
  for (const batch of batches) {
    for (let row = 0; row < batch.length; row++) {
      if ((batch.dstCountry[row] ?? 0) !== 0 || (batch.srcCountry[row] ?? 0) !== 0) countries++;
    }
  }
  clouds = enriched.networks.filter((ref) => ref.kind === "cloud").length;
  const partRates = Object.entries(parts)
    .map(([name, classifier]) => `${name} ${(measure(classifier).cpu / 1e6).toFixed(2)}`)
    .join(", ");
  console.log(
    `  ${label.padEnd(12)} enriched ${(fullRate / 1e6).toFixed(2)} M flows/s (${(full.cpu / 1e6).toFixed(2)} M per CPU-second)   networks only ${(plainRate / 1e6).toFixed(2)} M flows/s (${(networksOnlyRates.cpu / 1e6).toFixed(2)} M per CPU-second)   enrichment costs ${(plainRate / fullRate).toFixed(2)}×   (${((100 * countries) / count).toFixed(0)}% of flows with a country, ${clouds} cloud ranges met)`,
  );
  console.log(
    `  ${"".padEnd(12)} networks only and one part, M flows per CPU-second: ${partRates}`,
  );
}
