/**
 * The merged tables against a brute-force oracle: random, overlapping ASN and country ranges with
 * different boundaries, random addresses (and every boundary ± 1), IPv4 and IPv6.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSeededRandom, formatIpv4, u128ToIp } from "../../core/index.ts";
import { loadAddressRegistry } from "./load.ts";
import type { RegistryEntry } from "./entry.ts";

const directory = mkdtempSync(path.join(tmpdir(), "tollgate-registry-merge-"));
let fileNumber = 0;

interface Range {
  start: bigint;
  end: bigint;
  value: string;
}

/** Oracle: of the ranges holding the address, the one starting last wins; ties: the later line. */
function oracle(ranges: readonly Range[], address: bigint): string | undefined {
  let best: Range | undefined;
  for (const range of ranges) {
    if (
      range.start <= address &&
      address <= range.end &&
      (best === undefined || range.start >= best.start)
    ) {
      best = range;
    }
  }
  return best?.value;
}

function expected(
  asn: readonly Range[],
  country: readonly Range[],
  address: bigint,
): RegistryEntry | undefined {
  const asnValue = oracle(asn, address);
  const countryValue = oracle(country, address) ?? "";
  if (asnValue === undefined && countryValue === "") return undefined;
  const [number, name] = asnValue === undefined ? ["0", ""] : asnValue.split("|");
  return {
    asn: Number(number),
    asName: name ?? "",
    country: countryValue,
    countryCode:
      countryValue === "" ? 0 : (countryValue.charCodeAt(0) << 8) | countryValue.charCodeAt(1),
  };
}

const ASNS = ["64500|Alpha, Inc.", '64501|Beta "B"', "64502|Gamma", "64500|Alpha renamed"];
const COUNTRIES = ["US", "DE", "JP", "BR"];

function rangeArbitrary(
  keys: fc.Arbitrary<bigint>,
  values: readonly string[],
): fc.Arbitrary<Range> {
  return fc
    .tuple(keys, keys, fc.constantFrom(...values))
    .map(([a, b, value]) => (a <= b ? { start: a, end: b, value } : { start: b, end: a, value }));
}

function csvLine(range: Range, text: (key: bigint) => string): string {
  const [number, name] = range.value.split("|");
  const tail = name === undefined ? range.value : `${number},"${name.replaceAll('"', '""')}"`;
  return `${text(range.start)},${text(range.end)},${tail}`;
}

function write(lines: readonly string[]): string {
  const target = path.join(directory, `ranges-${fileNumber++}.csv`);
  writeFileSync(target, lines.join("\n") + "\n");
  return target;
}

async function check(
  asn: Range[],
  country: Range[],
  probes: readonly bigint[],
  text: (key: bigint) => string,
  sorted: boolean,
  maximum: bigint,
): Promise<void> {
  if (sorted) {
    // Published files are sorted by start; the oracle's tie rule then equals "later line wins".
    asn.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    country.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }
  const registry = await loadAddressRegistry({
    asn: { csv: { ipv4: write(asn.map((range) => csvLine(range, text))) } },
    country: { csv: { ipv4: write(country.map((range) => csvLine(range, text))) } },
  });
  const points = new Set<bigint>(probes);
  for (const range of [...asn, ...country]) {
    for (const key of [range.start - 1n, range.start, range.end, range.end + 1n]) points.add(key);
  }
  for (const address of points) {
    if (address < 0n || address > maximum) continue;
    const found = registry.lookup(text(address));
    const want = expected(asn, country, address);
    if (want === undefined) expect(found, text(address)).toBeUndefined();
    else expect(found, text(address)).toEqual(want);
  }
}

describe("merging ASN and country ranges", () => {
  it("matches the oracle for IPv4", async () => {
    // Keys crowd into a few small windows (so ranges overlap and share boundaries), plus the ends.
    const key = fc
      .oneof(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0x0a000000, max: 0x0a000040 }),
        fc.integer({ min: 0xffffffc0, max: 0xffffffff }),
      )
      .map((value) => BigInt(value));
    await fc.assert(
      fc.asyncProperty(
        fc.array(rangeArbitrary(key, ASNS), { maxLength: 12 }),
        fc.array(rangeArbitrary(key, COUNTRIES), { maxLength: 12 }),
        fc.array(key, { maxLength: 20 }),
        fc.boolean(),
        async (asn, country, probes, sorted) => {
          await check(
            asn,
            country,
            probes,
            (value) => formatIpv4(Number(value)),
            sorted,
            0xffffffffn,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("matches the oracle for IPv6 across word boundaries", async () => {
    const word = fc.constantFrom(0, 1, 0x7fffffff, 0xfffffffe, 0xffffffff);
    const key = fc
      .tuple(fc.constantFrom(0x20010db8, 0x2a000000, 0xffffffff), word, word, word)
      .map(
        ([w0, w1, w2, w3]) =>
          (BigInt(w0) << 96n) | (BigInt(w1) << 64n) | (BigInt(w2) << 32n) | BigInt(w3),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(rangeArbitrary(key, ASNS), { maxLength: 12 }),
        fc.array(rangeArbitrary(key, COUNTRIES), { maxLength: 12 }),
        fc.array(key, { maxLength: 20 }),
        fc.boolean(),
        async (asn, country, probes, sorted) => {
          await check(asn, country, probes, u128ToIp, sorted, (1n << 128n) - 1n);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("matches the oracle in a crowded IPv6 /16 (second index level)", async () => {
    // 600 ASN and 400 country ranges inside 2a00::/16: more than enough segments for the /24
    // index, with boundaries inside and across /24s.
    const random = createSeededRandom(11);
    const key = (): bigint =>
      (0x2a00n << 112n) |
      (BigInt(Math.floor(random() * 2 ** 16)) << 96n) |
      (BigInt(Math.floor(random() * 2 ** 32)) << 64n);
    const ranges = (count: number, values: readonly string[]): Range[] =>
      Array.from({ length: count }, (_, index) => {
        const a = key();
        const b = a + (BigInt(Math.floor(random() * 2 ** 40)) * (1n << 64n)) / 256n;
        return {
          start: a,
          end: b < 1n << 128n ? b : a,
          value: values[index % values.length] ?? "",
        };
      });
    await check(ranges(600, ASNS), ranges(400, COUNTRIES), [], u128ToIp, true, (1n << 128n) - 1n);
  });

  it("describes the runs around an address and the files that gave them", async () => {
    const registry = await loadAddressRegistry({
      asn: {
        csv: { ipv4: write(["10.0.0.0,10.0.3.255,64500,Alpha", "10.0.4.0,10.0.4.255,64501,Beta"]) },
      },
      country: { csv: { ipv4: write(["10.0.0.0,10.0.0.255,US", "10.0.1.0,10.0.7.255,DE"]) } },
    });
    const description = registry.describe("10.0.2.9");
    expect(description?.entry).toEqual({
      asn: 64500,
      asName: "Alpha",
      country: "DE",
      countryCode: 0x4445,
    });
    expect(description?.asnRange).toBe("10.0.0.0 - 10.0.3.255");
    expect(description?.countryRange).toBe("10.0.1.0 - 10.0.7.255");
    expect(description?.asnSource?.kind).toBe("csv");
    expect(description?.countrySource?.field).toBe("country");
    expect(registry.describe("10.0.5.1")?.asnRange).toBeUndefined();
    expect(registry.describe("not an address")).toBeUndefined();
  });
});
