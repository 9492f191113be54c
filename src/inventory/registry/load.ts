/**
 * Loads the address registry: origin ASN, AS name and country for every address, from the
 * bundled @ip-location-db data or the user's CSV/MMDB files, merged into one lookup table per
 * family. Loading is a pure function of the options and the files: a service reloads by calling
 * it again and swapping the reference it holds (docs/32-asn-country.md, "Reloading"). With a
 * cache directory, the built tables are saved as a snapshot and mapped back by the next load of
 * the same files (snapshot.ts, snapshot-cache.ts).
 */
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import {
  AppError,
  formatIpv4,
  formatIpv6Groups,
  ipv4Mask,
  ipv6WordMask,
  parseIpv4ToU32,
  parseIpv6ToWords,
  type Prefix,
} from "../../core/index.ts";
import { parseAsnCsv, parseCountryCsv } from "./csv.ts";
import type { RangeSinks } from "./csv.ts";
import { EntryInterner, countryCodeToText } from "./entry.ts";
import type { RegistryEntry } from "./entry.ts";
import { mergeRanges } from "./merge.ts";
import { MmdbFormatError, walkMmdb } from "./mmdb.ts";
import type { MmdbTargets } from "./mmdb.ts";
import { RangeListBuilder, normalizeRanges } from "./range-list.ts";
import { encodeRegistrySnapshot } from "./snapshot.ts";
import {
  REGISTRY_SNAPSHOT_FILE,
  readRegistrySnapshot,
  registrySnapshotKey,
  writeRegistrySnapshot,
} from "./snapshot-cache.ts";
import type { RegistryField, RegistrySource, RegistrySourceKind } from "./source.ts";
import { Ipv4Table, Ipv6Table } from "./table.ts";
import { AsnValues } from "./values.ts";

/**
 * Where one field (ASN or country) comes from. A chosen source replaces the default for that
 * field entirely, for both families: mixing two databases' opinions address by address would
 * make `explain` answers depend on which one happened to cover a range.
 */
export type RegistrySourceOption =
  | "default"
  | "none"
  | { readonly mmdb: string }
  | { readonly csv: { readonly ipv4: string; readonly ipv6?: string } };

export interface AddressRegistryOptions {
  /** Default: the bundled @ip-location-db/asn ranges. */
  readonly asn?: RegistrySourceOption;
  /** Default: the bundled @ip-location-db/geo-whois-asn-country ranges. */
  readonly country?: RegistrySourceOption;
  /**
   * Where to keep the snapshot of the built tables (created when missing). A load whose files,
   * sizes, times and options match the snapshot maps it back instead of parsing; any other load
   * parses and rewrites it. Absent: no snapshot is read or written.
   */
  readonly cacheDir?: string;
}

/** What a load did with the snapshot cache. */
export interface RegistryCacheOutcome {
  /**
   * `off`: no cache directory. `hit`: mapped from the snapshot. `written`: loaded from the
   * sources, snapshot (re)written. `not-written`: loaded from the sources, the snapshot could not
   * be written (`reason` says why); the registry is complete either way.
   */
  readonly state: "off" | "hit" | "written" | "not-written";
  /** The snapshot file; undefined when `off`. */
  readonly file: string | undefined;
  /** Why the snapshot was not used (`no snapshot yet`, `damaged: …`) or not written. */
  readonly reason: string | undefined;
}

/** What `explain` shows about an address. Ranges are `first - last`, inclusive. */
export interface RegistryDescription {
  /** Canonical address text. */
  readonly address: string;
  readonly entry: RegistryEntry | undefined;
  /** The run of addresses around this one with the same ASN; undefined when no ASN is known. */
  readonly asnRange: string | undefined;
  /** The run of addresses around this one with the same country; undefined when unknown. */
  readonly countryRange: string | undefined;
  /** The files that gave the ASN and the country for the address's family. */
  readonly asnSource: RegistrySource | undefined;
  readonly countrySource: RegistrySource | undefined;
}

export interface AddressRegistry {
  /** Hot path: the entry of an IPv4 address as an unsigned 32-bit number. Allocates nothing. */
  lookupIpv4(address: number): RegistryEntry | undefined;
  /**
   * Hot path: the entry of an IPv6 address as four unsigned 32-bit words, most significant first
   * (as core's LpmTable). IPv4-mapped addresses (`::ffff:a.b.c.d`) answer as their IPv4 address.
   */
  lookupIpv6(w0: number, w1: number, w2: number, w3: number): RegistryEntry | undefined;
  /**
   * The entry all of a prefix's addresses share (undefined: they share "none"), or null when
   * they differ: when the prefix's first and last addresses fall in one segment.
   */
  valueThroughout(prefix: Prefix): RegistryEntry | undefined | null;
  /** The entry of an address given as text; undefined for unknown addresses and non-addresses. */
  lookup(address: string): RegistryEntry | undefined;
  /** Why an address has its entry; undefined when the text is not an address. */
  describe(address: string): RegistryDescription | undefined;
  readonly sources: readonly RegistrySource[];
  /** Segments in the lookup tables (both families). */
  readonly rangeCount: number;
  /** Distinct entries (ASN, name, country combinations). */
  readonly entryCount: number;
  /** Bytes of the lookup tables' typed arrays plus an estimate of the interned entries. */
  memoryBytes(): number;
  /**
   * Every AS number the registry names, with its name (what a store's `as_names` holds). A
   * number given two names (two sources disagreeing) keeps the first one interned.
   */
  asNames(): ReadonlyMap<number, string>;
  /** Whether this registry came from the snapshot cache (for logs and tests, not for lookups). */
  readonly cache: RegistryCacheOutcome;
}

interface PlannedFile {
  readonly field: RegistryField;
  readonly kind: RegistrySourceKind;
  readonly format: "csv" | "mmdb";
  readonly file: string;
  readonly version: string | undefined;
}

const require = createRequire(import.meta.url);

/** The bundled data files of a field (resolved through Node's resolution, not a fixed path). */
function defaultFiles(field: RegistryField): PlannedFile[] {
  const packageName =
    field === "asn" ? "@ip-location-db/asn" : "@ip-location-db/geo-whois-asn-country";
  const stem = field === "asn" ? "asn" : "geo-whois-asn-country";
  let manifest: string;
  try {
    manifest = require.resolve(`${packageName}/package.json`);
  } catch (error) {
    throw new AppError(
      "ERR_REGISTRY_READ",
      `the default ${field} data package ${packageName} is not installed: reinstall tollgate, ` +
        `or set the ${field} source to a CSV or MMDB file, or to "none"`,
      { cause: error },
    );
  }
  const directory = path.dirname(manifest);
  const version = (require(manifest) as { version?: string }).version ?? "unknown";
  return [4, 6].map((family) => ({
    field,
    kind: "default",
    format: "csv",
    file: path.join(directory, `${stem}-ipv${family}.csv`),
    version: `${packageName} ${version}`,
  }));
}

function plan(field: RegistryField, option: RegistrySourceOption): PlannedFile[] {
  if (option === "none") return [];
  if (option === "default") return defaultFiles(field);
  if ("mmdb" in option) {
    return [
      { field, kind: "mmdb", format: "mmdb", file: path.resolve(option.mmdb), version: undefined },
    ];
  }
  const files = [option.csv.ipv4, ...(option.csv.ipv6 === undefined ? [] : [option.csv.ipv6])];
  return files.map((file) => ({
    field,
    kind: "csv",
    format: "csv",
    file: path.resolve(file),
    version: undefined,
  }));
}

async function readData(file: PlannedFile): Promise<Buffer> {
  try {
    return await readFile(file.file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError(
      "ERR_REGISTRY_READ",
      `cannot read the ${file.field} data file ${file.file}: ${reason}`,
      { cause: error },
    );
  }
}

async function fileDate(file: string): Promise<string> {
  const info = await stat(file);
  return `file of ${info.mtime.toISOString().slice(0, 10)}`;
}

/**
 * Reads the sources and builds the registry. Parsing yields to the event loop between slices of
 * lines, so a reload inside a running collector delays its receivers by milliseconds, not by
 * the whole load.
 */
export async function loadAddressRegistry(
  options: AddressRegistryOptions = {},
): Promise<AddressRegistry> {
  const files = [
    ...plan("asn", options.asn ?? "default"),
    ...plan("country", options.country ?? "default"),
  ];
  const { cacheDir } = options;
  if (cacheDir === undefined) {
    const built = await buildFromSources(files);
    return new Registry(built, { state: "off", file: undefined, reason: undefined });
  }
  const file = path.join(cacheDir, REGISTRY_SNAPSHOT_FILE);
  // Stat'ed before the sources are read: see registrySnapshotKey.
  const key = await registrySnapshotKey(files);
  let missReason = "a source file cannot be stat'ed";
  if (key !== undefined) {
    const read = await readRegistrySnapshot(cacheDir, key);
    if (read.ok) {
      const { snapshot } = read;
      return new Registry(
        {
          ipv4: new Ipv4Table(snapshot.ipv4, snapshot.entries),
          ipv6: new Ipv6Table(snapshot.ipv6, snapshot.entries),
          entries: snapshot.entries,
          sources: snapshot.sources,
        },
        { state: "hit", file, reason: undefined },
      );
    }
    missReason = read.reason;
  }
  const built = await buildFromSources(files);
  if (key === undefined) {
    return new Registry(built, { state: "not-written", file, reason: missReason });
  }
  try {
    await writeRegistrySnapshot(
      cacheDir,
      encodeRegistrySnapshot({
        key,
        sources: built.sources,
        ipv4: built.ipv4.parts(),
        ipv6: built.ipv6.parts(),
        entries: built.entries,
      }),
    );
  } catch (error) {
    // The registry is complete without its snapshot: the next load parses again and retries.
    const reason = error instanceof Error ? error.message : String(error);
    return new Registry(built, { state: "not-written", file, reason });
  }
  return new Registry(built, { state: "written", file, reason: missReason });
}

/** A registry's parts, from the sources or from a snapshot. */
interface BuiltRegistry {
  readonly ipv4: Ipv4Table;
  readonly ipv6: Ipv6Table;
  readonly entries: readonly (RegistryEntry | undefined)[];
  readonly sources: readonly RegistrySource[];
}

async function buildFromSources(files: readonly PlannedFile[]): Promise<BuiltRegistry> {
  const asnValues = new AsnValues();
  const asn: RangeSinks = { ipv4: new RangeListBuilder(), ipv6: new RangeListBuilder() };
  const country: RangeSinks = { ipv4: new RangeListBuilder(), ipv6: new RangeListBuilder() };
  const sources: RegistrySource[] = [];
  // One MMDB can give both fields (IPinfo lite); walk it once for both.
  const walked = new Map<string, { version: string; networks: number }>();
  const familiesOf = (file: PlannedFile, before: readonly [number, number]): (4 | 6)[] => {
    const sinks = file.field === "asn" ? asn : country;
    const families: (4 | 6)[] = [];
    if (sinks.ipv4.length > before[0]) families.push(4);
    if (sinks.ipv6.length > before[1]) families.push(6);
    return families;
  };
  const lengths = (file: PlannedFile): readonly [number, number] => {
    const sinks = file.field === "asn" ? asn : country;
    return [sinks.ipv4.length, sinks.ipv6.length];
  };
  // MMDB walks fill both fields at once: the families each field got, by file.
  const mmdbFamilies = new Map<string, (4 | 6)[]>();
  for (const file of files) {
    if (file.format === "mmdb") {
      let result = walked.get(file.file);
      if (result === undefined) {
        const both = files.filter((other) => other.format === "mmdb" && other.file === file.file);
        const targets: MmdbTargets = {
          ...(both.some((other) => other.field === "asn")
            ? { asn: { values: asnValues, ipv4: asn.ipv4, ipv6: asn.ipv6 } }
            : {}),
          ...(both.some((other) => other.field === "country") ? { country } : {}),
        };
        const bytes = await readData(file);
        const before = both.map((other) => lengths(other));
        try {
          const walk = walkMmdb(bytes, targets);
          const built = walk.metadata.buildEpoch * 1000;
          result = {
            version: `${walk.metadata.databaseType || "MMDB"} built ${new Date(built).toISOString().slice(0, 10)}`,
            networks: walk.networks,
          };
        } catch (error) {
          if (!(error instanceof MmdbFormatError)) throw error;
          throw new AppError(
            "ERR_REGISTRY_FORMAT",
            `the ${file.field} file ${file.file} is not a valid MaxMind DB: it ${error.message}`,
            { cause: error },
          );
        }
        both.forEach((other, index) => {
          mmdbFamilies.set(
            `${other.field} ${other.file}`,
            familiesOf(other, before[index] ?? [0, 0]),
          );
        });
        walked.set(file.file, result);
        await yieldToLoop();
      }
      sources.push({
        field: file.field,
        kind: file.kind,
        file: file.file,
        version: result.version,
        ranges: result.networks,
        families: mmdbFamilies.get(`${file.field} ${file.file}`) ?? [],
      });
      continue;
    }
    const bytes = await readData(file);
    const before = lengths(file);
    const ranges =
      file.field === "asn"
        ? await parseAsnCsv(bytes, file.file, asnValues, asn)
        : await parseCountryCsv(bytes, file.file, country);
    sources.push({
      field: file.field,
      kind: file.kind,
      file: file.file,
      version: file.version ?? (await fileDate(file.file)),
      ranges,
      families: familiesOf(file, before),
    });
  }

  const interner = new EntryInterner();
  // Entry index per (ASN value, country code) pair met while merging.
  const pairs = new Map<number, number>();
  const resolve = (asnValue: number, countryCode: number): number => {
    const key = (asnValue + 1) * 65_536 + (countryCode < 0 ? 0 : countryCode);
    let entry = pairs.get(key);
    if (entry === undefined) {
      const value = asnValues.list[asnValue];
      entry = interner.intern(
        value?.asn ?? 0,
        value?.name ?? "",
        countryCode < 0 ? "" : countryCodeToText(countryCode),
      );
      pairs.set(key, entry);
    }
    return entry;
  };
  const ipv4Segments = mergeRanges(
    normalizeRanges(asn.ipv4.build()),
    normalizeRanges(country.ipv4.build()),
    resolve,
  );
  await yieldToLoop();
  const ipv6Segments = mergeRanges(
    normalizeRanges(asn.ipv6.build()),
    normalizeRanges(country.ipv6.build()),
    resolve,
  );
  return {
    ipv4: Ipv4Table.fromSegments(ipv4Segments, interner.entries),
    ipv6: Ipv6Table.fromSegments(ipv6Segments, interner.entries),
    entries: interner.entries,
    sources,
  };
}

/** Rough V8 cost of one interned entry: object with four fields and its name string. */
const ENTRY_OBJECT_BYTES = 56;

class Registry implements AddressRegistry {
  readonly sources: readonly RegistrySource[];
  readonly rangeCount: number;
  readonly entryCount: number;
  readonly cache: RegistryCacheOutcome;
  readonly #ipv4: Ipv4Table;
  readonly #ipv6: Ipv6Table;
  readonly #entries: readonly (RegistryEntry | undefined)[];
  readonly #scratch = new Uint32Array(4);

  constructor({ ipv4, ipv6, entries, sources }: BuiltRegistry, cache: RegistryCacheOutcome) {
    this.cache = Object.freeze(cache);
    this.#ipv4 = ipv4;
    this.#ipv6 = ipv6;
    this.#entries = entries;
    this.sources = Object.freeze(sources.map((source) => Object.freeze(source)));
    this.rangeCount = ipv4.segmentCount + ipv6.segmentCount;
    this.entryCount = entries.length - 1;
  }

  lookupIpv4(address: number): RegistryEntry | undefined {
    return this.#ipv4.lookup(address);
  }

  asNames(): ReadonlyMap<number, string> {
    const names = new Map<number, string>();
    for (const entry of this.#entries) {
      if (entry === undefined || entry.asn === 0 || entry.asName === "") continue;
      if (!names.has(entry.asn)) names.set(entry.asn, entry.asName);
    }
    return names;
  }

  lookupIpv6(w0: number, w1: number, w2: number, w3: number): RegistryEntry | undefined {
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) return this.#ipv4.lookup(w3 >>> 0);
    return this.#ipv6.lookup(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0);
  }

  valueThroughout(prefix: Prefix): RegistryEntry | undefined | null {
    if (prefix.version === 4) {
      const first = prefix.network >>> 0;
      const last = (first | ~ipv4Mask(prefix.length)) >>> 0;
      const segment = this.#ipv4.segmentOf(first);
      return segment === this.#ipv4.segmentOf(last) ? this.#ipv4.entryOf(segment) : null;
    }
    const [w0, w1, w2, w3] = prefix.words;
    const last = [0, 1, 2, 3].map(
      (word) => ((prefix.words[word] ?? 0) | ~ipv6WordMask(prefix.length, word)) >>> 0,
    );
    // IPv4-mapped addresses answer from the IPv4 table (lookupIpv6): a prefix reaching into
    // ::ffff:0:0/96 is not one IPv6 segment's business.
    const mappedFirst = [0, 0, 0xffff, 0];
    const mappedLast = [0, 0, 0xffff, 0xffffffff];
    const below = (a: readonly number[], b: readonly number[]): boolean => {
      for (let word = 0; word < 4; word++) {
        if ((a[word] ?? 0) !== (b[word] ?? 0)) return (a[word] ?? 0) < (b[word] ?? 0);
      }
      return false;
    };
    if (!below(last, mappedFirst) && !below(mappedLast, [w0, w1, w2, w3])) return null;
    const segment = this.#ipv6.segmentOf(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0);
    const lastSegment = this.#ipv6.segmentOf(
      last[0] ?? 0,
      last[1] ?? 0,
      last[2] ?? 0,
      last[3] ?? 0,
    );
    return segment === lastSegment ? this.#ipv6.entryOf(segment) : null;
  }

  lookup(address: string): RegistryEntry | undefined {
    const v4 = parseIpv4ToU32(address);
    if (v4 >= 0) return this.#ipv4.lookup(v4);
    const words = this.#scratch;
    if (!parseIpv6ToWords(address, words)) return undefined;
    return this.lookupIpv6(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
  }

  describe(address: string): RegistryDescription | undefined {
    let v4 = parseIpv4ToU32(address);
    const words = new Uint32Array(4);
    if (v4 < 0) {
      if (!parseIpv6ToWords(address, words)) return undefined;
      if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) v4 = words[3] ?? 0;
    }
    const family = v4 >= 0 ? 4 : 6;
    // The last file wins where files overlap (see normalizeRanges), so search from the end.
    const sourceOf = (field: RegistryField): RegistrySource | undefined =>
      this.sources.findLast((source) => source.field === field && source.families.includes(family));
    const sameAsn = (a: RegistryEntry | undefined, b: RegistryEntry | undefined): boolean =>
      a?.asn === b?.asn && a?.asName === b?.asName;
    const sameCountry = (a: RegistryEntry | undefined, b: RegistryEntry | undefined): boolean =>
      a?.country === b?.country;
    const hasAsn = (entry: RegistryEntry | undefined): boolean =>
      entry !== undefined && (entry.asn !== 0 || entry.asName !== "");
    const hasCountry = (entry: RegistryEntry | undefined): boolean =>
      entry !== undefined && entry.country !== "";
    if (family === 4) {
      const table = this.#ipv4;
      const segment = table.segmentOf(v4);
      const entry = table.entryOf(segment);
      const run = (same: typeof sameAsn): string => {
        let first = segment;
        while (first > 0 && same(table.entryOf(first - 1), entry)) first--;
        let last = segment;
        while (last + 1 < table.segmentCount && same(table.entryOf(last + 1), entry)) last++;
        const end = last + 1 < table.segmentCount ? table.startOf(last + 1) - 1 : 0xffffffff;
        return `${formatIpv4(table.startOf(first))} - ${formatIpv4(end)}`;
      };
      return {
        address: formatIpv4(v4),
        entry,
        asnRange: hasAsn(entry) ? run(sameAsn) : undefined,
        countryRange: hasCountry(entry) ? run(sameCountry) : undefined,
        asnSource: sourceOf("asn"),
        countrySource: sourceOf("country"),
      };
    }
    const table = this.#ipv6;
    const segment = table.segmentOf(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
    const entry = table.entryOf(segment);
    const run = (same: typeof sameAsn): string => {
      let first = segment;
      while (first > 0 && same(table.entryOf(first - 1), entry)) first--;
      let last = segment;
      while (last + 1 < table.segmentCount && same(table.entryOf(last + 1), entry)) last++;
      const start = new Uint32Array(4);
      table.startOf(first, start);
      const end = new Uint32Array(4).fill(0xffffffff);
      if (last + 1 < table.segmentCount) {
        table.startOf(last + 1, end);
        for (let word = 3; word >= 0; word--) {
          const value = end[word] ?? 0;
          end[word] = (value - 1) >>> 0;
          if (value !== 0) break;
        }
      }
      return `${wordsText(start)} - ${wordsText(end)}`;
    };
    return {
      address: wordsText(words),
      entry,
      asnRange: hasAsn(entry) ? run(sameAsn) : undefined,
      countryRange: hasCountry(entry) ? run(sameCountry) : undefined,
      asnSource: sourceOf("asn"),
      countrySource: sourceOf("country"),
    };
  }

  memoryBytes(): number {
    let entryBytes = 0;
    for (const entry of this.#entries) {
      if (entry !== undefined) entryBytes += ENTRY_OBJECT_BYTES + entry.asName.length;
    }
    return this.#ipv4.memoryBytes() + this.#ipv6.memoryBytes() + entryBytes;
  }
}

function wordsText(words: Uint32Array): string {
  const groups: number[] = [];
  for (const word of words) groups.push(word >>> 16, word & 0xffff);
  return formatIpv6Groups(groups);
}
