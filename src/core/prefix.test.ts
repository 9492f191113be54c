import { BlockList } from "node:net";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatIpv4, formatIpv6Groups } from "./ip.ts";
import {
  comparePrefixes,
  contains,
  isGlobalUnicast,
  isPrivateOrSpecial,
  parsePrefix,
  prefixContains,
} from "./prefix.ts";
import type { Prefix } from "./prefix.ts";

function prefixOf(text: string): Prefix {
  const result = parsePrefix(text);
  if (!result.ok) throw new Error(result.message);
  return result.prefix;
}

describe("parsePrefix", () => {
  it("parses IPv4 and IPv6 CIDR text to canonical form", () => {
    expect(prefixOf("10.0.0.0/8")).toEqual({
      version: 4,
      network: 0x0a000000,
      length: 8,
      text: "10.0.0.0/8",
    });
    expect(prefixOf("2001:DB8:0::/32")).toEqual({
      version: 6,
      words: [0x20010db8, 0, 0, 0],
      length: 32,
      text: "2001:db8::/32",
    });
    expect(prefixOf("0.0.0.0/0").text).toBe("0.0.0.0/0");
    expect(prefixOf("::/0").text).toBe("::/0");
  });

  it("reads a bare address as a host prefix", () => {
    expect(prefixOf("192.0.2.1").text).toBe("192.0.2.1/32");
    expect(prefixOf("2001:db8::1").text).toBe("2001:db8::1/128");
  });

  it("says which prefix was meant when host bits are set", () => {
    expect(parsePrefix("10.1.0.0/8")).toEqual({
      ok: false,
      message: "10.1.0.0/8 has host bits set: did you mean 10.0.0.0/8?",
    });
    expect(parsePrefix("2001:db8::1/32")).toEqual({
      ok: false,
      message: "2001:db8::1/32 has host bits set: did you mean 2001:db8::/32?",
    });
  });

  it("rejects bad addresses and lengths with a message naming the input", () => {
    for (const text of [
      "",
      "10.0.0.0/",
      "10.0.0.0/33",
      "10.0.0.0/08",
      "10.0.0.0/-1",
      "10.0.0/8",
      "2001:db8::/129",
      "2001:db8::/1/2",
      "example.com/24",
      " 10.0.0.0/8",
    ]) {
      const result = parsePrefix(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.message).toContain(text);
    }
  });

  it("round-trips canonical text for random prefixes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 32 }),
        (address, length) => {
          const network = length === 0 ? 0 : (address & (0xffffffff << (32 - length))) >>> 0;
          const text = `${formatIpv4(network)}/${length}`;
          expect(prefixOf(text).text).toBe(text);
        },
      ),
    );
  });
});

describe("contains", () => {
  it("matches node's BlockList on random IPv4 prefixes and addresses", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (base, length, address) => {
          const network = length === 0 ? 0 : (base & (0xffffffff << (32 - length))) >>> 0;
          const prefix = prefixOf(`${formatIpv4(network)}/${length}`);
          const list = new BlockList();
          list.addSubnet(formatIpv4(network), length, "ipv4");
          // Probe the random address and both edges of the prefix.
          for (const probe of [
            address,
            network,
            (network | (length === 32 ? 0 : 0xffffffff >>> length)) >>> 0,
          ]) {
            const text = formatIpv4(probe);
            expect(contains(prefix, text)).toBe(list.check(text, "ipv4"));
          }
        },
      ),
    );
  });

  it("matches node's BlockList on random IPv6 prefixes and addresses", () => {
    const groups = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(
        groups,
        fc.integer({ min: 0, max: 128 }),
        fc.integer({ min: 0, max: 128 }),
        (base, length, keep) => {
          // Mask the base through BigInt to get a valid network, then probe an address sharing
          // `keep` leading bits with it.
          const value = base.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
          const mask =
            length === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - length)) - 1n);
          const networkValue = value & mask;
          const toText = (v: bigint): string =>
            formatIpv6Groups(
              Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn)),
            );
          const prefix = prefixOf(`${toText(networkValue)}/${length}`);
          const probe = networkValue ^ (keep === 128 ? 0n : 1n << BigInt(127 - keep));
          const list = new BlockList();
          list.addSubnet(toText(networkValue), length, "ipv6");
          expect(contains(prefix, toText(probe))).toBe(list.check(toText(probe), "ipv6"));
        },
      ),
    );
  });

  it("never matches across families or non-addresses", () => {
    expect(contains(prefixOf("0.0.0.0/0"), "::1")).toBe(false);
    expect(contains(prefixOf("::/0"), "10.0.0.1")).toBe(false);
    expect(contains(prefixOf("::ffff:0:0/96"), "10.0.0.1")).toBe(false);
    expect(contains(prefixOf("0.0.0.0/0"), "nope")).toBe(false);
  });
});

describe("prefixContains and comparePrefixes", () => {
  it("orders enclosing prefixes before what they contain", () => {
    const texts = [
      "10.1.0.0/16",
      "::/0",
      "10.0.0.0/8",
      "9.0.0.0/8",
      "2001:db8::/32",
      "10.1.2.0/24",
    ];
    const sorted = texts
      .map(prefixOf)
      .sort(comparePrefixes)
      .map((prefix) => prefix.text);
    expect(sorted).toEqual([
      "9.0.0.0/8",
      "10.0.0.0/8",
      "10.1.0.0/16",
      "10.1.2.0/24",
      "::/0",
      "2001:db8::/32",
    ]);
    expect(prefixContains(prefixOf("10.0.0.0/8"), prefixOf("10.1.2.0/24"))).toBe(true);
    expect(prefixContains(prefixOf("10.1.2.0/24"), prefixOf("10.0.0.0/8"))).toBe(false);
    expect(prefixContains(prefixOf("::/0"), prefixOf("10.0.0.0/8"))).toBe(false);
  });
});

describe("isGlobalUnicast and isPrivateOrSpecial", () => {
  const notGlobal = [
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "127.0.0.1",
    "169.254.1.1",
    "192.0.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.251",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "0.0.0.0",
    "::",
    "::1",
    "::ffff:8.8.8.8",
    "100::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "2001:db8::1",
    "2001::1",
    "2001:2::1",
    "3fff::1",
    "5f00::1",
    "64:ff9b:1::1",
  ];
  const global = [
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "172.15.255.255",
    "100.128.0.1",
    "192.0.0.9",
    "192.0.0.10",
    "192.0.3.1",
    "198.20.0.1",
    "223.255.255.255",
    "2606:4700::1111",
    "2a00:1450::1",
    "2001:4860:4860::8888",
    "2001:4:112::1",
    "2001:20::1",
    "2002:c000:201::1",
    "64:ff9b::8.8.8.8",
  ];

  it.each(notGlobal)("%s is private or special", (address) => {
    expect(isPrivateOrSpecial(address)).toBe(true);
    expect(isGlobalUnicast(address)).toBe(false);
  });

  it.each(global)("%s is global unicast", (address) => {
    expect(isGlobalUnicast(address)).toBe(true);
    expect(isPrivateOrSpecial(address)).toBe(false);
  });

  it("says neither for text that is not an address", () => {
    expect(isGlobalUnicast("example.com")).toBe(false);
    expect(isPrivateOrSpecial("example.com")).toBe(false);
  });
});
