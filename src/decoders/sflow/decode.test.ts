import { describe, expect, it } from "vitest";
import { FlowBatch, textToWords } from "../../core/index.ts";
import type { DecodeIssue, InterfaceCounters } from "../../core/index.ts";
import type { DecodeOutput } from "../output.ts";
import { decodeSflow5 } from "./decode.ts";
import type { SflowTrace } from "./decode.ts";
import {
  encodeSflow5,
  extendedGatewayRecord,
  extendedRouterRecord,
  extendedSwitchRecord,
  ifCountersRecord,
  sampledHeaderRecord,
  sampledIpRecord,
} from "./encode.ts";
import type { SflowDatagramSpec, SflowFlowSampleSpec } from "./encode.ts";
import { createSflowState } from "./state.ts";

const exporterWords = new Uint32Array(4);
textToWords("192.0.2.200", exporterWords, 0);
const context = { exporterAddr: "192.0.2.200", exporterWords, receivedMs: 1_700_000_000_000 };

function output(): DecodeOutput & { counters: InterfaceCounters[]; issues: DecodeIssue[] } {
  return { flows: new FlowBatch(4), counters: [], issues: [] };
}

function decode(datagram: Uint8Array, state = createSflowState()) {
  const out = output();
  const trace: SflowTrace = { datagrams: [], samples: [] };
  const summary = decodeSflow5(datagram, context, state, out, trace);
  return {
    summary,
    out,
    trace,
    rows: out.flows.decodedRows(),
    codes: out.issues.map((i) => i.code),
  };
}

/** Ethernet / IPv4 / TCP 10.0.0.1:1234 → 10.0.0.2:80, SYN. */
const TCP_FRAME = new Uint8Array([
  ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00],
  ...[0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2],
  ...[0x04, 0xd2, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 0],
]);

function flowSample(overrides: Partial<SflowFlowSampleSpec> = {}): SflowFlowSampleSpec {
  return {
    kind: "flow",
    sequence: 10,
    sourceIndex: 3,
    samplingRate: 512,
    samplePool: 5120,
    drops: 0,
    input: 3,
    output: 7,
    records: [sampledHeaderRecord(1, 64, TCP_FRAME)],
    ...overrides,
  };
}

function datagram(overrides: Partial<SflowDatagramSpec> = {}): Uint8Array {
  return encodeSflow5({
    agentAddr: "192.0.2.1",
    subAgentId: 2,
    sequence: 100,
    uptimeMs: 60_000,
    samples: [flowSample()],
    ...overrides,
  });
}

describe("decodeSflow5 flow samples", () => {
  it("makes one row per sampled packet from a raw Ethernet header", () => {
    const { summary, rows, codes } = decode(datagram());
    expect(summary).toEqual({ flowSamples: 1, counterSamples: 0 });
    expect(codes).toEqual([]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      startMs: context.receivedMs,
      endMs: context.receivedMs,
      exporterAddr: "192.0.2.200",
      observationDomain: 2,
      source: "sflow",
      inIf: 3,
      outIf: 7,
      ipVersion: 4,
      srcAddr: "10.0.0.1",
      dstAddr: "10.0.0.2",
      srcPort: 1234,
      dstPort: 80,
      protocol: 6,
      tcpFlags: 2,
      sampledBytes: 64,
      sampledPackets: 1,
      samplingRate: 512,
      samplingRateKnown: true,
    });
    // The agent differs from the UDP source here; the agent is in the state, not per row.
    expect(rows[0]?.extra).toBeUndefined();
  });

  it("stores rate 0 as rate 1, not known", () => {
    const { rows } = decode(datagram({ samples: [flowSample({ samplingRate: 0 })] }));
    expect(rows[0]).toMatchObject({ samplingRate: 1, samplingRateKnown: false });
  });

  it("decodes compact interface formats: local, discarded, multiple", () => {
    const local = decode(datagram({ samples: [flowSample({ input: 0x3fffffff, output: 5 })] }));
    expect(local.rows[0]).toMatchObject({ inIf: 0, outIf: 5, extra: { inIfLocal: true } });
    const discarded = decode(datagram({ samples: [flowSample({ output: (1 << 30) | 258 })] }));
    expect(discarded.rows[0]).toMatchObject({ outIf: 0, extra: { outIfDiscardReason: 258 } });
    const multiple = decode(datagram({ samples: [flowSample({ output: 0x80000007 })] }));
    expect(multiple.rows[0]).toMatchObject({ outIf: 0, extra: { outIfMultiple: 7 } });
    const unknownCount = decode(datagram({ samples: [flowSample({ output: 0x80000000 })] }));
    expect(unknownCount.rows[0]).toMatchObject({ outIf: 0, extra: { outIfMultiple: 0 } });
  });

  it("decodes expanded samples: 32-bit source index and interface format/value pairs", () => {
    const expanded = flowSample({
      expanded: true,
      sourceClass: 0,
      sourceIndex: 0x01000002,
      input: { format: 0, value: 0x40000001 },
      output: { format: 0, value: 0xffffffff },
    });
    const { rows, trace, summary } = decode(datagram({ samples: [expanded] }));
    expect(summary.flowSamples).toBe(1);
    // 0x40000001 is a plain ifIndex in the expanded form (no format bits inside the value).
    expect(rows[0]).toMatchObject({ inIf: 0x40000001, outIf: 0, extra: { outIfLocal: true } });
    expect(trace.samples[0]).toMatchObject({
      type: 3,
      sourceIndex: 0x01000002,
      outputValue: 0xffffffff,
    });
    const discarded = decode(
      datagram({
        samples: [
          flowSample({
            expanded: true,
            input: { format: 0, value: 3 },
            output: { format: 1, value: 257 },
          }),
        ],
      }),
    );
    expect(discarded.rows[0]).toMatchObject({ outIf: 0, extra: { outIfDiscardReason: 257 } });
  });

  it("uses sampled IPv4/IPv6 records when there is no raw header, and the header when both", () => {
    const ip = sampledIpRecord({
      length: 1400,
      protocol: 17,
      srcAddr: "2001:db8::1",
      dstAddr: "2001:db8::2",
      srcPort: 53,
      dstPort: 40000,
      tcpFlags: 0,
      tos: 0x20,
    });
    const alone = decode(datagram({ samples: [flowSample({ records: [ip] })] }));
    expect(alone.rows[0]).toMatchObject({
      ipVersion: 6,
      srcAddr: "2001:db8::1",
      dstAddr: "2001:db8::2",
      protocol: 17,
      srcPort: 53,
      dstPort: 40000,
      tos: 0x20,
      sampledBytes: 1400,
    });
    const both = decode(
      datagram({ samples: [flowSample({ records: [ip, sampledHeaderRecord(1, 64, TCP_FRAME)] })] }),
    );
    expect(both.rows[0]).toMatchObject({ srcAddr: "10.0.0.1", sampledBytes: 64, protocol: 6 });
  });

  it("reads extended switch, router and gateway records", () => {
    const records = [
      sampledHeaderRecord(1, 64, TCP_FRAME),
      extendedSwitchRecord(100, 0xffffffff),
      extendedRouterRecord("198.51.100.1", 24, 16),
      extendedGatewayRecord({
        nextHop: "203.0.113.1",
        routerAs: 64500,
        srcAs: 0,
        srcPeerAs: 64501,
        asPath: [64510, 64511, 64512],
        communities: [1, 2],
        localPref: 100,
      }),
    ];
    const { rows, codes } = decode(datagram({ samples: [flowSample({ records })] }));
    expect(codes).toEqual([]);
    expect(rows[0]).toMatchObject({
      nextHop: "198.51.100.1",
      srcMaskLen: 24,
      dstMaskLen: 16,
      srcAs: 64500,
      dstAs: 64512,
      extra: {
        srcVlan: 100,
        bgpNextHop: "203.0.113.1",
        routerAs: 64500,
        srcPeerAs: 64501,
        asPath: [64510, 64511, 64512],
        communities: [1, 2],
        localPref: 100,
      },
    });
    expect(rows[0]?.extra).not.toHaveProperty("dstVlan");
  });

  it("takes the gateway's next hop when there is no router record, IPv6 included", () => {
    const gateway = extendedGatewayRecord({
      nextHop: "2001:db8::ff",
      routerAs: 65000,
      srcAs: 65001,
      srcPeerAs: 0,
      asPath: [],
      communities: [],
      localPref: 0,
    });
    const { rows } = decode(datagram({ samples: [flowSample({ records: [gateway] })] }));
    expect(rows[0]).toMatchObject({ nextHop: "2001:db8::ff", srcAs: 65001, dstAs: 65000 });
  });

  it("counts the volume but reports bad-header-protocol for headers it cannot parse", () => {
    const { rows, codes } = decode(
      datagram({
        samples: [flowSample({ records: [sampledHeaderRecord(7, 300, new Uint8Array(40))] })],
      }),
    );
    expect(codes).toEqual(["bad-header-protocol"]);
    expect(rows[0]).toMatchObject({
      sampledBytes: 300,
      sampledPackets: 1,
      ipVersion: 4,
      srcAddr: "::",
    });
  });

  it("keeps non-IP frames as rows with their EtherType in extra", () => {
    const arp = new Uint8Array([
      ...new Array<number>(12).fill(0xff),
      0x08,
      0x06,
      ...new Array<number>(28).fill(0),
    ]);
    const { rows } = decode(
      datagram({ samples: [flowSample({ records: [sampledHeaderRecord(1, 64, arp)] })] }),
    );
    expect(rows[0]).toMatchObject({ sampledBytes: 64, extra: { etherType: 0x0806 } });
  });

  it("skips unknown and enterprise records by their length", () => {
    const records = [
      { format: (9 << 12) | 1, body: new Uint8Array(12) },
      { format: 2100, body: new Uint8Array(8) },
      sampledHeaderRecord(1, 64, TCP_FRAME),
    ];
    const state = createSflowState();
    const { rows, codes } = decode(datagram({ samples: [flowSample({ records })] }), state);
    expect(codes).toEqual([]);
    expect(rows[0]?.srcPort).toBe(1234);
    expect(state.exporterStats()[0]?.skippedRecords).toBe(2);
  });

  it("accepts an IPv6 agent and the UNKNOWN address type", () => {
    const state = createSflowState();
    decode(datagram({ agentAddr: "2001:db8::7" }), state);
    decode(datagram({ agentAddr: "" }), state);
    expect(state.exporterStats().map((agent) => agent.agentAddr)).toEqual(["2001:db8::7", ""]);
  });
});

describe("decodeSflow5 counter samples", () => {
  const counters = {
    ifIndex: 23001,
    ifType: 6,
    ifSpeedBps: 400_000_000_000,
    ifDirection: 1,
    ifStatus: 3,
    inOctets: 2 ** 40 + 5,
    inUcastPkts: 1,
    inMulticastPkts: 2,
    inBroadcastPkts: 3,
    inDiscards: 4,
    inErrors: 5,
    inUnknownProtos: 6,
    outOctets: 9717,
    outUcastPkts: 7,
    outMulticastPkts: 79,
    outBroadcastPkts: 8,
    outDiscards: 9,
    outErrors: 10,
    promiscuousMode: 2,
  };

  it("turns generic interface counters into InterfaceCounters, skipping other records", () => {
    for (const expanded of [false, true]) {
      const state = createSflowState();
      const { summary, out, codes } = decode(
        datagram({
          samples: [
            {
              kind: "counters",
              expanded,
              sequence: 28,
              sourceIndex: 23001,
              records: [{ format: 2, body: new Uint8Array(52) }, ifCountersRecord(counters)],
            },
          ],
        }),
        state,
      );
      expect(codes).toEqual([]);
      expect(summary).toEqual({ flowSamples: 0, counterSamples: 1 });
      expect(out.counters).toEqual([
        {
          receivedMs: context.receivedMs,
          agentAddr: "192.0.2.1",
          subAgentId: 2,
          sequence: 28,
          ...counters,
        },
      ]);
      expect(state.exporterStats()[0]).toMatchObject({ counterSamples: 1, skippedRecords: 1 });
    }
  });

  it("reports a generic counter record shorter than 88 bytes", () => {
    const { out, codes } = decode(
      datagram({
        samples: [
          {
            kind: "counters",
            sequence: 1,
            sourceIndex: 1,
            records: [{ format: 1, body: new Uint8Array(40) }],
          },
        ],
      }),
    );
    expect(out.counters).toEqual([]);
    expect(codes).toEqual(["truncated-record"]);
  });
});

describe("decodeSflow5 malformed input", () => {
  it("reports version, header and address problems", () => {
    expect(decode(new Uint8Array([0, 0, 0, 4, 0, 0, 0, 1])).codes).toEqual(["bad-version"]);
    expect(decode(new Uint8Array([0, 0, 0, 5])).codes).toEqual(["truncated-header"]);
    expect(decode(datagram().slice(0, 27)).codes).toEqual(["truncated-header"]);
    const badAddress = datagram();
    badAddress[7] = 3;
    expect(decode(badAddress).codes).toEqual(["bad-address-type"]);
  });

  it("stops at a sample that runs past the datagram, keeping the samples before it", () => {
    const bytes = datagram({ samples: [flowSample(), flowSample({ sequence: 11 })] });
    const { summary, codes } = decode(bytes.slice(0, bytes.length - 10));
    expect(summary.flowSamples).toBe(1);
    expect(codes).toEqual(["truncated-sample"]);
  });

  it("reports a count larger than the samples present, and bytes after the last sample", () => {
    expect(decode(datagram({ sampleCount: 3 })).codes).toEqual(["truncated-sample"]);
    expect(decode(datagram({ sampleCount: 0 })).codes).toEqual(["trailing-bytes"]);
  });

  it("skips unknown sample types by their length (informational)", () => {
    const state = createSflowState();
    const { summary, codes } = decode(
      datagram({ samples: [{ format: 5, body: new Uint8Array(44) }, flowSample()] }),
      state,
    );
    expect(summary.flowSamples).toBe(1);
    expect(codes).toEqual(["unknown-sample-type"]);
    expect(state.exporterStats()[0]?.skippedSamples).toBe(1);
  });

  it("reports a sample shorter than its fixed fields", () => {
    expect(decode(datagram({ samples: [{ format: 1, body: new Uint8Array(16) }] })).codes).toEqual([
      "bad-sample-length",
    ]);
  });

  it("reports records that overrun their sample and keeps the row", () => {
    const bytes = datagram();
    // The record length word of the sampled header: after the 28-byte datagram header, the
    // 8-byte sample header, 32 bytes of fixed sample fields and the record's format word.
    const view = new DataView(bytes.buffer);
    view.setUint32(28 + 8 + 32 + 4, 4000);
    const { rows, codes } = decode(bytes);
    expect(codes).toEqual(["truncated-record"]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.sampledBytes).toBe(0);
  });
});
