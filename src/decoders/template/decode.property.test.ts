import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { corpusDir } from "../../../test/helpers/peers.ts";
import { decodeIpfix } from "../ipfix/index.ts";
import { decodeNetflow9 } from "../netflow9/index.ts";
import { createCaptureReader } from "../pcap/index.ts";
import { TEMPLATE_ISSUE_CODES } from "./issues.ts";
import { createTemplateState } from "./state.ts";
import {
  dataSet,
  encodeIpfix,
  encodeNetflow9,
  ipfixTemplateSet,
  record,
  v9TemplateFlowset,
} from "./testdata/encode.ts";
import { harness } from "./testdata/harness.ts";

const KNOWN = new Set<string>(TEMPLATE_ISSUE_CODES);

/** Synthetic seeds (always available) plus every v9/IPFIX datagram of the corpus when present. */
function seeds(): Uint8Array[] {
  const fields = [
    { id: 8, length: 4 },
    { id: 1, length: 4 },
    { id: 100, length: 0xffff, enterprise: 9 },
  ];
  const synthetic = [
    encodeIpfix({ exportSecs: 1, sequence: 0, domain: 0 }, [
      ipfixTemplateSet([{ id: 256, fields }]),
      dataSet(256, [
        record([
          [4, 1],
          [4, 2],
          [1, 0],
        ]),
      ]),
    ]),
    encodeNetflow9({ sysUptimeMs: 1, unixSecs: 1, sequence: 0, sourceId: 0 }, [
      v9TemplateFlowset([
        {
          id: 256,
          fields: [
            { id: 8, length: 4 },
            { id: 1, length: 4 },
          ],
        },
      ]),
      dataSet(256, [
        record([
          [4, 1],
          [4, 2],
        ]),
      ]),
    ]),
  ];
  const corpus = corpusDir();
  if (corpus === undefined) return synthetic;
  const found: Uint8Array[] = [];
  for (const folder of ["netflow9", "ipfix"]) {
    for (const name of [
      "ls-cisco-asa-1.pcap",
      "ls-ixia.pcap",
      "ls-netscaler-varlen.pcap",
      "ls-yaf-applabel.pcap",
      "ls-softflowd-nf9-valid01.pcap",
      "pmacct-500-IPFIXv10-BGP-CISCO-SRv6-traffic-00.pcap",
    ]) {
      try {
        const reader = createCaptureReader();
        found.push(
          ...reader
            .push(readFileSync(path.join(corpus, folder, name)))
            .records.map((datagram) => Uint8Array.from(datagram.payload)),
        );
      } catch {
        // Not in this folder: each name lives in one of the two.
      }
    }
  }
  return [...synthetic, ...found];
}

const SEEDS = seeds();

function decodeAny(
  payload: Uint8Array,
  state: ReturnType<typeof createTemplateState>,
  h: ReturnType<typeof harness>,
): void {
  const version = payload.byteLength >= 2 ? ((payload[0] ?? 0) << 8) | (payload[1] ?? 0) : 0;
  if (version === 9) decodeNetflow9(payload, h.context, state, h.out);
  else decodeIpfix(payload, h.context, state, h.out);
}

/** A seed with random bytes overwritten, truncated or extended: real structure, broken values. */
const mutated = fc
  .record({
    seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
    cut: fc.option(fc.nat()),
  })
  .map(({ seed, edits, cut }) => {
    const bytes = Uint8Array.from(SEEDS[seed] ?? []);
    // Keep the version so the decoder goes past the header.
    for (const [at, value] of edits)
      if (bytes.byteLength > 2) bytes[2 + (at % (bytes.byteLength - 2))] = value;
    return cut === null ? bytes : bytes.subarray(0, cut % (bytes.byteLength + 1));
  });

describe("v9/IPFIX decoders on hostile input", () => {
  it("never throw on arbitrary bytes and report only known issue codes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(9, 10), (bytes, version) => {
        const payload = Uint8Array.from(bytes);
        if (payload.byteLength >= 2) {
          payload[0] = 0;
          payload[1] = version;
        }
        const h = harness();
        decodeAny(payload, createTemplateState(), h);
        for (const code of h.codes()) expect(KNOWN.has(code)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throw on mutated real datagrams, decoded in sequence through one state", () => {
    const state = createTemplateState();
    fc.assert(
      fc.property(fc.array(mutated, { minLength: 1, maxLength: 8 }), (payloads) => {
        const h = harness();
        for (const payload of payloads) decodeAny(payload, state, h);
        for (const code of h.codes()) expect(KNOWN.has(code)).toBe(true);
        expect(h.out.flows.length).toBeLessThan(200_000);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the state within its bounds under a flood of random templates, ids and exporters", () => {
    const limits = {
      maxTemplatesPerExporter: 16,
      maxExporters: 8,
      maxHeldSetsPerExporter: 4,
      maxHeldBytesPerExporter: 2048,
    };
    const state = createTemplateState(limits);
    const template = fc.record({
      id: fc.integer({ min: 256, max: 65535 }),
      fields: fc.array(
        fc.record({
          id: fc.integer({ min: 1, max: 400 }),
          length: fc.constantFrom(1, 2, 4, 8, 16, 0xffff),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(template, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 256, max: 65535 }),
        fc.uint8Array({ minLength: 4, maxLength: 200 }),
        (exporter, domain, templates, dataId, dataBytes) => {
          const h = harness(`10.0.0.${exporter}`);
          decodeIpfix(
            encodeIpfix({ exportSecs: 1, sequence: 0, domain }, [
              ipfixTemplateSet(templates),
              dataSet(dataId, [dataBytes]),
            ]),
            h.context,
            state,
            h.out,
          );
        },
      ),
      { numRuns: 3000 },
    );
    const stats = state.exporterStats();
    expect(stats.length).toBeLessThanOrEqual(limits.maxExporters);
    for (const exporter of stats) {
      expect(exporter.templates).toBeLessThanOrEqual(limits.maxTemplatesPerExporter);
      expect(exporter.held).toBeLessThanOrEqual(limits.maxHeldSetsPerExporter);
    }
    const snapshot = state.snapshot();
    expect(snapshot.exporters.flatMap((exporter) => exporter.templates).length).toBeLessThanOrEqual(
      16 * 8,
    );
  });
});
