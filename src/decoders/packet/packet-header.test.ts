import { describe, expect, it } from "vitest";
import { textToWords, wordsToText } from "../../core/index.ts";
import { PACKET_START, PacketHeader, parsePacket } from "./packet-header.ts";

// Frames built byte by byte from the RFC layouts, so each test names the layer it exercises.

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const u16 = (value: number) => [value >>> 8, value & 0xff];
const u32 = (value: number) => [
  value >>> 24,
  (value >>> 16) & 0xff,
  (value >>> 8) & 0xff,
  value & 0xff,
];

function addressBytes(text: string): number[] {
  const words = new Uint32Array(4);
  textToWords(text, words, 0);
  if (!text.includes(":")) return u32(words[0] ?? 0);
  return [3, 2, 1, 0].flatMap((word) => u32(words[word] ?? 0));
}

const MACS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const ethernet = (etherType: number, payload: Uint8Array) => concat(MACS, u16(etherType), payload);
const vlanTag = (tpid: number, vlan: number) => [...u16(tpid), ...u16(0x2000 | vlan)];

function ipv4(
  protocol: number,
  src: string,
  dst: string,
  payload: Uint8Array,
  options: {
    fragmentOffset?: number;
    moreFragments?: boolean;
    optionWords?: number;
    tos?: number;
  } = {},
): Uint8Array {
  const words = 5 + (options.optionWords ?? 0);
  const flags = (options.moreFragments === true ? 0x2000 : 0) | (options.fragmentOffset ?? 0);
  return concat(
    [0x40 | words, options.tos ?? 0, ...u16(words * 4 + payload.length), 0x12, 0x34, ...u16(flags)],
    [64, protocol, 0, 0],
    addressBytes(src),
    addressBytes(dst),
    new Array<number>((words - 5) * 4).fill(1),
    payload,
  );
}

function ipv6(next: number, src: string, dst: string, payload: Uint8Array, trafficClass = 0) {
  return concat(
    u32((6 << 28) | (trafficClass << 20) | 0x12345),
    u16(payload.length),
    [next, 64],
    addressBytes(src),
    addressBytes(dst),
    payload,
  );
}

const tcp = (src: number, dst: number, flags: number) =>
  new Uint8Array([...u16(src), ...u16(dst), ...u32(1), ...u32(0), 0x50, flags, 0, 0, 0, 0, 0, 0]);
const udp = (src: number, dst: number, payload: Uint8Array = new Uint8Array(0)) =>
  concat([...u16(src), ...u16(dst), ...u16(8 + payload.length), 0, 0], payload);

function parse(
  bytes: Uint8Array,
  start: number = PACKET_START.ethernet,
  header = new PacketHeader(),
) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = parsePacket(view, 0, bytes.length, start, header);
  return {
    found,
    header,
    src: wordsToText(header.srcAddr, 0),
    dst: wordsToText(header.dstAddr, 0),
  };
}

describe("parsePacket", () => {
  it("reads Ethernet / IPv4 / TCP: addresses, ports, flags, TOS", () => {
    const frame = ethernet(
      0x0800,
      ipv4(6, "192.0.2.1", "198.51.100.2", tcp(443, 51000, 0x18), { tos: 0x28 }),
    );
    const { found, header, src, dst } = parse(frame);
    expect(found).toBe(true);
    expect([src, dst]).toEqual(["192.0.2.1", "198.51.100.2"]);
    expect(header).toMatchObject({
      ipVersion: 4,
      protocol: 6,
      srcPort: 443,
      dstPort: 51000,
      tcpFlags: 0x18,
      tos: 0x28,
      ttl: 64,
      truncated: false,
    });
    expect(header.ipLength).toBe(20 + 20);
  });

  it("skips IPv4 options by IHL", () => {
    const frame = ethernet(
      0x0800,
      ipv4(17, "10.0.0.1", "10.0.0.2", udp(53, 5353), { optionWords: 2 }),
    );
    expect(parse(frame).header).toMatchObject({ protocol: 17, srcPort: 53, dstPort: 5353 });
  });

  it("takes ports from the first IPv4 fragment only", () => {
    const first = parse(
      ethernet(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(1000, 2000), { moreFragments: true })),
    );
    expect(first.header).toMatchObject({
      fragment: true,
      laterFragment: false,
      srcPort: 1000,
      dstPort: 2000,
    });
    const later = parse(
      ethernet(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(1000, 2000), { fragmentOffset: 185 })),
    );
    expect(later.found).toBe(true);
    expect(later.header).toMatchObject({
      fragment: true,
      laterFragment: true,
      srcPort: 0,
      dstPort: 0,
      protocol: 17,
    });
  });

  it("reads 802.1Q and QinQ tags (0x88a8 and 0x9100 outer)", () => {
    const inner = ipv4(6, "10.1.1.1", "10.2.2.2", tcp(22, 40000, 0x10));
    const single = parse(concat(MACS, vlanTag(0x8100, 100), u16(0x0800), inner));
    expect(single.header).toMatchObject({ vlanCount: 1, outerVlan: 100, srcPort: 22 });
    for (const outer of [0x88a8, 0x9100]) {
      const qinq = parse(
        concat(MACS, vlanTag(outer, 1493), vlanTag(0x8100, 7), u16(0x0800), inner),
      );
      expect(qinq.header).toMatchObject({
        vlanCount: 2,
        outerVlan: 1493,
        innerVlan: 7,
        dstPort: 40000,
      });
      expect(qinq.src).toBe("10.1.1.1");
    }
  });

  it("follows an MPLS label stack to IPv4 and IPv6 by the first nibble", () => {
    const labels = [...u32((16 << 12) | 64), ...u32((17 << 12) | 0x100 | 64)];
    const v4 = parse(
      concat(MACS, u16(0x8847), labels, ipv4(6, "192.0.2.9", "192.0.2.10", tcp(1, 2, 2))),
    );
    expect(v4.header).toMatchObject({
      ipVersion: 4,
      mplsLabelCount: 2,
      topMplsLabel: 16,
      srcPort: 1,
      dstPort: 2,
    });
    const v6 = parse(
      concat(
        MACS,
        u16(0x8847),
        u32((300 << 12) | 0x100),
        ipv6(17, "2001:db8::1", "2001:db8::2", udp(9, 10)),
      ),
    );
    expect(v6.header).toMatchObject({
      ipVersion: 6,
      mplsLabelCount: 1,
      topMplsLabel: 300,
      srcPort: 9,
    });
    expect(v6.src).toBe("2001:db8::1");
  });

  it("follows MPLS → pseudowire control word → Ethernet → IPv4 (RFC 4385/4448)", () => {
    const inner = ethernet(0x0800, ipv4(6, "172.16.0.1", "172.16.0.2", tcp(179, 33000, 0x12)));
    const frame = concat(MACS, u16(0x8847), u32((1000 << 12) | 0x100), u32(0), inner);
    const { found, header, src } = parse(frame);
    expect(found).toBe(true);
    expect(src).toBe("172.16.0.1");
    expect(header).toMatchObject({
      mplsLabelCount: 1,
      srcPort: 179,
      dstPort: 33000,
      tcpFlags: 0x12,
    });
  });

  it("starts at MPLS for header protocol 13", () => {
    const bytes = concat(
      u32((5 << 12) | 0x100),
      ipv4(1, "192.0.2.1", "192.0.2.2", new Uint8Array([8, 0, 0, 0])),
    );
    expect(parse(bytes, PACKET_START.mpls).header).toMatchObject({
      ipVersion: 4,
      protocol: 1,
      dstPort: 8 * 256,
    });
  });

  it("steps over IPv6 extension headers: hop-by-hop, routing, destination options, AH", () => {
    const hopByHop = [43, 0, 0, 0, 0, 0, 0, 0];
    const routing = [60, 0, 0, 0, 0, 0, 0, 0];
    const destination = [51, 1, ...new Array<number>(14).fill(0)];
    // AH: length field in 4-octet units minus 2: 4 → 24 bytes.
    const ah = [6, 4, ...new Array<number>(22).fill(0)];
    const payload = concat(hopByHop, routing, destination, ah, tcp(8080, 443, 0x02));
    const { header, src, dst } = parse(
      ethernet(0x86dd, ipv6(0, "2001:db8::a", "2001:db8::b", payload, 0xb8)),
    );
    expect([src, dst]).toEqual(["2001:db8::a", "2001:db8::b"]);
    expect(header).toMatchObject({
      ipVersion: 6,
      protocol: 6,
      srcPort: 8080,
      dstPort: 443,
      tcpFlags: 2,
      tos: 0xb8,
    });
  });

  it("takes IPv6 ports from the first fragment only", () => {
    const fragment = (offset: number, more: boolean) => [
      17,
      0,
      ...u16((offset << 3) | (more ? 1 : 0)),
      ...u32(99),
    ];
    const first = parse(
      ethernet(
        0x86dd,
        ipv6(44, "2001:db8::1", "2001:db8::2", concat(fragment(0, true), udp(500, 4500))),
      ),
    );
    expect(first.header).toMatchObject({
      fragment: true,
      laterFragment: false,
      protocol: 17,
      srcPort: 500,
    });
    const later = parse(
      ethernet(
        0x86dd,
        ipv6(44, "2001:db8::1", "2001:db8::2", concat(fragment(100, false), udp(500, 4500))),
      ),
    );
    expect(later.header).toMatchObject({
      fragment: true,
      laterFragment: true,
      protocol: 17,
      srcPort: 0,
      dstPort: 0,
    });
  });

  it("puts ICMP and ICMPv6 type and code in dstPort as type × 256 + code", () => {
    const icmp = parse(
      ethernet(0x0800, ipv4(1, "192.0.2.1", "192.0.2.2", new Uint8Array([3, 4, 0, 0]))),
    );
    expect(icmp.header).toMatchObject({ protocol: 1, srcPort: 0, dstPort: 3 * 256 + 4 });
    const icmp6 = parse(
      ethernet(0x86dd, ipv6(58, "fe80::1", "ff02::1", new Uint8Array([135, 0, 0, 0]))),
    );
    expect(icmp6.header).toMatchObject({ protocol: 58, dstPort: 135 * 256 });
  });

  it("starts at IPv4 or IPv6 for header protocols 11 and 12", () => {
    expect(
      parse(ipv4(17, "192.0.2.1", "192.0.2.2", udp(1, 2)), PACKET_START.ipv4).header.srcPort,
    ).toBe(1);
    expect(parse(ipv6(17, "::1", "::2", udp(3, 4)), PACKET_START.ipv6).header.dstPort).toBe(4);
  });

  it("parses VXLAN's inner packet and keeps the outer one as the flow", () => {
    const inner = ethernet(
      0x86dd,
      ipv6(58, "2001:db8:4::1", "2001:db8:4::3", new Uint8Array([128, 0, 0, 0])),
    );
    const vxlan = concat([0x08, 0, 0, 0], u32(100 << 8), inner);
    const { header, src } = parse(
      ethernet(0x0800, ipv4(17, "192.168.108.40", "192.168.15.14", udp(45833, 4789, vxlan))),
    );
    expect(src).toBe("192.168.108.40");
    expect(header).toMatchObject({ protocol: 17, dstPort: 4789, vxlanVni: 100 });
    expect(header.inner?.ipVersion).toBe(6);
    expect(wordsToText(header.inner?.srcAddr ?? new Uint32Array(4), 0)).toBe("2001:db8:4::1");
    expect(header.inner?.dstPort).toBe(128 * 256);
  });

  it("reports non-IP frames with their EtherType and no addresses", () => {
    const arp = parse(ethernet(0x0806, new Uint8Array(28)));
    expect(arp.found).toBe(false);
    expect(arp.header.etherType).toBe(0x0806);
    expect(arp.header.ipVersion).toBe(0);
    expect(arp.src).toBe("::");
  });

  it("keeps what fits when the header is cut, never reading past the end", () => {
    const frame = ethernet(0x0800, ipv4(6, "192.0.2.1", "192.0.2.2", tcp(80, 8080, 0x11)));
    for (let cut = 0; cut <= frame.length; cut++) {
      // A view over exactly `cut` bytes: an over-read would throw a RangeError.
      const { found, header } = parse(frame.slice(0, cut));
      expect(found).toBe(cut >= 14 + 20);
      if (cut >= 14 + 20 + 4) expect(header.dstPort).toBe(8080);
      if (cut < 14 + 20 + 14) expect(header.truncated).toBe(true);
    }
  });

  it("resets the reused header between packets", () => {
    const header = new PacketHeader();
    parse(
      ethernet(0x0800, ipv4(6, "192.0.2.1", "192.0.2.2", tcp(1, 2, 2))),
      PACKET_START.ethernet,
      header,
    );
    const { found } = parse(ethernet(0x0806, new Uint8Array(28)), PACKET_START.ethernet, header);
    expect(found).toBe(false);
    expect(header).toMatchObject({
      ipVersion: 0,
      srcPort: 0,
      dstPort: 0,
      protocol: 0,
      tcpFlags: 0,
    });
  });
});
