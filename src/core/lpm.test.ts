import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatIpv4, formatIpv6Groups } from "./ip.ts";
import { LpmTable } from "./lpm.ts";
import { containsIpv4, containsIpv6, parsePrefix } from "./prefix.ts";
import type { Prefix } from "./prefix.ts";

function prefixOf(text: string): Prefix {
  const result = parsePrefix(text);
  if (!result.ok) throw new Error(result.message);
  return result.prefix;
}

/** The oracle: a linear scan for the longest containing prefix; a later duplicate wins. */
function bruteForce(
  inserted: readonly { prefix: Prefix; value: number }[],
  address: string,
): number | undefined {
  let best: { length: number; value: number } | undefined;
  const v4 = address.includes(".") && !address.includes(":");
  const words = v4 ? undefined : ipv6Words(address);
  for (const { prefix, value } of inserted) {
    const hit =
      prefix.version === 4
        ? v4 && containsIpv4(prefix, ipv4Number(address))
        : words !== undefined && containsIpv6(prefix, ...words);
    if (hit && (best === undefined || prefix.length >= best.length)) {
      best = { length: prefix.length, value };
    }
  }
  return best?.value;
}

function ipv4Number(text: string): number {
  return text.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function ipv6Words(text: string): [number, number, number, number] {
  const prefix = prefixOf(text);
  if (prefix.version !== 6) throw new Error("not ipv6");
  return [...prefix.words];
}

function ipv4Text(network: number, length: number): string {
  const masked = length === 0 ? 0 : (network & (0xffffffff << (32 - length))) >>> 0;
  return `${formatIpv4(masked)}/${length}`;
}

function bigintToIpv6(value: bigint): string {
  return formatIpv6Groups(
    Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(112 - 16 * index)) & 0xffffn)),
  );
}

function ipv6Text(value: bigint, length: number): string {
  const hostBits = (1n << BigInt(128 - length)) - 1n;
  return `${bigintToIpv6(value & ~hostBits & ((1n << 128n) - 1n))}/${length}`;
}

// Addresses clustered around a few bases so that random prefixes nest and collide.
const ipv4Bases = [0x0a000000, 0x0a010000, 0x0a010200, 0xc0a80000, 0xffffffff, 0, 0x7f000001];
const ipv4Address = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc
    .tuple(fc.constantFrom(...ipv4Bases), fc.integer({ min: 0, max: 0x3ffff }))
    .map(([base, noise]) => (base ^ noise) >>> 0),
);
const ipv4Prefix = fc
  .tuple(ipv4Address, fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(0, 8, 16, 24, 32)))
  .map(([network, length]) => ipv4Text(network, length));

const ipv6Bases = [0n, 1n, 0x20010db8n << 96n, 0xfe80n << 112n, (1n << 128n) - 1n, 0xffffn << 32n];
const ipv6Address = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  fc
    .tuple(fc.constantFrom(...ipv6Bases), fc.bigInt({ min: 0n, max: (1n << 72n) - 1n }))
    .map(([base, noise]) => base ^ noise),
);
const ipv6Prefix = fc
  .tuple(
    ipv6Address,
    fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(0, 16, 32, 48, 64, 127, 128)),
  )
  .map(([value, length]) => ipv6Text(value, length));

/** Probe addresses: random ones plus the first and last address of every prefix and beyond. */
function probesFor(prefixes: readonly Prefix[], random: readonly string[]): string[] {
  const probes = [...random];
  for (const prefix of prefixes) {
    if (prefix.version === 4) {
      const last =
        (prefix.network | (prefix.length === 32 ? 0 : 0xffffffff >>> prefix.length)) >>> 0;
      for (const address of [prefix.network - 1, prefix.network, last, last + 1]) {
        if (address >= 0 && address <= 0xffffffff) probes.push(formatIpv4(address >>> 0));
      }
    } else {
      const [w0, w1, w2, w3] = prefix.words;
      const start = (BigInt(w0) << 96n) | (BigInt(w1) << 64n) | (BigInt(w2) << 32n) | BigInt(w3);
      const last = start | ((1n << BigInt(128 - prefix.length)) - 1n);
      for (const address of [start - 1n, start, last, last + 1n]) {
        if (address >= 0n && address < 1n << 128n) probes.push(bigintToIpv6(address));
      }
    }
  }
  return probes;
}

function checkAgainstOracle(texts: readonly string[], randomProbes: readonly string[]): void {
  const inserted = texts.map((text, index) => ({ prefix: prefixOf(text), value: index }));
  const table = new LpmTable<number>();
  for (const { prefix, value } of inserted) table.insert(prefix, value);
  // The same final set inserted in reverse order (each prefix with its last value) must agree.
  const lastValue = new Map(inserted.map(({ prefix, value }) => [prefix.text, value]));
  const reversed = new LpmTable<number>();
  for (const [text, value] of [...lastValue].reverse()) reversed.insert(text, value);
  expect(table.size).toBe(lastValue.size);
  for (const probe of probesFor(
    inserted.map((entry) => entry.prefix),
    randomProbes,
  )) {
    const expected = bruteForce(inserted, probe);
    expect(table.lookup(probe), probe).toBe(expected);
    expect(reversed.lookup(probe), probe).toBe(expected);
  }
}

describe("LpmTable", () => {
  it("finds the most specific IPv4 prefix", () => {
    const table = new LpmTable<string>();
    table.insert("10.0.0.0/8", "ten");
    table.insert("10.1.0.0/16", "ten-one");
    table.insert("10.1.2.0/24", "ten-one-two");
    table.insert("10.1.2.3/32", "host");
    table.insert("10.1.2.128/25", "upper-half");
    expect(table.lookup("10.9.9.9")).toBe("ten");
    expect(table.lookup("10.1.9.9")).toBe("ten-one");
    expect(table.lookup("10.1.2.4")).toBe("ten-one-two");
    expect(table.lookup("10.1.2.3")).toBe("host");
    expect(table.lookup("10.1.2.200")).toBe("upper-half");
    expect(table.lookup("11.0.0.0")).toBeUndefined();
    expect(table.lookupIpv4(0x0a010203)).toBe("host");
    expect(table.size).toBe(5);
  });

  it("lets a shorter prefix inserted later fill in around longer ones", () => {
    const table = new LpmTable<string>();
    table.insert("10.1.2.3/32", "host");
    table.insert("10.1.0.0/16", "ten-one");
    table.insert("0.0.0.0/0", "default");
    expect(table.lookup("10.1.2.3")).toBe("host");
    expect(table.lookup("10.1.2.4")).toBe("ten-one");
    expect(table.lookup("192.0.2.1")).toBe("default");
  });

  it("replaces the value of a prefix inserted twice, in either spelling", () => {
    const table = new LpmTable<string>();
    table.insert("2001:db8::/32", "first");
    table.insert("2001:DB8:0::/32", "second");
    table.insert("192.0.2.0/24", "first");
    table.insert(prefixOf("192.0.2.0/24"), "second");
    expect(table.size).toBe(2);
    expect(table.lookup("2001:db8::1")).toBe("second");
    expect(table.lookup("192.0.2.1")).toBe("second");
  });

  it("finds the most specific IPv6 prefix, /0 to /128", () => {
    const table = new LpmTable<string>();
    table.insert("::/0", "default");
    table.insert("2001:db8::/32", "doc");
    table.insert("2001:db8:1::/48", "site");
    table.insert("2001:db8:1::1/128", "host");
    table.insert("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "last");
    expect(table.lookup("2001:db8:1::1")).toBe("host");
    expect(table.lookup("2001:db8:1::2")).toBe("site");
    expect(table.lookup("2001:db8:2::")).toBe("doc");
    expect(table.lookup("::1")).toBe("default");
    expect(table.lookup("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).toBe("last");
    expect(table.lookup("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")).toBe("default");
    expect(table.lookupIpv6(0x20010db8, 0x00010000, 0, 1)).toBe("host");
  });

  it("keeps the families apart and answers undefined for non-addresses", () => {
    const table = new LpmTable<string>();
    table.insert("0.0.0.0/0", "v4");
    expect(table.lookup("::1")).toBeUndefined();
    expect(table.lookup("not an address")).toBeUndefined();
    table.insert("::/0", "v6");
    expect(table.lookup("::1")).toBe("v6");
    expect(table.lookup("10.0.0.1")).toBe("v4");
  });

  it("rebuilds IPv6 ranges after inserts that follow lookups", () => {
    const table = new LpmTable<string>();
    table.insert("2001:db8::/32", "doc");
    expect(table.lookup("2001:db8:1::1")).toBe("doc");
    table.insert("2001:db8:1::/48", "site");
    expect(table.lookup("2001:db8:1::1")).toBe("site");
  });

  it("throws on invalid prefix text (a programming error)", () => {
    const table = new LpmTable<string>();
    expect(() => {
      table.insert("10.1.0.0/8", "x");
    }).toThrow(/did you mean 10\.0\.0\.0\/8/);
  });

  it("agrees with a linear scan on random IPv4 prefix sets", () => {
    fc.assert(
      fc.property(
        fc.array(ipv4Prefix, { maxLength: 60 }),
        fc.array(ipv4Address.map(formatIpv4), { maxLength: 40 }),
        (texts, probes) => {
          checkAgainstOracle(texts, probes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with a linear scan on random IPv6 prefix sets", () => {
    fc.assert(
      fc.property(
        fc.array(ipv6Prefix, { maxLength: 60 }),
        fc.array(ipv6Address.map(bigintToIpv6), { maxLength: 40 }),
        (texts, probes) => {
          checkAgainstOracle(texts, probes);
        },
      ),
      { numRuns: 300 },
    );
  });

  // Enough ranges in one /16 for its second index (32 or more), sharing from 16 to ~120 bits:
  // the sub-bucket bits then sit anywhere in the address, across word boundaries too.
  it("agrees with a linear scan when prefixes crowd one /16", () => {
    const crowded = fc
      .tuple(
        fc.constantFrom(0xfd00n << 112n, (0x2a00n << 112n) | (0x1450n << 96n)),
        fc.integer({ min: 1, max: 60 }),
      )
      .chain(([base, width]) =>
        fc.array(
          fc
            .tuple(
              // Clusters inside the cluster, so that sub-buckets are crowded in turn.
              fc.constantFrom(0n, 1n << 100n, 1n << 80n, (1n << 80n) | (1n << 60n)),
              fc.bigInt({ min: 0n, max: (1n << BigInt(width)) - 1n }),
              fc.integer({ min: 16, max: 128 }),
            )
            .map(([cluster, noise, length]) => ipv6Text(base | cluster | noise, length)),
          { minLength: 20, maxLength: 200 },
        ),
      );
    fc.assert(
      fc.property(
        crowded,
        fc.array(ipv6Address.map(bigintToIpv6), { maxLength: 20 }),
        (texts, probes) => {
          checkAgainstOracle(texts, probes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with a linear scan on mixed families with duplicates", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(ipv4Prefix, ipv6Prefix), { maxLength: 40 }).chain((texts) =>
          fc.tuple(
            fc.constant(texts),
            fc.array(fc.constantFrom(...(texts.length > 0 ? texts : ["::/0"])), {
              maxLength: 10,
            }),
          ),
        ),
        ([texts, duplicates]) => {
          checkAgainstOracle([...texts, ...duplicates], []);
        },
      ),
      { numRuns: 200 },
    );
  });
});
