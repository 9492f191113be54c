import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { FlowBatch, countryText, formatIpv4, parsePrefix } from "../../core/index.ts";
import { buildNetworkTable } from "../../inventory/index.ts";
import { loadAddressRegistry, type AddressRegistry } from "../../inventory/registry/index.ts";
import { decodedFlow } from "../../../test/helpers/decoded-flow.ts";
import { createClassifier, networksOnly } from "./classifier.ts";

// The classifier answers a declared end's ASN and country once per network when the registry
// gives the whole prefix one answer (valueThroughout), and per address through its caches
// otherwise. Whatever the networks, the ranges and the addresses, every end must get what the
// registry gives that address, and the network the table gives it.

const directory = mkdtempSync(path.join(tmpdir(), "tollgate-end-facts-"));
let registry: AddressRegistry;

// IPv4: 11.0.0.0/8 cut into /12s with their own AS and country, but 11.64.0.0/10 split into
// /20s: a declared /16 there spans several ranges. IPv6: 2001:db8::/32 split on /40s.
const ipv4Lines: string[] = [];
const countryLines: string[] = [];
for (let block = 0; block < 16; block++) {
  const first = (0x0b000000 + block * 0x100000) >>> 0;
  const fine = block >= 4 && block < 8;
  const step = fine ? 0x1000 : 0x100000;
  for (let start = first; start < first + 0x100000; start += step) {
    const index = (start >>> 12) & 0xffff;
    ipv4Lines.push(
      `${formatIpv4(start)},${formatIpv4(start + step - 1)},${64512 + index},AS ${index}`,
    );
    const country = String.fromCharCode(65 + (index % 26), 65 + ((index >>> 5) % 26));
    countryLines.push(`${formatIpv4(start)},${formatIpv4(start + step - 1)},${country}`);
  }
}
const ipv6Lines: string[] = [];
for (let block = 0; block < 256; block++) {
  const group = (0x0d00 + block).toString(16);
  ipv6Lines.push(
    `2001:db8:${group}::,2001:db8:${group}:ffff:ffff:ffff:ffff:ffff,${65000 + block},v6 ${block}`,
  );
}

beforeAll(async () => {
  const file = (name: string, text: string): string => {
    const target = path.join(directory, name);
    writeFileSync(target, text);
    return target;
  };
  registry = await loadAddressRegistry({
    asn: {
      csv: {
        ipv4: file("asn4.csv", ipv4Lines.join("\n")),
        ipv6: file("asn6.csv", ipv6Lines.join("\n")),
      },
    },
    country: { csv: { ipv4: file("country4.csv", countryLines.join("\n")) } },
  });
});

describe("per-network registry answers", () => {
  it("say whether a prefix lies in one registry range", () => {
    const prefix = (text: string) => {
      const parsed = parsePrefix(text);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.prefix;
    };
    expect(registry.valueThroughout(prefix("11.0.16.0/20"))).toBe(registry.lookup("11.0.16.1"));
    expect(registry.valueThroughout(prefix("11.0.16.0/20"))).toBeDefined();
    expect(registry.valueThroughout(prefix("11.64.0.0/16"))).toBeNull();
    expect(registry.valueThroughout(prefix("11.64.16.0/20"))).toBe(registry.lookup("11.64.31.255"));
    expect(registry.valueThroughout(prefix("10.0.0.0/8"))).toBeUndefined();
    expect(registry.valueThroughout(prefix("2001:db8:d00::/48"))?.asn).toBe(65000);
    expect(registry.valueThroughout(prefix("2001:db8:d00::/40"))).toBeNull();
    expect(registry.valueThroughout(prefix("2001:db8::/32"))).toBeNull();
    expect(registry.valueThroughout(prefix("::/0"))).toBeNull();
  });

  it("give every end what the registry gives its address", () => {
    const v4Network = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map((second) => `11.${second}.0.0/16`),
      fc
        .integer({ min: 0, max: 0xfff })
        .map((n) => `${formatIpv4((0x0b000000 + (n << 12)) >>> 0)}/20`),
      fc.constant("10.0.0.0/8"),
      // /16s of 11.64.0.0/10, where the registry changes every /20: one answer per address.
      fc.integer({ min: 64, max: 127 }).map((second) => `11.${second}.0.0/16`),
    );
    // /48s, /56s, /64s and, now and then, an /80: networks no longer than /64 are matched
    // through the classifier's /64 cache, a longer one turns that cache off.
    const v6Group = fc.integer({ min: 0x0cf8, max: 0x0d07 }).map((group) => group.toString(16));
    const v6Subnet = fc.constantFrom("0", "1", "100");
    const v6Network = fc.oneof(
      v6Group.map((group) => `2001:db8:${group}::/48`),
      fc
        .tuple(v6Group, v6Subnet)
        .map(([group, subnet]) => `2001:db8:${group}:${subnet === "1" ? "0" : subnet}::/56`),
      fc.tuple(v6Group, v6Subnet).map(([group, subnet]) => `2001:db8:${group}:${subnet}::/64`),
      fc.tuple(v6Group, v6Subnet).map(([group, subnet]) => `2001:db8:${group}:${subnet}:1::/80`),
    );
    const address = fc.oneof(
      fc.integer({ min: 0x0a000000, max: 0x0bffffff }).map(formatIpv4),
      fc.integer({ min: 0x0b400000, max: 0x0b7fffff }).map(formatIpv4),
      fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4),
      fc
        .tuple(v6Group, v6Subnet, fc.constantFrom("0", "1"), fc.integer({ min: 0, max: 0xffff }))
        .map(
          ([group, subnet, interfaceId, host]) =>
            `2001:db8:${group}:${subnet}:${interfaceId}::${host.toString(16)}`,
        ),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uniqueArray(fc.oneof(v4Network, v6Network), { minLength: 1, maxLength: 30 }),
          // Enough IPv6 networks in one /16 for its radix index, where the /64 cache is used.
          fc.uniqueArray(v6Network, { minLength: 40, maxLength: 120 }),
        ),
        fc.array(fc.tuple(address, address), { minLength: 1, maxLength: 300 }),
        (cidrs, pairs) => {
          const networks = buildNetworkTable(
            cidrs.map((cidr, index) => ({ name: `n${index}`, cidrs: [cidr], tags: {} })),
          );
          if (!networks.ok) return; // nested duplicates are refused by the table, not our case
          const classifier = createClassifier({ ...networksOnly(networks.table), registry });
          const batch = new FlowBatch(pairs.length);
          for (const [srcAddr, dstAddr] of pairs) {
            const ipVersion = srcAddr.includes(":") || dstAddr.includes(":") ? 6 : 4;
            batch.appendDecoded(decodedFlow({ ipVersion, srcAddr, dstAddr }));
          }
          // Twice: the second pass answers from what the first one filled in.
          for (let pass = 0; pass < 2; pass++) {
            classifier.classifyRows(batch, 0, batch.length, 0);
            pairs.forEach(([src, dst], row) => {
              for (const [text, country, as, network] of [
                [src, batch.srcCountry[row], batch.srcAs[row], batch.srcNetwork[row]],
                [dst, batch.dstCountry[row], batch.dstAs[row], batch.dstNetwork[row]],
              ] as const) {
                const entry = registry.lookup(text);
                expect(countryText(country ?? 0), text).toBe(entry?.country ?? "");
                expect(as, text).toBe(entry?.asn ?? 0);
                const name = classifier.networks[(network ?? 0) - 1]?.name;
                expect(name, text).toBe(networks.table.lookup(text)?.name);
              }
            });
            batch.srcAs.fill(0);
            batch.dstAs.fill(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
