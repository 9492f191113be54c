import { clearWords, setIpv4Words, setIpv6WordsFromView } from "../../core/index.ts";

/**
 * Where a captured header starts, named as sFlow's `header_protocol` numbers (sFlow v5
 * specification, "sampled_header", enum header_protocol) so an sFlow decoder passes the field
 * through unchanged. Other callers pick the one that matches their bytes.
 */
export const PACKET_START = {
  ethernet: 1,
  ipv4: 11,
  ipv6: 12,
  mpls: 13,
} as const;
export type PacketStart = (typeof PACKET_START)[keyof typeof PACKET_START];

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
/** 802.1ad outer tag, and the pre-standard 0x9100 some QinQ switches still send. */
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const ETHERTYPE_MPLS_UNICAST = 0x8847;
const ETHERTYPE_MPLS_MULTICAST = 0x8848;

/** More VLAN tags or MPLS labels than real networks stack: past this we stop looking. */
const MAX_VLAN_TAGS = 8;
const MAX_MPLS_LABELS = 16;
/** IPv6 extension headers stepped over before giving up (RFC 8200 §4.1 lists 6 in order). */
const MAX_IPV6_EXTENSION_HEADERS = 16;
/**
 * Ethernet → MPLS → pseudowire → Ethernet can nest; each level costs at least 4 bytes so the
 * walk is bounded anyway, but a fixed depth keeps fuzzed headers from recursing far.
 */
const MAX_NESTED_ETHERNET = 3;

const IP_PROTOCOL_ICMP = 1;
const IP_PROTOCOL_TCP = 6;
const IP_PROTOCOL_UDP = 17;
const IP_PROTOCOL_DCCP = 33;
const IP_PROTOCOL_ICMPV6 = 58;
const IP_PROTOCOL_SCTP = 132;
const IP_PROTOCOL_UDPLITE = 136;

const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const IPV6_NO_NEXT_HEADER = 59;
const IPV6_DESTINATION = 60;
const IPV6_MOBILITY = 135;
const IPV6_HIP = 139;
const IPV6_SHIM6 = 140;

/** RFC 7348 §5: the IANA port of VXLAN. */
export const VXLAN_PORT = 4789;
const VXLAN_HEADER_BYTES = 8;
/** RFC 7348 §5: the I flag says the VNI is valid. */
const VXLAN_FLAG_VNI = 0x08;

/**
 * What one parse found, written in place: the caller keeps one `PacketHeader` and reuses it
 * for every packet (no allocation on the hot path). Addresses use the four-word layout of
 * `core/address-words.ts` at row 0, so `copyWords(header.srcAddr, 0, batch.srcAddr, row)`
 * moves them into a FlowBatch.
 *
 * Ports follow NetFlow's convention for ICMP and ICMPv6: srcPort 0 and dstPort = type × 256 +
 * code (what softflowd, nProbe and pmacct export), so ICMP flows group by type and code.
 */
export class PacketHeader {
  /** 4 or 6 when an IP header was found, 0 otherwise. */
  ipVersion = 0;
  readonly srcAddr = new Uint32Array(4);
  readonly dstAddr = new Uint32Array(4);
  /** IP protocol (IPv6: the upper-layer header after the extension headers). */
  protocol = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP header byte 13 (CWR … FIN), the 8 bits NetFlow carries. */
  tcpFlags = 0;
  /** IPv4 TOS byte or IPv6 traffic class. */
  tos = 0;
  ttl = 0;
  /** IPv4 total length, or IPv6 payload length + 40: the L3 size the header states. */
  ipLength = 0;
  /** True for any fragment (IPv4 MF or offset, IPv6 fragment header). */
  fragment = false;
  /** True when the fragment is not the first: its ports are unknown and left 0. */
  laterFragment = false;
  /** The EtherType that ended the L2 walk (0x0800, 0x86dd, or what was not IP). */
  etherType = 0;
  /** VLAN tags seen (802.1Q, 802.1ad, 0x9100), and the ids of the first two. */
  vlanCount = 0;
  outerVlan = 0;
  innerVlan = 0;
  /** MPLS labels seen and the top label. */
  mplsLabelCount = 0;
  topMplsLabel = 0;
  /** True when the header ended before the transport ports (sampled headers are snapped). */
  truncated = false;
  /** VXLAN network identifier when the packet is VXLAN over UDP 4789, otherwise -1. */
  vxlanVni = -1;
  /** The encapsulated packet of a VXLAN packet; parsed only when `vxlanVni` ≥ 0. */
  readonly inner: PacketHeader | undefined;

  constructor(withInner = true) {
    this.inner = withInner ? new PacketHeader(false) : undefined;
  }

  reset(): void {
    this.ipVersion = 0;
    clearWords(this.srcAddr, 0);
    clearWords(this.dstAddr, 0);
    this.protocol = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.tos = 0;
    this.ttl = 0;
    this.ipLength = 0;
    this.fragment = false;
    this.laterFragment = false;
    this.etherType = 0;
    this.vlanCount = 0;
    this.outerVlan = 0;
    this.innerVlan = 0;
    this.mplsLabelCount = 0;
    this.topMplsLabel = 0;
    this.truncated = false;
    this.vxlanVni = -1;
  }
}

/**
 * Parses the packet header in `view` from `start` to `end` (absolute offsets) into `out`,
 * starting at the layer `start` names. Returns true when an IP header was found (addresses
 * set). Never throws and never reads outside [start, end): a header cut short keeps what was
 * complete and sets `out.truncated`.
 *
 * Handles Ethernet II, 802.1Q / 802.1ad / 0x9100 tags (QinQ), MPLS label stacks (the payload
 * after the bottom-of-stack label is guessed from its first nibble: 4 IPv4, 6 IPv6, 0 an
 * RFC 4385 pseudowire control word followed by an Ethernet frame), IPv4 (options skipped by
 * IHL; ports only in the first fragment), IPv6 (hop-by-hop, routing, fragment, destination
 * options, AH, mobility, HIP and shim6 headers skipped), TCP, UDP, SCTP, DCCP, UDP-Lite,
 * ICMP and ICMPv6. A UDP packet to port 4789 is also parsed as VXLAN into `out.inner`.
 */
export function parsePacket(
  view: DataView,
  start: number,
  end: number,
  first: number,
  out: PacketHeader,
): boolean {
  out.reset();
  const limit = Math.min(end, view.byteLength);
  if (start < 0 || start >= limit) {
    out.truncated = true;
    return false;
  }
  switch (first) {
    case PACKET_START.ethernet:
      return parseEthernet(view, start, limit, out, 0);
    case PACKET_START.ipv4:
      return parseIpv4(view, start, limit, out);
    case PACKET_START.ipv6:
      return parseIpv6(view, start, limit, out);
    case PACKET_START.mpls:
      return parseMpls(view, start, limit, out, 0);
    default:
      return false;
  }
}

function parseEthernet(
  view: DataView,
  start: number,
  end: number,
  out: PacketHeader,
  depth: number,
): boolean {
  if (end - start < 14) {
    out.truncated = true;
    return false;
  }
  let at = start + 12;
  let etherType = view.getUint16(at);
  at += 2;
  while (
    etherType === ETHERTYPE_VLAN ||
    etherType === ETHERTYPE_QINQ ||
    etherType === ETHERTYPE_QINQ_OLD
  ) {
    if (out.vlanCount >= MAX_VLAN_TAGS) return false;
    if (end - at < 4) {
      out.etherType = etherType;
      out.truncated = true;
      return false;
    }
    const vlan = view.getUint16(at) & 0x0fff;
    if (out.vlanCount === 0) out.outerVlan = vlan;
    else if (out.vlanCount === 1) out.innerVlan = vlan;
    out.vlanCount++;
    etherType = view.getUint16(at + 2);
    at += 4;
  }
  out.etherType = etherType;
  switch (etherType) {
    case ETHERTYPE_IPV4:
      return parseIpv4(view, at, end, out);
    case ETHERTYPE_IPV6:
      return parseIpv6(view, at, end, out);
    case ETHERTYPE_MPLS_UNICAST:
    case ETHERTYPE_MPLS_MULTICAST:
      return parseMpls(view, at, end, out, depth);
    default:
      return false;
  }
}

/** RFC 3032 §2.1 label stack entries; the payload type is not in the stack, so it is guessed. */
function parseMpls(
  view: DataView,
  start: number,
  end: number,
  out: PacketHeader,
  depth: number,
): boolean {
  let at = start;
  for (;;) {
    if (end - at < 4) {
      out.truncated = true;
      return false;
    }
    if (out.mplsLabelCount >= MAX_MPLS_LABELS) return false;
    const entry = view.getUint32(at);
    if (out.mplsLabelCount === 0) out.topMplsLabel = entry >>> 12;
    out.mplsLabelCount++;
    at += 4;
    if ((entry & 0x100) !== 0) break;
  }
  if (at >= end) {
    out.truncated = true;
    return false;
  }
  switch (view.getUint8(at) >>> 4) {
    case 4:
      out.etherType = ETHERTYPE_IPV4;
      return parseIpv4(view, at, end, out);
    case 6:
      out.etherType = ETHERTYPE_IPV6;
      return parseIpv6(view, at, end, out);
    case 0:
      // RFC 4385 §3: a first nibble of 0 is the pseudowire control word; an Ethernet frame
      // follows it on Ethernet pseudowires (RFC 4448 §3), the common case on carrier networks.
      if (depth + 1 >= MAX_NESTED_ETHERNET) return false;
      return parseEthernet(view, at + 4, end, out, depth + 1);
    default:
      return false;
  }
}

function parseIpv4(view: DataView, start: number, end: number, out: PacketHeader): boolean {
  if (end - start < 20) {
    out.truncated = true;
    return false;
  }
  const versionIhl = view.getUint8(start);
  if (versionIhl >>> 4 !== 4) return false;
  const headerBytes = (versionIhl & 0x0f) * 4;
  if (headerBytes < 20) return false;
  out.ipVersion = 4;
  out.etherType = ETHERTYPE_IPV4;
  out.tos = view.getUint8(start + 1);
  out.ipLength = view.getUint16(start + 2);
  const flagsOffset = view.getUint16(start + 6);
  const fragmentOffset = flagsOffset & 0x1fff;
  out.fragment = fragmentOffset !== 0 || (flagsOffset & 0x2000) !== 0;
  out.laterFragment = fragmentOffset !== 0;
  out.ttl = view.getUint8(start + 8);
  out.protocol = view.getUint8(start + 9);
  setIpv4Words(out.srcAddr, 0, view.getUint32(start + 12));
  setIpv4Words(out.dstAddr, 0, view.getUint32(start + 16));
  // RFC 791: only the first fragment (offset 0) carries the transport header.
  if (!out.laterFragment) parseTransport(view, start + headerBytes, end, out);
  return true;
}

function parseIpv6(view: DataView, start: number, end: number, out: PacketHeader): boolean {
  if (end - start < 40) {
    out.truncated = true;
    return false;
  }
  const word0 = view.getUint32(start);
  if (word0 >>> 28 !== 6) return false;
  out.ipVersion = 6;
  out.etherType = ETHERTYPE_IPV6;
  out.tos = (word0 >>> 20) & 0xff;
  out.ipLength = view.getUint16(start + 4) + 40;
  out.ttl = view.getUint8(start + 7);
  setIpv6WordsFromView(out.srcAddr, 0, view, start + 8);
  setIpv6WordsFromView(out.dstAddr, 0, view, start + 24);
  let next = view.getUint8(start + 6);
  let at = start + 40;
  // RFC 8200 §4: extension headers chain through their first byte; lengths are in 8-octet
  // units not counting the first 8 (AH, RFC 4302 §2.2: 4-octet units minus 2).
  for (let seen = 0; seen < MAX_IPV6_EXTENSION_HEADERS; seen++) {
    if (
      next === IPV6_HOP_BY_HOP ||
      next === IPV6_ROUTING ||
      next === IPV6_DESTINATION ||
      next === IPV6_MOBILITY ||
      next === IPV6_HIP ||
      next === IPV6_SHIM6
    ) {
      if (end - at < 2) break;
      const following = view.getUint8(at);
      at += (view.getUint8(at + 1) + 1) * 8;
      next = following;
    } else if (next === IPV6_AH) {
      if (end - at < 2) break;
      const following = view.getUint8(at);
      at += (view.getUint8(at + 1) + 2) * 4;
      next = following;
    } else if (next === IPV6_FRAGMENT) {
      if (end - at < 8) break;
      const following = view.getUint8(at);
      const offsetFlags = view.getUint16(at + 2);
      out.fragment = true;
      out.laterFragment = offsetFlags >>> 3 !== 0;
      at += 8;
      next = following;
    } else {
      break;
    }
  }
  out.protocol = next;
  if (next === IPV6_NO_NEXT_HEADER) return true;
  if (!out.laterFragment) parseTransport(view, at, end, out);
  return true;
}

function parseTransport(view: DataView, start: number, end: number, out: PacketHeader): void {
  switch (out.protocol) {
    case IP_PROTOCOL_TCP:
      if (end - start < 4) break;
      out.srcPort = view.getUint16(start);
      out.dstPort = view.getUint16(start + 2);
      if (end - start < 14) break;
      out.tcpFlags = view.getUint8(start + 13);
      return;
    case IP_PROTOCOL_UDP:
      if (end - start < 4) break;
      out.srcPort = view.getUint16(start);
      out.dstPort = view.getUint16(start + 2);
      // Only the outer packet has an `inner`: VXLAN inside VXLAN is not followed.
      if (out.dstPort === VXLAN_PORT && out.inner !== undefined) {
        parseVxlan(view, start + 8, end, out, out.inner);
      }
      return;
    case IP_PROTOCOL_SCTP:
    case IP_PROTOCOL_DCCP:
    case IP_PROTOCOL_UDPLITE:
      if (end - start < 4) break;
      out.srcPort = view.getUint16(start);
      out.dstPort = view.getUint16(start + 2);
      return;
    case IP_PROTOCOL_ICMP:
    case IP_PROTOCOL_ICMPV6:
      if (end - start < 2) break;
      out.dstPort = view.getUint8(start) * 256 + view.getUint8(start + 1);
      return;
    default:
      return;
  }
  out.truncated = true;
}

/** RFC 7348 §5: 8-byte VXLAN header (flags, 24-bit VNI), then the inner Ethernet frame. */
function parseVxlan(
  view: DataView,
  start: number,
  end: number,
  out: PacketHeader,
  inner: PacketHeader,
): void {
  inner.reset();
  if (end - start < VXLAN_HEADER_BYTES) return;
  if ((view.getUint8(start) & VXLAN_FLAG_VNI) === 0) return;
  out.vxlanVni = view.getUint32(start + 4) >>> 8;
  parseEthernet(view, start + VXLAN_HEADER_BYTES, end, inner, MAX_NESTED_ETHERNET - 1);
}
