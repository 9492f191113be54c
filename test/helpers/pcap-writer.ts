import { parseIpv4ToU32 } from "../../src/core/index.ts";

/**
 * Writes classic pcap files (Ethernet, IPv4, TCP/UDP/ICMP) of synthetic traffic for tests that
 * feed real exporters (softflowd -r). Headers are complete and checksummed; payloads are zeros
 * but the IP total length is real, which is what exporters count.
 */
export interface SyntheticPacket {
  timeMs: number;
  src: string;
  dst: string;
  protocol: 6 | 17 | 1;
  srcPort: number;
  dstPort: number;
  /** IP total length (header + transport header + payload), 28..1500. */
  ipLength: number;
  /** TCP flags for TCP packets. */
  tcpFlags?: number;
}

function checksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let index = start; index < end; index += 2) {
    sum += ((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function writePcap(packets: readonly SyntheticPacket[]): Uint8Array {
  const frames = packets.map((packet) => {
    const transportHeader = packet.protocol === 6 ? 20 : 8;
    const ipLength = Math.max(20 + transportHeader, Math.min(1500, packet.ipLength));
    const frame = new Uint8Array(14 + ipLength);
    const view = new DataView(frame.buffer);
    frame.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1], 0);
    view.setUint16(12, 0x0800);
    const ip = 14;
    frame[ip] = 0x45;
    view.setUint16(ip + 2, ipLength);
    view.setUint16(ip + 4, 1);
    frame[ip + 8] = 64;
    frame[ip + 9] = packet.protocol;
    view.setUint32(ip + 12, parseIpv4ToU32(packet.src));
    view.setUint32(ip + 16, parseIpv4ToU32(packet.dst));
    view.setUint16(ip + 10, checksum(frame, ip, ip + 20));
    const l4 = ip + 20;
    if (packet.protocol === 1) {
      frame[l4] = packet.srcPort; // ICMP type
      frame[l4 + 1] = packet.dstPort; // ICMP code
    } else {
      view.setUint16(l4, packet.srcPort);
      view.setUint16(l4 + 2, packet.dstPort);
      if (packet.protocol === 17) {
        view.setUint16(l4 + 4, ipLength - 20);
      } else {
        view.setUint32(l4 + 4, 1);
        frame[l4 + 12] = 0x50;
        frame[l4 + 13] = packet.tcpFlags ?? 0x18;
        view.setUint16(l4 + 14, 65535);
      }
    }
    return { timeMs: packet.timeMs, frame };
  });
  return pcapFile(frames);
}

/**
 * Classic pcap file (libpcap format 2.4, microsecond timestamps, Ethernet link type 1) holding
 * the given Ethernet frames in order.
 */
export function pcapFile(frames: readonly { timeMs: number; frame: Uint8Array }[]): Uint8Array {
  const total = 24 + frames.reduce((sum, { frame }) => sum + 16 + frame.length, 0);
  const file = new Uint8Array(total);
  const view = new DataView(file.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, 1, true);
  let offset = 24;
  for (const { timeMs, frame } of frames) {
    view.setUint32(offset, Math.floor(timeMs / 1000), true);
    view.setUint32(offset + 4, (timeMs % 1000) * 1000, true);
    view.setUint32(offset + 8, frame.length, true);
    view.setUint32(offset + 12, frame.length, true);
    file.set(frame, offset + 16);
    offset += 16 + frame.length;
  }
  return file;
}
