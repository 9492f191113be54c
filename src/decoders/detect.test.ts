import { describe, expect, it } from "vitest";
import { FlowBatch, textToWords } from "../core/index.ts";
import { createFlowDecoder } from "./flow-decoder.ts";
import { detectFlowProtocol } from "./detect.ts";
import { encodeNetflow5 } from "./netflow5/index.ts";

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

describe("detectFlowProtocol", () => {
  it("reads the 16-bit NetFlow/IPFIX version", () => {
    expect(detectFlowProtocol(bytes(0, 5, 0, 1))).toBe("netflow5");
    expect(detectFlowProtocol(bytes(0, 9, 0, 1))).toBe("netflow9");
    expect(detectFlowProtocol(bytes(0, 10, 0, 16))).toBe("ipfix");
  });

  it("reads sFlow v5: 32-bit version 5, then agent address type 1 or 2", () => {
    expect(detectFlowProtocol(bytes(0, 0, 0, 5, 0, 0, 0, 1))).toBe("sflow5");
    expect(detectFlowProtocol(bytes(0, 0, 0, 5, 0, 0, 0, 2))).toBe("sflow5");
    expect(detectFlowProtocol(bytes(0, 0, 0, 5, 0, 0, 0, 3))).toBe("unknown");
    expect(detectFlowProtocol(bytes(0, 0, 0, 4, 0, 0, 0, 1))).toBe("unknown");
    expect(detectFlowProtocol(bytes(0, 0, 0, 5))).toBe("unknown");
  });

  it("calls short and unrelated payloads unknown", () => {
    expect(detectFlowProtocol(bytes())).toBe("unknown");
    expect(detectFlowProtocol(bytes(0))).toBe("unknown");
    expect(detectFlowProtocol(bytes(0x47, 0x45, 0x54, 0x20))).toBe("unknown");
    expect(detectFlowProtocol(bytes(0, 1))).toBe("unknown");
  });
});

describe("createFlowDecoder", () => {
  const out = () => ({ flows: new FlowBatch(4), counters: [], issues: [] });
  const exporterWords = new Uint32Array(4);
  textToWords("192.0.2.1", exporterWords, 0);
  const datagramContext = { exporterAddr: "192.0.2.1", exporterWords, receivedMs: 5_000 };

  it("decodes NetFlow v5 and tracks its flow sequence per exporter", () => {
    const decoder = createFlowDecoder();
    const header = {
      sysUptimeMs: 10_000,
      unixSecs: 3,
      unixNsecs: 0,
      flowSequence: 9,
      engineType: 0,
      engineId: 0,
      samplingMode: 0,
      samplingInterval: 0,
    };
    const [first] = encodeNetflow5([v5Flow], header);
    // The next datagram says 20 flows were sent before it: 10 were lost in between.
    const [second] = encodeNetflow5([v5Flow], { ...header, flowSequence: 20 });
    const sink = out();
    const summary = decoder.decode(first!, datagramContext, sink);
    decoder.decode(second!, datagramContext, sink);
    expect(summary).toMatchObject({ protocol: "netflow5", flows: 1 });
    expect(sink.flows.length).toBe(2);
    expect(sink.issues).toEqual([]);
    expect(decoder.stats().netflow5).toEqual([
      { exporterAddr: "192.0.2.1", packets: 2, flowRecords: 2, sequenceGaps: 10 },
    ]);
  });

  it("names v9, IPFIX and sFlow by version and reports a short one as an issue", () => {
    for (const [payload, protocol] of [
      [bytes(0, 9, 0, 0), "netflow9"],
      [bytes(0, 10, 0, 0), "ipfix"],
      [bytes(0, 0, 0, 5, 0, 0, 0, 1), "sflow5"],
    ] as const) {
      const sink = out();
      expect(createFlowDecoder().decode(payload, datagramContext, sink).protocol).toBe(protocol);
      expect(sink.flows.length).toBe(0);
      expect(sink.issues.length).toBeGreaterThan(0);
    }
  });

  it("gives unknown-protocol for anything else", () => {
    const sink = out();
    expect(createFlowDecoder().decode(bytes(0xde, 0xad), datagramContext, sink)).toEqual({
      protocol: "unknown",
      flows: 0,
      optionsRecords: 0,
      counterSamples: 0,
    });
    expect(sink.issues).toEqual([
      { code: "unknown-protocol", detail: "2 bytes, first bytes dead" },
    ]);
  });
});

const v5Flow = {
  startMs: 1_000,
  endMs: 2_000,
  exporterAddr: "192.0.2.1",
  source: "netflow5" as const,
  inIf: 1,
  outIf: 2,
  ipVersion: 4 as const,
  srcAddr: "10.0.0.1",
  dstAddr: "10.0.0.2",
  srcPort: 1,
  dstPort: 2,
  protocol: 17,
  tcpFlags: 0,
  tos: 0,
  srcAs: 0,
  dstAs: 0,
  srcMaskLen: 0,
  dstMaskLen: 0,
  nextHop: "0.0.0.0",
  sampledBytes: 10,
  sampledPackets: 1,
  samplingRate: 1,
  samplingRateKnown: false,
};
