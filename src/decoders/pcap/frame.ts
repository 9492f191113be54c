import { formatIpv4, formatIpv6Bytes } from "../../core/index.ts";
import type { CaptureCounters } from "./counters.ts";
import type { UdpDatagram } from "./udp-datagram.ts";

/**
 * Link types the reader understands (tcpdump.org "LINK-LAYER HEADER TYPES"). 12 is DLT_RAW as
 * some BSD-built writers store it; 101 is the portable LINKTYPE_RAW.
 */
export const LINK_TYPE = {
  null: 0,
  ethernet: 1,
  rawBsd: 12,
  raw: 101,
  loop: 108,
  linuxSll: 113,
  ipv4: 228,
  ipv6: 229,
  linuxSll2: 276,
} as const;

const SUPPORTED_LINK_TYPES: ReadonlySet<number> = new Set(Object.values(LINK_TYPE));

export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED_LINK_TYPES.has(linkType);
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q, 802.1ad (QinQ outer tag) and the pre-standard 0x9100 outer tag. */
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
/** More stacked VLAN tags than any real network uses: past this the frame is not IP to us. */
const MAX_VLAN_TAGS = 8;
/** IPv6 extension headers we step over before giving up (RFC 8200 §4.1 order has 6). */
const MAX_IPV6_EXTENSION_HEADERS = 16;

const IP_PROTOCOL_UDP = 17;
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const IPV6_DESTINATION = 60;
const IPV6_MOBILITY = 135;
const IPV6_HIP = 139;
const IPV6_SHIM6 = 140;

/**
 * BSD loopback address families (host byte order of the capturing machine, so both orders are
 * checked): AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28
 * (FreeBSD), 30 (macOS).
 */
function nullFamilyVersion(family: number): 4 | 6 | 0 {
  if (family === 2) return 4;
  if (family === 10 || family === 24 || family === 28 || family === 30) return 6;
  return 0;
}

function swap32(value: number): number {
  return (
    (((value & 0xff) << 24) |
      ((value & 0xff00) << 8) |
      ((value >>> 8) & 0xff00) |
      (value >>> 24)) >>>
    0
  );
}

/**
 * Takes the UDP datagram out of one captured frame at `start` (`capturedBytes` long) in `bytes`,
 * or returns undefined after counting why not. Never throws and never reads past the frame.
 */
export function frameToUdp(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  capturedBytes: number,
  linkType: number,
  timestampMs: number,
  counters: CaptureCounters,
): UdpDatagram | undefined {
  const end = start + capturedBytes;
  let at = start;
  // 4 or 6 when known from the link layer, 0 to read the IP version nibble.
  let ipVersion: 0 | 4 | 6 = 0;

  switch (linkType) {
    case LINK_TYPE.ethernet: {
      if (end - at < 14) return truncated(counters);
      let etherType = view.getUint16(at + 12);
      at += 14;
      for (
        let tags = 0;
        tags < MAX_VLAN_TAGS &&
        (etherType === ETHERTYPE_VLAN ||
          etherType === ETHERTYPE_QINQ ||
          etherType === ETHERTYPE_QINQ_OLD);
        tags++
      ) {
        if (end - at < 4) return truncated(counters);
        etherType = view.getUint16(at + 2);
        at += 4;
      }
      ipVersion = etherTypeVersion(etherType);
      if (ipVersion === 0) return notIp(counters);
      break;
    }
    case LINK_TYPE.linuxSll: {
      // 16-byte header, protocol (an EtherType) last (tcpdump.org LINKTYPE_LINUX_SLL).
      if (end - at < 16) return truncated(counters);
      ipVersion = etherTypeVersion(view.getUint16(at + 14));
      at += 16;
      if (ipVersion === 0) return notIp(counters);
      break;
    }
    case LINK_TYPE.linuxSll2: {
      // 20-byte header, protocol first (tcpdump.org LINKTYPE_LINUX_SLL2).
      if (end - at < 20) return truncated(counters);
      ipVersion = etherTypeVersion(view.getUint16(at));
      at += 20;
      if (ipVersion === 0) return notIp(counters);
      break;
    }
    case LINK_TYPE.null:
    case LINK_TYPE.loop: {
      if (end - at < 4) return truncated(counters);
      const family = view.getUint32(at);
      ipVersion = nullFamilyVersion(family);
      if (ipVersion === 0) ipVersion = nullFamilyVersion(swap32(family));
      at += 4;
      if (ipVersion === 0) return notIp(counters);
      break;
    }
    case LINK_TYPE.ipv4:
      ipVersion = 4;
      break;
    case LINK_TYPE.ipv6:
      ipVersion = 6;
      break;
    case LINK_TYPE.raw:
    case LINK_TYPE.rawBsd:
      break;
    default:
      counters.unsupportedLinkType++;
      return undefined;
  }

  if (end - at < 1) return truncated(counters);
  const nibble = (bytes[at] ?? 0) >>> 4;
  if (ipVersion === 0) {
    if (nibble !== 4 && nibble !== 6) return notIp(counters);
    ipVersion = nibble;
  }
  if (nibble !== ipVersion) {
    counters.badIpHeaders++;
    return undefined;
  }
  return ipVersion === 4
    ? ipv4ToUdp(bytes, view, at, end, timestampMs, counters)
    : ipv6ToUdp(bytes, view, at, end, timestampMs, counters);
}

function etherTypeVersion(etherType: number): 0 | 4 | 6 {
  if (etherType === ETHERTYPE_IPV4) return 4;
  if (etherType === ETHERTYPE_IPV6) return 6;
  return 0;
}

function truncated(counters: CaptureCounters): UdpDatagram | undefined {
  counters.truncatedFrames++;
  return undefined;
}

function notIp(counters: CaptureCounters): UdpDatagram | undefined {
  counters.notIp++;
  return undefined;
}

/** RFC 791 §3.1. */
function ipv4ToUdp(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  end: number,
  timestampMs: number,
  counters: CaptureCounters,
): UdpDatagram | undefined {
  if (end - at < 20) return truncated(counters);
  const headerBytes = (view.getUint8(at) & 0x0f) * 4;
  const totalBytes = view.getUint16(at + 2);
  if (headerBytes < 20 || totalBytes < headerBytes) {
    counters.badIpHeaders++;
    return undefined;
  }
  // More-fragments flag or a non-zero offset: a fragment (DF, 0x4000, is not one).
  if ((view.getUint16(at + 6) & 0x3fff) !== 0) {
    counters.ipFragments++;
    return undefined;
  }
  if (view.getUint8(at + 9) !== IP_PROTOCOL_UDP) {
    counters.notUdp++;
    return undefined;
  }
  return udpToDatagram(
    bytes,
    view,
    at + headerBytes,
    at + totalBytes,
    end,
    timestampMs,
    formatIpv4(view.getUint32(at + 12)),
    formatIpv4(view.getUint32(at + 16)),
    counters,
  );
}

/** RFC 8200 §3 and §4: step over extension headers to reach UDP. */
function ipv6ToUdp(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  end: number,
  timestampMs: number,
  counters: CaptureCounters,
): UdpDatagram | undefined {
  if (end - at < 40) return truncated(counters);
  const payloadBytes = view.getUint16(at + 4);
  // Payload length 0 announces a jumbogram (RFC 2675): not a flow export, not decoded.
  if (payloadBytes === 0) {
    counters.badIpHeaders++;
    return undefined;
  }
  const packetEnd = at + 40 + payloadBytes;
  let nextHeader = view.getUint8(at + 6);
  let cursor = at + 40;
  for (let step = 0; nextHeader !== IP_PROTOCOL_UDP; step++) {
    if (step >= MAX_IPV6_EXTENSION_HEADERS) {
      counters.notUdp++;
      return undefined;
    }
    switch (nextHeader) {
      case IPV6_HOP_BY_HOP:
      case IPV6_ROUTING:
      case IPV6_DESTINATION:
      case IPV6_MOBILITY:
      case IPV6_HIP:
      case IPV6_SHIM6:
        if (end - cursor < 8) return truncated(counters);
        nextHeader = view.getUint8(cursor);
        cursor += (view.getUint8(cursor + 1) + 1) * 8;
        break;
      case IPV6_AH:
        // RFC 4302 §2.2: length in 4-octet units, minus 2.
        if (end - cursor < 8) return truncated(counters);
        nextHeader = view.getUint8(cursor);
        cursor += (view.getUint8(cursor + 1) + 2) * 4;
        break;
      case IPV6_FRAGMENT:
        if (end - cursor < 8) return truncated(counters);
        // Offset bits 0xfff8 and M bit 0x0001; both zero is an atomic fragment (RFC 6946).
        if ((view.getUint16(cursor + 2) & 0xfff9) !== 0) {
          counters.ipFragments++;
          return undefined;
        }
        nextHeader = view.getUint8(cursor);
        cursor += 8;
        break;
      default:
        counters.notUdp++;
        return undefined;
    }
    if (cursor > packetEnd) {
      counters.badIpHeaders++;
      return undefined;
    }
  }
  return udpToDatagram(
    bytes,
    view,
    cursor,
    packetEnd,
    end,
    timestampMs,
    formatIpv6Bytes(bytes, at + 8),
    formatIpv6Bytes(bytes, at + 24),
    counters,
  );
}

/** RFC 768: the payload is the UDP length field's bytes after the 8-byte header. */
function udpToDatagram(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  packetEnd: number,
  end: number,
  timestampMs: number,
  srcAddr: string,
  dstAddr: string,
  counters: CaptureCounters,
): UdpDatagram | undefined {
  if (end - at < 8) return truncated(counters);
  const udpBytes = view.getUint16(at + 4);
  if (udpBytes < 8 || at + udpBytes > packetEnd) {
    counters.badUdpLengths++;
    return undefined;
  }
  if (at + udpBytes > end) return truncated(counters);
  counters.udpDatagrams++;
  return {
    timestampMs,
    srcAddr,
    srcPort: view.getUint16(at),
    dstAddr,
    dstPort: view.getUint16(at + 2),
    payload: bytes.subarray(at + 8, at + udpBytes),
  };
}
