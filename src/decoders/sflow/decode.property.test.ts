import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlowBatch, formatIpv4, textToWords } from "../../core/index.ts";
import type { DecodeOutput } from "../output.ts";
import { createCaptureReader } from "../pcap/index.ts";
import { decodeSflow5, SFLOW_ISSUE_CODES } from "./decode.ts";
import {
  encodeSflow5,
  extendedSwitchRecord,
  sampledHeaderRecord,
  sampledIpRecord,
} from "./encode.ts";
import type { SflowSampleSpec } from "./encode.ts";
import { createSflowState } from "./state.ts";
import { corpusDir } from "../../../test/helpers/peers.ts";

const exporterWords = new Uint32Array(4);
textToWords("192.0.2.200", exporterWords, 0);
const context = { exporterAddr: "192.0.2.200", exporterWords, receivedMs: 1_700_000_000_000 };
const knownCodes = new Set<string>(SFLOW_ISSUE_CODES);
const u32 = fc.nat({ max: 0xffffffff });

/** Seeds for mutation: every sFlow datagram of the corpus, or encoded ones when it is absent. */
function seeds(): Uint8Array[] {
  const corpus = corpusDir();
  const found: Uint8Array[] = [];
  if (corpus !== undefined) {
    const folder = path.join(corpus, "sflow");
    for (const name of readdirSync(folder).filter((file) => file.endsWith(".pcap"))) {
      const reader = createCaptureReader();
      for (const datagram of reader.push(readFileSync(path.join(folder, name))).records) {
        if (datagram.payload[3] === 5 && datagram.payload[0] === 0)
          found.push(datagram.payload.slice());
      }
      reader.finish();
    }
  }
  found.push(
    encodeSflow5({
      agentAddr: "2001:db8::1",
      subAgentId: 1,
      sequence: 1,
      uptimeMs: 1,
      samples: [
        {
          kind: "flow",
          sequence: 1,
          sourceIndex: 1,
          samplingRate: 10,
          input: 1,
          output: 2,
          records: [sampledHeaderRecord(1, 100, new Uint8Array(64)), extendedSwitchRecord(1, 2)],
        },
        {
          kind: "counters",
          sequence: 1,
          sourceIndex: 1,
          records: [{ format: 1, body: new Uint8Array(88) }],
        },
      ],
    }),
  );
  return found;
}

function decodeChecked(payload: Uint8Array, state = createSflowState({ maxAgents: 8 })) {
  const out: DecodeOutput = { flows: new FlowBatch(4), counters: [], issues: [] };
  const summary = decodeSflow5(payload, context, state, out);
  expect(out.flows.length).toBe(summary.flowSamples);
  for (const found of out.issues) expect(knownCodes.has(found.code)).toBe(true);
  // Every row is at least one sample's worth of bytes (8-byte header + 32 fixed bytes).
  expect(summary.flowSamples * 40).toBeLessThanOrEqual(payload.byteLength);
  return out;
}

describe("decodeSflow5 properties", () => {
  it("never throws on arbitrary bytes, with or without a valid prefix", () => {
    const prefix = new Uint8Array([0, 0, 0, 5, 0, 0, 0, 1, 192, 0, 2, 1]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, withPrefix) => {
        const payload = withPrefix ? new Uint8Array([...prefix, ...bytes]) : bytes;
        decodeChecked(payload);
      }),
      { numRuns: 3000 },
    );
  });

  it("never throws or over-reads on mutated real datagrams", () => {
    const corpus = seeds();
    expect(corpus.length).toBeGreaterThan(0);
    const mutation = fc.record({
      seed: fc.nat({ max: corpus.length - 1 }),
      flips: fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), { maxLength: 12 }),
      // Word-aligned writes of small or extreme values hit lengths and counts hardest.
      words: fc.array(
        fc.record({
          at: fc.nat(),
          value: fc.oneof(fc.nat({ max: 300 }), u32, fc.constant(0xffffffff)),
        }),
        { maxLength: 6 },
      ),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, flips, words, cut }) => {
        const original = corpus[seed] ?? new Uint8Array(0);
        const bytes = original.slice(
          0,
          cut === undefined ? original.length : cut % (original.length + 1),
        );
        const view = new DataView(bytes.buffer);
        for (const flip of flips) if (bytes.length > 0) bytes[flip.at % bytes.length] = flip.value;
        for (const word of words) {
          if (bytes.length >= 4)
            view.setUint32(((word.at % (bytes.length >> 2)) << 2) >>> 0, word.value >>> 0);
        }
        // A view over exactly these bytes: reading past them throws RangeError.
        decodeChecked(bytes);
      }),
      { numRuns: 5000 },
    );
  });

  it("keeps the state bounded whatever agents send", () => {
    const state = createSflowState({ maxAgents: 16, maxSourcesPerAgent: 8 });
    fc.assert(
      fc.property(
        u32,
        fc.nat({ max: 3 }),
        u32,
        u32,
        fc.array(u32, { maxLength: 20 }),
        (agent, sub, sequence, uptime, sources) => {
          const samples: SflowSampleSpec[] = sources.map((source) => ({
            kind: "counters",
            sequence,
            sourceIndex: source & 0xffffff,
            records: [],
          }));
          decodeChecked(
            encodeSflow5({
              agentAddr: formatIpv4(agent),
              subAgentId: sub,
              sequence,
              uptimeMs: uptime,
              samples,
            }),
            state,
          );
          expect(state.size).toBeLessThanOrEqual(16);
          for (const stats of state.exporterStats())
            expect(stats.sequenceGaps).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("round-trips sampled IPv4 records into rows", () => {
    const record = fc.record({
      length: u32,
      protocol: fc.nat({ max: 255 }),
      srcAddr: u32.map(formatIpv4),
      dstAddr: u32.map(formatIpv4),
      srcPort: fc.nat({ max: 0xffff }),
      dstPort: fc.nat({ max: 0xffff }),
      tcpFlags: fc.nat({ max: 0xff }),
      tos: fc.nat({ max: 0xff }),
    });
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.nat({ max: 0x3ffffffe }),
        u32,
        (records, ifIndex, rate) => {
          const payload = encodeSflow5({
            agentAddr: "192.0.2.1",
            subAgentId: 0,
            sequence: 1,
            uptimeMs: 1,
            samples: records.map((fields, index) => ({
              kind: "flow",
              sequence: index,
              sourceIndex: 1,
              samplingRate: rate,
              input: ifIndex,
              output: 0,
              records: [sampledIpRecord(fields)],
            })),
          });
          const out = decodeChecked(payload);
          expect(out.issues).toEqual([]);
          const rows = out.flows.decodedRows();
          expect(rows).toHaveLength(records.length);
          rows.forEach((row, index) => {
            const { length, ...fields } = records[index] ?? { length: -1 };
            expect(row).toMatchObject({
              ...fields,
              sampledBytes: length,
              inIf: ifIndex,
              samplingRate: rate === 0 ? 1 : rate,
              samplingRateKnown: rate !== 0,
            });
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
