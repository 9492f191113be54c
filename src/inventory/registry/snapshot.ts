/**
 * A built registry as bytes: the lookup tables' typed arrays, the interned entries as columns
 * with their AS names in one string table, the sources, and the key of the inputs it was built
 * from. Decoding maps the arrays straight onto the file's bytes (no copy, no parse of the CSVs),
 * which is what makes a cached load fast (docs/32-asn-country.md, "Snapshot cache").
 *
 * Layout (little-endian):
 *
 * | offset | size | field                                                              |
 * | ------ | ---- | ------------------------------------------------------------------ |
 * | 0      | 8    | magic `TGREGSN\n`                                                  |
 * | 8      | 4    | format version (`REGISTRY_SNAPSHOT_VERSION`)                       |
 * | 12     | 4    | length of the JSON header in bytes                                 |
 * | 16     | 8    | length of the whole file in bytes (float64, an integer)            |
 * | 24     | 4    | CRC-32 of every byte from offset 32 to the end                     |
 * | 28     | 4    | zero                                                               |
 * | 32     | n    | JSON header: key, sources, entry count, sections (name, type, at)  |
 * | …      | …    | the sections' bytes, each at an 8-byte aligned offset              |
 */
import { crc32 } from "node:zlib";
import { countryCodeToText } from "./entry.ts";
import type { RegistryEntry } from "./entry.ts";
import type { RegistrySource } from "./source.ts";
import type { Ipv4TableParts, Ipv6TableParts } from "./table.ts";

export const REGISTRY_SNAPSHOT_MAGIC = "TGREGSN\n";
/**
 * Bump when the sections or what the tables hold for the same input files change: a new index
 * level, another entry field, a change to the parsers or the overlap rule. A snapshot of another
 * version is ignored and rewritten, so a stale one can never answer for new code.
 */
export const REGISTRY_SNAPSHOT_VERSION = 1;
export const REGISTRY_SNAPSHOT_FIXED_BYTES = 32;

/** Everything a registry is made of. */
export interface RegistrySnapshot {
  /** What identifies the inputs (see snapshot-cache.ts); compared as an exact string. */
  readonly key: string;
  readonly sources: readonly RegistrySource[];
  readonly ipv4: Ipv4TableParts;
  readonly ipv6: Ipv6TableParts;
  /** Index 0 is `undefined` ("no entry"), as `EntryInterner.entries`. */
  readonly entries: readonly (RegistryEntry | undefined)[];
}

/** A file that is not a usable snapshot (damaged, truncated, other version): it is rebuilt. */
export class RegistrySnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistrySnapshotError";
  }
}

const SECTION_TYPES = { Uint32Array, Int32Array, Uint16Array, Uint8Array } as const;
type SectionType = keyof typeof SECTION_TYPES;
/** What encoding reads of a section's array. */
interface SectionArray {
  readonly length: number;
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** The sections in file order, with the type each must have. */
const SECTIONS = {
  "ipv4.starts": "Uint32Array",
  "ipv4.entryIndexes": "Uint32Array",
  "ipv4.level0": "Int32Array",
  "ipv4.level1": "Int32Array",
  "ipv6.starts": "Uint32Array",
  "ipv6.entryIndexes": "Uint32Array",
  "ipv6.buckets": "Uint32Array",
  "ipv6.subIndex": "Int32Array",
  "ipv6.subBuckets": "Uint32Array",
  /** Per entry: its ASN, its name's number in the string table, its country code. */
  "entries.asn": "Uint32Array",
  "entries.name": "Uint32Array",
  "entries.countryCode": "Uint16Array",
  /** Per distinct name: where it ends in the decoded text, in UTF-16 code units. */
  "names.ends": "Uint32Array",
  /** Every distinct name, concatenated, as UTF-8. */
  "names.text": "Uint8Array",
} as const satisfies Record<string, SectionType>;
type SectionName = keyof typeof SECTIONS;

interface SectionHeader {
  readonly name: string;
  readonly type: string;
  /** Offset from the start of the file; a multiple of 8. */
  readonly at: number;
  readonly length: number;
}

interface SnapshotHeader {
  readonly key: string;
  readonly sources: readonly RegistrySource[];
  readonly entryCount: number;
  readonly sections: readonly SectionHeader[];
}

const align8 = (bytes: number): number => (bytes + 7) & ~7;

/** The file bytes of a built registry (the arrays are read, not kept). */
export function encodeRegistrySnapshot(snapshot: RegistrySnapshot): Buffer {
  const { entries } = snapshot;
  const entryCount = entries.length;
  const asns = new Uint32Array(entryCount);
  const nameNumbers = new Uint32Array(entryCount);
  const countryCodes = new Uint16Array(entryCount);
  // Names are shared by the entries of one AS in several countries: store each once.
  const nameNumber = new Map<string, number>();
  const names: string[] = [];
  for (let index = 1; index < entryCount; index++) {
    const entry = entries[index];
    if (entry === undefined) throw new Error(`registry entry ${index} is missing`);
    // The country is stored as its code only: that must give the same text back.
    if (countryCodeToText(entry.countryCode) !== entry.country) {
      throw new Error(`registry entry ${index}: country ${entry.country} is not its code`);
    }
    let number = nameNumber.get(entry.asName);
    if (number === undefined) {
      number = names.length;
      names.push(entry.asName);
      nameNumber.set(entry.asName, number);
    }
    asns[index] = entry.asn;
    nameNumbers[index] = number;
    countryCodes[index] = entry.countryCode;
  }
  const nameEnds = new Uint32Array(names.length);
  let end = 0;
  names.forEach((name, index) => {
    end += name.length;
    nameEnds[index] = end;
  });
  const arrays: Record<SectionName, SectionArray> = {
    "ipv4.starts": snapshot.ipv4.starts,
    "ipv4.entryIndexes": snapshot.ipv4.entryIndexes,
    "ipv4.level0": snapshot.ipv4.level0,
    "ipv4.level1": snapshot.ipv4.level1,
    "ipv6.starts": snapshot.ipv6.starts,
    "ipv6.entryIndexes": snapshot.ipv6.entryIndexes,
    "ipv6.buckets": snapshot.ipv6.buckets,
    "ipv6.subIndex": snapshot.ipv6.subIndex,
    "ipv6.subBuckets": snapshot.ipv6.subBuckets,
    "entries.asn": asns,
    "entries.name": nameNumbers,
    "entries.countryCode": countryCodes,
    "names.ends": nameEnds,
    "names.text": Buffer.from(names.join(""), "utf8"),
  };
  const sectionNames = Object.keys(SECTIONS) as SectionName[];
  // The header holds the sections' offsets, which depend on the header's length: lay the
  // sections out after a header with placeholder offsets of the final width, then fix them.
  const layout = (headerLength: number): SectionHeader[] => {
    let at = align8(REGISTRY_SNAPSHOT_FIXED_BYTES + headerLength);
    return sectionNames.map((name) => {
      const array = arrays[name];
      const section = { name, type: SECTIONS[name], at, length: array.length };
      at = align8(at + array.byteLength);
      return section;
    });
  };
  const headerText = (sections: readonly SectionHeader[]): string =>
    JSON.stringify({
      key: snapshot.key,
      sources: snapshot.sources,
      entryCount,
      sections,
    } satisfies SnapshotHeader);
  let headerLength = Buffer.byteLength(headerText(layout(0)));
  let sections = layout(headerLength);
  let header = Buffer.from(headerText(sections), "utf8");
  // Offsets grew by a digit or two: one more pass settles it (they only grow with the length).
  while (header.length !== headerLength) {
    headerLength = header.length;
    sections = layout(headerLength);
    header = Buffer.from(headerText(sections), "utf8");
  }
  const last = sections[sections.length - 1];
  const total =
    last === undefined
      ? align8(REGISTRY_SNAPSHOT_FIXED_BYTES + headerLength)
      : align8(last.at + arrays[last.name as SectionName].byteLength);
  const file = Buffer.alloc(total);
  file.write(REGISTRY_SNAPSHOT_MAGIC, 0, "latin1");
  file.writeUInt32LE(REGISTRY_SNAPSHOT_VERSION, 8);
  file.writeUInt32LE(headerLength, 12);
  file.writeDoubleLE(total, 16);
  header.copy(file, REGISTRY_SNAPSHOT_FIXED_BYTES);
  for (const section of sections) {
    const array = arrays[section.name as SectionName];
    file.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), section.at);
  }
  file.writeUInt32LE(crc32(file.subarray(REGISTRY_SNAPSHOT_FIXED_BYTES)), 24);
  return file;
}

/** The key a snapshot was built for, without checking the body (to skip a stale file cheaply). */
export function readRegistrySnapshotKey(file: Uint8Array): string {
  return readHeader(file).key;
}

/**
 * Maps a snapshot back. The tables' arrays are views of `file`'s memory (which they keep alive):
 * do not reuse or modify it. Throws RegistrySnapshotError on any damage.
 */
export function decodeRegistrySnapshot(file: Uint8Array): RegistrySnapshot {
  const header = readHeader(file);
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (crc32(bytes.subarray(REGISTRY_SNAPSHOT_FIXED_BYTES)) !== bytes.readUInt32LE(24)) {
    throw new RegistrySnapshotError("CRC-32 mismatch (torn or damaged file)");
  }
  // Typed arrays over the file need their element alignment; a Buffer from readFile of a large
  // file owns its memory from offset 0, but a pooled or sliced one may not.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(new Uint8Array(bytes).buffer);
  const byName = new Map(header.sections.map((section) => [section.name, section]));
  const { buffer, byteOffset } = aligned;
  /** The byte offset in `buffer` and the element count of a section, checked against the file. */
  const place = (name: SectionName): { readonly offset: number; readonly length: number } => {
    const found = byName.get(name);
    const type = SECTIONS[name];
    if (found?.type !== type) throw new RegistrySnapshotError(`section ${name} is missing`);
    const { at, length } = found;
    if (
      !Number.isSafeInteger(at) ||
      !Number.isSafeInteger(length) ||
      at % 8 !== 0 ||
      at < REGISTRY_SNAPSHOT_FIXED_BYTES ||
      length < 0 ||
      at + length * SECTION_TYPES[type].BYTES_PER_ELEMENT > aligned.length
    ) {
      throw new RegistrySnapshotError(`section ${name} lies outside the file`);
    }
    return { offset: byteOffset + at, length };
  };
  type Named<Type extends SectionType> = {
    [Name in SectionName]: (typeof SECTIONS)[Name] extends Type ? Name : never;
  }[SectionName];
  const u32 = (name: Named<"Uint32Array">): Uint32Array => {
    const { offset, length } = place(name);
    return new Uint32Array(buffer, offset, length);
  };
  const i32 = (name: Named<"Int32Array">): Int32Array => {
    const { offset, length } = place(name);
    return new Int32Array(buffer, offset, length);
  };
  const u16 = (name: Named<"Uint16Array">): Uint16Array => {
    const { offset, length } = place(name);
    return new Uint16Array(buffer, offset, length);
  };
  const u8 = (name: Named<"Uint8Array">): Uint8Array => {
    const { offset, length } = place(name);
    return new Uint8Array(buffer, offset, length);
  };
  const ipv4: Ipv4TableParts = {
    starts: u32("ipv4.starts"),
    entryIndexes: u32("ipv4.entryIndexes"),
    level0: i32("ipv4.level0"),
    level1: i32("ipv4.level1"),
  };
  const ipv6: Ipv6TableParts = {
    starts: u32("ipv6.starts"),
    entryIndexes: u32("ipv6.entryIndexes"),
    buckets: u32("ipv6.buckets"),
    subIndex: i32("ipv6.subIndex"),
    subBuckets: u32("ipv6.subBuckets"),
  };
  // The shapes the tables' lookups rely on; a wrong length would answer wrongly, not crash.
  if (
    ipv4.entryIndexes.length !== ipv4.starts.length ||
    ipv4.level0.length !== 65_536 ||
    ipv4.level1.length % 256 !== 0 ||
    ipv6.starts.length !== ipv6.entryIndexes.length * 4 ||
    ipv6.buckets.length !== 65_537 ||
    ipv6.subIndex.length !== 65_536 ||
    ipv6.subBuckets.length % 257 !== 0
  ) {
    throw new RegistrySnapshotError("table sections have inconsistent lengths");
  }
  return {
    key: header.key,
    sources: header.sources,
    ipv4,
    ipv6,
    entries: decodeEntries(header.entryCount, {
      asns: u32("entries.asn"),
      nameNumbers: u32("entries.name"),
      countryCodes: u16("entries.countryCode"),
      nameEnds: u32("names.ends"),
      text: u8("names.text"),
    }),
  };
}

function readHeader(file: Uint8Array): SnapshotHeader {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < REGISTRY_SNAPSHOT_FIXED_BYTES) {
    throw new RegistrySnapshotError(`truncated: ${bytes.length} bytes`);
  }
  if (bytes.toString("latin1", 0, 8) !== REGISTRY_SNAPSHOT_MAGIC) {
    throw new RegistrySnapshotError("not a registry snapshot (bad magic)");
  }
  const version = bytes.readUInt32LE(8);
  if (version !== REGISTRY_SNAPSHOT_VERSION) {
    throw new RegistrySnapshotError(
      `format version ${version}, this Tollgate reads ${REGISTRY_SNAPSHOT_VERSION}`,
    );
  }
  const total = bytes.readDoubleLE(16);
  if (total !== bytes.length) {
    throw new RegistrySnapshotError(`${bytes.length} bytes, the header says ${total} (truncated)`);
  }
  const headerLength = bytes.readUInt32LE(12);
  if (REGISTRY_SNAPSHOT_FIXED_BYTES + headerLength > bytes.length) {
    throw new RegistrySnapshotError("header longer than the file");
  }
  let header: unknown;
  try {
    header = JSON.parse(
      bytes.toString(
        "utf8",
        REGISTRY_SNAPSHOT_FIXED_BYTES,
        REGISTRY_SNAPSHOT_FIXED_BYTES + headerLength,
      ),
    );
  } catch (error) {
    throw new RegistrySnapshotError(`header is not JSON: ${(error as Error).message}`);
  }
  const candidate = header as Partial<SnapshotHeader> | null;
  if (
    typeof candidate?.key !== "string" ||
    !Array.isArray(candidate.sources) ||
    !Array.isArray(candidate.sections) ||
    !Number.isSafeInteger(candidate.entryCount)
  ) {
    throw new RegistrySnapshotError("header lacks key, sources, entries or sections");
  }
  return candidate as SnapshotHeader;
}

interface EntryColumns {
  readonly asns: Uint32Array;
  readonly nameNumbers: Uint32Array;
  readonly countryCodes: Uint16Array;
  readonly nameEnds: Uint32Array;
  readonly text: Uint8Array;
}

/** Rebuilds the frozen entries, in the same shape and order as `EntryInterner` makes them. */
function decodeEntries(count: number, columns: EntryColumns): (RegistryEntry | undefined)[] {
  const { asns, nameNumbers, countryCodes, nameEnds, text } = columns;
  if (
    count < 1 ||
    asns.length !== count ||
    nameNumbers.length !== count ||
    countryCodes.length !== count
  ) {
    throw new RegistrySnapshotError("entry sections have inconsistent lengths");
  }
  // One decode of the whole table; each name is a slice of it.
  const joined = Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString("utf8");
  const names: string[] = [];
  let start = 0;
  for (const end of nameEnds) {
    if (end < start || end > joined.length) {
      throw new RegistrySnapshotError("string table offsets are out of order");
    }
    names.push(joined.slice(start, end));
    start = end;
  }
  const countries = new Map<number, string>();
  const entries: (RegistryEntry | undefined)[] = [undefined];
  for (let index = 1; index < count; index++) {
    const asName = names[nameNumbers[index] ?? 0];
    if (asName === undefined) throw new RegistrySnapshotError(`entry ${index} has no name`);
    const countryCode = countryCodes[index] ?? 0;
    let country = countries.get(countryCode);
    if (country === undefined) {
      country = countryCodeToText(countryCode);
      countries.set(countryCode, country);
    }
    entries.push(Object.freeze({ asn: asns[index] ?? 0, asName, country, countryCode }));
  }
  return entries;
}
