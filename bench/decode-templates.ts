import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { FlowBatch, textToWords } from "../src/core/index.ts";
import type { DecodeIssue } from "../src/core/index.ts";
import { decodeIpfix } from "../src/decoders/ipfix/index.ts";
import { decodeNetflow9 } from "../src/decoders/netflow9/index.ts";
import { createCaptureReader } from "../src/decoders/pcap/index.ts";
import { createTemplateState } from "../src/decoders/template/index.ts";
import type { TemplateDefinition } from "../src/decoders/template/index.ts";
import { corpusDir } from "../test/helpers/peers.ts";

// NetFlow v9 / IPFIX decode throughput, single core: the compiled template decoders against an
// interpretive baseline (a switch on the IE number for every field of every record, the shape
// of a straightforward decoder) on real softflowd exports of 30k flows. Median of 7 runs.

const corpus = corpusDir();
const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The baseline: walks the template field list per record and dispatches on the IE id. */
function interpretive(
  payload: Uint8Array,
  templates: Map<number, TemplateDefinition>,
  batch: FlowBatch,
  v9: boolean,
): number {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let offset = v9 ? 20 : 16;
  const exportMs = view.getUint32(v9 ? 8 : 4) * 1000;
  let records = 0;
  while (payload.byteLength - offset >= 4) {
    const setId = view.getUint16(offset);
    const setLength = view.getUint16(offset + 2);
    if (setLength < 4) break;
    const end = offset + setLength;
    const template = templates.get(setId);
    let at = offset + 4;
    if (setId >= 256 && template !== undefined) {
      for (;;) {
        let size = 0;
        for (const field of template.fields) size += field.length;
        if (end - at < size) break;
        const row = batch.addRow();
        for (const field of template.fields) {
          const n = field.length;
          const value =
            n === 1
              ? view.getUint8(at)
              : n === 2
                ? view.getUint16(at)
                : n === 4
                  ? view.getUint32(at)
                  : n === 8
                    ? view.getUint32(at) * 4294967296 + view.getUint32(at + 4)
                    : 0;
          switch (field.id) {
            case 1:
              batch.sampledBytes[row] = value;
              break;
            case 2:
              batch.sampledPackets[row] = value;
              break;
            case 4:
              batch.protocol[row] = value;
              break;
            case 5:
              batch.tos[row] = value;
              break;
            case 6:
              batch.tcpFlags[row] = value;
              break;
            case 7:
              batch.srcPort[row] = value;
              break;
            case 8:
              batch.srcAddr[row * 4] = value;
              batch.srcAddr[row * 4 + 1] = 0xffff;
              break;
            case 10:
              batch.inIf[row] = value;
              break;
            case 11:
              batch.dstPort[row] = value;
              break;
            case 12:
              batch.dstAddr[row * 4] = value;
              batch.dstAddr[row * 4 + 1] = 0xffff;
              break;
            case 14:
              batch.outIf[row] = value;
              break;
            case 21:
              batch.endMs[row] = exportMs - value;
              break;
            case 22:
              batch.startMs[row] = exportMs - value;
              break;
            case 60:
              batch.ipVersion[row] = value;
              break;
            case 152:
              batch.startMs[row] = value;
              break;
            case 153:
              batch.endMs[row] = value;
              break;
            default:
              break;
          }
          at += n;
        }
        records++;
      }
    }
    offset = end;
  }
  return records;
}

function bench(file: string, v9: boolean): void {
  const reader = createCaptureReader();
  const datagrams = reader.push(readFileSync(file)).records;
  const words = new Uint32Array(4);
  textToWords(datagrams[0]?.srcAddr ?? "0.0.0.0", words, 0);
  const batch = new FlowBatch(65536);
  const issues: DecodeIssue[] = [];
  const out = { flows: batch, counters: [], issues };
  const decode = v9 ? decodeNetflow9 : decodeIpfix;
  const compiledRates: number[] = [];
  const baselineRates: number[] = [];
  let templates = new Map<number, TemplateDefinition>();
  let records = 0;
  for (let run = 0; run < RUNS; run++) {
    const state = createTemplateState();
    batch.clear();
    issues.length = 0;
    const started = process.hrtime.bigint();
    for (const datagram of datagrams) {
      decode(
        datagram.payload,
        { exporterAddr: datagram.srcAddr, exporterWords: words, receivedMs: datagram.timestampMs },
        state,
        out,
      );
      if (batch.length > 60000) batch.clear();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    records = state.exporterStats().reduce((sum, stats) => sum + stats.flowRecords, 0);
    compiledRates.push(records / seconds);
    templates = new Map(
      state
        .snapshot()
        .exporters.flatMap((exporter) =>
          exporter.templates.map((template) => [template.templateId, template] as const),
        ),
    );
  }
  for (let run = 0; run < RUNS; run++) {
    batch.clear();
    let baselineRecords = 0;
    const started = process.hrtime.bigint();
    for (const datagram of datagrams) {
      baselineRecords += interpretive(datagram.payload, templates, batch, v9);
      if (batch.length > 60000) batch.clear();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    baselineRates.push(baselineRecords / seconds);
  }
  const compiled = median(compiledRates);
  const baseline = median(baselineRates);
  console.log(
    `${path.basename(file)}: ${datagrams.length} datagrams, ${records} records; compiled ${(compiled / 1e6).toFixed(2)} M records/s, ` +
      `interpretive baseline ${(baseline / 1e6).toFixed(2)} M records/s, ratio ${(compiled / baseline).toFixed(2)}x (median of ${RUNS}, Node ${process.version})`,
  );
}

const files = [
  ["export-softflowd-v9-synth30k.pcap", true],
  ["export-softflowd-v10-synth30k.pcap", false],
] as const;
for (const [name, v9] of files) {
  const file = corpus === undefined ? "" : path.join(corpus, "pcap", name);
  if (corpus === undefined || !existsSync(file)) {
    console.log(`skipping ${name}: not in the shared corpus`);
    continue;
  }
  bench(file, v9);
}
