import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCaptureReader } from "./reader.ts";
import type { CaptureSummary } from "./reader.ts";
import type { UdpDatagram } from "./udp-datagram.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const original = readFileSync(path.join(here, "../netflow5/testdata/softflowd-v5.pcap"));
const fixture = (name: string): Uint8Array => readFileSync(path.join(here, "testdata", name));

function readAll(
  file: Uint8Array,
  chunkSizes: readonly number[] = [],
): { datagrams: UdpDatagram[]; summary: CaptureSummary } {
  const reader = createCaptureReader();
  const datagrams: UdpDatagram[] = [];
  let at = 0;
  for (const size of chunkSizes) {
    datagrams.push(...reader.push(file.subarray(at, at + size)).records);
    at += size;
  }
  datagrams.push(...reader.push(file.subarray(at)).records);
  return { datagrams, summary: reader.finish() };
}

/** Datagrams as plain data, payload bytes included, for deep comparison. */
function plain(datagrams: readonly UdpDatagram[], withTime = true): unknown[] {
  return datagrams.map(({ payload, timestampMs, ...rest }) => ({
    ...rest,
    ...(withTime ? { timestampMs } : {}),
    payload: Array.from(payload),
  }));
}

// ---- frame builders (RFC 791, RFC 8200, RFC 768, IEEE 802.3/802.1Q) ----

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function udp(srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint16(4, out.byteLength);
  out.set(payload, 8);
  return out;
}

function ipv4(protocol: number, body: Uint8Array, flagsFragment = 0x4000): Uint8Array {
  const out = new Uint8Array(20 + body.byteLength);
  const view = new DataView(out.buffer);
  out[0] = 0x45;
  view.setUint16(2, out.byteLength);
  view.setUint16(6, flagsFragment);
  out[8] = 64;
  out[9] = protocol;
  out.set([192, 0, 2, 1], 12);
  out.set([198, 51, 100, 2], 16);
  out.set(body, 20);
  return out;
}

const SRC6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const DST6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/** IPv6 with extension headers given as [type, bytes] (each bytes.length a multiple of 8). */
function ipv6(
  extensions: readonly (readonly [number, Uint8Array])[],
  protocol: number,
  body: Uint8Array,
): Uint8Array {
  const chain = extensions.map(([, bytes], index) => {
    const copy = bytes.slice();
    copy[0] = extensions[index + 1]?.[0] ?? protocol;
    return copy;
  });
  const payload = concat(...chain, body);
  const out = new Uint8Array(40 + payload.byteLength);
  const view = new DataView(out.buffer);
  out[0] = 0x60;
  view.setUint16(4, payload.byteLength);
  out[6] = extensions[0]?.[0] ?? protocol;
  out[7] = 64;
  out.set(SRC6, 8);
  out.set(DST6, 24);
  out.set(payload, 40);
  return out;
}

function ethernet(etherType: number, packet: Uint8Array, tags: readonly number[] = []): Uint8Array {
  const header = new Uint8Array(14 + 4 * tags.length);
  const view = new DataView(header.buffer);
  header.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2], 0);
  let at = 12;
  for (const [index, tpid] of tags.entries()) {
    view.setUint16(at, tpid);
    view.setUint16(at + 2, 100 + index);
    at += 4;
  }
  view.setUint16(at, etherType);
  return concat(header, packet);
}

interface Frame {
  data: Uint8Array;
  seconds?: number;
  fraction?: number;
  capturedBytes?: number;
}

function pcapFile(
  linkType: number,
  frames: readonly Frame[],
  options: { littleEndian?: boolean; nanos?: boolean } = {},
): Uint8Array {
  const littleEndian = options.littleEndian ?? true;
  const header = new Uint8Array(24);
  const view = new DataView(header.buffer);
  view.setUint32(0, options.nanos === true ? 0xa1b23c4d : 0xa1b2c3d4, littleEndian);
  view.setUint16(4, 2, littleEndian);
  view.setUint16(6, 4, littleEndian);
  view.setUint32(16, 65535, littleEndian);
  view.setUint32(20, linkType, littleEndian);
  const records = frames.map((frame) => {
    const captured = frame.data.subarray(0, frame.capturedBytes ?? frame.data.byteLength);
    const record = new Uint8Array(16 + captured.byteLength);
    const recordView = new DataView(record.buffer);
    recordView.setUint32(0, frame.seconds ?? 1_700_000_000, littleEndian);
    recordView.setUint32(4, frame.fraction ?? 0, littleEndian);
    recordView.setUint32(8, captured.byteLength, littleEndian);
    recordView.setUint32(12, frame.data.byteLength, littleEndian);
    record.set(captured, 16);
    return record;
  });
  return concat(header, ...records);
}

function pcapngBlock(type: number, body: Uint8Array, littleEndian: boolean): Uint8Array {
  const padded = (body.byteLength + 3) & ~3;
  const out = new Uint8Array(12 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, littleEndian);
  view.setUint32(4, out.byteLength, littleEndian);
  out.set(body, 8);
  view.setUint32(out.byteLength - 4, out.byteLength, littleEndian);
  return out;
}

function sectionHeader(littleEndian: boolean): Uint8Array {
  const body = new Uint8Array(16);
  const view = new DataView(body.buffer);
  view.setUint32(0, 0x1a2b3c4d, littleEndian);
  view.setUint16(4, 1, littleEndian);
  view.setBigInt64(8, -1n, littleEndian);
  return pcapngBlock(0x0a0d0d0a, body, littleEndian);
}

function interfaceBlock(
  linkType: number,
  littleEndian: boolean,
  tsresol?: number,
  tsoffsetSeconds?: bigint,
): Uint8Array {
  const options: number[] = [];
  const body = new Uint8Array(8 + 8 + 12 + 4);
  const view = new DataView(body.buffer);
  view.setUint16(0, linkType, littleEndian);
  view.setUint32(4, 65535, littleEndian);
  let at = 8;
  if (tsresol !== undefined) {
    view.setUint16(at, 9, littleEndian);
    view.setUint16(at + 2, 1, littleEndian);
    body[at + 4] = tsresol;
    at += 8;
  }
  if (tsoffsetSeconds !== undefined) {
    view.setUint16(at, 14, littleEndian);
    view.setUint16(at + 2, 8, littleEndian);
    view.setBigInt64(at + 4, tsoffsetSeconds, littleEndian);
    at += 12;
  }
  options.push(at);
  return pcapngBlock(1, body.subarray(0, at + 4), littleEndian);
}

function enhancedPacket(
  interfaceId: number,
  timestamp: bigint,
  data: Uint8Array,
  littleEndian: boolean,
): Uint8Array {
  const body = new Uint8Array(20 + data.byteLength);
  const view = new DataView(body.buffer);
  view.setUint32(0, interfaceId, littleEndian);
  view.setUint32(4, Number(timestamp >> 32n), littleEndian);
  view.setUint32(8, Number(timestamp & 0xffffffffn), littleEndian);
  view.setUint32(12, data.byteLength, littleEndian);
  view.setUint32(16, data.byteLength, littleEndian);
  body.set(data, 20);
  return pcapngBlock(6, body, littleEndian);
}

/** Rewrites a little-endian classic pcap as big-endian (header and record headers). */
function toBigEndian(file: Uint8Array): Uint8Array {
  const out = file.slice();
  const source = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const target = new DataView(out.buffer);
  const swap32 = (at: number): void => {
    target.setUint32(at, source.getUint32(at, true), false);
  };
  const swap16 = (at: number): void => {
    target.setUint16(at, source.getUint16(at, true), false);
  };
  swap32(0);
  swap16(4);
  swap16(6);
  for (const at of [8, 12, 16, 20]) swap32(at);
  let at = 24;
  while (at < file.byteLength) {
    const captured = source.getUint32(at + 8, true);
    for (const field of [0, 4, 8, 12]) swap32(at + field);
    at += 16 + captured;
  }
  return out;
}

const payload = Uint8Array.from([0, 5, 1, 2, 3, 4, 5, 6, 7, 8]);
const v4Datagram = ipv4(17, udp(40_000, 2055, payload));
const expectedV4 = {
  srcAddr: "192.0.2.1",
  srcPort: 40_000,
  dstAddr: "198.51.100.2",
  dstPort: 2055,
  payload: Array.from(payload),
};
const expectedV6 = { ...expectedV4, srcAddr: "2001:db8::1", dstAddr: "2001:db8::2" };

describe("capture reader on real captures", () => {
  const reference = readAll(original);

  it("reads the Ethernet pcap: 5 datagrams from softflowd to port 39755", () => {
    expect(reference.summary.format).toBe("pcap");
    expect(reference.summary.issues).toEqual([]);
    expect(reference.datagrams).toHaveLength(5);
    expect(reference.datagrams.every((datagram) => datagram.dstPort === 39755)).toBe(true);
    expect(reference.datagrams.map((datagram) => datagram.payload.byteLength)).toEqual([
      1464, 1464, 1464, 1464, 600,
    ]);
    // First frame at 02:13:30.004708 UTC (capinfos), floored to the millisecond.
    expect(reference.datagrams[0]?.timestampMs).toBe(1795313610004);
    expect(reference.summary.counters).toMatchObject({ frames: 5, udpDatagrams: 5 });
  });

  it("reads the same datagrams from pcapng and nanosecond pcap, timestamps included", () => {
    for (const name of ["softflowd-v5.pcapng", "softflowd-v5-nsec.pcap"]) {
      const { datagrams, summary } = readAll(fixture(name));
      expect(summary.issues).toEqual([]);
      expect(summary.format).toBe(name.endsWith(".pcapng") ? "pcapng" : "pcap");
      expect(plain(datagrams)).toEqual(plain(reference.datagrams));
    }
  });

  it("reads the same datagrams from Linux cooked v1 and v2 captures", () => {
    for (const name of ["softflowd-v5-sll.pcap", "softflowd-v5-sll2.pcap"]) {
      const { datagrams, summary } = readAll(fixture(name));
      expect(summary.issues).toEqual([]);
      expect(plain(datagrams, false)).toEqual(plain(reference.datagrams, false));
    }
  });

  it("reads a big-endian pcap", () => {
    const { datagrams, summary } = readAll(toBigEndian(original));
    expect(summary.issues).toEqual([]);
    expect(plain(datagrams)).toEqual(plain(reference.datagrams));
  });

  it("gives the same datagrams whatever the chunk boundaries", () => {
    for (const file of [original, fixture("softflowd-v5.pcapng")]) {
      const whole = plain(readAll(file).datagrams);
      fc.assert(
        fc.property(fc.array(fc.nat({ max: 2000 }), { maxLength: 40 }), (sizes) => {
          const { datagrams, summary } = readAll(file, sizes);
          expect(summary.issues).toEqual([]);
          expect(plain(datagrams)).toEqual(whole);
        }),
        { numRuns: 150 },
      );
      // One byte at a time: every header and block straddles a chunk boundary.
      expect(plain(readAll(file, Array(file.byteLength).fill(1) as number[]).datagrams)).toEqual(
        whole,
      );
    }
  });

  it("reports a capture cut short", () => {
    const { datagrams, summary } = readAll(original.subarray(0, original.byteLength - 100));
    expect(datagrams).toHaveLength(4);
    expect(summary.issues.map((found) => found.code)).toEqual(["truncated-file"]);
  });
});

describe("capture reader link types", () => {
  const cases: [string, number, Uint8Array, unknown][] = [
    ["Ethernet", 1, ethernet(0x0800, v4Datagram), expectedV4],
    ["802.1Q", 1, ethernet(0x0800, v4Datagram, [0x8100]), expectedV4],
    ["QinQ", 1, ethernet(0x0800, v4Datagram, [0x88a8, 0x8100]), expectedV4],
    ["Ethernet IPv6", 1, ethernet(0x86dd, ipv6([], 17, udp(40_000, 2055, payload))), expectedV6],
    ["raw (101) IPv4", 101, v4Datagram, expectedV4],
    ["raw (12) IPv6", 12, ipv6([], 17, udp(40_000, 2055, payload)), expectedV6],
    ["IPv4 (228)", 228, v4Datagram, expectedV4],
    ["IPv6 (229)", 229, ipv6([], 17, udp(40_000, 2055, payload)), expectedV6],
    [
      "null, little-endian AF_INET",
      0,
      concat(Uint8Array.from([2, 0, 0, 0]), v4Datagram),
      expectedV4,
    ],
    [
      "null, big-endian AF_INET6 (macOS 30)",
      0,
      concat(Uint8Array.from([0, 0, 0, 30]), ipv6([], 17, udp(40_000, 2055, payload))),
      expectedV6,
    ],
    ["loop (108)", 108, concat(Uint8Array.from([0, 0, 0, 2]), v4Datagram), expectedV4],
  ];
  for (const [name, linkType, frame, expected] of cases) {
    it(`reads ${name}`, () => {
      const { datagrams, summary } = readAll(pcapFile(linkType, [{ data: frame, fraction: 5000 }]));
      expect(summary.issues).toEqual([]);
      expect(plain(datagrams)).toEqual([
        { ...(expected as object), timestampMs: 1_700_000_000_005 },
      ]);
    });
  }

  it("ignores Ethernet padding: the UDP length decides the payload", () => {
    const frame = concat(ethernet(0x0800, v4Datagram), new Uint8Array(20));
    expect(plain(readAll(pcapFile(1, [{ data: frame }])).datagrams, false)).toEqual([expectedV4]);
  });

  it("steps over IPv6 extension headers and an atomic fragment", () => {
    const hopByHop = new Uint8Array(8);
    const destination = new Uint8Array(16);
    destination[1] = 1;
    const atomicFragment = new Uint8Array(8);
    const packet = ipv6(
      [
        [0, hopByHop],
        [60, destination],
        [44, atomicFragment],
      ],
      17,
      udp(40_000, 2055, payload),
    );
    const { datagrams } = readAll(pcapFile(229, [{ data: packet }]));
    expect(plain(datagrams, false)).toEqual([expectedV6]);
  });

  it("counts fragments, non-UDP, non-IP, truncated and bad frames without throwing", () => {
    const fragment6 = new Uint8Array(8);
    fragment6[3] = 1; // M flag: first fragment of several
    const frames: Frame[] = [
      { data: ethernet(0x0800, ipv4(17, udp(1, 2, payload), 0x2000)) }, // MF set
      { data: ethernet(0x0800, ipv4(17, udp(1, 2, payload), 0x0010)) }, // offset 16
      { data: ethernet(0x86dd, ipv6([[44, fragment6]], 17, udp(1, 2, payload))) },
      { data: ethernet(0x0800, ipv4(6, new Uint8Array(20))) }, // TCP
      { data: ethernet(0x86dd, ipv6([], 58, new Uint8Array(8))) }, // ICMPv6
      { data: ethernet(0x0806, new Uint8Array(28)) }, // ARP
      { data: ethernet(0x0800, v4Datagram), capturedBytes: 14 + 20 + 8 + 3 }, // snaplen
      { data: new Uint8Array(10) }, // shorter than an Ethernet header
      { data: ethernet(0x0800, Uint8Array.from([0x65, ...new Uint8Array(19)])) }, // version 6
      { data: ethernet(0x0800, ipv4(17, Uint8Array.from([0, 1, 0, 2, 0, 4, 0, 0]))) }, // UDP len 4
      { data: ethernet(0x0800, v4Datagram) },
    ];
    const { datagrams, summary } = readAll(pcapFile(1, frames));
    expect(datagrams).toHaveLength(1);
    expect(summary.issues).toEqual([]);
    expect(summary.counters).toEqual({
      frames: 11,
      udpDatagrams: 1,
      notIp: 1,
      notUdp: 2,
      ipFragments: 3,
      truncatedFrames: 2,
      badIpHeaders: 1,
      badUdpLengths: 1,
      unsupportedLinkType: 0,
      unknownInterface: 0,
    });
  });

  it("reports an unsupported link type once and counts its frames", () => {
    const { datagrams, summary } = readAll(
      pcapFile(105, [{ data: v4Datagram }, { data: v4Datagram }]),
    );
    expect(datagrams).toEqual([]);
    expect(summary.issues.map((found) => found.code)).toEqual(["unsupported-link-type"]);
    expect(summary.counters.unsupportedLinkType).toBe(2);
  });

  it("reads nanosecond and big-endian classic pcap timestamps", () => {
    const file = pcapFile(101, [{ data: v4Datagram, seconds: 10, fraction: 123_456_789 }], {
      nanos: true,
      littleEndian: false,
    });
    expect(readAll(file).datagrams[0]?.timestampMs).toBe(10_123);
  });
});

describe("capture reader pcapng", () => {
  it("reads big-endian sections, per-interface link type, tsresol and tsoffset", () => {
    const file = concat(
      sectionHeader(false),
      interfaceBlock(1, false),
      interfaceBlock(101, false, 9, 100n), // nanoseconds, +100 s
      interfaceBlock(229, false, 0x80 | 10), // 2^-10 s
      enhancedPacket(0, 1_700_000_000_123_456n, ethernet(0x0800, v4Datagram), false),
      enhancedPacket(1, 5_000_000_000n, v4Datagram, false),
      enhancedPacket(2, 2048n, ipv6([], 17, udp(40_000, 2055, payload)), false),
      pcapngBlock(5, new Uint8Array(8), false), // interface statistics: skipped
      enhancedPacket(7, 0n, v4Datagram, false), // no such interface
    );
    const { datagrams, summary } = readAll(file);
    expect(summary.format).toBe("pcapng");
    expect(summary.issues).toEqual([]);
    expect(plain(datagrams)).toEqual([
      { ...expectedV4, timestampMs: 1_700_000_000_123 },
      { ...expectedV4, timestampMs: 105_000 },
      { ...expectedV6, timestampMs: 2_000 },
    ]);
    expect(summary.counters.unknownInterface).toBe(1);
  });

  it("reads simple packet blocks and a second section with its own byte order", () => {
    const simple = (() => {
      const body = new Uint8Array(4 + v4Datagram.byteLength);
      new DataView(body.buffer).setUint32(0, v4Datagram.byteLength, true);
      body.set(v4Datagram, 4);
      return pcapngBlock(3, body, true);
    })();
    const file = concat(
      sectionHeader(true),
      interfaceBlock(228, true),
      simple,
      sectionHeader(false),
      interfaceBlock(1, false),
      enhancedPacket(0, 1_000n, ethernet(0x0800, v4Datagram), false),
    );
    const { datagrams, summary } = readAll(file);
    expect(summary.issues).toEqual([]);
    expect(plain(datagrams)).toEqual([
      { ...expectedV4, timestampMs: 0 },
      { ...expectedV4, timestampMs: 1 },
    ]);
  });

  it("stops at an impossible block length", () => {
    const bad = pcapngBlock(6, new Uint8Array(28), true);
    new DataView(bad.buffer).setUint32(4, 13, true);
    const { summary } = readAll(concat(sectionHeader(true), interfaceBlock(1, true), bad));
    expect(summary.issues.map((found) => found.code)).toEqual(["bad-record-length"]);
  });
});

describe("capture reader on files that are not captures", () => {
  it("says a text file is not a capture", () => {
    const { datagrams, summary } = readAll(new TextEncoder().encode("hello, this is text\n"));
    expect(datagrams).toEqual([]);
    expect(summary.format).toBe("unknown");
    expect(summary.issues.map((found) => found.code)).toEqual(["not-a-capture"]);
  });

  it("says an empty or tiny file is not a capture", () => {
    expect(readAll(new Uint8Array(0)).summary.issues.map((found) => found.code)).toEqual([
      "empty-file",
    ]);
    const tiny = readAll(Uint8Array.from([0xd4, 0xc3]));
    expect(tiny.summary.format).toBe("unknown");
    expect(tiny.summary.issues.map((found) => found.code)).toEqual(["not-a-capture"]);
  });

  it("reports a pcap that ends inside its header", () => {
    const { summary } = readAll(original.subarray(0, 10));
    expect(summary.issues.map((found) => found.code)).toEqual(["truncated-file"]);
  });

  it("reports an unsupported pcap version", () => {
    const file = new Uint8Array(original);
    file[4] = 3;
    const { summary } = readAll(file);
    expect(summary.issues.map((found) => found.code)).toEqual(["unsupported-version"]);
  });
});

describe("capture reader properties", () => {
  it("never throws on arbitrary bytes after a pcap or pcapng start", () => {
    const starts = [original.subarray(0, 24), fixture("softflowd-v5.pcapng").subarray(0, 28)];
    fc.assert(
      fc.property(
        fc.constantFrom(...starts),
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat({ max: 500 }), { maxLength: 10 }),
        (start, tail, sizes) => {
          const { summary } = readAll(concat(start, tail), sizes);
          expect(summary.counters.udpDatagrams).toBeLessThanOrEqual(summary.counters.frames);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("never throws on mutated real captures", () => {
    const files = [original, fixture("softflowd-v5.pcapng"), fixture("softflowd-v5-sll2.pcap")];
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.nat(),
        (file, edits, cut) => {
          const byteLength = file.byteLength;
          const mutated = new Uint8Array(file);
          for (const { at, value } of edits) mutated[at % byteLength] = value;
          const { summary } = readAll(mutated.subarray(0, cut % (byteLength + 1)));
          expect(summary.counters.udpDatagrams).toBeLessThanOrEqual(summary.counters.frames);
        },
      ),
      { numRuns: 500 },
    );
  });
});
