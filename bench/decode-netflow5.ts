/**
 * NetFlow v5 decode throughput on one core: records/s and ns/record of `decodeNetflow5` over
 * real softflowd datagrams, against a naive decoder (Buffer.readUInt32BE per field, addresses
 * built by joining octet strings) run in the same process, and the cost of reading the pcap.
 *
 *   npx tsx bench/decode-netflow5.ts
 *
 * Input: shared/corpus/pcap/export-softflowd-v5-synth30k.pcap (894 datagrams, 25,789 records)
 * when present, else 25,800 records made with `encodeNetflow5`.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { formatIpv4 } from "../src/core/index.ts";
import type { DecodedFlow } from "../src/core/index.ts";
import { createCaptureReader, decodeNetflow5, encodeNetflow5 } from "../src/decoders/index.ts";
import { corpusDir } from "../test/helpers/peers.ts";

const RUNS = 7;
const MIN_RUN_MS = 1000;
const context = { exporterAddr: "127.0.0.1", receivedMs: 0 };

function loadDatagrams(): { source: string; datagrams: Uint8Array[]; fileBytes?: Uint8Array } {
  const corpus = corpusDir();
  const file =
    corpus === undefined ? undefined : path.join(corpus, "pcap/export-softflowd-v5-synth30k.pcap");
  if (file !== undefined && existsSync(file)) {
    const bytes = readFileSync(file);
    const reader = createCaptureReader();
    const datagrams = reader.push(bytes).records.map((datagram) => datagram.payload);
    reader.finish();
    return { source: path.basename(file), datagrams, fileBytes: bytes };
  }
  const flows: DecodedFlow[] = Array.from({ length: 25_800 }, (_, index) => ({
    startMs: 1_700_000_000_000 - 5_000,
    endMs: 1_700_000_000_000 - 100,
    exporterAddr: "127.0.0.1",
    source: "netflow5",
    inIf: 1,
    outIf: 2,
    ipVersion: 4,
    srcAddr: formatIpv4((0x0a000000 + index * 7) >>> 0),
    dstAddr: formatIpv4((0xc6336400 + index) >>> 0),
    srcPort: 1024 + (index % 60000),
    dstPort: 443,
    protocol: 6,
    tcpFlags: 0x1b,
    tos: 0,
    srcAs: 0,
    dstAs: 0,
    srcMaskLen: 0,
    dstMaskLen: 0,
    nextHop: "0.0.0.0",
    sampledBytes: 1500 + index,
    sampledPackets: 3,
    samplingRate: 1,
    samplingRateKnown: false,
  }));
  const datagrams = encodeNetflow5(flows, {
    sysUptimeMs: 100_000,
    unixSecs: 1_700_000_000,
    unixNsecs: 0,
    flowSequence: 0,
    engineType: 0,
    engineId: 0,
    samplingMode: 0,
    samplingInterval: 0,
  });
  return { source: "encodeNetflow5 (corpus absent)", datagrams };
}

/** The obvious way: Buffer per datagram, readUInt*BE per field, addresses by string join. */
function naiveDecode(payload: Uint8Array): Record<string, unknown>[] {
  const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const records: Record<string, unknown>[] = [];
  if (buffer.length < 24 || buffer.readUInt16BE(0) !== 5) return records;
  const count = buffer.readUInt16BE(2);
  const uptime = buffer.readUInt32BE(4);
  const exportMs = buffer.readUInt32BE(8) * 1000 + Math.floor(buffer.readUInt32BE(12) / 1e6);
  const ip = (at: number): string =>
    [buffer[at], buffer[at + 1], buffer[at + 2], buffer[at + 3]].map(String).join(".");
  for (let index = 0; index < count && 24 + (index + 1) * 48 <= buffer.length; index++) {
    const at = 24 + index * 48;
    const record: Record<string, unknown> = {};
    record["srcAddr"] = ip(at);
    record["dstAddr"] = ip(at + 4);
    record["nextHop"] = ip(at + 8);
    record["inIf"] = buffer.readUInt16BE(at + 12);
    record["outIf"] = buffer.readUInt16BE(at + 14);
    record["sampledPackets"] = buffer.readUInt32BE(at + 16);
    record["sampledBytes"] = buffer.readUInt32BE(at + 20);
    record["startMs"] = exportMs - ((uptime - buffer.readUInt32BE(at + 24)) | 0);
    record["endMs"] = exportMs - ((uptime - buffer.readUInt32BE(at + 28)) | 0);
    record["srcPort"] = buffer.readUInt16BE(at + 32);
    record["dstPort"] = buffer.readUInt16BE(at + 34);
    record["tcpFlags"] = buffer.readUInt8(at + 37);
    record["protocol"] = buffer.readUInt8(at + 38);
    record["tos"] = buffer.readUInt8(at + 39);
    record["srcAs"] = buffer.readUInt16BE(at + 40);
    record["dstAs"] = buffer.readUInt16BE(at + 42);
    record["srcMaskLen"] = buffer.readUInt8(at + 44);
    record["dstMaskLen"] = buffer.readUInt8(at + 45);
    records.push(record);
  }
  return records;
}

interface Measurement {
  unitsPerSecond: number;
  nsPerUnit: number;
}

/** Runs `pass` (returning the units it handled) until MIN_RUN_MS, RUNS times; the median. */
function measure(pass: () => number): Measurement {
  for (let warm = 0; warm < 20; warm++) pass();
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let units = 0;
    const start = process.hrtime.bigint();
    let elapsedNs = 0n;
    while (elapsedNs < BigInt(MIN_RUN_MS) * 1_000_000n) {
      units += pass();
      elapsedNs = process.hrtime.bigint() - start;
    }
    rates.push(units / (Number(elapsedNs) / 1e9));
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  return { unitsPerSecond: median, nsPerUnit: 1e9 / median };
}

let sink = 0;
const { source, datagrams, fileBytes } = loadDatagrams();
const recordsPerPass = datagrams.reduce(
  (sum, datagram) => sum + decodeNetflow5(datagram, context).records.length,
  0,
);

const ours = measure(() => {
  let records = 0;
  for (const datagram of datagrams) {
    const result = decodeNetflow5(datagram, context);
    records += result.records.length;
    sink += result.records[0]?.sampledBytes ?? 0;
  }
  return records;
});
const naive = measure(() => {
  let records = 0;
  for (const datagram of datagrams) {
    const result = naiveDecode(datagram);
    records += result.length;
    sink += result.length;
  }
  return records;
});

const format = (value: number): string => Math.round(value).toLocaleString("en-US");
console.log(`NetFlow v5 decode, one core, Node ${process.version}`);
console.log(`input: ${source}: ${datagrams.length} datagrams, ${recordsPerPass} records per pass`);
console.log(`runs: median of ${RUNS} runs of >= ${MIN_RUN_MS} ms each, after warm-up`);
console.log(
  `decodeNetflow5 (DataView):    ${format(ours.unitsPerSecond)} records/s, ${ours.nsPerUnit.toFixed(1)} ns/record`,
);
console.log(
  `naive (Buffer.readUInt*BE):   ${format(naive.unitsPerSecond)} records/s, ${naive.nsPerUnit.toFixed(1)} ns/record`,
);
console.log(
  `ratio decodeNetflow5 / naive: ${(ours.unitsPerSecond / naive.unitsPerSecond).toFixed(2)}x`,
);

if (fileBytes !== undefined) {
  const pcap = measure(() => {
    const reader = createCaptureReader();
    const count = reader.push(fileBytes).records.length;
    reader.finish();
    sink += count;
    return count;
  });
  const recordsPerDatagram = recordsPerPass / datagrams.length;
  console.log(
    `pcap reading (same file):     ${format(pcap.unitsPerSecond)} datagrams/s = ${format(pcap.unitsPerSecond * recordsPerDatagram)} records/s carried, ${(1e9 / (pcap.unitsPerSecond * recordsPerDatagram)).toFixed(1)} ns/record`,
  );
}
console.log(
  "reference, NOT measured in this run: nfcapd 1.7.1 ingests 7.9 M NetFlow v5 records/s over UDP, loss-free, one process (shared/reference/peer-baselines.md, anchor table)",
);
if (sink === -1) console.log(sink);
