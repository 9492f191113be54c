import type { DecodedFlow } from "../../core/index.ts";
import { formatIpv4, parseIpv4ToU32 } from "../../core/index.ts";

/**
 * A small, deterministic model of a company network for `tollgate demo`: web servers answering
 * internet clients, office users browsing and downloading from CDNs, app servers talking to a
 * database, a nightly backup to object storage, and some transit. Volumes follow a daily
 * rhythm (low at night, peak mid-afternoon UTC). Pure: the caller passes time and a seed.
 *
 * Our side uses the private ranges Tollgate treats as ours by default (10/8, 192.168/16);
 * far ends are public addresses. No packet is ever sent to any of them: only NetFlow records
 * describing them go to the local collector.
 */

/** xorshift32: tiny, fast, deterministic. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
}

const IF_UPLINK = 1;
const IF_LAN = 2;
const IF_SERVERS = 3;

interface Host {
  addr: string;
  ifIndex: number;
}

const WEB_SERVERS: Host[] = ["10.0.1.10", "10.0.1.11", "10.0.1.12"].map((addr) => ({
  addr,
  ifIndex: IF_SERVERS,
}));
const APP_SERVERS: Host[] = ["10.0.2.20", "10.0.2.21"].map((addr) => ({
  addr,
  ifIndex: IF_SERVERS,
}));
const DATABASE: Host = { addr: "10.0.3.30", ifIndex: IF_SERVERS };
const BACKUP: Host = { addr: "10.0.4.40", ifIndex: IF_SERVERS };
const OFFICE: Host[] = Array.from({ length: 12 }, (_, index) => ({
  addr: `192.168.10.${101 + index}`,
  ifIndex: IF_LAN,
}));

/** Public prefixes the far ends are drawn from (base address, host bits). */
const CDN_PREFIXES: [string, number][] = [
  ["151.101.0.0", 16],
  ["104.16.0.0", 13],
  ["142.250.0.0", 15],
  ["13.32.0.0", 15],
];
const OBJECT_STORAGE: [string, number][] = [["52.216.0.0", 15]];
const CLIENT_PREFIXES: [string, number][] = [
  ["81.2.0.0", 16],
  ["89.160.0.0", 16],
  ["176.31.0.0", 16],
  ["24.0.0.0", 12],
  ["73.0.0.0", 8],
  ["91.198.0.0", 16],
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length) % items.length] as T;
}

/** A far-end address, skewed so that a few addresses carry most traffic (Zipf-like). */
function publicAddr(
  random: () => number,
  prefixes: readonly [string, number][],
  hot: number,
): string {
  const [base, suffixBits] = pick(random, prefixes);
  const hosts = Math.min(2 ** (32 - suffixBits) - 2, hot);
  const index = Math.floor(Math.pow(random(), 3) * hosts) + 1;
  return formatIpv4((parseIpv4ToU32(base) + index) >>> 0);
}

/** 0.15 at 03:00 UTC up to 1 at 15:00 UTC. */
export function dailyRhythm(timeMs: number): number {
  const hours = (timeMs / 3_600_000) % 24;
  return 0.575 + 0.425 * Math.cos(((hours - 15) / 24) * 2 * Math.PI);
}

function flow(
  random: () => number,
  endMs: number,
  src: Host | string,
  dst: Host | string,
  fields: { srcPort: number; dstPort: number; protocol: number; bytes: number; packets: number },
): DecodedFlow {
  const durationMs = Math.floor(random() * 50_000);
  const srcHost = typeof src === "string" ? { addr: src, ifIndex: IF_UPLINK } : src;
  const dstHost = typeof dst === "string" ? { addr: dst, ifIndex: IF_UPLINK } : dst;
  return {
    startMs: endMs - durationMs,
    endMs,
    exporterAddr: "",
    source: "netflow5",
    inIf: srcHost.ifIndex,
    outIf: dstHost.ifIndex,
    ipVersion: 4,
    srcAddr: srcHost.addr,
    dstAddr: dstHost.addr,
    srcPort: fields.srcPort,
    dstPort: fields.dstPort,
    protocol: fields.protocol,
    tcpFlags: fields.protocol === 6 ? 0x1b : 0,
    tos: 0,
    srcAs: 0,
    dstAs: 0,
    srcMaskLen: 0,
    dstMaskLen: 0,
    nextHop: "0.0.0.0",
    sampledBytes: Math.max(fields.packets * 40, Math.round(fields.bytes)),
    sampledPackets: Math.max(1, Math.round(fields.packets)),
    samplingRate: 1,
    samplingRateKnown: true,
  };
}

const ephemeralPort = (random: () => number): number => 32768 + Math.floor(random() * 28000);

/**
 * Flows that ended in `[fromMs, fromMs + spanMs)`: `baseFlowsPerMinute` at the daily peak,
 * scaled by the daily rhythm.
 */
export function generateFlows(
  random: () => number,
  fromMs: number,
  spanMs: number,
  baseFlowsPerMinute: number,
): DecodedFlow[] {
  const count = Math.round(
    (baseFlowsPerMinute * spanMs * dailyRhythm(fromMs)) / 60_000 + random() * 0.5,
  );
  const flows: DecodedFlow[] = [];
  const hour = Math.floor(fromMs / 3_600_000) % 24;
  for (let index = 0; index < count; index++) {
    const endMs = fromMs + Math.floor(random() * spanMs);
    const kind = random();
    if (kind < 0.3) {
      // Internet clients ask our web servers (ingress) and get pages back (egress).
      const client = publicAddr(random, CLIENT_PREFIXES, 4000);
      const server = pick(random, WEB_SERVERS);
      const port = ephemeralPort(random);
      const requests = 2 + Math.floor(random() * 20);
      flows.push(
        flow(random, endMs, client, server, {
          srcPort: port,
          dstPort: 443,
          protocol: 6,
          bytes: requests * 700,
          packets: requests * 2,
        }),
      );
      const pages = 20_000 + random() * 400_000;
      flows.push(
        flow(random, endMs, server, client, {
          srcPort: 443,
          dstPort: port,
          protocol: 6,
          bytes: pages,
          packets: pages / 1300,
        }),
      );
    } else if (kind < 0.55) {
      // Office users browse and download: small requests out, large responses in.
      const user = pick(random, OFFICE);
      const cdn = publicAddr(random, CDN_PREFIXES, 60);
      const port = ephemeralPort(random);
      flows.push(
        flow(random, endMs, user, cdn, {
          srcPort: port,
          dstPort: 443,
          protocol: 6,
          bytes: 3000 + random() * 20_000,
          packets: 10 + random() * 30,
        }),
      );
      const download = 50_000 + Math.pow(random(), 4) * 40_000_000;
      flows.push(
        flow(random, endMs, cdn, user, {
          srcPort: 443,
          dstPort: port,
          protocol: 6,
          bytes: download,
          packets: download / 1400,
        }),
      );
    } else if (kind < 0.8) {
      // App servers query the database (internal).
      const app = pick(random, APP_SERVERS);
      const port = ephemeralPort(random);
      flows.push(
        flow(random, endMs, app, DATABASE, {
          srcPort: port,
          dstPort: 5432,
          protocol: 6,
          bytes: 2000 + random() * 30_000,
          packets: 20 + random() * 100,
        }),
      );
      flows.push(
        flow(random, endMs, DATABASE, app, {
          srcPort: 5432,
          dstPort: port,
          protocol: 6,
          bytes: 10_000 + random() * 800_000,
          packets: 20 + random() * 600,
        }),
      );
    } else if (kind < 0.9) {
      // DNS from the office to a public resolver.
      const user = pick(random, OFFICE);
      const port = ephemeralPort(random);
      flows.push(
        flow(random, endMs, user, "9.9.9.9", {
          srcPort: port,
          dstPort: 53,
          protocol: 17,
          bytes: 80,
          packets: 1,
        }),
      );
      flows.push(
        flow(random, endMs, "9.9.9.9", user, {
          srcPort: 53,
          dstPort: port,
          protocol: 17,
          bytes: 200,
          packets: 1,
        }),
      );
    } else if (kind < 0.97) {
      // Transit: traffic between two outside parties crossing our router.
      const a = publicAddr(random, CLIENT_PREFIXES, 500);
      const b = publicAddr(random, CDN_PREFIXES, 20);
      flows.push(
        flow(random, endMs, a, b, {
          srcPort: ephemeralPort(random),
          dstPort: 443,
          protocol: 6,
          bytes: 5000 + random() * 200_000,
          packets: 10 + random() * 150,
        }),
      );
    } else {
      // Backups to object storage, heavy between 01:00 and 04:00 UTC.
      const size =
        hour >= 1 && hour < 4
          ? 20_000_000 + random() * 200_000_000
          : 100_000 + random() * 2_000_000;
      const storage = publicAddr(random, OBJECT_STORAGE, 8);
      flows.push(
        flow(random, endMs, BACKUP, storage, {
          srcPort: ephemeralPort(random),
          dstPort: 443,
          protocol: 6,
          bytes: size,
          packets: size / 1400,
        }),
      );
    }
  }
  return flows;
}
