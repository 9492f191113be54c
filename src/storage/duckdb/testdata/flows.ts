import type { Direction, FlowRecord, Locality, Tags } from "../../../core/index.ts";
import { createSeededRandom } from "../../../core/index.ts";

/**
 * A seeded generator of realistic FlowRecords for the store's tests and benchmarks: three
 * declared networks (two IPv4, one IPv6) with tags, a pool of outside hosts whose popularity
 * follows a power law (so a top-N has a head and a long tail), well-known server ports against
 * ephemeral client ports, heavy-tailed volumes, a mix of sampled and unsampled exporters, and
 * end times that advance in arrival order as a collector would see them.
 */

interface Network {
  name: string;
  tags: Tags;
  /** Host address from a host number. */
  host: (index: number) => string;
  ipVersion: 4 | 6;
}

const NETWORKS: readonly Network[] = [
  {
    name: "office",
    tags: { team: "it", env: "prod" },
    host: (index) => `10.1.${(index >> 8) & 255}.${index & 255}`,
    ipVersion: 4,
  },
  {
    name: "dc-east",
    tags: { team: "platform", service: "api", env: "prod" },
    host: (index) => `10.2.${(index >> 8) & 255}.${index & 255}`,
    ipVersion: 4,
  },
  {
    name: "lab-v6",
    tags: { team: "research" },
    host: (index) => `2001:db8:1::${(index & 0xffff).toString(16)}`,
    ipVersion: 6,
  },
];

const EXPORTERS = ["192.0.2.1", "192.0.2.2", "2001:db8:ff::1"] as const;
const SERVER_PORTS = [443, 80, 53, 22, 123, 8080, 3306, 5432] as const;
const OUTSIDE_AS = [15169, 16509, 8075, 13335, 32934, 20940, 3356, 174] as const;
const LOCAL_AS = 64512;
const EMPTY_TAGS: Tags = {};

export interface FlowGeneratorOptions {
  seed: number;
  /** End time of the first flow, epoch ms. */
  startMs: number;
  /** Mean gap between consecutive flow end times. */
  meanGapMs: number;
}

/** Returns a function that yields the next `count` records each time it is called. */
export function createFlowGenerator(
  options: FlowGeneratorOptions,
): (count: number) => FlowRecord[] {
  const random = createSeededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // Power law over a pool: index = pool × u^3 puts most draws on the first hosts.
  const popular = (pool: number): number => Math.floor(pool * random() ** 3);
  const outsideV4 = (index: number): string =>
    `${(index % 200) + 23}.${(index * 7) % 256}.${(index * 13) % 256}.${(index % 254) + 1}`;
  const outsideV6 = (index: number): string =>
    `2a00:1450:4001:${(index % 4096).toString(16)}::${((index * 7) % 65535).toString(16)}`;
  let endMs = options.startMs;

  const one = (): FlowRecord => {
    endMs += Math.floor(random() * 2 * options.meanGapMs);
    const durationMs = Math.floor(random() * 60_000);
    const network = random() < 0.9 ? pick(NETWORKS.slice(0, 2)) : (NETWORKS[2] as Network);
    const ours = network.host(popular(2000));
    const roll = random();
    let direction: Direction;
    let srcAddr: string;
    let dstAddr: string;
    let srcNetwork = "";
    let dstNetwork = "";
    let srcTags = EMPTY_TAGS;
    let dstTags = EMPTY_TAGS;
    let locality: Locality;
    const outsideIndex = popular(5000);
    const outside = network.ipVersion === 4 ? outsideV4(outsideIndex) : outsideV6(outsideIndex);
    if (roll < 0.5) {
      direction = "egress";
      srcAddr = ours;
      dstAddr = outside;
      srcNetwork = network.name;
      srcTags = network.tags;
      locality = random() < 0.8 ? "internet" : pick(["cdn", "cloud-service"] as const);
    } else if (roll < 0.85) {
      direction = "ingress";
      srcAddr = outside;
      dstAddr = ours;
      dstNetwork = network.name;
      dstTags = network.tags;
      locality = random() < 0.8 ? "internet" : "cdn";
    } else if (roll < 0.98) {
      direction = "internal";
      const peer = network.ipVersion === 4 ? pick(NETWORKS.slice(0, 2)) : network;
      srcAddr = ours;
      dstAddr = peer.host(popular(2000));
      srcNetwork = network.name;
      dstNetwork = peer.name;
      srcTags = network.tags;
      dstTags = peer.tags;
      locality = peer === network ? "same-zone" : "on-prem";
    } else {
      direction = "transit";
      srcAddr = outside;
      dstAddr = network.ipVersion === 4 ? outsideV4(popular(5000)) : outsideV6(popular(5000));
      locality = "unknown";
    }
    const protocolRoll = random();
    const protocol =
      protocolRoll < 0.75 ? 6 : protocolRoll < 0.97 ? 17 : network.ipVersion === 4 ? 1 : 58;
    const ports = protocol === 6 || protocol === 17;
    const serverPort = ports ? pick(SERVER_PORTS) : 0;
    const clientPort = ports ? 32768 + Math.floor(random() * 28232) : 0;
    const toServer = direction !== "ingress";
    const sampled = random() < 0.7;
    const samplingRate = sampled ? 1000 : 1;
    // Heavy tail: most flows carry a few packets, a few carry millions of bytes.
    const sampledPackets = 1 + Math.floor(random() ** 4 * (sampled ? 200 : 20_000));
    const sampledBytes = sampledPackets * (40 + Math.floor(random() * 1460));
    const exporterAddr = pick(EXPORTERS);
    return {
      startMs: endMs - durationMs,
      endMs,
      exporterAddr,
      source: exporterAddr.includes(":") ? "ipfix" : random() < 0.5 ? "netflow5" : "netflow9",
      inIf: 1 + Math.floor(random() * 8),
      outIf: 1 + Math.floor(random() * 8),
      ipVersion: network.ipVersion,
      srcAddr,
      dstAddr,
      srcPort: toServer ? clientPort : serverPort,
      dstPort: toServer ? serverPort : clientPort,
      protocol,
      tcpFlags: protocol === 6 ? 0x1b : 0,
      tos: 0,
      srcAs: srcNetwork === "" ? pick(OUTSIDE_AS) : LOCAL_AS,
      dstAs: dstNetwork === "" ? pick(OUTSIDE_AS) : LOCAL_AS,
      srcMaskLen: network.ipVersion === 4 ? 16 : 48,
      dstMaskLen: network.ipVersion === 4 ? 24 : 64,
      nextHop: random() < 0.5 ? "" : network.ipVersion === 4 ? "192.0.2.254" : "fe80::1",
      sampledBytes,
      sampledPackets,
      samplingRate,
      samplingRateKnown: sampled || random() < 0.5,
      receivedMs: endMs + Math.floor(random() * 2000),
      bytes: sampledBytes * samplingRate,
      packets: sampledPackets * samplingRate,
      direction,
      directionSource: "networks",
      locality,
      srcNetwork,
      dstNetwork,
      srcCountry: "",
      dstCountry: "",
      srcTags,
      dstTags,
    };
  };

  return (count) => Array.from({ length: count }, one);
}
