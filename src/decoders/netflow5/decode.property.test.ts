import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4 } from "../../core/index.ts";
import type { DecodedFlow } from "../../core/index.ts";
import { decodeNetflow5 } from "./decode.ts";
import { encodeNetflow5 } from "./encode.ts";
import type { Netflow5EncodeHeader } from "./encode.ts";

const context = { exporterAddr: "192.0.2.9", receivedMs: 1_700_000_000_000 };
const ipv4 = fc.nat({ max: 0xffffffff }).map(formatIpv4);
const u8 = fc.nat({ max: 0xff });
const u16 = fc.nat({ max: 0xffff });
const u32 = fc.nat({ max: 0xffffffff });

const headerArbitrary: fc.Arbitrary<Netflow5EncodeHeader> = fc.record({
  sysUptimeMs: u32,
  unixSecs: fc.integer({ min: 1, max: 0xffffffff }),
  unixNsecs: fc.nat({ max: 999_999_999 }),
  flowSequence: u32,
  engineType: u8,
  engineId: u8,
  samplingMode: fc.nat({ max: 3 }),
  samplingInterval: fc.nat({ max: 0x3fff }),
});

/** Flows a v5 record can carry exactly: IPv4, 16/32-bit fields, ages below 2^31 ms. */
function flowArbitrary(header: Netflow5EncodeHeader): fc.Arbitrary<DecodedFlow> {
  const exportMs = header.unixSecs * 1000 + Math.floor(header.unixNsecs / 1e6);
  const age = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  return fc
    .record({
      startAge: age,
      endAge: age,
      inIf: u16,
      outIf: u16,
      srcAddr: ipv4,
      dstAddr: ipv4,
      srcPort: u16,
      dstPort: u16,
      protocol: u8,
      tcpFlags: u8,
      tos: u8,
      srcAs: u16,
      dstAs: u16,
      srcMaskLen: u8,
      dstMaskLen: u8,
      nextHop: ipv4,
      sampledBytes: u32,
      sampledPackets: u32,
    })
    .map(({ startAge, endAge, ...fields }) => ({
      startMs: exportMs - startAge,
      endMs: exportMs - endAge,
      exporterAddr: context.exporterAddr,
      source: "netflow5" as const,
      ipVersion: 4 as const,
      ...fields,
      samplingRate: header.samplingInterval > 0 ? header.samplingInterval : 1,
      samplingRateKnown: header.samplingInterval > 0,
    }));
}

const headerAndFlows = headerArbitrary.chain((header) =>
  fc.record({
    header: fc.constant(header),
    flows: fc.array(flowArbitrary(header), { minLength: 1, maxLength: 70 }),
  }),
);

describe("decodeNetflow5 properties", () => {
  it("round-trips: decode(encode(flows)) gives the same flows", () => {
    fc.assert(
      fc.property(headerAndFlows, ({ header, flows }) => {
        const decoded = encodeNetflow5(flows, header).map((datagram) =>
          decodeNetflow5(datagram, context),
        );
        expect(decoded.flatMap((result) => result.issues)).toEqual([]);
        expect(decoded.flatMap((result) => result.records)).toEqual(flows);
      }),
      { numRuns: 200 },
    );
  });

  it("never throws on arbitrary bytes, and never returns more records than fit", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const result = decodeNetflow5(bytes, context);
        expect(result.records.length).toBeLessThanOrEqual(Math.floor(bytes.byteLength / 48));
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on arbitrary bytes behind a valid v5 version field", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (tail) => {
        const bytes = new Uint8Array(tail.byteLength + 2);
        bytes[1] = 5;
        bytes.set(tail, 2);
        const result = decodeNetflow5(bytes, context);
        expect(result.records.length).toBeLessThanOrEqual(Math.floor(bytes.byteLength / 48));
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on mutated valid datagrams (bit flips, truncation, extension)", () => {
    const mutation = fc.record({
      flips: fc.array(fc.record({ at: fc.nat(), bit: fc.nat({ max: 7 }) }), { maxLength: 8 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      extra: fc.uint8Array({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(headerAndFlows, mutation, ({ header, flows }, { flips, cut, extra }) => {
        for (const datagram of encodeNetflow5(flows, header)) {
          const mutated = new Uint8Array(datagram.byteLength + extra.byteLength);
          mutated.set(datagram);
          mutated.set(extra, datagram.byteLength);
          for (const { at, bit } of flips) {
            const index = at % mutated.byteLength;
            mutated[index] = (mutated[index] ?? 0) ^ (1 << bit);
          }
          const input =
            cut === undefined ? mutated : mutated.subarray(0, cut % (mutated.byteLength + 1));
          const result = decodeNetflow5(input, context);
          expect(Array.isArray(result.issues)).toBe(true);
          expect(result.records.length).toBeLessThanOrEqual(Math.floor(input.byteLength / 48));
        }
      }),
      { numRuns: 300 },
    );
  });
});
