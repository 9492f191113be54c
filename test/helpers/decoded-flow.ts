import type { DecodedFlow } from "../../src/core/index.ts";

/**
 * A decoded flow for tests that care about a few fields: an unsampled TCP flow of one packet
 * and one byte between two documentation addresses, from exporter 192.0.2.1, with `fields`
 * laid over it.
 */
export function decodedFlow(fields: Partial<DecodedFlow> = {}): DecodedFlow {
  return {
    startMs: 0,
    endMs: 0,
    exporterAddr: "192.0.2.1",
    source: "ipfix",
    inIf: 0,
    outIf: 0,
    ipVersion: 4,
    srcAddr: "192.0.2.10",
    dstAddr: "198.51.100.10",
    srcPort: 1,
    dstPort: 2,
    protocol: 6,
    tcpFlags: 0,
    tos: 0,
    srcAs: 0,
    dstAs: 0,
    srcMaskLen: 0,
    dstMaskLen: 0,
    nextHop: "",
    sampledBytes: 1,
    sampledPackets: 1,
    samplingRate: 1,
    samplingRateKnown: true,
    ...fields,
  };
}
