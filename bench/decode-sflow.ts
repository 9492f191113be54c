/**
 * sFlow v5 decode throughput on one core: flow samples/s of `decodeSflow5` (rows into a reused
 * FlowBatch, raw headers parsed down to L4, extras as JSON) over real pmacct datagrams, against
 * a baseline measured in the same process: walking the datagram and sample headers only (the
 * cost of finding the samples, the floor under any decoder).
 *
 *   npx tsx bench/decode-sflow.ts
 *
 * Input: shared/corpus/pcap/export-pmacct-sflow5-synth6k.pcap (pmacctd 1.7.7 sfprobe, 2,248
 * datagrams, 20,334 flow samples with raw Ethernet headers). Skipped when absent.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { FlowBatch, textToWords } from "../src/core/index.ts";
import type { DecodeIssue, InterfaceCounters } from "../src/core/index.ts";
import { createCaptureReader } from "../src/decoders/index.ts";
import { createSflowState, decodeSflow5 } from "../src/decoders/sflow/index.ts";
import { corpusDir } from "../test/helpers/peers.ts";

const RUNS = 7;
const MIN_RUN_MS = 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Walks version, agent, sample headers; touches no record. Returns samples seen. */
function walkSamples(payload: Uint8Array): number {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.byteLength < 8 || view.getUint32(0) !== 5) return 0;
  const agentType = view.getUint32(4);
  let at = 8 + (agentType === 2 ? 16 : agentType === 1 ? 4 : 0) + 16;
  if (at > payload.byteLength) return 0;
  const count = view.getUint32(at - 4);
  let seen = 0;
  for (; seen < count && at + 8 <= payload.byteLength; seen++) {
    at += 8 + view.getUint32(at + 4);
  }
  return seen;
}

function measure(label: string, datagrams: Uint8Array[], pass: () => number): number {
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let samples = 0;
    const started = performance.now();
    let elapsed = 0;
    do {
      samples += pass();
      elapsed = performance.now() - started;
    } while (elapsed < MIN_RUN_MS);
    rates.push((samples / elapsed) * 1000);
  }
  const rate = median(rates);
  console.log(
    `${label.padEnd(34)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} samples/s  ` +
      `${(1e9 / rate).toFixed(0).padStart(6)} ns/sample  (median of ${RUNS}, ${datagrams.length} datagrams a pass)`,
  );
  return rate;
}

function main(): void {
  const corpus = corpusDir();
  const file =
    corpus === undefined ? undefined : path.join(corpus, "pcap/export-pmacct-sflow5-synth6k.pcap");
  if (file === undefined || !existsSync(file)) {
    console.log("skipping: shared/corpus/pcap/export-pmacct-sflow5-synth6k.pcap is absent");
    return;
  }
  const reader = createCaptureReader();
  const datagrams = reader.push(readFileSync(file)).records.map((datagram) => datagram.payload);
  reader.finish();

  const exporterWords = new Uint32Array(4);
  textToWords("127.0.0.1", exporterWords, 0);
  const context = { exporterAddr: "127.0.0.1", exporterWords, receivedMs: 1_700_000_000_000 };
  const flows = new FlowBatch(16_384);
  const counters: InterfaceCounters[] = [];
  const issues: DecodeIssue[] = [];
  const out = { flows, counters, issues };
  const state = createSflowState();

  const decodePass = (): number => {
    let samples = 0;
    for (const payload of datagrams) {
      const summary = decodeSflow5(payload, context, state, out);
      samples += summary.flowSamples + summary.counterSamples;
    }
    flows.clear();
    counters.length = 0;
    issues.length = 0;
    return samples;
  };
  const walkPass = (): number => {
    let samples = 0;
    for (const payload of datagrams) samples += walkSamples(payload);
    return samples;
  };

  // One pass each to check they agree on the sample count and to warm up.
  const decoded = decodePass();
  const walked = walkPass();
  console.log(`input: ${path.basename(file)}, ${datagrams.length} datagrams, ${decoded} samples`);
  if (decoded !== walked) console.log(`warning: walk saw ${walked} samples, decode ${decoded}`);
  console.log(`node ${process.version}, one core`);

  const walkRate = measure("baseline: walk sample headers", datagrams, walkPass);
  const decodeRate = measure("decodeSflow5 (rows + L2-L4 + extra)", datagrams, decodePass);
  console.log(
    `ratio: decodeSflow5 runs at ${(decodeRate / walkRate).toFixed(3)}x the header walk ` +
      `(${(1e9 / decodeRate - 1e9 / walkRate).toFixed(0)} ns/sample of decoding on top of finding the sample)`,
  );
}

main();
