/**
 * Query speed of the DuckDB flow store against nfdump over the same 10 M (or 30 M, 100 M)
 * generated flows, and what each costs on disk per flow.
 *
 * One seeded pass generates the flows (3,500 internal hosts in two IPv4 networks and one IPv6
 * network, about a million outside IPv4 addresses and 100k IPv6 ones drawn with a heavy tail,
 * server ports against ephemeral ones, TCP/UDP/ICMP, 10 % IPv6, spread over four days) as
 * FlowBatch columns, and hands every batch to two consumers:
 * - Tollgate: the real classifier (declared networks decide the direction) then
 *   `store.append()`, 245,760-row batches, rollups off (said explicitly: a new store keeps
 *   them by default), so every query reads the raw table;
 * - nfdump: the same rows encoded as NetFlow v9 datagrams (≈ 1.4 KB, 26 IPv4 or 18 IPv6
 *   records each), written to a payload file. The shared harness's C sender (flowbench's
 *   `udpblast.c`, compiled here, sent once to 127.0.0.1) replays them to `nfcapd`, and the
 *   bench checks that `nfdump -I` counts exactly the flows generated. nfcapd writes its
 *   default (uncompressed) files; `nfdump -y -w` makes the LZ4 copy.
 * Volumes are unsampled (rate 1), so nfdump's byte counts equal the store's `bytes`.
 *
 * Queries, each side timed cold-ish (its files dropped from the page cache, a fresh DuckDB
 * instance) and then warm (median of `--runs`), the sides interleaved run by run:
 * 1. top-10 dst.addr by bytes, egress, whole range: `store.top()` against
 *    `nfdump -s dstip/bytes -n 10` with egress spelt as a network filter;
 * 2. a 24 h time series, 5 min steps: `store.timeseries()` against nfdump reading the same day
 *    (`-t`) into a one-key summary, the least it must do (nfdump has no time buckets);
 * 3. a sankey, src.net → dst.port of egress `proto = tcp`: one DuckDB GROUP BY on the store's
 *    file (the port has no two-dimension query yet) with the filter compiled by query/filter,
 *    against `nfdump -A srcip4/16,srcip6/48,dstport` (the declared networks are a /16 each and
 *    a /48, so the masks group as src.net does).
 * Results are compared: equal top 10 (addresses and bytes), equal sankey links and bytes; the
 * day totals differ by nfdump's window (see below). A probe times query 1 as one GROUP BY on the
 * stored address halves, to show what rebuilding the 128-bit address per row costs.
 *
 * Storage: the DuckDB file's bytes per flow after CHECKPOINT, where its blocks go (segments,
 * metadata, free), the costliest columns from `pragma_storage_info`, nfcapd's files (default
 * uncompressed, and LZ4), and the same rows copied into a fresh file.
 *
 * The data sets are cached under $TMPDIR/tollgate-bench-query-vs-nfdump/<flows>/ (DuckDB file,
 * nfcapd directory, LZ4 file); `--rebuild` starts over, `--clean` removes the cache and exits.
 *
 *   npx tsx bench/query-vs-nfdump.ts [--flows 10m|30m|100m] [--runs 5] [--rate 20000] [--rebuild]
 *     [--threads N]   (DuckDB threads on the query side; DuckDB's default otherwise)
 *
 * Run as root: the replay raises net.core.rmem_max to 64 MiB for nfcapd's socket and restores
 * it afterwards.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import {
  DIRECTION_SOURCES,
  FLOW_DIRECTION_UNKNOWN,
  FLOW_SOURCES,
  FlowBatch,
  createSeededRandom,
  setIpv4Words,
} from "../src/core/index.ts";
import { buildNetworkTable } from "../src/inventory/index.ts";
import { createClassifier } from "../src/pipeline/classify/index.ts";
import { compileFilter, parseFilterExpression } from "../src/query/filter/index.ts";
import { RAW_QUERY_TABLE } from "../src/storage/duckdb/queries.ts";
import { createDuckDbStore, FLOWS_TABLE, type DuckDbStore } from "../src/storage/duckdb/index.ts";

// ---------------------------------------------------------------------------------- options

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

function parseFlows(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text);
  if (match === null) throw new Error(`--flows takes 10m, 100m or a number, got ${text}`);
  const scale = { "": 1, k: 1_000, m: 1_000_000 }[(match[2] ?? "").toLowerCase()] ?? 1;
  return Math.round(Number(match[1]) * scale);
}

const flowsLabel = option("--flows") ?? "10m";
const totalFlows = parseFlows(flowsLabel);
const RUNS = Number(option("--runs") ?? 5);
// 20,000 datagrams/s ≈ 0.5 M records/s: a fifth of nfcapd's loss-free v9 rate on this VM
// (2.8 M records/s, shared/reference/peer-baselines.md), so a busy machine still loses nothing.
const replayDatagramsPerS = Number(option("--rate") ?? 20_000);
const rebuild = process.argv.includes("--rebuild");
// DuckDB worker threads for the query side (the store and the raw connections); DuckDB's own
// default (one per core) when absent, as `tollgate serve` runs it.
const queryThreads = option("--threads");
const CACHE_ROOT = path.join(tmpdir(), "tollgate-bench-query-vs-nfdump");
const cacheDir = path.join(CACHE_ROOT, flowsLabel.toLowerCase());
const CACHE_VERSION = 1;

// ---------------------------------------------------------------------------------- the flows

const DAY_MS = 86_400_000;
const DAYS = 4;
const START_MS = Date.UTC(2026, 10, 16);
/** The 24 h of the time series: the second day. */
const SERIES_DAY = { fromMs: START_MS + DAY_MS, toMs: START_MS + 2 * DAY_MS };
/** NetFlow v9 times are ms since the exporter booted; one boot for the whole replay. */
const BOOT_MS = START_MS - DAY_MS;
const BATCH_ROWS = 245_760;
/** One payload file per this many flows, so the sender never holds more than ≈ 600 MB. */
const PART_FLOWS = 10_000_000;

const NETWORKS = [
  { name: "office", cidrs: ["10.1.0.0/16"], tags: { team: "it" }, hosts: 1_500 },
  { name: "dc-east", cidrs: ["10.2.0.0/16"], tags: { team: "platform" }, hosts: 1_500 },
  { name: "lab-v6", cidrs: ["2001:db8:1::/48"], tags: { team: "research" }, hosts: 500 },
] as const;
const OUTSIDE_V4_POOL = 1_000_000;
const OUTSIDE_V6_POOL = 100_000;
const SERVER_PORTS = [443, 443, 443, 443, 443, 80, 80, 53, 53, 22, 123, 8080, 3306, 25, 993];
const OUTSIDE_AS = [15169, 16509, 8075, 13335, 32934, 20940, 3356, 174];
const LOCAL_AS = 64512;
const NETFLOW9 = FLOW_SOURCES.indexOf("netflow9");
const DIRECTION_SOURCE_NETWORKS = DIRECTION_SOURCES.indexOf("networks");
const EXPORTER_V4 = 0x7f000001; // 127.0.0.1: where nfcapd sees the datagrams come from

/** First octets that are public unicast (not 0, 10, 100, 127, 169, 172, 192, 198, ≥ 224). */
const PUBLIC_FIRST_OCTETS = Array.from({ length: 223 }, (_, index) => index + 1).filter(
  (octet) => ![10, 100, 127, 169, 172, 192, 198].includes(octet),
);

/** Outside IPv4 address number `index`: a spread-out, public, stable address. */
function outsideV4(index: number): number {
  const hash = Math.imul(index + 1, 0x9e3779b1) >>> 0;
  const first = PUBLIC_FIRST_OCTETS[(hash >>> 24) % PUBLIC_FIRST_OCTETS.length] ?? 23;
  return ((first << 24) | (hash & 0xffffff)) >>> 0;
}

function internalV4(network: number, host: number): number {
  return ((10 << 24) | ((network + 1) << 16) | (((host >> 8) & 255) << 8) | (host & 255)) >>> 0;
}

/** Sets row `row` of `words` to an IPv6 address from four big-endian 32-bit groups. */
function setIpv6(words: Uint32Array, row: number, g0: number, g1: number, g2: number, g3: number) {
  const base = row * 4;
  words[base + 3] = g0 >>> 0;
  words[base + 2] = g1 >>> 0;
  words[base + 1] = g2 >>> 0;
  words[base] = g3 >>> 0;
}

/**
 * Fills `batch` with the next `count` flows. Direction mix 45 % egress, 35 % ingress, 15 %
 * internal, 5 % transit (as declared networks will decide it); outside ends drawn as
 * pool × u⁴, so the top 1 % of the pool takes about a third of the flows.
 */
function createGenerator(seed: number): (batch: FlowBatch, count: number) => void {
  const random = createSeededRandom(seed);
  const gapMs = (DAYS * DAY_MS) / totalFlows;
  let endMs = START_MS;
  return (batch, count) => {
    batch.clear();
    batch.reserve(count);
    for (let index = 0; index < count; index++) {
      const row = batch.addRow();
      endMs += random() * 2 * gapMs;
      const end = Math.floor(endMs);
      batch.endMs[row] = end;
      batch.startMs[row] = end - Math.floor(random() * 60_000);
      batch.receivedMs[row] = end;
      setIpv4Words(batch.exporter, row, EXPORTER_V4);
      batch.source[row] = NETFLOW9;
      batch.inIf[row] = 1 + Math.floor(random() * 8);
      batch.outIf[row] = 1 + Math.floor(random() * 8);
      const v6 = random() < 0.1;
      const network = v6 ? 2 : random() < 0.5 ? 0 : 1;
      const hosts = NETWORKS[network].hosts;
      const host = Math.floor(hosts * random() ** 2);
      const roll = random();
      const srcOurs = roll < 0.45 || (roll >= 0.8 && roll < 0.95);
      const dstOurs = roll >= 0.45 && roll < 0.95;
      const setEnd = (words: Uint32Array, ours: boolean, hostNumber: number): void => {
        if (v6) {
          const outside = Math.floor(OUTSIDE_V6_POOL * random() ** 4);
          if (ours) setIpv6(words, row, 0x20010db8, 0x00010000, 0, hostNumber + 1);
          else setIpv6(words, row, 0x2a001450, 0x40010000 | (outside >>> 16), 0, outside + 1);
        } else if (ours) {
          setIpv4Words(words, row, internalV4(network, hostNumber + 1));
        } else {
          setIpv4Words(words, row, outsideV4(Math.floor(OUTSIDE_V4_POOL * random() ** 4)));
        }
      };
      setEnd(batch.srcAddr, srcOurs, host);
      setEnd(batch.dstAddr, dstOurs, Math.floor(hosts * random() ** 2));
      batch.ipVersion[row] = v6 ? 6 : 4;
      const protocolRoll = random();
      const protocol = protocolRoll < 0.75 ? 6 : protocolRoll < 0.97 ? 17 : v6 ? 58 : 1;
      batch.protocol[row] = protocol;
      if (protocol === 6 || protocol === 17) {
        const server = SERVER_PORTS[Math.floor(random() * SERVER_PORTS.length)] ?? 443;
        const client = 32_768 + Math.floor(random() * 28_232);
        // Ingress is the answer half of a conversation an outside server started or answered.
        const toServer = !(dstOurs && !srcOurs);
        batch.srcPort[row] = toServer ? client : server;
        batch.dstPort[row] = toServer ? server : client;
      }
      batch.tcpFlags[row] = protocol === 6 ? 0x1b : 0;
      batch.srcAs[row] = srcOurs ? LOCAL_AS : (OUTSIDE_AS[row & 7] ?? 0);
      batch.dstAs[row] = dstOurs ? LOCAL_AS : (OUTSIDE_AS[(row >> 3) & 7] ?? 0);
      batch.srcMaskLen[row] = v6 ? 48 : 16;
      batch.dstMaskLen[row] = v6 ? 64 : 24;
      batch.flowDirection[row] = FLOW_DIRECTION_UNKNOWN;
      // Heavy tail: most flows carry a few packets, a few carry hundreds of megabytes.
      const packets = 1 + Math.floor(random() ** 6 * 200_000);
      batch.sampledPackets[row] = packets;
      batch.sampledBytes[row] = packets * (40 + Math.floor(random() * 1460));
      batch.samplingRate[row] = 1;
      batch.samplingRateKnown[row] = 0;
      batch.directionSource[row] = DIRECTION_SOURCE_NETWORKS;
    }
  };
}

// ---------------------------------------------------------------------------------- NetFlow v9

const V9_HEADER_BYTES = 20;
const DATAGRAM_MAX_BYTES = 1_400;
const TEMPLATE_V4 = 256;
const TEMPLATE_V6 = 257;
/** [field type, length] (RFC 3954 §8); addresses swapped in per family. */
const COMMON_FIELDS: readonly (readonly [number, number])[] = [
  [1, 8], // IN_BYTES
  [2, 8], // IN_PKTS
  [4, 1], // PROTOCOL
  [6, 1], // TCP_FLAGS
  [7, 2], // L4_SRC_PORT
  [11, 2], // L4_DST_PORT
  [10, 2], // INPUT_SNMP
  [14, 2], // OUTPUT_SNMP
  [16, 4], // SRC_AS
  [17, 4], // DST_AS
  [22, 4], // FIRST_SWITCHED
  [21, 4], // LAST_SWITCHED
];
const V4_FIELDS = [...COMMON_FIELDS, [8, 4], [12, 4], [9, 1], [13, 1]] as const;
const V6_FIELDS = [...COMMON_FIELDS, [27, 16], [28, 16], [29, 1], [30, 1]] as const;
const recordBytes = (fields: readonly (readonly [number, number])[]): number =>
  fields.reduce((sum, [, length]) => sum + length, 0);
const V4_RECORD_BYTES = recordBytes(V4_FIELDS);
const V6_RECORD_BYTES = recordBytes(V6_FIELDS);

function templateFlowset(): Buffer {
  const body: number[] = [];
  const push16 = (value: number): void => void body.push(value >> 8, value & 255);
  for (const [id, fields] of [
    [TEMPLATE_V4, V4_FIELDS],
    [TEMPLATE_V6, V6_FIELDS],
  ] as const) {
    push16(id);
    push16(fields.length);
    for (const [type, length] of fields) {
      push16(type);
      push16(length);
    }
  }
  const flowset = Buffer.alloc(4 + body.length);
  flowset.writeUInt16BE(0, 0);
  flowset.writeUInt16BE(flowset.length, 2);
  Buffer.from(body).copy(flowset, 4);
  return flowset;
}
const TEMPLATES = templateFlowset();

/**
 * Encodes rows into v9 datagrams, one data flowset per datagram (one per family, as a router
 * with one template per family sends them), and writes them to a payload file in udpblast's
 * format (u32 little-endian length, then the bytes). The templates go first and again every
 * 1,000 datagrams.
 */
function createV9Writer(file: string) {
  const fd = openSync(file, "w");
  const out = Buffer.alloc(16 << 20);
  let outBytes = 0;
  let sequence = 0;
  let datagrams = 0;
  const open = [4, 6].map((family) => ({
    family,
    buffer: Buffer.alloc(DATAGRAM_MAX_BYTES),
    records: 0,
    bytes: 0,
    lastEndMs: 0,
  }));
  const flushOut = (): void => {
    writeSync(fd, out, 0, outBytes);
    outBytes = 0;
  };
  const emit = (datagram: Buffer): void => {
    if (outBytes + datagram.length + 4 > out.length) flushOut();
    out.writeUInt32LE(datagram.length, outBytes);
    datagram.copy(out, outBytes + 4);
    outBytes += datagram.length + 4;
    datagrams++;
  };
  const finish = (state: (typeof open)[number]): void => {
    if (state.records === 0) return;
    const withTemplates = datagrams % 1_000 === 0;
    const flowsetBytes = 4 + state.bytes;
    const datagram = Buffer.alloc(
      V9_HEADER_BYTES + (withTemplates ? TEMPLATES.length : 0) + flowsetBytes,
    );
    const unixSecs = Math.ceil(state.lastEndMs / 1000) + 1;
    datagram.writeUInt16BE(9, 0);
    datagram.writeUInt16BE(state.records + (withTemplates ? 2 : 0), 2);
    datagram.writeUInt32BE(unixSecs * 1000 - BOOT_MS, 4); // sysUptime
    datagram.writeUInt32BE(unixSecs, 8);
    datagram.writeUInt32BE(sequence++, 12);
    datagram.writeUInt32BE(0, 16); // source id
    let offset = V9_HEADER_BYTES;
    if (withTemplates) offset += TEMPLATES.copy(datagram, offset);
    datagram.writeUInt16BE(state.family === 4 ? TEMPLATE_V4 : TEMPLATE_V6, offset);
    datagram.writeUInt16BE(flowsetBytes, offset + 2);
    state.buffer.copy(datagram, offset + 4, 0, state.bytes);
    emit(datagram);
    state.records = 0;
    state.bytes = 0;
  };
  const writeAddress = (
    target: Buffer,
    at: number,
    words: Uint32Array,
    row: number,
    v6: boolean,
  ) => {
    const base = row * 4;
    if (!v6) return target.writeUInt32BE(words[base] ?? 0, at);
    target.writeUInt32BE(words[base + 3] ?? 0, at);
    target.writeUInt32BE(words[base + 2] ?? 0, at + 4);
    target.writeUInt32BE(words[base + 1] ?? 0, at + 8);
    return target.writeUInt32BE(words[base] ?? 0, at + 12);
  };
  return {
    write(batch: FlowBatch): void {
      for (let row = 0; row < batch.length; row++) {
        const v6 = batch.ipVersion[row] === 6;
        const state = open[v6 ? 1 : 0];
        if (state === undefined) continue;
        const size = v6 ? V6_RECORD_BYTES : V4_RECORD_BYTES;
        // Room for the header, the templates and the flowset header.
        if (V9_HEADER_BYTES + TEMPLATES.length + 4 + state.bytes + size > DATAGRAM_MAX_BYTES) {
          finish(state);
        }
        const b = state.buffer;
        let at = state.bytes;
        at = b.writeBigUInt64BE(BigInt(batch.sampledBytes[row] ?? 0), at);
        at = b.writeBigUInt64BE(BigInt(batch.sampledPackets[row] ?? 0), at);
        at = b.writeUInt8(batch.protocol[row] ?? 0, at);
        at = b.writeUInt8(batch.tcpFlags[row] ?? 0, at);
        at = b.writeUInt16BE(batch.srcPort[row] ?? 0, at);
        at = b.writeUInt16BE(batch.dstPort[row] ?? 0, at);
        at = b.writeUInt16BE(batch.inIf[row] ?? 0, at);
        at = b.writeUInt16BE(batch.outIf[row] ?? 0, at);
        at = b.writeUInt32BE(batch.srcAs[row] ?? 0, at);
        at = b.writeUInt32BE(batch.dstAs[row] ?? 0, at);
        at = b.writeUInt32BE((batch.startMs[row] ?? 0) - BOOT_MS, at);
        at = b.writeUInt32BE((batch.endMs[row] ?? 0) - BOOT_MS, at);
        at = writeAddress(b, at, batch.srcAddr, row, v6);
        at = writeAddress(b, at, batch.dstAddr, row, v6);
        at = b.writeUInt8(batch.srcMaskLen[row] ?? 0, at);
        at = b.writeUInt8(batch.dstMaskLen[row] ?? 0, at);
        state.bytes = at;
        state.records++;
        state.lastEndMs = batch.endMs[row] ?? 0;
      }
    },
    close(): number {
      for (const state of open) finish(state);
      flushOut();
      closeSync(fd);
      return datagrams;
    },
  };
}

// ---------------------------------------------------------------------------------- helpers

interface Meta {
  version: number;
  flows: number;
  generateS?: number;
  payloadParts?: { file: string; datagrams: number; flows: number }[];
  duckdbBytes?: number;
  nfcapdVerified?: boolean;
  replayS?: number;
  replayLossFlows?: number;
  lz4S?: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function duBytes(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, name) => sum + duBytes(path.join(target, name)), 0);
}

/** Drops a file's (or a directory's files') pages from the page cache: a cold-ish start. */
function dropFromPageCache(target: string): void {
  if (!existsSync(target)) return;
  if (statSync(target).isDirectory()) {
    for (const name of readdirSync(target)) dropFromPageCache(path.join(target, name));
    return;
  }
  // dd with oflag=nocache and count=0 calls posix_fadvise(DONTNEED) on the whole file: only
  // this file's pages leave the cache, nobody else's.
  spawnSync("dd", [`of=${target}`, "oflag=nocache", "conv=notrunc,fdatasync", "count=0"], {
    stdio: "ignore",
  });
}

function readMeta(): Meta | undefined {
  const file = path.join(cacheDir, "meta.json");
  if (!existsSync(file)) return undefined;
  const meta = JSON.parse(readFileSync(file, "utf8")) as Meta;
  return meta.version === CACHE_VERSION && meta.flows === totalFlows ? meta : undefined;
}

function writeMeta(meta: Meta): void {
  writeFileSync(path.join(cacheDir, "meta.json"), JSON.stringify(meta, null, 2));
}

const duckdbFile = path.join(cacheDir, "flows.duckdb");
const nfcapdDir = path.join(cacheDir, "nfcapd");
const lz4File = path.join(cacheDir, "nfdump-lz4", "all.lz4");

// ---------------------------------------------------------------------------------- build

async function generate(): Promise<Meta> {
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  const declarations = NETWORKS.map(({ name, cidrs, tags }) => ({ name, cidrs, tags }));
  const table = buildNetworkTable(declarations);
  if (!table.ok) throw new Error(`networks: ${JSON.stringify(table.errors)}`);
  const classifier = createClassifier(table.table);
  // Rollups off, as the queries below are meant to read raw flows (a new store keeps them by
  // default, which before 2026-11-22 this bench did without saying so).
  const store = createDuckDbStore({
    path: duckdbFile,
    readOnly: false,
    rollups: { enabled: false, dimensions: [] },
  });
  await store.start();
  const fill = createGenerator(2026);
  const batch = new FlowBatch(BATCH_ROWS);
  const parts: NonNullable<Meta["payloadParts"]> = [];
  let writer: ReturnType<typeof createV9Writer> | undefined;
  let partFlows = 0;
  const startedMs = performance.now();
  let appendMs = 0;
  for (let done = 0; done < totalFlows;) {
    if (writer === undefined) {
      const file = path.join(cacheDir, `payloads-${parts.length}.bin`);
      writer = createV9Writer(file);
      parts.push({ file, datagrams: 0, flows: 0 });
      partFlows = 0;
    }
    const count = Math.min(BATCH_ROWS, totalFlows - done, PART_FLOWS - partFlows);
    fill(batch, count);
    writer.write(batch);
    classifier.classifyRows(batch, 0, batch.length, Date.now());
    const appendStartedMs = performance.now();
    await store.append(batch, classifier.networks);
    appendMs += performance.now() - appendStartedMs;
    done += count;
    partFlows += count;
    const part = parts[parts.length - 1];
    if (part !== undefined) part.flows = partFlows;
    if (partFlows === PART_FLOWS || done === totalFlows) {
      if (part !== undefined) part.datagrams = writer.close();
      writer = undefined;
    }
    if (done % (BATCH_ROWS * 20) < BATCH_ROWS) {
      const seconds = (performance.now() - startedMs) / 1000;
      console.log(
        `  generated ${done} flows in ${seconds.toFixed(0)} s (store.append ${(appendMs / 1000).toFixed(0)} s)`,
      );
    }
  }
  await store.stop();
  // A CHECKPOINT folds the write-ahead log into the file so its size is the stored size.
  const instance = await DuckDBInstance.create(duckdbFile);
  const connection = await instance.connect();
  await connection.run("CHECKPOINT");
  connection.closeSync();
  instance.closeSync();
  const meta: Meta = {
    version: CACHE_VERSION,
    flows: totalFlows,
    generateS: (performance.now() - startedMs) / 1000,
    payloadParts: parts,
    duckdbBytes: duBytes(duckdbFile),
  };
  writeMeta(meta);
  console.log(
    `  generated and stored ${totalFlows} flows in ${meta.generateS?.toFixed(0)} s (store.append ${(appendMs / 1000).toFixed(0)} s)`,
  );
  return meta;
}

const NFCAPD_PORT = 39_931;

function udpQueueBytes(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  let total = 0;
  for (const file of ["/proc/net/udp", "/proc/net/udp6"]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(`:${hex}`) !== true) continue;
      total += Number.parseInt(fields[4]?.split(":")[1] ?? "0", 16);
    }
  }
  return total;
}

function nfdumpFlowCount(args: readonly string[]): number {
  const text = execFileSync("nfdump", [...args, "-I"], { encoding: "utf8", env: NFDUMP_ENV });
  const match = /^Flows:\s+(\d+)/m.exec(text);
  return Number(match?.[1] ?? Number.NaN);
}

const NFDUMP_ENV = { ...process.env, TZ: "UTC" };

async function replay(meta: Meta): Promise<Meta> {
  const parts = meta.payloadParts ?? [];
  if (parts.length === 0 || !parts.every((part) => existsSync(part.file))) {
    throw new Error("the payload files are gone: run with --rebuild");
  }
  rmSync(nfcapdDir, { recursive: true, force: true });
  mkdirSync(nfcapdDir, { recursive: true });
  const blaster = path.join(cacheDir, "udpblast");
  const shared = process.env["TOLLGATE_SHARED_DIR"] ?? path.resolve("..", "shared");
  execFileSync("gcc", [
    "-O2",
    "-o",
    blaster,
    path.join(shared, "tools", "flowbench", "udpblast.c"),
  ]);
  const rmemFile = "/proc/sys/net/core/rmem_max";
  const rmemBefore = readFileSync(rmemFile, "utf8").trim();
  const rmemWanted = 64 << 20;
  if (Number(rmemBefore) < rmemWanted) writeFileSync(rmemFile, String(rmemWanted));
  const restore = (): void => {
    if (Number(rmemBefore) < rmemWanted) writeFileSync(rmemFile, rmemBefore);
  };
  process.once("SIGINT", () => {
    restore();
    process.exit(130);
  });
  const startedMs = performance.now();
  const nfcapd = spawn(
    "nfcapd",
    [
      "-w",
      nfcapdDir,
      "-p",
      String(NFCAPD_PORT),
      "-b",
      "127.0.0.1",
      "-B",
      String(rmemWanted),
    ].concat(["-t", "3600", "-I", "bench"]),
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  try {
    await sleep(1_000);
    for (const part of parts) {
      // udpblast stops after COUNT datagrams or MAX_SECONDS (at most 600).
      const maxSeconds = Math.min(600, Math.ceil((part.datagrams / replayDatagramsPerS) * 3) + 10);
      const output = execFileSync(
        blaster,
        [
          part.file,
          String(NFCAPD_PORT),
          String(replayDatagramsPerS),
          String(part.datagrams),
        ].concat(String(maxSeconds)),
        { encoding: "utf8" },
      );
      console.log(`  replayed ${part.flows} flows: ${output.trim()}`);
    }
    // Drained when the socket queue stays empty for a second.
    for (let quiet = 0; quiet < 4;) {
      await sleep(250);
      quiet = udpQueueBytes(NFCAPD_PORT) === 0 ? quiet + 1 : 0;
    }
  } finally {
    if (nfcapd.pid !== undefined && nfcapd.exitCode === null) {
      const exited = new Promise((resolve) => nfcapd.once("exit", resolve));
      process.kill(nfcapd.pid, "SIGTERM");
      const stopped = await Promise.race([
        exited.then(() => true),
        sleep(30_000).then(() => false),
      ]);
      if (!stopped) process.kill(nfcapd.pid, "SIGKILL");
    }
    restore();
  }
  const stored = nfdumpFlowCount(["-R", nfcapdDir]);
  meta.replayS = (performance.now() - startedMs) / 1000;
  meta.replayLossFlows = totalFlows - stored;
  meta.nfcapdVerified = stored === totalFlows;
  console.log(
    `  nfcapd stored ${stored} of ${totalFlows} flows (nfdump -I) in ${meta.replayS.toFixed(0)} s`,
  );
  if (!meta.nfcapdVerified) {
    writeMeta(meta);
    throw new Error(
      `nfcapd lost ${totalFlows - stored} flows: re-run with a lower --rate (was ${replayDatagramsPerS})`,
    );
  }
  const lz4StartedMs = performance.now();
  mkdirSync(path.dirname(lz4File), { recursive: true });
  execFileSync("nfdump", ["-R", nfcapdDir, "-y", "-w", lz4File], { env: NFDUMP_ENV });
  meta.lz4S = (performance.now() - lz4StartedMs) / 1000;
  const lz4Flows = nfdumpFlowCount(["-r", lz4File]);
  if (lz4Flows !== totalFlows) throw new Error(`the LZ4 copy holds ${lz4Flows} flows`);
  // The payloads are only the replay's input; at 100 M flows they are 5 GB.
  for (const part of parts) rmSync(part.file, { force: true });
  writeMeta(meta);
  return meta;
}

// ---------------------------------------------------------------------------------- queries

const OURS = NETWORKS.flatMap((network) => network.cidrs);
const oursFilter = (side: "src" | "dst"): string =>
  `(${OURS.map((cidr) => `${side} net ${cidr}`).join(" or ")})`;
/** Egress as the classifier decides it from the declared networks: from ours to not ours. */
const NFDUMP_EGRESS = `${oursFilter("src")} and not ${oursFilter("dst")}`;

function nfdumpTime(window: { fromMs: number; toMs: number }): string {
  const text = (ms: number): string =>
    new Date(ms).toISOString().slice(0, 19).replace("T", ".").replaceAll("-", "/");
  // nfdump's window is inclusive at both ends, to the second.
  return `${text(window.fromMs)}-${text(window.toMs - 1000)}`;
}

interface Side {
  name: string;
  run: () => Promise<string>;
  /** Makes the next run cold-ish: page cache dropped, fresh instance. */
  cool: () => Promise<void>;
}

function nfdumpSide(name: string, input: string[], args: readonly string[]): Side {
  return {
    name,
    run: () =>
      Promise.resolve(
        execFileSync("nfdump", [...input, ...args], {
          encoding: "utf8",
          env: NFDUMP_ENV,
          maxBuffer: 64 << 20,
        }),
      ),
    cool: () => {
      dropFromPageCache(input[1] ?? "");
      return Promise.resolve();
    },
  };
}

interface Timing {
  coldMs: number;
  warmMs: number;
  output: string;
}

/** Times each side cold-ish once, then `RUNS` warm runs, interleaving the sides run by run. */
async function timeSides(sides: readonly Side[]): Promise<Timing[]> {
  const timings = sides.map(() => ({ coldMs: 0, warm: [] as number[], output: "" }));
  for (let run = -1; run < RUNS; run++) {
    for (const [index, side] of sides.entries()) {
      const timing = timings[index];
      if (timing === undefined) continue;
      if (run === -1) await side.cool();
      const startedMs = performance.now();
      timing.output = await side.run();
      const elapsedMs = performance.now() - startedMs;
      if (run === -1) timing.coldMs = elapsedMs;
      else timing.warm.push(elapsedMs);
    }
  }
  return timings.map((timing) => ({
    coldMs: timing.coldMs,
    warmMs: median(timing.warm),
    output: timing.output,
  }));
}

function formatBytes(value: number): string {
  return Math.round(value).toString();
}

/** nfdump's `-s …/bytes -o csv` statistic lines → [key, bytes]. */
function nfdumpStatRows(text: string): [string, number][] {
  const lines = text.split("\n");
  const header = lines.findIndex((line) => line.startsWith("ts,te,td,pr,val"));
  const columns = lines[header]?.split(",") ?? [];
  const valAt = columns.indexOf("val");
  const bytesAt = columns.indexOf("byt");
  const rows: [string, number][] = [];
  for (const line of lines.slice(header + 1)) {
    const fields = line.split(",");
    if (fields.length < columns.length || header === -1) break;
    rows.push([fields[valAt] ?? "", Number(fields[bytesAt])]);
  }
  return rows;
}

async function openStore(): Promise<DuckDbStore> {
  const store = createDuckDbStore({
    path: duckdbFile,
    readOnly: true,
    ...(queryThreads === undefined ? {} : { threads: Number(queryThreads) }),
  });
  await store.start();
  return store;
}

async function openConnection(): Promise<{
  instance: DuckDBInstance;
  connection: DuckDBConnection;
}> {
  const instance = await DuckDBInstance.create(duckdbFile, {
    access_mode: "READ_ONLY",
    ...(queryThreads === undefined ? {} : { threads: queryThreads }),
  });
  return { instance, connection: await instance.connect() };
}

interface Row {
  name: string;
  tollgate: Timing;
  nfdump: Timing;
  nfdumpLz4: Timing;
  check: string;
}

async function measureQueries(range: { fromMs: number; toMs: number }): Promise<Row[]> {
  const results: Row[] = [];
  let store: DuckDbStore | undefined;
  const storeSide = (run: (store: DuckDbStore) => Promise<string>): Side => ({
    name: "tollgate",
    run: async () => run(store as DuckDbStore),
    cool: async () => {
      await store?.stop();
      dropFromPageCache(duckdbFile);
      store = await openStore();
    },
  });
  const plain = ["-R", nfcapdDir];
  const lz4 = ["-r", lz4File];
  const nfdumpPair = (args: readonly string[]): [Side, Side] => [
    nfdumpSide("nfdump", plain, args),
    nfdumpSide("nfdump lz4", lz4, args),
  ];

  // 1. top-10 destinations by bytes, egress, whole range.
  const topArgs = ["-q", "-N", "-o", "csv", "-s", "dstip/bytes", "-n", "10", NFDUMP_EGRESS];
  const [top, topPlain, topLz4] = await timeSides([
    storeSide(async (s) =>
      JSON.stringify(
        (
          await s.top({
            range,
            by: "dst.addr",
            metric: "bytes",
            limit: 10,
            filter: { direction: "egress" },
          })
        ).rows.map((row) => [row.key, row.bytes]),
      ),
    ),
    ...nfdumpPair(topArgs),
  ]);
  const ourTop = JSON.parse(top?.output ?? "[]") as [string, number][];
  const theirTop = nfdumpStatRows(topLz4?.output ?? "");
  const topEqual = JSON.stringify(ourTop) === JSON.stringify(theirTop);
  results.push({
    name: "top-10 dst.addr by bytes, egress, all",
    tollgate: top as Timing,
    nfdump: topPlain as Timing,
    nfdumpLz4: topLz4 as Timing,
    check: topEqual
      ? `same top 10 (first ${ourTop[0]?.[0]} ${formatBytes(ourTop[0]?.[1] ?? 0)} bytes)`
      : `DIFFERENT: tollgate ${JSON.stringify(ourTop.slice(0, 3))}… nfdump ${JSON.stringify(theirTop.slice(0, 3))}…`,
  });

  // 2. a 24 h time series, 5 min steps; nfdump reads the day into a one-key summary.
  const seriesArgs = ["-q", "-N", "-o", "csv", "-t", nfdumpTime(SERIES_DAY), "-s", "proto/bytes"];
  const [series, seriesPlain, seriesLz4] = await timeSides([
    storeSide(async (s) => {
      const result = await s.timeseries({ range: SERIES_DAY, stepMs: 300_000, metric: "bytes" });
      const total = result.points.reduce(
        (sum, point) => sum + Object.values(point.byDirection).reduce((a, b) => a + b, 0),
        0,
      );
      return JSON.stringify({ points: result.points.length, total });
    }),
    ...nfdumpPair(seriesArgs),
  ]);
  const ourSeries = JSON.parse(series?.output ?? "{}") as { points: number; total: number };
  const theirDay = nfdumpStatRows(seriesLz4?.output ?? "").reduce((sum, [, b]) => sum + b, 0);
  results.push({
    name: "24 h time series, 5 min steps",
    tollgate: series as Timing,
    nfdump: seriesPlain as Timing,
    nfdumpLz4: seriesLz4 as Timing,
    check: `${ourSeries.points} points, day total ${formatBytes(ourSeries.total)} bytes (by end time); nfdump's -t window ${formatBytes(theirDay)}`,
  });

  // 3. sankey src.net → dst.port of egress TCP, from the filter language.
  const whereText = "proto = tcp";
  const compiled = compileFilter(
    parseFilterExpression(whereText),
    RAW_QUERY_TABLE.dialect,
    whereText,
  );
  if (compiled.joins.length > 0) throw new Error("the sankey filter needs no join");
  const sankeySql = `SELECT coalesce(sn.name, '') AS src_net, dst_port, sum(bytes)::DOUBLE AS bytes
     FROM ${FLOWS_TABLE} LEFT JOIN networks sn ON sn.id = src_network_id
     WHERE end_ms >= $from_ms::BIGINT AND end_ms < $to_ms::BIGINT AND direction = 'egress'
       AND ${compiled.sql}
     GROUP BY ALL ORDER BY bytes DESC, src_net, dst_port`;
  let duck: Awaited<ReturnType<typeof openConnection>> | undefined;
  // Without -q: the CSV header names the columns (nfdump 1.7.1 masks the addresses to 0.0.0.0 in
  // this output, but the groups and their bytes are right).
  const sankeyArgs = ["-N", "-o", "csv", "-A", "srcip4/16,srcip6/48,dstport", "-O", "bytes"].concat(
    `proto tcp and ${NFDUMP_EGRESS}`,
  );
  const [sankey, sankeyPlain, sankeyLz4] = await timeSides([
    {
      name: "tollgate",
      cool: async () => {
        await store?.stop();
        store = undefined;
        duck?.connection.closeSync();
        duck?.instance.closeSync();
        dropFromPageCache(duckdbFile);
        duck = await openConnection();
      },
      run: async () => {
        const reader = await (duck as NonNullable<typeof duck>).connection.runAndReadAll(
          sankeySql,
          { ...compiled.params, from_ms: BigInt(range.fromMs), to_ms: BigInt(range.toMs) },
        );
        return JSON.stringify(reader.getRows().map((row) => row.map(String)));
      },
    },
    ...nfdumpPair(sankeyArgs),
  ]);
  // What the top-N would cost grouped on the stored address halves (two UBIGINTs) instead of
  // the 128-bit address the store rebuilds per row before grouping: the same connection.
  const halvesSql = `SELECT dst_addr_hi, dst_addr_lo, sum(bytes)::DOUBLE AS bytes FROM ${FLOWS_TABLE}
     WHERE end_ms >= $from_ms::BIGINT AND end_ms < $to_ms::BIGINT AND direction = 'egress'
     GROUP BY ALL ORDER BY bytes DESC, dst_addr_hi, dst_addr_lo LIMIT 10`;
  const [halves] = await timeSides([
    {
      name: "tollgate halves",
      cool: () => {
        dropFromPageCache(duckdbFile);
        return Promise.resolve();
      },
      run: async () => {
        const reader = await (duck as NonNullable<typeof duck>).connection.runAndReadAll(
          halvesSql,
          { from_ms: BigInt(range.fromMs), to_ms: BigInt(range.toMs) },
        );
        return JSON.stringify(reader.getRows().map((row) => Number(row[2])));
      },
    },
  ]);
  duck?.connection.closeSync();
  duck?.instance.closeSync();
  const halvesEqual =
    JSON.stringify(JSON.parse(halves?.output ?? "[]")) ===
    JSON.stringify(ourTop.map(([, bytes]) => bytes));
  results.push({
    name: "top-10 on the address halves (probe)",
    tollgate: halves as Timing,
    nfdump: topPlain as Timing,
    nfdumpLz4: topLz4 as Timing,
    check: `same bytes as store.top(): ${halvesEqual ? "yes" : "NO"}; nfdump times are query 1's`,
  });
  const ourLinks = JSON.parse(sankey?.output ?? "[]") as string[][];
  const theirLinks = (sankeyLz4?.output ?? "").split("\n").filter((line) => /^\d{4}-/.test(line));
  const ourBytes = ourLinks.reduce((sum, link) => sum + Number(link[2]), 0);
  const theirHeader = (sankeyLz4?.output ?? "")
    .split("\n")
    .find((line) => line.startsWith("ts,te"));
  const bytesAt = theirHeader?.split(",").indexOf("ibyt") ?? -1;
  const theirBytes = theirLinks.reduce(
    (sum, line) => sum + Number(line.split(",")[bytesAt] ?? Number.NaN),
    0,
  );
  results.push({
    name: "sankey src.net → dst.port, egress tcp",
    tollgate: sankey as Timing,
    nfdump: sankeyPlain as Timing,
    nfdumpLz4: sankeyLz4 as Timing,
    check: `${ourLinks.length} links, ${formatBytes(ourBytes)} bytes; nfdump ${theirLinks.length} rows, ${formatBytes(theirBytes)} bytes${ourBytes === theirBytes && ourLinks.length === theirLinks.length ? " (equal)" : " (DIFFERENT)"}`,
  });
  await store?.stop();
  return results;
}

// ---------------------------------------------------------------------------------- storage

interface ColumnCost {
  column: string;
  bytes: number;
}

/**
 * Bytes per column from `pragma_storage_info`: a segment runs to the next segment's offset in
 * its block (the last one to the block's end), as storage-stats.ts estimates tables.
 */
async function columnCosts(connection: DuckDBConnection, table: string): Promise<ColumnCost[]> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name, block_id::DOUBLE, block_offset::DOUBLE, len(additional_block_ids)::DOUBLE
     FROM pragma_storage_info('${table}') WHERE persistent AND block_id >= 0`,
  );
  const all = reader.getRows().map(([column, block, offset, extra]) => ({
    column: String(column),
    block: Number(block),
    offset: Number(offset),
    extra: Number(extra ?? 0),
  }));
  // Every table's segments share the blocks, so the next offset may be another table's.
  const names = await connection.runAndReadAll(
    "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary",
  );
  const others: number[][] = [];
  for (const [name] of names.getRows()) {
    if (String(name) === table) continue;
    const reader = await connection.runAndReadAll(
      `SELECT block_id::DOUBLE, block_offset::DOUBLE FROM pragma_storage_info('${String(name)}')
       WHERE persistent AND block_id >= 0`,
    );
    others.push(...reader.getRows().map((row) => row.map(Number)));
  }
  const byBlock = new Map<
    number,
    { column: string | undefined; offset: number; extra: number }[]
  >();
  const add = (
    block: number,
    entry: { column: string | undefined; offset: number; extra: number },
  ) => {
    const list = byBlock.get(block) ?? [];
    list.push(entry);
    byBlock.set(block, list);
  };
  for (const segment of all) add(segment.block, segment);
  for (const [block, offset] of others) {
    add(Number(block), { column: undefined, offset: Number(offset), extra: 0 });
  }
  const BLOCK_BYTES = 262_144;
  const totals = new Map<string, number>();
  for (const list of byBlock.values()) {
    list.sort((a, b) => a.offset - b.offset);
    list.forEach((segment, index) => {
      if (segment.column === undefined) return;
      const end = list[index + 1]?.offset ?? BLOCK_BYTES;
      const bytes = end - segment.offset + segment.extra * BLOCK_BYTES;
      totals.set(segment.column, (totals.get(segment.column) ?? 0) + bytes);
    });
  }
  return [...totals.entries()]
    .map(([column, bytes]) => ({ column, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

async function storage(flows: number): Promise<void> {
  const { instance, connection } = await openConnection();
  const costs = await columnCosts(connection, FLOWS_TABLE);
  connection.closeSync();
  instance.closeSync();
  // Where the file's blocks go: data blocks some table's segment uses, metadata blocks
  // (pragma_metadata_info), and free ones (kept in the file for later writes).
  const blocks = await (async () => {
    const again = await openConnection();
    const number = async (sql: string): Promise<number> =>
      Number((await again.connection.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
    const current = "WHERE database_name = current_database()";
    const usedBlocks = await number(
      `SELECT used_blocks::DOUBLE FROM pragma_database_size() ${current}`,
    );
    const freeBlocks = await number(
      `SELECT free_blocks::DOUBLE FROM pragma_database_size() ${current}`,
    );
    const blockBytes = await number(
      `SELECT block_size::DOUBLE FROM pragma_database_size() ${current}`,
    );
    const metadataBlocks = await number("SELECT count(*)::DOUBLE FROM pragma_metadata_info()");
    const tables = (
      await again.connection.runAndReadAll(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary",
      )
    )
      .getRows()
      .map(([name]) => String(name));
    const segmentBlocks = tables
      .map(
        (name) =>
          `SELECT block_id AS b FROM pragma_storage_info('${name}') WHERE block_id >= 0
           UNION ALL SELECT unnest(additional_block_ids) FROM pragma_storage_info('${name}') WHERE block_id >= 0`,
      )
      .join(" UNION ALL ");
    const dataBlocks = await number(`SELECT count(DISTINCT b)::DOUBLE FROM (${segmentBlocks})`);
    again.connection.closeSync();
    again.instance.closeSync();
    return { usedBlocks, freeBlocks, blockBytes, metadataBlocks, dataBlocks };
  })();
  const fileBytes = duBytes(duckdbFile);
  const columnTotal = costs.reduce((sum, cost) => sum + cost.bytes, 0);
  console.log(
    `\nStorage per flow: Tollgate DuckDB file ${(fileBytes / flows).toFixed(1)} bytes (${(fileBytes / 2 ** 20).toFixed(0)} MiB); flows table's segments ${(columnTotal / flows).toFixed(1)}`,
  );
  console.log(
    `  blocks of ${blocks.blockBytes / 1024} KiB: ${blocks.usedBlocks} in use (${blocks.dataBlocks} hold some table's segments, ${blocks.metadataBlocks} metadata), ${blocks.freeBlocks} free`,
  );
  console.log(
    `  nfcapd default (uncompressed) ${(duBytes(nfcapdDir) / flows).toFixed(1)} bytes, LZ4 ${(duBytes(lz4File) / flows).toFixed(1)} bytes`,
  );
  console.log("  costliest columns, bytes per flow:");
  for (const cost of costs.slice(0, 12)) {
    console.log(`    ${cost.column.padEnd(20)} ${(cost.bytes / flows).toFixed(2)}`);
  }

  // The same rows in a fresh file written by one CREATE TABLE AS (DuckDB packs every segment
  // at one checkpoint): what the append path's own packing costs. The store sorts each batch
  // and leaves unsampled counters NULL itself since 2026-11-22 (row-order.ts, columns.ts);
  // the earlier copies that tried those layouts are in bench/README.md's history.
  const variants: [string, string][] = [["as stored", `SELECT * FROM src.${FLOWS_TABLE}`]];
  for (const [name, select] of variants) {
    const copyFile = path.join(cacheDir, "layout-copy.duckdb");
    rmSync(copyFile, { force: true });
    const copyInstance = await DuckDBInstance.create(copyFile);
    const copy = await copyInstance.connect();
    await copy.run(`ATTACH '${duckdbFile}' AS src (READ_ONLY)`);
    await copy.run(`CREATE TABLE copy AS ${select}`);
    await copy.run("DETACH src");
    await copy.run("CHECKPOINT");
    const copyCosts = await columnCosts(copy, "copy");
    const segments = copyCosts.reduce((sum, cost) => sum + cost.bytes, 0);
    copy.closeSync();
    copyInstance.closeSync();
    console.log(
      `  copy, ${name.padEnd(30)} file ${(duBytes(copyFile) / flows).toFixed(1)} bytes per flow (segments ${(segments / flows).toFixed(1)})`,
    );
    rmSync(copyFile, { force: true });
    rmSync(`${copyFile}.wal`, { force: true });
  }
}

// ---------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  if (process.argv.includes("--clean")) {
    rmSync(CACHE_ROOT, { recursive: true, force: true });
    return;
  }
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(1))
      .join(" ");
  console.log(
    `node ${process.version}; nfdump ${execFileSync("nfdump", ["-V"], { encoding: "utf8" }).trim()}; ${totalFlows} flows; cache ${cacheDir}; load ${load()}`,
  );
  let meta = rebuild ? undefined : readMeta();
  if (meta === undefined) {
    console.log("generating (cached for the next run)…");
    meta = await generate();
  }
  if (meta.nfcapdVerified !== true) {
    console.log(`replaying to nfcapd at ${replayDatagramsPerS} datagrams/s…`);
    meta = await replay(meta);
  }
  console.log(
    `built in: generate + store.append ${meta.generateS?.toFixed(0)} s, replay to nfcapd ${meta.replayS?.toFixed(0)} s, LZ4 copy ${meta.lz4S?.toFixed(0)} s`,
  );
  const range = { fromMs: START_MS - 120_000, toMs: START_MS + (DAYS + 1) * DAY_MS };
  console.log(
    `queries: cold-ish (page cache dropped for the side's files) then median of ${RUNS} warm; DuckDB threads ${queryThreads ?? "default"}; load ${load()}`,
  );
  const rows = await measureQueries(range);
  console.log(
    "query                                   side        cold ms    warm ms   nfdump/tollgate (warm)",
  );
  for (const row of rows) {
    for (const [side, timing] of [
      ["tollgate", row.tollgate],
      ["nfdump", row.nfdump],
      ["nfdump lz4", row.nfdumpLz4],
    ] as const) {
      const ratio =
        side === "tollgate" ? "" : `${(timing.warmMs / row.tollgate.warmMs).toFixed(1)}×`;
      console.log(
        `${(side === "tollgate" ? row.name : "").padEnd(40)}${side.padEnd(10)}${timing.coldMs.toFixed(0).padStart(9)}${timing.warmMs.toFixed(0).padStart(11)}   ${ratio}`,
      );
    }
    console.log(`${"".padEnd(40)}check: ${row.check}`);
  }
  const best = rows[0];
  if (best !== undefined) {
    const nfdumpBest = Math.min(best.nfdump.warmMs, best.nfdumpLz4.warmMs);
    console.log(
      `top-N: Tollgate ${(nfdumpBest / best.tollgate.warmMs).toFixed(1)}× faster than nfdump's faster layout (floor 5×, goal 20×); ${(((totalFlows / best.tollgate.warmMs) * 1000) / 1e6).toFixed(0)} M flows/s against ${(((totalFlows / nfdumpBest) * 1000) / 1e6).toFixed(1)} M`,
    );
  }
  await storage(totalFlows);
  console.log(`load at the end ${load()}`);
}

await main();
