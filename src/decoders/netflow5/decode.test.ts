import { describe, expect, it } from "vitest";
import type { DecodedFlow } from "../../core/index.ts";
import { decodeNetflow5 } from "./decode.ts";
import { encodeNetflow5 } from "./encode.ts";
import type { Netflow5EncodeHeader } from "./encode.ts";

const context = { exporterAddr: "192.0.2.1", receivedMs: 1_700_000_000_000 };

const header: Netflow5EncodeHeader = {
  sysUptimeMs: 600_000,
  unixSecs: 1_700_000_000,
  unixNsecs: 250_000_000,
  flowSequence: 42,
  engineType: 1,
  engineId: 7,
  samplingMode: 0,
  samplingInterval: 0,
};
const exportMs = 1_700_000_000_250;

function flow(overrides: Partial<DecodedFlow> = {}): DecodedFlow {
  return {
    startMs: exportMs - 10_000,
    endMs: exportMs - 1_000,
    exporterAddr: "192.0.2.1",
    source: "netflow5",
    inIf: 3,
    outIf: 4,
    ipVersion: 4,
    srcAddr: "10.0.0.1",
    dstAddr: "198.51.100.7",
    srcPort: 51_000,
    dstPort: 443,
    protocol: 6,
    tcpFlags: 0x1b,
    tos: 0x28,
    srcAs: 64_500,
    dstAs: 15_169,
    srcMaskLen: 24,
    dstMaskLen: 16,
    nextHop: "10.0.0.254",
    sampledBytes: 123_456,
    sampledPackets: 321,
    samplingRate: 1,
    samplingRateKnown: false,
    ...overrides,
  };
}

function one(flows: DecodedFlow[], overrides: Partial<Netflow5EncodeHeader> = {}): Uint8Array {
  const [datagram] = encodeNetflow5(flows, { ...header, ...overrides });
  return datagram!;
}

function codes(datagram: Uint8Array): string[] {
  return decodeNetflow5(datagram, context).issues.map((found) => found.code);
}

describe("decodeNetflow5", () => {
  it("decodes every field of a record and the header", () => {
    const result = decodeNetflow5(one([flow()]), context);
    expect(result.issues).toEqual([]);
    expect(result.records).toEqual([flow()]);
    expect(result.headers).toEqual([
      {
        version: 5,
        count: 1,
        sysUptimeMs: 600_000,
        unixSecs: 1_700_000_000,
        unixNsecs: 250_000_000,
        flowSequence: 42,
        engineType: 1,
        engineId: 7,
        samplingMode: 0,
        samplingInterval: 0,
      },
    ]);
  });

  it("reads the sampling field as 2 mode bits and a 14-bit interval", () => {
    const datagram = one([flow()], { samplingMode: 1, samplingInterval: 1000 });
    const result = decodeNetflow5(datagram, context);
    expect(result.headers[0]).toMatchObject({ samplingMode: 1, samplingInterval: 1000 });
    expect(result.records[0]).toMatchObject({ samplingRate: 1000, samplingRateKnown: true });
    // 0x4000 | 0x3e8: the raw 16-bit field a mode-1, 1-in-1000 exporter sends.
    expect((datagram[22]! << 8) | datagram[23]!).toBe(0x43e8);
  });

  it("stores interval 0 as rate 1, flagged unknown, never dropped", () => {
    const result = decodeNetflow5(one([flow()]), context);
    expect(result.records).toHaveLength(1);
    expect(result.records[0]).toMatchObject({ samplingRate: 1, samplingRateKnown: false });
  });

  it("handles the 32-bit uptime wrap: First before the wrap, sysUptime after it", () => {
    // Uptime wrapped 5 s ago; the flow started 20 s ago (before the wrap) and ended 2 s ago.
    const datagram = one([flow({ startMs: exportMs - 20_000, endMs: exportMs - 2_000 })], {
      sysUptimeMs: 5_000,
    });
    const view = new DataView(datagram.buffer);
    expect(view.getUint32(24 + 24)).toBe(2 ** 32 - 15_000);
    expect(view.getUint32(24 + 28)).toBe(3_000);
    const [record] = decodeNetflow5(datagram, context).records;
    expect(record?.startMs).toBe(exportMs - 20_000);
    expect(record?.endMs).toBe(exportMs - 2_000);
  });

  it("handles an uptime near 2^32 with First after the wrap point", () => {
    const datagram = one([flow({ startMs: exportMs - 3_000, endMs: exportMs })], {
      sysUptimeMs: 2 ** 32 - 1,
    });
    const [record] = decodeNetflow5(datagram, context).records;
    expect(record?.startMs).toBe(exportMs - 3_000);
    expect(record?.endMs).toBe(exportMs);
  });

  it("reports a wrong version and decodes nothing", () => {
    const datagram = one([flow()]);
    datagram[1] = 9;
    const result = decodeNetflow5(datagram, context);
    expect(result.records).toEqual([]);
    expect(result.issues.map((found) => found.code)).toEqual(["bad-version"]);
  });

  it("reports a short header", () => {
    expect(codes(one([flow()]).subarray(0, 20))).toEqual(["truncated-header"]);
    expect(codes(new Uint8Array(0))).toEqual(["truncated-header"]);
    expect(codes(new Uint8Array([0]))).toEqual(["truncated-header"]);
  });

  it("decodes the whole records of a truncated datagram and reports the partial one", () => {
    const datagram = one([flow(), flow(), flow()]).subarray(0, 24 + 2 * 48 + 10);
    const result = decodeNetflow5(datagram, context);
    expect(result.records).toHaveLength(2);
    expect(result.issues.map((found) => found.code)).toEqual([
      "count-mismatch",
      "truncated-record",
    ]);
  });

  it("reports a count above 30 and decodes what fits", () => {
    const datagram = one([flow(), flow()]);
    new DataView(datagram.buffer).setUint16(2, 55_582);
    const result = decodeNetflow5(datagram, context);
    expect(result.records).toHaveLength(2);
    expect(result.issues.map((found) => found.code)).toEqual(["bad-count", "count-mismatch"]);
  });

  it("reports a count of 0, and the records it does not announce as trailing bytes", () => {
    const datagram = one([flow()]);
    new DataView(datagram.buffer).setUint16(2, 0);
    const result = decodeNetflow5(datagram, context);
    expect(result.records).toEqual([]);
    expect(result.issues.map((found) => found.code)).toEqual(["bad-count", "trailing-bytes"]);
  });

  it("reports trailing bytes after the announced records", () => {
    const base = one([flow()]);
    const datagram = new Uint8Array(base.byteLength + 6);
    datagram.set(base);
    const result = decodeNetflow5(datagram, context);
    expect(result.records).toHaveLength(1);
    expect(result.issues).toEqual([{ code: "trailing-bytes", detail: "6 bytes after 1 records" }]);
  });

  it("decodes concatenated v5 messages and says so once", () => {
    const first = one([flow(), flow()]);
    const second = one([flow({ srcPort: 1 })], { flowSequence: 44 });
    const third = one([flow({ srcPort: 2 }), flow({ srcPort: 3 })], { flowSequence: 45 });
    const datagram = new Uint8Array(first.byteLength + second.byteLength + third.byteLength);
    datagram.set(first, 0);
    datagram.set(second, first.byteLength);
    datagram.set(third, first.byteLength + second.byteLength);
    const result = decodeNetflow5(datagram, context);
    expect(result.records.map((record) => record.srcPort)).toEqual([51_000, 51_000, 1, 2, 3]);
    expect(result.headers.map((found) => found.flowSequence)).toEqual([42, 44, 45]);
    expect(result.issues.map((found) => found.code)).toEqual(["concatenated-messages"]);
  });

  it("does not take trailing bytes that only look like a v5 header for a message", () => {
    const base = one([flow()]);
    // A version-5 header announcing 2 records with room for 1: not a whole message.
    const tail = one([flow()]);
    new DataView(tail.buffer).setUint16(2, 2);
    const datagram = new Uint8Array(base.byteLength + tail.byteLength);
    datagram.set(base, 0);
    datagram.set(tail, base.byteLength);
    const result = decodeNetflow5(datagram, context);
    expect(result.records).toHaveLength(1);
    expect(result.issues.map((found) => found.code)).toEqual(["trailing-bytes"]);
  });

  it("uses the receive time when the exporter sends unix_secs 0", () => {
    const datagram = one([flow({ startMs: -10_000, endMs: -250 })], {
      unixSecs: 0,
      unixNsecs: 0,
    });
    const result = decodeNetflow5(datagram, context);
    expect(result.issues.map((found) => found.code)).toEqual(["missing-export-time"]);
    expect(result.records[0]?.startMs).toBe(context.receivedMs - 10_000);
  });

  it("reports nanoseconds of a second or more", () => {
    expect(codes(one([flow()], { unixNsecs: 1_000_000_000 }))).toEqual(["bad-export-time"]);
  });

  it("reads a datagram that is a view into a larger buffer", () => {
    const datagram = one([flow()]);
    const larger = new Uint8Array(datagram.byteLength + 100);
    larger.set(datagram, 37);
    const result = decodeNetflow5(larger.subarray(37, 37 + datagram.byteLength), context);
    expect(result.records).toEqual([flow()]);
  });
});

describe("encodeNetflow5", () => {
  it("splits into datagrams of at most 30 records with running sequence numbers", () => {
    const flows = Array.from({ length: 65 }, (_, index) => flow({ srcPort: index }));
    const datagrams = encodeNetflow5(flows, header);
    expect(datagrams.map((datagram) => datagram.byteLength)).toEqual([
      24 + 30 * 48,
      24 + 30 * 48,
      24 + 5 * 48,
    ]);
    const decoded = datagrams.map((datagram) => decodeNetflow5(datagram, context));
    expect(decoded.map((result) => result.headers[0]?.flowSequence)).toEqual([42, 72, 102]);
    expect(decoded.flatMap((result) => result.records)).toEqual(flows);
  });

  it("encodes no flows as no datagrams", () => {
    expect(encodeNetflow5([], header)).toEqual([]);
  });
});
