import { describe, expect, it } from "vitest";
import { decodeFlowDatagram } from "./decode-datagram.ts";
import { detectFlowProtocol } from "./detect.ts";
import { encodeNetflow5 } from "./netflow5/index.ts";

const context = { exporterAddr: "192.0.2.1", receivedMs: 0 };

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

describe("decodeFlowDatagram", () => {
  it("decodes NetFlow v5 and passes its headers on", () => {
    const [datagram] = encodeNetflow5(
      [
        {
          startMs: 1_000,
          endMs: 2_000,
          exporterAddr: "192.0.2.1",
          source: "netflow5",
          inIf: 1,
          outIf: 2,
          ipVersion: 4,
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
        },
      ],
      {
        sysUptimeMs: 10_000,
        unixSecs: 3,
        unixNsecs: 0,
        flowSequence: 9,
        engineType: 0,
        engineId: 0,
        samplingMode: 0,
        samplingInterval: 0,
      },
    );
    const result = decodeFlowDatagram(datagram!, context);
    expect(result.protocol).toBe("netflow5");
    expect(result.records).toHaveLength(1);
    expect(result.issues).toEqual([]);
    expect(result.netflow5Headers.map((header) => header.flowSequence)).toEqual([9]);
  });

  it("gives one unsupported-protocol issue for v9, IPFIX and sFlow", () => {
    for (const [payload, protocol] of [
      [bytes(0, 9, 0, 0), "netflow9"],
      [bytes(0, 10, 0, 0), "ipfix"],
      [bytes(0, 0, 0, 5, 0, 0, 0, 1), "sflow5"],
    ] as const) {
      const result = decodeFlowDatagram(payload, context);
      expect(result.protocol).toBe(protocol);
      expect(result.records).toEqual([]);
      expect(result.issues.map((found) => found.code)).toEqual(["unsupported-protocol"]);
    }
  });

  it("gives unknown-protocol for anything else", () => {
    const result = decodeFlowDatagram(bytes(0xde, 0xad), context);
    expect(result).toEqual({
      protocol: "unknown",
      records: [],
      issues: [{ code: "unknown-protocol", detail: "2 bytes, first bytes dead" }],
      netflow5Headers: [],
    });
  });
});
