/**
 * The snapshot cache: a registry mapped back from its snapshot answers exactly as one loaded from
 * the sources (every segment boundary of a fixture, random addresses, `describe`, `sources`), and
 * a stale, damaged or unwritable snapshot only ever costs a load from the sources.
 */
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createSeededRandom, formatIpv4, u128ToIp } from "../../core/index.ts";
import type { RegistryEntry } from "./entry.ts";
import { loadAddressRegistry } from "./load.ts";
import type { AddressRegistry, AddressRegistryOptions } from "./load.ts";
import { REGISTRY_SNAPSHOT_FILE } from "./snapshot-cache.ts";
import {
  REGISTRY_SNAPSHOT_FIXED_BYTES,
  RegistrySnapshotError,
  decodeRegistrySnapshot,
} from "./snapshot.ts";
import { writeMmdb } from "./testdata/mmdb-writer.ts";

const directory = mkdtempSync(path.join(tmpdir(), "tollgate-registry-snapshot-"));
let dirNumber = 0;
const freshCacheDir = (): string => path.join(directory, `cache-${dirNumber++}`);

interface Range {
  readonly start: bigint;
  readonly end: bigint;
  readonly value: string;
}

// Names with quotes, commas, non-ASCII and astral characters: the string table's offsets are
// UTF-16 code units over UTF-8 bytes, so these are what could go wrong.
const ASNS = [
  '64500,"Alpha, Inc."',
  '64501,"LLC ""SPUTNIK"""',
  "64502,Société Générale",
  "64503,東京インターネット",
  "64504,Emoji 🛰 Networks",
  "64500,Alpha renamed",
  "64505,",
];
const COUNTRIES = ["US", "DE", "JP", "BR", "fr"];

/**
 * Sorted, nested and overlapping ranges in a few windows, so that the IPv4 index has /16s and
 * /24s split by segments and IPv6 2a00::/16 holds enough segments (over 256) for its /24 level.
 */
function fixtureRanges(
  random: () => number,
  values: readonly string[],
  family: 4 | 6,
  count: number,
): Range[] {
  const pick = (): string => values[Math.floor(random() * values.length)] ?? "";
  const ranges: Range[] = [];
  for (let index = 0; index < count; index++) {
    let start: bigint;
    let size: bigint;
    if (family === 4) {
      const window = [0x01000000, 0x0a0a0000, 0xc0a80000, 0xfffff000][index % 4] ?? 0;
      start = BigInt(window + Math.floor(random() * 0x40000));
      size = BigInt(Math.floor(random() * (random() < 0.5 ? 64 : 0x4000)));
    } else {
      const high = index % 3 === 0 ? 0x2001n : 0x2a00n;
      start = (high << 112n) | (BigInt(Math.floor(random() * 2 ** 32)) << 80n);
      start |= BigInt(Math.floor(random() * 2 ** 32));
      size = random() < 0.5 ? BigInt(Math.floor(random() * 256)) : 1n << 90n;
    }
    const maximum = family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
    ranges.push({ start, end: start + size > maximum ? maximum : start + size, value: pick() });
  }
  return ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

const text = (family: 4 | 6, key: bigint): string =>
  family === 4 ? formatIpv4(Number(key)) : u128ToIp(key);

function writeCsv(name: string, family: 4 | 6, ranges: readonly Range[]): string {
  const file = path.join(directory, name);
  const lines = ranges.map(
    (range) => `${text(family, range.start)},${text(family, range.end)},${range.value}`,
  );
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

const random = createSeededRandom(20260622);
const fixture = {
  asn4: fixtureRanges(random, ASNS, 4, 1500),
  asn6: fixtureRanges(random, ASNS, 6, 900),
  country4: fixtureRanges(random, COUNTRIES, 4, 1500),
  country6: fixtureRanges(random, COUNTRIES, 6, 900),
};
const csvOptions: AddressRegistryOptions = {
  asn: {
    csv: {
      ipv4: writeCsv("asn-4.csv", 4, fixture.asn4),
      ipv6: writeCsv("asn-6.csv", 6, fixture.asn6),
    },
  },
  country: {
    csv: {
      ipv4: writeCsv("country-4.csv", 4, fixture.country4),
      ipv6: writeCsv("country-6.csv", 6, fixture.country6),
    },
  },
};

/** Every segment boundary of the fixture: each range's first and last address, and their sides. */
function boundaries(): string[] {
  const out: string[] = [];
  const add = (family: 4 | 6, ranges: readonly Range[]): void => {
    const maximum = family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
    for (const range of ranges) {
      for (const key of [range.start - 1n, range.start, range.end, range.end + 1n]) {
        if (key >= 0n && key <= maximum) out.push(text(family, key));
      }
    }
  };
  add(4, fixture.asn4);
  add(4, fixture.country4);
  add(6, fixture.asn6);
  add(6, fixture.country6);
  return out;
}

/** The two registries answer alike for `address`, in every form. */
function expectSameAnswers(fresh: AddressRegistry, cached: AddressRegistry, address: string): void {
  expect(cached.lookup(address), address).toEqual(fresh.lookup(address));
  expect(cached.describe(address), address).toEqual(fresh.describe(address));
}

/** Equal entries are one object, as the interner makes them (callers compare with `===`). */
function expectInterned(registry: AddressRegistry, addresses: readonly string[]): void {
  const seen = new Map<string, RegistryEntry>();
  for (const address of addresses) {
    const entry = registry.lookup(address);
    if (entry === undefined) continue;
    const key = `${entry.asn}|${entry.asName}|${entry.country}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, entry);
    else expect(entry, address).toBe(first);
    expect(Object.isFrozen(entry)).toBe(true);
  }
}

describe("the registry snapshot cache", () => {
  let fresh: AddressRegistry;
  let cached: AddressRegistry;
  let cacheDir: string;

  beforeAll(async () => {
    cacheDir = freshCacheDir();
    fresh = await loadAddressRegistry(csvOptions);
    const written = await loadAddressRegistry({ ...csvOptions, cacheDir });
    expect(written.cache).toMatchObject({ state: "written", reason: "no snapshot yet" });
    cached = await loadAddressRegistry({ ...csvOptions, cacheDir });
  });

  it("maps the snapshot back on the second load", () => {
    expect(fresh.cache).toEqual({ state: "off", file: undefined, reason: undefined });
    expect(cached.cache).toEqual({
      state: "hit",
      file: path.join(cacheDir, REGISTRY_SNAPSHOT_FILE),
      reason: undefined,
    });
    // Only the snapshot: no temporary file left behind.
    expect(readdirSync(cacheDir)).toEqual([REGISTRY_SNAPSHOT_FILE]);
  });

  it("keeps the sources, counts and memory figures", () => {
    expect(cached.sources).toEqual(fresh.sources);
    expect(cached.sources.map((source) => source.families)).toEqual([[4], [6], [4], [6]]);
    expect(cached.rangeCount).toBe(fresh.rangeCount);
    expect(cached.entryCount).toBe(fresh.entryCount);
    expect(cached.memoryBytes()).toBe(fresh.memoryBytes());
    // The fixture reaches every index level: IPv4 /24s split by segments (negative level-1
    // slots) and the IPv6 /24 level (2a00::/16 holds more than 256 segments).
    const snapshot = decodeRegistrySnapshot(
      readFileSync(path.join(cacheDir, REGISTRY_SNAPSHOT_FILE)),
    );
    expect(snapshot.ipv4.level1.some((slot) => slot < 0)).toBe(true);
    expect(snapshot.ipv6.subBuckets.length).toBeGreaterThan(0);
  });

  it("answers alike on every segment boundary of the fixture", () => {
    const addresses = boundaries();
    expect(addresses.length).toBeGreaterThan(15_000);
    for (const address of addresses) expectSameAnswers(fresh, cached, address);
    expectInterned(cached, addresses);
    // Non-ASCII names came back whole.
    const names = new Set(addresses.map((address) => cached.lookup(address)?.asName));
    expect(names).toContain("Emoji 🛰 Networks");
    expect(names).toContain("東京インターネット");
    expect(names).toContain('LLC "SPUTNIK"');
  });

  it("answers alike on random IPv4 and IPv6 addresses, hot-path forms included", () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(word, (address) => {
        expect(cached.lookupIpv4(address)).toEqual(fresh.lookupIpv4(address));
        expectSameAnswers(fresh, cached, formatIpv4(address));
      }),
      { numRuns: 2000 },
    );
    const first = fc.oneof(
      word,
      fc.integer({ min: 0x2a000000, max: 0x2a00ffff }),
      fc.integer({ min: 0x20010000, max: 0x2001ffff }),
    );
    fc.assert(
      fc.property(fc.tuple(first, word, word, word), ([w0, w1, w2, w3]) => {
        expect(cached.lookupIpv6(w0, w1, w2, w3)).toEqual(fresh.lookupIpv6(w0, w1, w2, w3));
        const key = (BigInt(w0) << 96n) | (BigInt(w1) << 64n) | (BigInt(w2) << 32n) | BigInt(w3);
        expectSameAnswers(fresh, cached, u128ToIp(key));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps an MMDB's sources (one file for both fields) and answers", async () => {
    const file = path.join(directory, "lite.mmdb");
    writeFileSync(
      file,
      writeMmdb({
        ipVersion: 6,
        recordSize: 28,
        databaseType: "ipinfo lite",
        networks: [
          {
            prefix: "1.0.0.0/24",
            data: { asn: "AS13335", as_name: "Cloudflare", country_code: "AU" },
          },
          { prefix: "2001:db8::/32", data: { asn: "AS64500", as_name: "Doc", country_code: "NL" } },
        ],
      }),
    );
    const options: AddressRegistryOptions = { asn: { mmdb: file }, country: { mmdb: file } };
    const mmdbCache = freshCacheDir();
    const first = await loadAddressRegistry({ ...options, cacheDir: mmdbCache });
    const second = await loadAddressRegistry({ ...options, cacheDir: mmdbCache });
    expect(second.cache.state).toBe("hit");
    expect(second.sources).toEqual(first.sources);
    for (const address of ["1.0.0.1", "2001:db8::1", "::ffff:1.0.0.1", "9.9.9.9"]) {
      expectSameAnswers(first, second, address);
    }
    expect(second.lookup("1.0.0.1")).toMatchObject({ asn: 13335, country: "AU" });
  });
});

describe("a snapshot that does not match or is damaged", () => {
  /** Loads once to write the snapshot; returns its path. */
  async function written(cacheDir: string, options = csvOptions): Promise<string> {
    const registry = await loadAddressRegistry({ ...options, cacheDir });
    expect(registry.cache.state).toBe("written");
    return path.join(cacheDir, REGISTRY_SNAPSHOT_FILE);
  }

  it("is rebuilt when a source file changes, and answers for the new content", async () => {
    const cacheDir = freshCacheDir();
    const file = path.join(directory, "changing.csv");
    writeFileSync(file, "1.0.0.0,1.0.0.255,64500,Before\n");
    const options: AddressRegistryOptions = { asn: { csv: { ipv4: file } }, country: "none" };
    await written(cacheDir, options);
    // Same size, new time: the key changes.
    writeFileSync(file, "1.0.0.0,1.0.0.255,64500,After!\n");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const changed = await loadAddressRegistry({ ...options, cacheDir });
    expect(changed.cache).toMatchObject({
      state: "written",
      reason: "built from other files, options or versions",
    });
    expect(changed.lookup("1.0.0.1")?.asName).toBe("After!");
    const again = await loadAddressRegistry({ ...options, cacheDir });
    expect(again.cache.state).toBe("hit");
    expect(again.lookup("1.0.0.1")?.asName).toBe("After!");
  });

  it("is rebuilt when the options change", async () => {
    const cacheDir = freshCacheDir();
    await written(cacheDir);
    const asnOnly = await loadAddressRegistry({ ...csvOptions, country: "none", cacheDir });
    expect(asnOnly.cache.state).toBe("written");
    expect(asnOnly.sources.map((source) => source.field)).toEqual(["asn", "asn"]);
    expect(asnOnly.lookup("1.0.0.1")?.country ?? "").toBe("");
  });

  const damages: readonly [string, (file: string) => void, RegExp][] = [
    [
      "truncated",
      (file) => {
        truncateSync(file, readFileSync(file).length - 100);
      },
      /truncated/,
    ],
    [
      "a flipped bit in a table",
      (file) => {
        const bytes = readFileSync(file);
        const at = bytes.length - 1000;
        bytes[at] = (bytes[at] ?? 0) ^ 0x10;
        writeFileSync(file, bytes);
      },
      /CRC-32/,
    ],
    [
      "another format version",
      (file) => {
        const bytes = readFileSync(file);
        bytes.writeUInt32LE(999, 8);
        writeFileSync(file, bytes);
      },
      /format version 999/,
    ],
    [
      "not a snapshot",
      (file) => {
        writeFileSync(file, "start,end,asn,name\n".repeat(10));
      },
      /bad magic/,
    ],
    [
      "empty",
      (file) => {
        writeFileSync(file, "");
      },
      /truncated/,
    ],
  ];

  for (const [name, damage, reason] of damages) {
    it(`is ignored and rewritten when ${name}`, async () => {
      const cacheDir = freshCacheDir();
      const file = await written(cacheDir);
      damage(file);
      const rebuilt = await loadAddressRegistry({ ...csvOptions, cacheDir });
      expect(rebuilt.cache.state).toBe("written");
      expect(rebuilt.cache.reason).toMatch(reason);
      expect(rebuilt.lookup("1.0.0.1")).toEqual(
        (await loadAddressRegistry(csvOptions)).lookup("1.0.0.1"),
      );
      expect((await loadAddressRegistry({ ...csvOptions, cacheDir })).cache.state).toBe("hit");
    });
  }

  it("throws only RegistrySnapshotError on damage (every truncation length, a bit per region)", async () => {
    const file = await written(freshCacheDir(), {
      asn: { csv: { ipv4: writeCsv("small.csv", 4, fixture.asn4.slice(0, 20)) } },
      country: "none",
    });
    const bytes = readFileSync(file);
    for (let length = 0; length < bytes.length; length += 97) {
      expect(() => decodeRegistrySnapshot(bytes.subarray(0, length))).toThrow(
        RegistrySnapshotError,
      );
    }
    for (let at = REGISTRY_SNAPSHOT_FIXED_BYTES; at < bytes.length; at += 4099) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 1;
      expect(() => decodeRegistrySnapshot(copy)).toThrow(RegistrySnapshotError);
    }
  });

  it("loads from the sources when the snapshot cannot be written", async () => {
    // The cache directory is a file: mkdir fails.
    const cacheDir = path.join(directory, "not-a-directory");
    writeFileSync(cacheDir, "");
    const registry = await loadAddressRegistry({ ...csvOptions, cacheDir });
    expect(registry.cache.state).toBe("not-written");
    expect(registry.cache.reason).toMatch(/EEXIST|ENOTDIR/);
    expect(registry.rangeCount).toBeGreaterThan(0);
  });
});
