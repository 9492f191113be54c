/**
 * The MMDB walker against mmdb-lib's own `get()` on MMDB files written by the test writer
 * (testdata/mmdb-writer.ts): every network's first and last address, and random addresses, for
 * each record size, both tree families, MaxMind and IPinfo field spellings.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Reader } from "mmdb-lib";
import type { Response } from "mmdb-lib";
import { describe, expect, it } from "vitest";
import {
  AppError,
  createSeededRandom,
  formatIpv4,
  parsePrefix,
  u128ToIp,
} from "../../core/index.ts";
import { loadAddressRegistry } from "./load.ts";
import type { AddressRegistry } from "./load.ts";
import { writeMmdb } from "./testdata/mmdb-writer.ts";
import type { MmdbNetwork, MmdbValue } from "./testdata/mmdb-writer.ts";

const directory = mkdtempSync(path.join(tmpdir(), "tollgate-registry-mmdb-"));
let fileNumber = 0;

function save(bytes: Buffer): string {
  const target = path.join(directory, `db-${fileNumber++}.mmdb`);
  writeFileSync(target, bytes);
  return target;
}

const ASES = [
  { number: 15169, name: "Google LLC", country: "US" },
  { number: 13335, name: "Cloudflare, Inc.", country: "US" },
  { number: 3320, name: "Deutsche Telekom AG", country: "DE" },
  { number: 2497, name: "Internet Initiative Japan Inc.", country: "JP" },
  { number: 4200000001, name: "Private 32-bit ASN", country: "BR" },
];

type Style = "maxmind-asn" | "maxmind-city" | "ipinfo-lite";

/** One record as the named product writes it. */
function record(style: Style, index: number): MmdbValue {
  const as = ASES[index % ASES.length] ?? ASES[0]!;
  switch (style) {
    case "maxmind-asn":
      return { autonomous_system_number: as.number, autonomous_system_organization: as.name };
    case "maxmind-city":
      // Some records have only registered_country (anycast ranges), to test the fallback.
      return {
        city: {
          geoname_id: 5375480,
          names: { en: "Mountain View", de: "Mountain View", ja: "マウンテンビュー" },
        },
        continent: { code: "NA", geoname_id: 6255149, names: { en: "North America" } },
        ...(index % 3 === 0
          ? {}
          : { country: { geoname_id: 6252001, iso_code: as.country, names: { en: "x" } } }),
        location: {
          accuracy_radius: 1000,
          latitude: 37.386,
          longitude: -122.0838,
          metro_code: 807,
        },
        registered_country: {
          geoname_id: 2921044,
          iso_code: index % 3 === 0 ? "DE" : as.country,
          names: { en: "y" },
        },
        subdivisions: [{ geoname_id: 5332921, iso_code: "CA", names: { en: "California" } }],
        traits: { is_anycast: index % 2 === 0 },
      };
    case "ipinfo-lite":
      return {
        asn: `AS${as.number}`,
        as_name: as.name,
        as_domain: "example.com",
        country_code: as.country,
        country: "United States",
        continent_code: "NA",
      };
  }
}

/** Random non-overlapping-or-nested networks: IPv4 /8–/32, IPv6 /16–/64 and some /128. */
function networks(family: 4 | 6, style: Style, count: number, seed: number): MmdbNetwork[] {
  const random = createSeededRandom(seed);
  const list: MmdbNetwork[] = [];
  for (let index = 0; index < count; index++) {
    if (family === 4) {
      const length = 8 + Math.floor(random() * 25);
      const mask = length === 32 ? 0xffffffff : ~(0xffffffff >>> length) >>> 0;
      const network = (Math.floor(random() * 2 ** 32) & mask) >>> 0;
      list.push({ prefix: `${formatIpv4(network)}/${length}`, data: record(style, index) });
    } else {
      const length = random() < 0.1 ? 128 : 16 + Math.floor(random() * 49);
      let value = (0x2000n << 112n) | (BigInt(Math.floor(random() * 2 ** 32)) << 80n);
      value |= BigInt(Math.floor(random() * 2 ** 32)) << 48n;
      value |= BigInt(Math.floor(random() * 2 ** 32));
      value &= ((1n << BigInt(length)) - 1n) << BigInt(128 - length);
      list.push({ prefix: `${u128ToIp(value)}/${length}`, data: record(style, index) });
    }
  }
  return list;
}

function expectedFrom(
  data: Record<string, unknown> | null,
  style: Style,
): { asn: number; asName: string; country: string } | undefined {
  if (data === null) return undefined;
  if (style === "maxmind-asn") {
    return {
      asn: data.autonomous_system_number as number,
      asName: data.autonomous_system_organization as string,
      country: "",
    };
  }
  if (style === "ipinfo-lite") {
    return {
      asn: Number((data.asn as string).slice(2)),
      asName: data.as_name as string,
      country: data.country_code as string,
    };
  }
  const country = (data.country as { iso_code?: string } | undefined)?.iso_code;
  const registered = (data.registered_country as { iso_code?: string } | undefined)?.iso_code;
  return { asn: 0, asName: "", country: country ?? registered ?? "" };
}

function compare(
  registry: AddressRegistry,
  reader: Reader<Response>,
  style: Style,
  addresses: Iterable<string>,
): number {
  let compared = 0;
  for (const address of addresses) {
    const want = expectedFrom(reader.get(address) as Record<string, unknown> | null, style);
    const found = registry.lookup(address);
    if (want === undefined) expect(found, address).toBeUndefined();
    else
      expect(
        found === undefined
          ? undefined
          : { asn: found.asn, asName: found.asName, country: found.country },
        address,
      ).toEqual(want);
    compared++;
  }
  return compared;
}

/** First and last address of every network, and one past each end. */
function edges(list: readonly MmdbNetwork[]): string[] {
  const out: string[] = [];
  for (const network of list) {
    const parsed = parsePrefix(network.prefix);
    if (!parsed.ok) throw new Error(parsed.message);
    const prefix = parsed.prefix;
    if (prefix.version === 4) {
      const size = 2 ** (32 - prefix.length);
      for (const value of [
        prefix.network - 1,
        prefix.network,
        prefix.network + size - 1,
        prefix.network + size,
      ]) {
        if (value >= 0 && value <= 0xffffffff) out.push(formatIpv4(value));
      }
    } else {
      const start = prefix.words.reduce((sum, word) => (sum << 32n) | BigInt(word), 0n);
      const last = start + (1n << BigInt(128 - prefix.length)) - 1n;
      for (const value of [start - 1n, start, last, last + 1n]) {
        if (value >= 0n && value < 1n << 128n) out.push(u128ToIp(value));
      }
    }
  }
  return out;
}

describe("MMDB files", () => {
  for (const recordSize of [24, 28, 32] as const) {
    for (const style of ["maxmind-asn", "maxmind-city", "ipinfo-lite"] as const) {
      it(`reads an IPv6 tree with ${recordSize}-bit records (${style}) as mmdb-lib does`, async () => {
        const v4 = networks(4, style, 300, recordSize);
        const v6 = networks(6, style, 300, recordSize + 1);
        const bytes = writeMmdb({
          ipVersion: 6,
          recordSize,
          databaseType: `Test-${style}`,
          networks: [...v4, ...v6],
          aliasIpv4: true,
        });
        const file = save(bytes);
        const source = style === "maxmind-city" ? "none" : { mmdb: file };
        const registry = await loadAddressRegistry({
          asn: source,
          country: style === "maxmind-asn" ? "none" : { mmdb: file },
        });
        const reader = new Reader<Response>(bytes);
        const random = createSeededRandom(7);
        const randomAddresses = Array.from({ length: 2000 }, () =>
          formatIpv4(Math.floor(random() * 2 ** 32)),
        );
        const compared = compare(registry, reader, style, [
          ...edges(v4),
          ...edges(v6),
          ...randomAddresses,
        ]);
        expect(compared).toBeGreaterThan(2000);
        // IPv4-mapped and aliased addresses answer as IPv4 (mmdb-lib follows the alias too).
        const some = edges(v4)[1] ?? "0.0.0.0";
        expect(registry.lookup(`::ffff:${some}`)).toBe(registry.lookup(some));
        expect(registry.sources.map((item) => item.version)).toContain(
          `Test-${style} built 2023-11-14`,
        );
      });
    }
  }

  it("reads an IPv4-only tree", async () => {
    const v4 = networks(4, "ipinfo-lite", 500, 99);
    const bytes = writeMmdb({
      ipVersion: 4,
      recordSize: 24,
      databaseType: "ipinfo lite",
      networks: v4,
    });
    const file = save(bytes);
    const registry = await loadAddressRegistry({ asn: { mmdb: file }, country: { mmdb: file } });
    compare(registry, new Reader<Response>(bytes), "ipinfo-lite", edges(v4));
    expect(registry.lookup("2001:db8::1")).toBeUndefined();
    expect(registry.sources.map((item) => item.field)).toEqual(["asn", "country"]);
  });

  it("names the file and the problem of a broken MMDB", async () => {
    const good = writeMmdb({
      ipVersion: 6,
      recordSize: 28,
      databaseType: "Test",
      networks: networks(4, "maxmind-asn", 50, 3),
    });
    const cases: [string, Buffer][] = [
      ["no MaxMind DB metadata marker", Buffer.from("not an mmdb file at all")],
      [
        "is truncated",
        Buffer.concat([good.subarray(0, 30), good.subarray(good.lastIndexOf(0xab))]),
      ],
    ];
    // A tree record pointing past the data section.
    const broken = Buffer.from(good);
    broken.writeUIntBE(0xffffff, 0, 3);
    cases.push(["pointing outside the data section", broken]);
    for (const [message, bytes] of cases) {
      const file = save(bytes);
      const error = await loadAddressRegistry({ asn: { mmdb: file }, country: "none" }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error, message).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("ERR_REGISTRY_FORMAT");
      expect((error as AppError).message).toContain(file);
      expect((error as AppError).message).toContain(message);
    }
  });
});
