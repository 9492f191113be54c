/**
 * MaxMind DB files (GeoLite2/GeoIP2 ASN, Country, City; IPinfo lite/asn/country) read ONCE at load
 * into the same ranges as the CSV files: the whole search tree is walked, each data record is
 * decoded once (by offset), and the lookups never touch the file again. Decoding a record per
 * lookup, as mmdb-lib's `get()` does, costs about a microsecond: see bench/registry.ts.
 *
 * Format: MaxMind DB File Format Specification 2.0 (https://maxmind.github.io/MaxMind-DB/):
 * a binary search tree of `node_count` nodes of two records (24, 28 or 32 bits each), a 16-byte
 * separator, the data section, then the metadata map after the marker `\xAB\xCD\xEFMaxMind.com`.
 */
import type { RangeListBuilder } from "./range-list.ts";
import { countryValue } from "./values.ts";
import type { AsnValues } from "./values.ts";

/** A problem in the file's structure; the loader names the file. */
export class MmdbFormatError extends Error {}

export interface MmdbMetadata {
  readonly nodeCount: number;
  readonly recordSize: 24 | 28 | 32;
  readonly ipVersion: 4 | 6;
  readonly databaseType: string;
  /** Seconds since the epoch. */
  readonly buildEpoch: number;
}

/** Where the walk puts what it finds; a field left out is not read. */
export interface MmdbTargets {
  readonly asn?: {
    readonly values: AsnValues;
    readonly ipv4: RangeListBuilder;
    readonly ipv6: RangeListBuilder;
  };
  readonly country?: { readonly ipv4: RangeListBuilder; readonly ipv6: RangeListBuilder };
}

export interface MmdbWalkResult {
  readonly metadata: MmdbMetadata;
  /** Networks (tree leaves with data) visited. */
  readonly networks: number;
  /** Distinct data records decoded. */
  readonly records: number;
}

// Spec "Database Metadata": the marker precedes the metadata map, within the last 128 KiB.
const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from("MaxMind.com")]);
const METADATA_MAX_SIZE = 128 * 1024;
// Spec "Data Section Separator".
const DATA_SECTION_SEPARATOR = 16;
// Spec "Pointer - 1": pointer payload bias for sizes 1 and 2.
const POINTER_BIAS_1 = 2048;
const POINTER_BIAS_2 = 526_336;

export function readMmdbMetadata(db: Buffer): MmdbMetadata {
  const from = Math.max(0, db.length - METADATA_MAX_SIZE);
  const marker = db.lastIndexOf(METADATA_MARKER);
  if (marker < from) {
    throw new MmdbFormatError("has no MaxMind DB metadata marker (is it an MMDB file?)");
  }
  const start = marker + METADATA_MARKER.length;
  const decoder = new MmdbDecoder(db, start, db.length);
  const map = decoder.decode(start);
  if (!isRecord(map)) throw new MmdbFormatError("has metadata that is not a map");
  const nodeCount = asNumber(map.node_count);
  const recordSize = asNumber(map.record_size);
  const ipVersion = asNumber(map.ip_version);
  const major = asNumber(map.binary_format_major_version);
  if (major !== 2) throw new MmdbFormatError(`has binary format version ${String(major)}, not 2`);
  if (typeof nodeCount !== "number" || nodeCount <= 0) {
    throw new MmdbFormatError("has no node_count in its metadata");
  }
  if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32) {
    throw new MmdbFormatError(`has record size ${String(recordSize)}, not 24, 28 or 32`);
  }
  if (ipVersion !== 4 && ipVersion !== 6) {
    throw new MmdbFormatError(`has ip_version ${String(ipVersion)}, not 4 or 6`);
  }
  const treeBytes = (nodeCount * recordSize * 2) / 8;
  if (treeBytes + DATA_SECTION_SEPARATOR > marker) {
    throw new MmdbFormatError(
      `is truncated: its ${nodeCount} nodes do not fit before the metadata`,
    );
  }
  const databaseType = typeof map.database_type === "string" ? map.database_type : "";
  const buildEpoch = asNumber(map.build_epoch) ?? 0;
  return { nodeCount, recordSize, ipVersion, databaseType, buildEpoch };
}

/** Walks every network of the file into the targets. Throws `MmdbFormatError` on bad structure. */
export function walkMmdb(db: Buffer, targets: MmdbTargets): MmdbWalkResult {
  const metadata = readMmdbMetadata(db);
  const { nodeCount, recordSize, ipVersion } = metadata;
  const treeBytes = (nodeCount * recordSize * 2) / 8;
  const dataStart = treeBytes + DATA_SECTION_SEPARATOR;
  const dataEnd = db.lastIndexOf(METADATA_MARKER);
  const decoder = new MmdbDecoder(db, dataStart, dataEnd);
  const nodeBytes = (recordSize * 2) / 8;

  const readRecord = (node: number, right: boolean): number => {
    const offset = node * nodeBytes;
    switch (recordSize) {
      case 24:
        return right ? db.readUIntBE(offset + 3, 3) : db.readUIntBE(offset, 3);
      case 28: {
        // Spec: the middle byte's high nibble extends the left record, its low nibble the right.
        const middle = db[offset + 3] ?? 0;
        return right
          ? (middle & 0x0f) * 0x1000000 + db.readUIntBE(offset + 4, 3)
          : (middle >>> 4) * 0x1000000 + db.readUIntBE(offset, 3);
      }
      case 32:
        return right ? db.readUInt32BE(offset + 4) : db.readUInt32BE(offset);
    }
  };

  // Decoded records by data-section offset: a GeoLite2 record is shared by many networks.
  const asnByOffset = new Map<number, number>();
  const countryByOffset = new Map<number, number>();
  let networks = 0;
  const key = new Uint32Array(8);

  const emit = (record: number, depth: number, words: Uint32Array, family: 4 | 6): void => {
    const offset = record - nodeCount - DATA_SECTION_SEPARATOR;
    if (offset < 0 || dataStart + offset >= dataEnd) {
      throw new MmdbFormatError(`has a tree record ${record} pointing outside the data section`);
    }
    networks++;
    let asnId = asnByOffset.get(offset);
    let country = countryByOffset.get(offset);
    if (asnId === undefined || country === undefined) {
      const fields = decoder.decodeTopLevel(dataStart + offset, WANTED_KEYS);
      asnId = targets.asn === undefined ? -1 : readAsn(fields, targets.asn.values);
      country = targets.country === undefined ? -1 : readCountry(fields);
      asnByOffset.set(offset, asnId);
      countryByOffset.set(offset, country);
    }
    // The network is the prefix `words` of length `depth`: host bits all ones make its end.
    key.set(words, 0);
    key.set(words, 4);
    for (let word = 0; word < 4; word++) {
      const bits = depth - word * 32;
      const mask = bits >= 32 ? 0 : bits <= 0 ? 0xffffffff : 0xffffffff >>> bits;
      key[4 + word] = ((key[4 + word] ?? 0) | mask) >>> 0;
    }
    if (asnId >= 0 && targets.asn !== undefined) {
      pushKey(family === 4 ? targets.asn.ipv4 : targets.asn.ipv6, key, asnId);
    }
    if (country > 0 && targets.country !== undefined) {
      pushKey(family === 4 ? targets.country.ipv4 : targets.country.ipv6, key, country);
    }
  };

  // An IPv6 tree holds IPv4 at ::/96 (spec "IPv4 addresses in an IPv6 tree"); MaxMind also
  // aliases ::ffff:0:0/96 and 2002::/16 to that node. The IPv4 walk reads it once; the IPv6 walk
  // skips every record pointing at it, and IPv4-mapped lookups go to the IPv4 table instead.
  let ipv4Root = 0;
  if (ipVersion === 6) {
    for (let depth = 0; depth < 96 && ipv4Root < nodeCount; depth++) {
      ipv4Root = readRecord(ipv4Root, false);
    }
  }
  const walk = (root: number, rootDepth: number, family: 4 | 6, skip: number): void => {
    const zero = new Uint32Array(4);
    if (root >= nodeCount) {
      if (root > nodeCount) emit(root, rootDepth, zero, family);
      return;
    }
    // Depth-first, left before right, so networks come out in address order.
    const nodes: number[] = [root];
    const depths: number[] = [rootDepth];
    const prefixes: Uint32Array[] = [zero];
    let budget = nodeCount;
    while (nodes.length > 0) {
      const node = nodes.pop() ?? 0;
      const depth = depths.pop() ?? 0;
      const prefix = prefixes.pop() ?? zero;
      if (--budget < 0) throw new MmdbFormatError("has a search tree with a cycle");
      if (depth >= 128) throw new MmdbFormatError("has a search tree deeper than 128 bits");
      const rightPrefix = prefix.slice();
      const word = depth >>> 5;
      rightPrefix[word] = ((rightPrefix[word] ?? 0) | (0x80000000 >>> (depth & 31))) >>> 0;
      for (const [record, childPrefix] of [
        [readRecord(node, true), rightPrefix],
        [readRecord(node, false), prefix],
      ] as const) {
        if (record === nodeCount || record === skip) continue;
        if (record > nodeCount) {
          emit(record, depth + 1, childPrefix, family);
        } else {
          nodes.push(record);
          depths.push(depth + 1);
          prefixes.push(childPrefix);
        }
      }
    }
  };
  if (ipVersion === 4) {
    walk(0, 96, 4, -1);
  } else {
    walk(ipv4Root, 96, 4, -1);
    walk(0, 0, 6, ipv4Root < nodeCount ? ipv4Root : -1);
  }
  return { metadata, networks, records: asnByOffset.size };
}

/** Writers pick the integer type (MaxMind's build_epoch is a uint64): read any as a number. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint" && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return undefined;
}

function pushKey(builder: RangeListBuilder, key: Uint32Array, value: number): void {
  builder.push(
    key[0] ?? 0,
    key[1] ?? 0,
    key[2] ?? 0,
    key[3] ?? 0,
    key[4] ?? 0,
    key[5] ?? 0,
    key[6] ?? 0,
    key[7] ?? 0,
    value,
  );
}

/** Top-level keys the registry reads (MaxMind GeoLite2/GeoIP2 and IPinfo spellings). */
const WANTED_KEYS: ReadonlySet<string> = new Set([
  "autonomous_system_number",
  "autonomous_system_organization",
  "asn",
  "as_name",
  "name",
  "country",
  "registered_country",
  "country_code",
]);

/**
 * The ASN value id of a record, -1 when it has none. MaxMind: `autonomous_system_number` and
 * `autonomous_system_organization`; IPinfo: `asn` ("AS15169") with `as_name` (lite) or `name`.
 */
function readAsn(fields: Record<string, unknown>, values: AsnValues): number {
  let asn: number | undefined;
  const maxmind = fields.autonomous_system_number;
  if (typeof maxmind === "number") asn = maxmind;
  else if (typeof maxmind === "bigint") asn = Number(maxmind);
  else {
    const ipinfo = fields.asn;
    if (typeof ipinfo === "number") asn = ipinfo;
    else if (typeof ipinfo === "string") {
      const digits = /^(?:AS)?(\d{1,10})$/i.exec(ipinfo.trim());
      if (digits?.[1] !== undefined) asn = Number(digits[1]);
    }
  }
  if (asn === undefined || asn > 0xffffffff) return -1;
  const name = [fields.autonomous_system_organization, fields.as_name, fields.name].find(
    (value) => typeof value === "string",
  );
  return values.intern(asn, typeof name === "string" ? name : "");
}

/**
 * The country code of a record, -1 when it has none. MaxMind: `country.iso_code`, else
 * `registered_country.iso_code` (where the block is registered, for anycast and satellite ranges
 * that have no located country); IPinfo: `country_code`, or `country` as a plain code.
 */
function readCountry(fields: Record<string, unknown>): number {
  for (const candidate of [
    isoCode(fields.country),
    isoCode(fields.registered_country),
    fields.country_code,
    fields.country,
  ]) {
    if (typeof candidate === "string") {
      const code = countryValue(candidate);
      if (code !== 0) return code;
    }
  }
  return -1;
}

function isoCode(value: unknown): unknown {
  return isRecord(value) ? value.iso_code : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Data types, spec "Output Data Section". */
const TYPE_POINTER = 1;
const TYPE_STRING = 2;
const TYPE_DOUBLE = 3;
const TYPE_BYTES = 4;
const TYPE_UINT16 = 5;
const TYPE_UINT32 = 6;
const TYPE_MAP = 7;
const TYPE_INT32 = 8;
const TYPE_UINT64 = 9;
const TYPE_UINT128 = 10;
const TYPE_ARRAY = 11;
const TYPE_BOOLEAN = 14;
const TYPE_FLOAT = 15;

/** Nesting beyond this is a malformed (or hostile) file, not a GeoIP record. */
const MAX_NESTING = 32;

/**
 * A decoder of the data section. `base` is where pointers count from (the data section, or the
 * metadata for the metadata map); `limit` is where the section ends.
 */
export class MmdbDecoder {
  readonly #db: Buffer;
  readonly #base: number;
  readonly #limit: number;
  // The control byte just read: its type, size (or pointer target) and where its payload starts.
  #type = 0;
  #size = 0;
  #payload = 0;

  constructor(db: Buffer, base: number, limit: number) {
    this.#db = db;
    this.#base = base;
    this.#limit = limit;
  }

  /** Decodes the value at absolute offset `offset`. */
  decode(offset: number): unknown {
    return this.#decode(offset, 0).value;
  }

  /**
   * Decodes only the wanted keys of the map at `offset` (a City record's names in eight
   * languages are skipped, not built).
   */
  decodeTopLevel(offset: number, wanted: ReadonlySet<string>): Record<string, unknown> {
    this.#control(offset);
    if (this.#type === TYPE_POINTER) this.#followPointer();
    if (this.#type !== TYPE_MAP) throw new MmdbFormatError("has a data record that is not a map");
    const pairs = this.#size;
    let at = this.#payload;
    const fields: Record<string, unknown> = {};
    for (let pair = 0; pair < pairs; pair++) {
      const key = this.#decode(at, 1);
      if (typeof key.value !== "string") {
        throw new MmdbFormatError("has a map key that is not a string");
      }
      if (wanted.has(key.value)) {
        const value = this.#decode(key.next, 1);
        fields[key.value] = value.value;
        at = value.next;
      } else {
        at = this.#skip(key.next, 1);
      }
    }
    return fields;
  }

  /** After `#control` read a pointer: reads the control byte(s) of its target instead. */
  #followPointer(): void {
    this.#control(this.#base + this.#size);
    // Spec: "a pointer to a pointer is not valid".
    if (this.#type === TYPE_POINTER) throw new MmdbFormatError("has a pointer to a pointer");
  }

  #control(offset: number): void {
    const db = this.#db;
    if (offset < 0 || offset >= this.#limit) {
      throw new MmdbFormatError(`has a data offset ${offset} outside its section`);
    }
    const control = db[offset] ?? 0;
    let type = control >>> 5;
    let at = offset + 1;
    if (type === TYPE_POINTER) {
      const size = (control >>> 3) & 3;
      const high = control & 7;
      this.#need(at, size + 1);
      let target: number;
      if (size === 0) target = high * 256 + (db[at] ?? 0);
      else if (size === 1) target = high * 65536 + db.readUInt16BE(at) + POINTER_BIAS_1;
      else if (size === 2) target = high * 16777216 + db.readUIntBE(at, 3) + POINTER_BIAS_2;
      else target = db.readUInt32BE(at);
      this.#type = TYPE_POINTER;
      this.#size = target;
      this.#payload = at + size + 1;
      return;
    }
    if (type === 0) {
      // Extended type: the next byte holds the type minus 7.
      this.#need(at, 1);
      type = 7 + (db[at] ?? 0);
      at++;
    }
    let size = control & 0x1f;
    if (size === 29) {
      this.#need(at, 1);
      size = 29 + (db[at] ?? 0);
      at += 1;
    } else if (size === 30) {
      this.#need(at, 2);
      size = 285 + db.readUInt16BE(at);
      at += 2;
    } else if (size === 31) {
      this.#need(at, 3);
      size = 65_821 + db.readUIntBE(at, 3);
      at += 3;
    }
    this.#type = type;
    this.#size = size;
    this.#payload = at;
  }

  #need(offset: number, length: number): void {
    if (offset + length > this.#limit)
      throw new MmdbFormatError("has a value past its section's end");
  }

  #decode(offset: number, nesting: number): { value: unknown; next: number } {
    if (nesting > MAX_NESTING) throw new MmdbFormatError("has data nested too deep");
    this.#control(offset);
    if (this.#type === TYPE_POINTER) {
      // The value lives at the target; the caller continues after the pointer's own bytes.
      const after = this.#payload;
      this.#followPointer();
      const target = this.#decodeHere(nesting);
      return { value: target.value, next: after };
    }
    return this.#decodeHere(nesting);
  }

  /** Decodes the value whose control byte(s) `#control` just read. */
  #decodeHere(nesting: number): { value: unknown; next: number } {
    const type = this.#type;
    const size = this.#size;
    const at = this.#payload;
    const next = at + payloadLength(type, size);
    const db = this.#db;
    switch (type) {
      case TYPE_MAP: {
        const map: Record<string, unknown> = {};
        let cursor = at;
        for (let pair = 0; pair < size; pair++) {
          const key = this.#decode(cursor, nesting + 1);
          if (typeof key.value !== "string") {
            throw new MmdbFormatError("has a map key that is not a string");
          }
          const value = this.#decode(key.next, nesting + 1);
          map[key.value] = value.value;
          cursor = value.next;
        }
        return { value: map, next: cursor };
      }
      case TYPE_ARRAY: {
        const array: unknown[] = [];
        let cursor = at;
        for (let item = 0; item < size; item++) {
          const value = this.#decode(cursor, nesting + 1);
          array.push(value.value);
          cursor = value.next;
        }
        return { value: array, next: cursor };
      }
      default:
        break;
    }
    this.#need(at, payloadLength(type, size));
    let value: unknown;
    switch (type) {
      case TYPE_STRING:
        value = db.toString("utf8", at, at + size);
        break;
      case TYPE_DOUBLE:
        if (size !== 8) throw new MmdbFormatError("has a double that is not 8 bytes");
        value = db.readDoubleBE(at);
        break;
      case TYPE_FLOAT:
        if (size !== 4) throw new MmdbFormatError("has a float that is not 4 bytes");
        value = db.readFloatBE(at);
        break;
      case TYPE_BYTES:
        value = Uint8Array.prototype.slice.call(db, at, at + size);
        break;
      case TYPE_UINT16:
      case TYPE_UINT32:
      case TYPE_UINT64:
      case TYPE_UINT128:
        value = readUnsigned(db, at, size, type);
        break;
      case TYPE_INT32:
        if (size > 4) throw new MmdbFormatError("has an int32 longer than 4 bytes");
        // Spec "int32": shorter encodings drop leading zero bytes, so only 4 bytes can be negative.
        value = size === 4 ? db.readInt32BE(at) : size === 0 ? 0 : db.readUIntBE(at, size);
        break;
      case TYPE_BOOLEAN:
        value = size !== 0;
        break;
      default:
        throw new MmdbFormatError(`has a value of unknown type ${type}`);
    }
    return { value, next };
  }

  /** Where the value at `offset` ends, without building it. */
  #skip(offset: number, nesting: number): number {
    if (nesting > MAX_NESTING) throw new MmdbFormatError("has data nested too deep");
    this.#control(offset);
    if (this.#type === TYPE_POINTER) return this.#payload;
    const size = this.#size;
    let cursor = this.#payload;
    if (this.#type === TYPE_MAP) {
      for (let item = 0; item < size * 2; item++) cursor = this.#skip(cursor, nesting + 1);
      return cursor;
    }
    if (this.#type === TYPE_ARRAY) {
      for (let item = 0; item < size; item++) cursor = this.#skip(cursor, nesting + 1);
      return cursor;
    }
    return cursor + payloadLength(this.#type, size);
  }
}

/** Bytes of payload after the control bytes: none for maps/arrays (items follow), booleans. */
function payloadLength(type: number, size: number): number {
  return type === TYPE_MAP || type === TYPE_ARRAY || type === TYPE_BOOLEAN ? 0 : size;
}

function readUnsigned(db: Buffer, at: number, size: number, type: number): number | bigint {
  const maximum =
    type === TYPE_UINT16 ? 2 : type === TYPE_UINT32 ? 4 : type === TYPE_UINT64 ? 8 : 16;
  if (size > maximum) throw new MmdbFormatError(`has an unsigned integer of ${size} bytes`);
  if (size === 0) return type === TYPE_UINT64 || type === TYPE_UINT128 ? 0n : 0;
  if (size <= 6 && (type === TYPE_UINT16 || type === TYPE_UINT32)) return db.readUIntBE(at, size);
  let value = 0n;
  for (let index = 0; index < size; index++) value = (value << 8n) | BigInt(db[at + index] ?? 0);
  return value;
}
