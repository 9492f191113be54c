import {
  countryCode,
  createSeededRandom,
  DIRECTIONS,
  DIRECTION_SOURCES,
  LOCALITIES,
  type CloudContext,
  type FlowBatch,
  type FlowRecord,
  type Tags,
} from "../../core/index.ts";
import { batchOfRecords } from "../records.ts";
import type { NetworkRef } from "../store.ts";

/**
 * The flows every backend of the contract stores: seeded, so both backends get the same rows,
 * and varied where the port groups (addresses of both families, ports, networks with tags,
 * exporters with observation domains, cloud contexts, directions, localities, actions).
 */

export const CONTRACT_T0_MS = Date.UTC(2026, 10, 22, 10, 0, 0);

/**
 * The networks flows refer to, by name (unique here): inventory networks with tags and
 * attributes (some partial, so "" is a key too), and a cloud provider range (`kind: cloud`).
 */
export const CONTRACT_NETWORKS: readonly (NetworkRef & { tags: Tags })[] = [
  { name: "", tags: {} },
  {
    name: "office",
    tags: { team: "it", env: "prod" },
    attributes: { site: "par1", egress: "nat" },
  },
  {
    name: "dc-a",
    tags: { team: "platform", env: "prod" },
    attributes: {
      site: "fra1",
      provider: "aws",
      account: "111122223333",
      region: "eu-central-1",
      zone: "euc1-az1",
      vpc: "vpc-a",
      subnet: "subnet-a1",
      egress: "direct",
    },
  },
  {
    name: "dc-b",
    tags: { team: "platform" },
    attributes: { site: "fra1", provider: "aws", region: "eu-central-1", zone: "euc1-az2" },
  },
  { name: "lab", tags: { team: "research", "cost-center": "r&d 'x'" } },
  {
    name: "aws:S3:eu-west-1",
    tags: {},
    kind: "cloud",
    service: "S3",
    attributes: { provider: "aws", region: "eu-west-1" },
  },
];
const NETWORKS = CONTRACT_NETWORKS;
const COUNTRIES = ["", "DE", "US", "FR", "JP"];

/** A network attribute of the record's source or destination network, "" when none. */
export function networkAttribute(name: string, attribute: string): string {
  const network = CONTRACT_NETWORKS.find((candidate) => candidate.name === name);
  if (attribute === "service") return network?.service ?? "";
  return network?.attributes?.[attribute] ?? "";
}

/**
 * The records as a batch with what FlowRecord objects do not carry into one: each end's
 * country code and each network's kind, service and attributes.
 */
export function contractBatch(records: readonly FlowRecord[]): {
  batch: FlowBatch;
  networks: NetworkRef[];
} {
  const { batch, networks } = batchOfRecords(records);
  records.forEach((record, row) => {
    batch.srcCountry[row] = countryCode(record.srcCountry);
    batch.dstCountry[row] = countryCode(record.dstCountry);
  });
  return {
    batch,
    networks: networks.map(
      (ref) => CONTRACT_NETWORKS.find((network) => network.name === ref.name) ?? ref,
    ),
  };
}

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
      srcCountry: pick(COUNTRIES),
      dstCountry: pick(COUNTRIES),
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
