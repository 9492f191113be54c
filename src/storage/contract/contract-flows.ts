import {
  createSeededRandom,
  DIRECTIONS,
  DIRECTION_SOURCES,
  LOCALITIES,
  type CloudContext,
  type FlowRecord,
  type Tags,
} from "../../core/index.ts";

/**
 * The flows every backend of the contract stores: seeded, so both backends get the same rows,
 * and varied where the port groups (addresses of both families, ports, networks with tags,
 * exporters with observation domains, cloud contexts, directions, localities, actions).
 */

export const CONTRACT_T0_MS = Date.UTC(2026, 10, 22, 10, 0, 0);

const NETWORKS: readonly { name: string; tags: Tags }[] = [
  { name: "", tags: {} },
  { name: "office", tags: { team: "it", env: "prod" } },
  { name: "dc-a", tags: { team: "platform", env: "prod" } },
  { name: "dc-b", tags: { team: "platform" } },
  { name: "lab", tags: { team: "research", "cost-center": "r&d 'x'" } },
];

const CLOUDS: readonly CloudContext[] = [
  {
    provider: "aws",
    account: "111122223333",
    region: "eu-west-1",
    zone: "euw1-az1",
    vpc: "vpc-1",
    subnet: "subnet-1",
    instance: "i-1",
    interface: "eni-1",
  },
  {
    provider: "gcp",
    account: "proj-x",
    region: "us-east1",
    zone: "us-east1-b",
    vpc: "default",
    subnet: "sub-a",
    instance: "vm-1",
    interface: "",
  },
];

const ADDRESSES = [
  "10.0.0.1",
  "10.0.0.2",
  "192.0.2.7",
  "198.51.100.20",
  "203.0.113.9",
  "2001:db8::1",
  "2001:db8::ff",
  "fe80::1",
];
const EXPORTERS = ["192.0.2.1", "192.0.2.2", "2001:db8:e::1"];
const PROTOCOLS = [6, 17, 1];

export function contractFlows(count: number, seed = 11, spreadMs = 3 * 3_600_000): FlowRecord[] {
  const random = createSeededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const records: FlowRecord[] = [];
  for (let index = 0; index < count; index++) {
    const endMs = CONTRACT_T0_MS + Math.floor(random() * spreadMs);
    const v6 = random() < 0.25;
    const v4s = ADDRESSES.filter((a) => !a.includes(":"));
    const v6s = ADDRESSES.filter((a) => a.includes(":"));
    const srcNet = pick(NETWORKS);
    const dstNet = pick(NETWORKS);
    const isCloud = random() < 0.3;
    const samplingRate = random() < 0.5 ? 1 : 100;
    const sampledBytes = 40 + Math.floor(random() * 150_000);
    const sampledPackets = 1 + Math.floor(random() * 120);
    const record: FlowRecord = {
      startMs: endMs - Math.floor(random() * 60_000),
      endMs,
      receivedMs: endMs + 1000,
      exporterAddr: isCloud ? "::" : pick(EXPORTERS),
      source: isCloud ? "aws-vpc" : "ipfix",
      inIf: 1 + Math.floor(random() * 4),
      outIf: 1 + Math.floor(random() * 4),
      ipVersion: v6 ? 6 : 4,
      srcAddr: pick(v6 ? v6s : v4s),
      dstAddr: pick(v6 ? v6s : v4s),
      srcPort: pick([443, 53, 22, 40000 + Math.floor(random() * 20)]),
      dstPort: pick([443, 80, 53, 50000 + Math.floor(random() * 20)]),
      protocol: pick(PROTOCOLS),
      tcpFlags: Math.floor(random() * 64),
      tos: 0,
      srcAs: pick([0, 64500, 64501, 4200000000]),
      dstAs: pick([0, 64500, 64502]),
      srcMaskLen: 24,
      dstMaskLen: 24,
      nextHop: "0.0.0.0",
      sampledBytes,
      sampledPackets,
      samplingRate,
      samplingRateKnown: true,
      observationDomain: isCloud ? 0 : pick([0, 7]),
      bytes: sampledBytes * samplingRate,
      packets: sampledPackets * samplingRate,
      direction: pick(DIRECTIONS),
      directionSource: pick(DIRECTION_SOURCES),
      locality: pick(LOCALITIES),
      srcNetwork: srcNet.name,
      dstNetwork: dstNet.name,
      srcTags: srcNet.tags,
      dstTags: dstNet.tags,
      // Neither store keeps countries yet: the contract leaves them empty.
      srcCountry: "",
      dstCountry: "",
    };
    if (isCloud) {
      record.cloud = pick(CLOUDS);
      record.observedAction = random() < 0.8 ? "accept" : "reject";
    }
    if (random() < 0.05) {
      record.postNatSrcAddr = "100.64.0.1";
      record.postNatSrcPort = 1024;
    }
    if (random() < 0.03) record.extra = { "9.12": "vendor field" };
    records.push(record);
  }
  return records;
}
