import { parseIpv4ToU32 } from "../../core/index.ts";
import type { DecodedFlow } from "../../core/index.ts";
import {
  HEADER,
  NETFLOW5_HEADER_BYTES,
  NETFLOW5_MAX_RECORDS,
  NETFLOW5_RECORD_BYTES,
  NETFLOW5_VERSION,
  RECORD,
  SAMPLING_INTERVAL_MASK,
  SAMPLING_MODE_SHIFT,
} from "./layout.ts";

/** Header values for the datagrams `encodeNetflow5` builds. */
export interface Netflow5EncodeHeader {
  /** Exporter uptime at export, milliseconds (taken modulo 2^32). */
  sysUptimeMs: number;
  /** Export time, seconds and residual nanoseconds since the epoch. */
  unixSecs: number;
  unixNsecs: number;
  /** Sequence of the first datagram; each next one adds the records sent before it. */
  flowSequence: number;
  engineType: number;
  engineId: number;
  /** 2-bit sampling mode and 14-bit 1-in-N interval (0: not said). */
  samplingMode: number;
  samplingInterval: number;
}

function addressU32(text: string): number {
  const value = parseIpv4ToU32(text);
  return value < 0 ? 0 : value;
}

/** v5 counters are 32 bits: larger values saturate rather than wrap into small ones. */
function u32(value: number): number {
  if (!(value > 0)) return 0;
  return value >= 0xffffffff ? 0xffffffff : Math.floor(value);
}

/**
 * Encodes flows as NetFlow v5 datagrams of at most 30 records each, in the exact Cisco v5
 * layout. IPv6 flows cannot be carried by v5 and are written with 0.0.0.0 addresses; callers
 * (the demo, benchmarks, round-trip tests) pass IPv4 flows. Record times are written as uptime
 * offsets from the header's export time, the inverse of `decodeNetflow5`.
 */
export function encodeNetflow5(
  flows: readonly DecodedFlow[],
  header: Netflow5EncodeHeader,
): Uint8Array[] {
  const datagrams: Uint8Array[] = [];
  const exportMs = header.unixSecs * 1000 + Math.floor(header.unixNsecs / 1_000_000);
  const uptimeMs = header.sysUptimeMs >>> 0;
  const sampling =
    ((header.samplingMode & 0x3) << SAMPLING_MODE_SHIFT) |
    (header.samplingInterval & SAMPLING_INTERVAL_MASK);

  for (let first = 0; first < flows.length; first += NETFLOW5_MAX_RECORDS) {
    const count = Math.min(NETFLOW5_MAX_RECORDS, flows.length - first);
    const bytes = new Uint8Array(NETFLOW5_HEADER_BYTES + count * NETFLOW5_RECORD_BYTES);
    const view = new DataView(bytes.buffer);
    view.setUint16(HEADER.version, NETFLOW5_VERSION);
    view.setUint16(HEADER.count, count);
    view.setUint32(HEADER.sysUptimeMs, uptimeMs);
    view.setUint32(HEADER.unixSecs, header.unixSecs >>> 0);
    view.setUint32(HEADER.unixNsecs, header.unixNsecs >>> 0);
    view.setUint32(HEADER.flowSequence, (header.flowSequence + first) >>> 0);
    view.setUint8(HEADER.engineType, header.engineType & 0xff);
    view.setUint8(HEADER.engineId, header.engineId & 0xff);
    view.setUint16(HEADER.samplingInterval, sampling);

    for (let index = 0; index < count; index++) {
      const flow = flows[first + index];
      if (flow === undefined) continue;
      const at = NETFLOW5_HEADER_BYTES + index * NETFLOW5_RECORD_BYTES;
      view.setUint32(at + RECORD.srcAddr, addressU32(flow.srcAddr));
      view.setUint32(at + RECORD.dstAddr, addressU32(flow.dstAddr));
      view.setUint32(at + RECORD.nextHop, addressU32(flow.nextHop));
      view.setUint16(at + RECORD.inIf, flow.inIf & 0xffff);
      view.setUint16(at + RECORD.outIf, flow.outIf & 0xffff);
      view.setUint32(at + RECORD.packets, u32(flow.sampledPackets));
      view.setUint32(at + RECORD.bytes, u32(flow.sampledBytes));
      view.setUint32(at + RECORD.firstUptimeMs, (uptimeMs - (exportMs - flow.startMs)) >>> 0);
      view.setUint32(at + RECORD.lastUptimeMs, (uptimeMs - (exportMs - flow.endMs)) >>> 0);
      view.setUint16(at + RECORD.srcPort, flow.srcPort & 0xffff);
      view.setUint16(at + RECORD.dstPort, flow.dstPort & 0xffff);
      view.setUint8(at + RECORD.tcpFlags, flow.tcpFlags & 0xff);
      view.setUint8(at + RECORD.protocol, flow.protocol & 0xff);
      view.setUint8(at + RECORD.tos, flow.tos & 0xff);
      view.setUint16(at + RECORD.srcAs, flow.srcAs & 0xffff);
      view.setUint16(at + RECORD.dstAs, flow.dstAs & 0xffff);
      view.setUint8(at + RECORD.srcMaskLen, flow.srcMaskLen & 0xff);
      view.setUint8(at + RECORD.dstMaskLen, flow.dstMaskLen & 0xff);
    }
    datagrams.push(bytes);
  }
  return datagrams;
}
