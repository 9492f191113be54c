import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatIpv4, formatIpv6Groups, parseIpv6Groups, parseIpv6ToWords } from "./ip.ts";

function viaGroups(text: string): number[] | undefined {
  const groups = parseIpv6Groups(text);
  if (groups === undefined) return undefined;
  return [0, 1, 2, 3].map(
    (word) => (((groups[2 * word] ?? 0) << 16) | (groups[2 * word + 1] ?? 0)) >>> 0,
  );
}

function viaWords(text: string): number[] | undefined {
  const out = new Uint32Array(4);
  return parseIpv6ToWords(text, out) ? [...out] : undefined;
}

const groupsArbitrary = fc.array(
  fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })),
  { minLength: 8, maxLength: 8 },
);

/** Spellings of one address: canonical, uncompressed, upper case, padded, embedded IPv4 tail. */
const spellingArbitrary = fc
  .tuple(groupsArbitrary, fc.integer({ min: 0, max: 4 }))
  .map(([groups, style]) => {
    switch (style) {
      case 0:
        return formatIpv6Groups(groups);
      case 1:
        return groups.map((group) => group.toString(16)).join(":");
      case 2:
        return formatIpv6Groups(groups).toUpperCase();
      case 3:
        return groups.map((group) => group.toString(16).padStart(4, "0")).join(":");
      default: {
        const head = groups.slice(0, 6).map((group) => group.toString(16));
        const tail = formatIpv4((((groups[6] ?? 0) << 16) | (groups[7] ?? 0)) >>> 0);
        return `${head.join(":")}:${tail}`;
      }
    }
  });

describe("parseIpv6ToWords", () => {
  it("parses the usual forms", () => {
    expect(viaWords("::")).toEqual([0, 0, 0, 0]);
    expect(viaWords("::1")).toEqual([0, 0, 0, 1]);
    expect(viaWords("2001:db8::1")).toEqual([0x20010db8, 0, 0, 1]);
    expect(viaWords("::ffff:192.0.2.1")).toEqual([0, 0, 0xffff, 0xc0000201]);
    expect(viaWords("FE80::")).toEqual([0xfe800000, 0, 0, 0]);
    expect(viaWords("1:2:3:4:5:6:7:8")).toEqual([0x10002, 0x30004, 0x50006, 0x70008]);
  });

  it("rejects what is not an IPv6 address", () => {
    for (const text of [
      "",
      ":",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2:",
      ":1::2",
      "12345::",
      "fe80::1%eth0",
      "192.0.2.1",
      "::1.2.3",
      "::ffff:1.2.3.4:5",
      "g::",
      "1:2:3:4:5:6:7::8",
    ]) {
      expect(viaWords(text), text).toBeUndefined();
      expect(viaGroups(text), text).toBeUndefined();
    }
  });

  it("agrees with parseIpv6Groups on every spelling of random addresses", () => {
    fc.assert(
      fc.property(spellingArbitrary, (text) => {
        expect(viaWords(text)).toEqual(viaGroups(text));
        expect(viaWords(text)).toBeDefined();
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with parseIpv6Groups on arbitrary text over the address alphabet", () => {
    const alphabet = fc.constantFrom(..."0123456789abcdefABCDEF:.%g".split(""));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 46 }), (text) => {
        expect(viaWords(text)).toEqual(viaGroups(text));
      }),
      { numRuns: 5000 },
    );
  });
});
