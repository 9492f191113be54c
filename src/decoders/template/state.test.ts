import { describe, expect, it } from "vitest";
import { decodeIpfix } from "../ipfix/index.ts";
import { decodeNetflow9 } from "../netflow9/index.ts";
import { createTemplateState } from "./state.ts";
import {
  dataSet,
  encodeIpfix,
  encodeNetflow9,
  ipfixOptionsTemplateSet,
  ipfixTemplateSet,
  ipfixWithdrawalSet,
  ipv4,
  record,
  uint,
  v9OptionsTemplateFlowset,
  v9TemplateFlowset,
  varlen,
} from "./testdata/encode.ts";
import { harness } from "./testdata/harness.ts";

const EXPORT_SECS = 1_700_000_000;
const header = (sequence = 0, domain = 7) => ({ exportSecs: EXPORT_SECS, sequence, domain });

const BASIC = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 1, length: 8 },
  { id: 2, length: 4 },
];
const basicRecord = (src: string, bytes: number) =>
  record([ipv4(src), ipv4("198.51.100.2"), [2, 443], [2, 51000], [1, 6], [8, bytes], [4, 3]]);

describe("IPFIX template lifecycle", () => {
  it("decodes data with its template, maps the fields and counts per exporter", () => {
    const state = createTemplateState();
    const h = harness();
    const summary = decodeIpfix(
      encodeIpfix(header(), [
        ipfixTemplateSet([{ id: 256, fields: BASIC }]),
        dataSet(256, [basicRecord("10.0.0.1", 1500)]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(summary).toEqual({
      flows: 1,
      reverseFlows: 0,
      optionsRecords: 0,
      templates: 1,
      held: 0,
    });
    expect(h.codes()).toEqual([]);
    const [row] = h.rows();
    expect(row).toMatchObject({
      srcAddr: "10.0.0.1",
      dstAddr: "198.51.100.2",
      srcPort: 443,
      dstPort: 51000,
      protocol: 6,
      sampledBytes: 1500,
      sampledPackets: 3,
      ipVersion: 4,
      exporterAddr: "192.0.2.10",
      source: "ipfix",
      observationDomain: 7,
      startMs: EXPORT_SECS * 1000,
      endMs: EXPORT_SECS * 1000,
      samplingRate: 1,
      samplingRateKnown: false,
    });
    expect(state.exporterStats()).toEqual([
      expect.objectContaining({
        protocol: "ipfix",
        packets: 1,
        flowRecords: 1,
        templates: 1,
        templateMisses: 0,
      }),
    ]);
  });

  it("withdraws one template, then all (template id 2), RFC 7011 §8.1", () => {
    const state = createTemplateState();
    const h = harness();
    decodeIpfix(
      encodeIpfix(header(), [
        ipfixTemplateSet([
          { id: 256, fields: BASIC },
          { id: 257, fields: BASIC },
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(state.exporterStats()[0]?.templates).toBe(2);
    decodeIpfix(encodeIpfix(header(), [ipfixWithdrawalSet(2, [256])]), h.context, state, h.out);
    expect(state.exporterStats()[0]?.templates).toBe(1);
    decodeIpfix(encodeIpfix(header(), [ipfixWithdrawalSet(2, [2])]), h.context, state, h.out);
    expect(state.exporterStats()[0]?.templates).toBe(0);
    // Data for a withdrawn template is held, not decoded with a stale layout.
    const summary = decodeIpfix(
      encodeIpfix(header(), [dataSet(257, [basicRecord("10.0.0.1", 1)])]),
      h.context,
      state,
      h.out,
    );
    expect(summary.held).toBe(1);
  });

  it("redefinition replaces the layout (recompiled), a refresh keeps it", () => {
    const state = createTemplateState();
    const h = harness();
    decodeIpfix(
      encodeIpfix(header(), [ipfixTemplateSet([{ id: 256, fields: BASIC }])]),
      h.context,
      state,
      h.out,
    );
    const swapped = [{ id: 2, length: 4 }, ...BASIC.filter((field) => field.id !== 2)];
    decodeIpfix(
      encodeIpfix(header(), [
        ipfixTemplateSet([{ id: 256, fields: swapped }]),
        dataSet(256, [
          record([[4, 9], ipv4("10.0.0.9"), ipv4("10.0.0.8"), [2, 1], [2, 2], [1, 17], [8, 77]]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.rows()[0]).toMatchObject({
      srcAddr: "10.0.0.9",
      sampledPackets: 9,
      sampledBytes: 77,
      protocol: 17,
    });
    expect(state.exporterStats()[0]?.templates).toBe(1);
  });

  it("keeps templates apart per exporter and per observation domain", () => {
    const state = createTemplateState();
    const a = harness("192.0.2.1");
    const b = harness("192.0.2.2");
    decodeIpfix(
      encodeIpfix(header(0, 1), [ipfixTemplateSet([{ id: 256, fields: BASIC }])]),
      a.context,
      state,
      a.out,
    );
    expect(
      decodeIpfix(
        encodeIpfix(header(0, 2), [dataSet(256, [basicRecord("10.0.0.1", 1)])]),
        a.context,
        state,
        a.out,
      ).held,
    ).toBe(1);
    expect(
      decodeIpfix(
        encodeIpfix(header(0, 1), [dataSet(256, [basicRecord("10.0.0.1", 1)])]),
        b.context,
        state,
        b.out,
      ).held,
    ).toBe(1);
    expect(
      decodeIpfix(
        encodeIpfix(header(0, 1), [dataSet(256, [basicRecord("10.0.0.1", 1)])]),
        a.context,
        state,
        a.out,
      ).flows,
    ).toBe(1);
  });
});

describe("held data", () => {
  it("decodes data that came before its template when the template arrives", () => {
    const state = createTemplateState();
    const h = harness();
    const early = decodeIpfix(
      encodeIpfix(header(), [
        dataSet(256, [basicRecord("10.0.0.1", 10), basicRecord("10.0.0.2", 20)]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(early).toMatchObject({ flows: 0, held: 1 });
    const late = decodeIpfix(
      encodeIpfix(header(), [ipfixTemplateSet([{ id: 256, fields: BASIC }])]),
      h.at(h.context.receivedMs + 1000),
      state,
      h.out,
    );
    expect(late).toMatchObject({ flows: 2, templates: 1 });
    expect(h.rows().map((row) => row.sampledBytes)).toEqual([10, 20]);
    expect(h.out.flows.receivedMs[0]).toBe(h.context.receivedMs);
    expect(state.exporterStats()[0]).toMatchObject({ held: 0, templateMisses: 0 });
  });

  it("counts expired and overflowing holds as template-missing", () => {
    const state = createTemplateState({ maxHeldSetsPerExporter: 2, maxHoldAgeMs: 30_000 });
    const h = harness();
    const data = encodeIpfix(header(), [dataSet(300, [basicRecord("10.0.0.1", 1)])]);
    decodeIpfix(data, h.context, state, h.out);
    decodeIpfix(data, h.context, state, h.out);
    decodeIpfix(data, h.context, state, h.out);
    expect(h.codes().filter((code) => code === "hold-full")).toHaveLength(1);
    expect(state.exporterStats()[0]).toMatchObject({ held: 2, templateMisses: 1 });
    decodeIpfix(encodeIpfix(header(), []), h.at(h.context.receivedMs + 30_001), state, h.out);
    expect(state.exporterStats()[0]).toMatchObject({ held: 0, templateMisses: 3 });
    expect(h.codes().filter((code) => code === "template-missing")).toHaveLength(3);
  });
});

describe("bounds", () => {
  it("drops the oldest template beyond the per-exporter limit", () => {
    const state = createTemplateState({ maxTemplatesPerExporter: 3 });
    const h = harness();
    const templates = [256, 257, 258, 259, 260].map((id) => ({ id, fields: BASIC }));
    decodeIpfix(encodeIpfix(header(), [ipfixTemplateSet(templates)]), h.context, state, h.out);
    expect(state.exporterStats()[0]?.templates).toBe(3);
    expect(h.codes().filter((code) => code === "template-limit")).toHaveLength(2);
    expect(state.snapshot().exporters[0]?.templates.map((template) => template.templateId)).toEqual(
      [258, 259, 260],
    );
  });

  it("forgets the least recently seen exporter beyond the exporter limit", () => {
    const state = createTemplateState({ maxExporters: 2 });
    for (const address of ["192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.3"]) {
      const h = harness(address);
      decodeIpfix(
        encodeIpfix(header(), [ipfixTemplateSet([{ id: 256, fields: BASIC }])]),
        h.context,
        state,
        h.out,
      );
    }
    expect(state.exporterStats().map((stats) => stats.exporterAddr)).toEqual([
      "192.0.2.1",
      "192.0.2.3",
    ]);
  });
});

describe("field forms", () => {
  it("decodes variable-length fields, short and long form, with fields after them", () => {
    const state = createTemplateState();
    const h = harness();
    const fields = [
      { id: 1, length: 4 },
      { id: 100, length: 0xffff, enterprise: 5951 },
      { id: 7, length: 2 },
      { id: 101, length: 0xffff, enterprise: 5951 },
      { id: 11, length: 2 },
    ];
    const long = new Uint8Array(300).fill(0x41);
    decodeIpfix(
      encodeIpfix(header(), [
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, [
          record([
            [4, 5],
            varlen(new TextEncoder().encode("/index.html")),
            [2, 80],
            varlen(long, true),
            [2, 8080],
          ]),
          record([
            [4, 6],
            varlen(new Uint8Array(0)),
            [2, 81],
            varlen(Uint8Array.of(1, 2, 3, 4, 5, 6, 7)),
            [2, 8081],
          ]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.codes()).toEqual([]);
    const rows = h.rows();
    expect(rows.map((row) => [row.sampledBytes, row.srcPort, row.dstPort])).toEqual([
      [5, 80, 8080],
      [6, 81, 8081],
    ]);
    expect(rows[0]?.extra).toEqual({ "5951.100": "/index.html", "5951.101": "A".repeat(300) });
    expect(rows[1]?.extra).toEqual({ "5951.100": "", "5951.101": "01020304050607" });
  });

  it("reports a variable-length field that runs past its set", () => {
    const state = createTemplateState();
    const h = harness();
    const fields = [
      { id: 1, length: 4 },
      { id: 100, length: 0xffff, enterprise: 9 },
    ];
    decodeIpfix(
      encodeIpfix(header(), [
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, [
          record([
            [4, 1],
            [1, 200],
            [2, 0],
          ]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.codes()).toEqual(["truncated-record"]);
    expect(h.rows()).toEqual([]);
  });

  it("reads every IPFIX timestamp form (RFC 7011 §6.1.7–10)", () => {
    const state = createTemplateState();
    const h = harness();
    const startMs = EXPORT_SECS * 1000 - 60_500;
    const endMs = EXPORT_SECS * 1000 - 250;
    const ntp = (ms: number) => {
      const seconds = Math.floor(ms / 1000) + 2208988800;
      const fraction = BigInt(Math.round(((ms % 1000) / 1000) * 2 ** 32));
      return uint(8, (BigInt(seconds) << 32n) | fraction);
    };
    const forms: [number, number, Uint8Array, Uint8Array][] = [
      [150, 151, uint(4, Math.floor(startMs / 1000)), uint(4, Math.floor(endMs / 1000))],
      [152, 153, uint(8, startMs), uint(8, endMs)],
      [154, 155, ntp(startMs), ntp(endMs)],
      [156, 157, ntp(startMs), ntp(endMs)],
      [
        158,
        159,
        uint(4, (EXPORT_SECS * 1000 - startMs) * 1000),
        uint(4, (EXPORT_SECS * 1000 - endMs) * 1000),
      ],
    ];
    forms.forEach(([startId, endId, start, end], index) => {
      const id = 256 + index;
      decodeIpfix(
        encodeIpfix(header(), [
          ipfixTemplateSet([
            {
              id,
              fields: [
                { id: startId, length: start.byteLength },
                { id: endId, length: end.byteLength },
              ],
            },
          ]),
          dataSet(id, [record([start, end])]),
        ]),
        h.context,
        state,
        h.out,
      );
    });
    // flowStart/EndSysUpTime against systemInitTimeMilliseconds from options data.
    const init = EXPORT_SECS * 1000 - 3_600_000;
    decodeIpfix(
      encodeIpfix(header(), [
        ipfixOptionsTemplateSet([
          { id: 300, scope: [{ id: 149, length: 4 }], fields: [{ id: 160, length: 8 }] },
        ]),
        dataSet(300, [
          record([
            [4, 7],
            [8, init],
          ]),
        ]),
        ipfixTemplateSet([
          {
            id: 301,
            fields: [
              { id: 22, length: 4 },
              { id: 21, length: 4 },
            ],
          },
        ]),
        dataSet(301, [
          record([
            [4, startMs - init],
            [4, endMs - init],
          ]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    const rows = h.rows();
    expect(rows.map((row) => row.startMs)).toEqual([
      Math.floor(startMs / 1000) * 1000,
      startMs,
      startMs,
      startMs,
      startMs,
      startMs,
    ]);
    expect(rows.map((row) => row.endMs)).toEqual([
      Math.floor(endMs / 1000) * 1000,
      endMs,
      endMs,
      endMs,
      endMs,
      endMs,
    ]);
  });

  it("reads v9 uptime times across the 2^32 ms wrap", () => {
    const state = createTemplateState();
    const h = harness();
    const fields = [
      { id: 22, length: 4 },
      { id: 21, length: 4 },
      { id: 1, length: 4 },
    ];
    decodeNetflow9(
      encodeNetflow9({ sysUptimeMs: 1000, unixSecs: EXPORT_SECS, sequence: 1, sourceId: 3 }, [
        v9TemplateFlowset([{ id: 256, fields }]),
        dataSet(256, [
          record([
            [4, 0xffffff00],
            [4, 500],
            [4, 99],
          ]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.rows()[0]).toMatchObject({
      startMs: EXPORT_SECS * 1000 - 1000 - 256,
      endMs: EXPORT_SECS * 1000 - 500,
      source: "netflow9",
      observationDomain: 3,
      sampledBytes: 99,
    });
  });

  it("emits the reverse row of a biflow record with endpoints swapped (RFC 5103)", () => {
    const state = createTemplateState();
    const h = harness();
    const fields = [
      ...BASIC,
      { id: 10, length: 4 },
      { id: 14, length: 4 },
      { id: 1, length: 8, enterprise: 29305 },
      { id: 2, length: 4, enterprise: 29305 },
      { id: 6, length: 1, enterprise: 29305 },
    ];
    const summary = decodeIpfix(
      encodeIpfix(header(), [
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, [
          record([
            ipv4("10.0.0.1"),
            ipv4("198.51.100.2"),
            [2, 51000],
            [2, 443],
            [1, 6],
            [8, 100],
            [4, 2],
            [4, 1],
            [4, 2],
            [8, 900],
            [4, 5],
            [1, 0x12],
          ]),
          record([
            ipv4("10.0.0.3"),
            ipv4("198.51.100.4"),
            [2, 1],
            [2, 2],
            [1, 17],
            [8, 100],
            [4, 2],
            [4, 1],
            [4, 2],
            [8, 0],
            [4, 0],
            [1, 0],
          ]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(summary).toMatchObject({ flows: 3, reverseFlows: 1 });
    const [forward, reverse] = h.rows();
    expect(forward).toMatchObject({
      srcAddr: "10.0.0.1",
      srcPort: 51000,
      inIf: 1,
      outIf: 2,
      sampledBytes: 100,
    });
    expect(reverse).toMatchObject({
      srcAddr: "198.51.100.2",
      dstAddr: "10.0.0.1",
      srcPort: 443,
      dstPort: 51000,
      inIf: 2,
      outIf: 1,
      sampledBytes: 900,
      sampledPackets: 5,
      tcpFlags: 0x12,
    });
  });

  it("puts the ICMP type/code into dstPort when the record has no port", () => {
    const state = createTemplateState();
    const h = harness();
    decodeIpfix(
      encodeIpfix(header(), [
        ipfixTemplateSet([
          {
            id: 256,
            fields: [
              { id: 27, length: 16 },
              { id: 28, length: 16 },
              { id: 139, length: 2 },
            ],
          },
        ]),
        dataSet(256, [
          record([
            uint(16, (0x20010db8n << 96n) | 1n),
            uint(16, (0x20010db8n << 96n) | 2n),
            [2, 0x8000],
          ]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.rows()[0]).toMatchObject({
      ipVersion: 6,
      srcAddr: "2001:db8::1",
      dstAddr: "2001:db8::2",
      dstPort: 0x8000,
    });
  });
});

describe("sampling precedence", () => {
  const fields = [...BASIC];
  it("record IE, then sampler id from options, then domain-wide options, then config, then unknown", () => {
    const h = harness();
    const state = createTemplateState({
      samplingRateFor: (address) => (address === "192.0.2.10" ? 64 : undefined),
    });
    // Config only.
    decodeNetflow9(
      encodeNetflow9({ sysUptimeMs: 0, unixSecs: EXPORT_SECS, sequence: 0, sourceId: 1 }, [
        v9TemplateFlowset([
          { id: 256, fields },
          { id: 257, fields: [...fields, { id: 48, length: 1 }] },
          { id: 258, fields: [...fields, { id: 34, length: 4 }] },
        ]),
        dataSet(256, [basicRecord("10.0.0.1", 1)]),
      ]),
      h.context,
      state,
      h.out,
    );
    // Options: sampler 5 → 1000, domain-wide (no sampler id) → 10.
    decodeNetflow9(
      encodeNetflow9({ sysUptimeMs: 0, unixSecs: EXPORT_SECS, sequence: 1, sourceId: 1 }, [
        v9OptionsTemplateFlowset([
          {
            id: 260,
            scope: [{ id: 1, length: 4 }],
            fields: [
              { id: 48, length: 1 },
              { id: 50, length: 4 },
            ],
          },
          { id: 261, scope: [{ id: 1, length: 4 }], fields: [{ id: 34, length: 4 }] },
        ]),
        dataSet(
          260,
          [
            record([
              [4, 0],
              [1, 5],
              [4, 1000],
            ]),
          ],
          4,
        ),
        dataSet(257, [
          record([basicRecord("10.0.0.2", 1), uint(1, 5)]),
          record([basicRecord("10.0.0.3", 1), uint(1, 6)]),
        ]),
        dataSet(256, [basicRecord("10.0.0.4", 1)]),
        dataSet(261, [
          record([
            [4, 0],
            [4, 10],
          ]),
        ]),
        dataSet(256, [basicRecord("10.0.0.5", 1)]),
        dataSet(258, [record([basicRecord("10.0.0.6", 1), uint(4, 2)])]),
      ]),
      h.context,
      state,
      h.out,
    );
    const other = harness("192.0.2.99");
    decodeNetflow9(
      encodeNetflow9({ sysUptimeMs: 0, unixSecs: EXPORT_SECS, sequence: 0, sourceId: 1 }, [
        v9TemplateFlowset([{ id: 256, fields }]),
        dataSet(256, [basicRecord("10.0.0.7", 1)]),
      ]),
      other.context,
      state,
      other.out,
    );
    expect(h.codes()).toEqual([]);
    expect(h.rows().map((row) => [row.srcAddr, row.samplingRate, row.samplingRateKnown])).toEqual([
      ["10.0.0.1", 64, true], // configuration
      ["10.0.0.2", 1000, true], // sampler 5 from options data
      ["10.0.0.3", 64, true], // unknown sampler 6: falls back to configuration
      ["10.0.0.4", 64, true],
      ["10.0.0.5", 10, true], // domain-wide options beat configuration
      ["10.0.0.6", 2, true], // the record's own IE 34 beats everything
    ]);
    expect(other.rows()[0]).toMatchObject({ samplingRate: 1, samplingRateKnown: false });
  });

  it("derives the rate from IPFIX samplingPacketInterval/Space (302, 305, 306)", () => {
    const h = harness();
    const state = createTemplateState();
    decodeIpfix(
      encodeIpfix(header(), [
        ipfixOptionsTemplateSet([
          {
            id: 400,
            scope: [{ id: 302, length: 4 }],
            fields: [
              { id: 305, length: 4 },
              { id: 306, length: 4 },
            ],
          },
        ]),
        dataSet(400, [
          record([
            [4, 3],
            [4, 1],
            [4, 999],
          ]),
        ]),
        ipfixTemplateSet([{ id: 256, fields: [...BASIC, { id: 302, length: 4 }] }]),
        dataSet(256, [record([basicRecord("10.0.0.1", 1), uint(4, 3)])]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.rows()[0]).toMatchObject({ samplingRate: 1000, samplingRateKnown: true });
  });
});

describe("sequence gaps", () => {
  it("counts lost v9 packets, not reordering or restarts", () => {
    const state = createTemplateState();
    const h = harness();
    for (const sequence of [10, 11, 14, 13, 15, 900_000, 900_001]) {
      decodeNetflow9(
        encodeNetflow9({ sysUptimeMs: 0, unixSecs: EXPORT_SECS, sequence, sourceId: 1 }, []),
        h.context,
        state,
        h.out,
      );
    }
    expect(state.exporterStats()[0]?.sequenceGaps).toBe(2);
  });

  it("counts lost IPFIX data records per domain, across the 2^32 wrap", () => {
    const state = createTemplateState();
    const h = harness();
    const message = (sequence: number, records: number) =>
      encodeIpfix({ exportSecs: EXPORT_SECS, sequence, domain: 1 }, [
        ipfixTemplateSet([{ id: 256, fields: BASIC }]),
        dataSet(
          256,
          Array.from({ length: records }, () => basicRecord("10.0.0.1", 1)),
        ),
      ]);
    decodeIpfix(message(0xfffffffe, 3), h.context, state, h.out); // next expected: 1
    decodeIpfix(message(1, 2), h.context, state, h.out); // ok; next 3
    decodeIpfix(message(8, 1), h.context, state, h.out); // 5 records lost
    expect(state.exporterStats()[0]?.sequenceGaps).toBe(5);
  });
});

describe("snapshot and restore", () => {
  it("round-trips templates and sampling so data decodes after a restart", () => {
    const state = createTemplateState();
    const h = harness();
    decodeIpfix(
      encodeIpfix(header(), [
        ipfixTemplateSet([
          { id: 256, fields: [...BASIC, { id: 100, length: 0xffff, enterprise: 9 }] },
        ]),
        ipfixOptionsTemplateSet([
          { id: 400, scope: [{ id: 149, length: 4 }], fields: [{ id: 34, length: 4 }] },
        ]),
        dataSet(400, [
          record([
            [4, 7],
            [4, 100],
          ]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    const snapshot = JSON.parse(JSON.stringify(state.snapshot())) as unknown;
    const restarted = createTemplateState();
    expect(restarted.restore(snapshot)).toEqual({ templates: 2, issues: [] });
    expect(restarted.snapshot()).toEqual(state.snapshot());
    const after = harness();
    decodeIpfix(
      encodeIpfix(header(), [
        dataSet(256, [record([basicRecord("10.0.0.1", 5), varlen(Uint8Array.of(0x61))])]),
      ]),
      after.context,
      restarted,
      after.out,
    );
    expect(after.rows()[0]).toMatchObject({
      sampledBytes: 5,
      samplingRate: 100,
      samplingRateKnown: true,
      extra: { "9.100": "a" },
    });
  });

  it("never throws on garbage and reports what it skipped", () => {
    const state = createTemplateState();
    for (const garbage of [null, 1, "x", [], { version: 2 }, { version: 1, exporters: "no" }]) {
      expect(state.restore(garbage).issues.map((issue) => issue.code)).toEqual(["bad-snapshot"]);
    }
    const result = state.restore({
      version: 1,
      exporters: [
        {
          protocol: "ipfix",
          exporterAddr: "192.0.2.1",
          templates: [
            { kind: "data", domain: 0, templateId: 12, scopeFieldCount: 0, fields: [] },
            5,
          ],
          sampling: [{ domain: -1 }],
          systemInit: [null],
        },
        { protocol: "sflow", exporterAddr: "192.0.2.1" },
      ],
    });
    expect(result.templates).toBe(0);
    expect(result.issues).toHaveLength(5);
  });
});
