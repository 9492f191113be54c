/**
 * A minimal MaxMind DB writer for tests (no MMDB file ships with Tollgate or this machine):
 * MaxMind DB File Format Specification 2.0, https://maxmind.github.io/MaxMind-DB/. It writes the
 * search tree with 24-, 28- or 32-bit records, IPv4 under ::/96 of an IPv6 tree (optionally
 * aliased at ::ffff:0:0/96 and 2002::/16 as MaxMind's own files are), a data section that
 * shares repeated records and strings through pointers, and the metadata map.
 */
import { parsePrefix } from "../../../core/index.ts";

export type MmdbValue =
  string | number | boolean | bigint | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** CIDR text. In an IPv6 tree an IPv4 prefix is stored at ::a.b.c.d/(96 + length). */
  readonly prefix: string;
  readonly data: MmdbValue;
}

export interface MmdbWriterOptions {
  readonly ipVersion: 4 | 6;
  readonly recordSize: 24 | 28 | 32;
  readonly databaseType: string;
  readonly networks: readonly MmdbNetwork[];
  /** IPv6 trees: point ::ffff:0:0/96 and 2002::/16 at the IPv4 subtree. */
  readonly aliasIpv4?: boolean;
  readonly buildEpoch?: number;
}

type Child = { kind: "empty" } | { kind: "node"; node: number } | { kind: "data"; offset: number };

const EMPTY: Child = { kind: "empty" };

export function writeMmdb(options: MmdbWriterOptions): Buffer {
  const bitCount = options.ipVersion === 4 ? 32 : 128;
  const nodes: [Child, Child][] = [[EMPTY, EMPTY]];
  const data = new DataWriter();

  // Shorter prefixes first, so a more specific network overrides the one that encloses it.
  const parsed = options.networks.map((network) => {
    const result = parsePrefix(network.prefix);
    if (!result.ok) throw new Error(result.message);
    return { prefix: result.prefix, data: network.data };
  });
  const bitsOf = (
    prefix: (typeof parsed)[number]["prefix"],
  ): { bits: number[]; length: number } => {
    const bits: number[] = [];
    if (prefix.version === 4) {
      if (bitCount === 128) for (let bit = 0; bit < 96; bit++) bits.push(0);
      for (let bit = 0; bit < prefix.length; bit++) bits.push((prefix.network >>> (31 - bit)) & 1);
    } else {
      if (bitCount === 32) throw new Error("an IPv4 tree cannot hold IPv6 networks");
      for (let bit = 0; bit < prefix.length; bit++) {
        bits.push(((prefix.words[bit >>> 5] ?? 0) >>> (31 - (bit & 31))) & 1);
      }
    }
    return { bits, length: bits.length };
  };
  parsed.sort((a, b) => bitsOf(a.prefix).length - bitsOf(b.prefix).length);

  /** Walks to the record at `bits`, making nodes (and pushing data down) on the way. */
  const setRecord = (bits: readonly number[], child: Child): void => {
    if (bits.length === 0) throw new Error("a network of length 0 has no record of its own");
    let node = 0;
    for (let depth = 0; depth < bits.length - 1; depth++) {
      const side = bits[depth] ?? 0;
      const pair = nodes[node];
      if (pair === undefined) throw new Error("bad node");
      const current = pair[side] ?? EMPTY;
      if (current.kind === "node") {
        node = current.node;
        continue;
      }
      const created = nodes.length;
      nodes.push([current, current]);
      pair[side] = { kind: "node", node: created };
      node = created;
    }
    const pair = nodes[node];
    if (pair === undefined) throw new Error("bad node");
    pair[bits[bits.length - 1] ?? 0] = child;
  };

  for (const network of parsed) {
    const { bits } = bitsOf(network.prefix);
    setRecord(bits, { kind: "data", offset: data.writeRecord(network.data) });
  }

  if (options.ipVersion === 6 && options.aliasIpv4 === true) {
    // Find (or make) the node at ::/96, then point the aliases at it.
    const zeros = new Array<number>(96).fill(0);
    let node = 0;
    for (const side of zeros) {
      const pair = nodes[node];
      if (pair === undefined) throw new Error("bad node");
      const current = pair[side] ?? EMPTY;
      if (current.kind !== "node") throw new Error("aliasing needs IPv4 networks in the tree");
      node = current.node;
    }
    const mapped = [...new Array<number>(80).fill(0), ...new Array<number>(16).fill(1)];
    setRecord(mapped, { kind: "node", node });
    const sixToFour = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]; // 0x2002
    setRecord(sixToFour, { kind: "node", node });
  }

  const nodeCount = nodes.length;
  const recordValue = (child: Child): number =>
    child.kind === "empty"
      ? nodeCount
      : child.kind === "node"
        ? child.node
        : nodeCount + 16 + child.offset;
  const nodeBytes = (options.recordSize * 2) / 8;
  const tree = Buffer.alloc(nodeCount * nodeBytes);
  nodes.forEach(([left, right], index) => {
    const offset = index * nodeBytes;
    const l = recordValue(left);
    const r = recordValue(right);
    if (options.recordSize === 24) {
      tree.writeUIntBE(l, offset, 3);
      tree.writeUIntBE(r, offset + 3, 3);
    } else if (options.recordSize === 28) {
      tree.writeUIntBE(l & 0xffffff, offset, 3);
      tree[offset + 3] = ((l >>> 24) << 4) | (r >>> 24);
      tree.writeUIntBE(r & 0xffffff, offset + 4, 3);
    } else {
      tree.writeUInt32BE(l, offset);
      tree.writeUInt32BE(r, offset + 4);
    }
  });

  const metadata = new DataWriter();
  metadata.writeValue(
    {
      node_count: nodeCount,
      record_size: options.recordSize,
      ip_version: options.ipVersion,
      database_type: options.databaseType,
      languages: ["en"],
      binary_format_major_version: 2,
      binary_format_minor_version: 0,
      build_epoch: BigInt(options.buildEpoch ?? 1_700_000_000),
      description: { en: "Tollgate test database" },
    },
    false,
  );
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    data.bytes(),
    Buffer.from([0xab, 0xcd, 0xef]),
    Buffer.from("MaxMind.com"),
    metadata.bytes(),
  ]);
}

/** Encodes data section values (spec "Output Data Section"). */
class DataWriter {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly records = new Map<string, number>();
  private readonly strings = new Map<string, number>();

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Writes a record once; the same record again returns the first offset. */
  writeRecord(value: MmdbValue): number {
    const key = JSON.stringify(value, (_, item: unknown) =>
      typeof item === "bigint" ? `${item}n` : item,
    );
    const known = this.records.get(key);
    if (known !== undefined) return known;
    const offset = this.size;
    this.writeValue(value, true);
    this.records.set(key, offset);
    return offset;
  }

  writeValue(value: MmdbValue, share: boolean): void {
    if (typeof value === "string") {
      const known = this.strings.get(value);
      // Pointers to repeated strings, as MaxMind's writer shares map keys and names.
      if (share && known !== undefined && value.length >= 3) {
        this.pointer(known);
        return;
      }
      if (share) this.strings.set(value, this.size);
      const bytes = Buffer.from(value, "utf8");
      this.control(2, bytes.length);
      this.push(bytes);
    } else if (typeof value === "boolean") {
      this.control(14, value ? 1 : 0);
    } else if (typeof value === "bigint") {
      const bytes = unsignedBytes(value);
      this.control(9, bytes.length);
      this.push(bytes);
    } else if (typeof value === "number") {
      if (Number.isInteger(value) && value >= 0 && value < 65_536) {
        const bytes = unsignedBytes(BigInt(value));
        this.control(5, bytes.length);
        this.push(bytes);
      } else if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
        const bytes = unsignedBytes(BigInt(value));
        this.control(6, bytes.length);
        this.push(bytes);
      } else if (Number.isInteger(value) && value < 0 && value >= -0x80000000) {
        const bytes = Buffer.alloc(4);
        bytes.writeInt32BE(value);
        this.control(8, 4);
        this.push(bytes);
      } else {
        const bytes = Buffer.alloc(8);
        bytes.writeDoubleBE(value);
        this.control(3, 8);
        this.push(bytes);
      }
    } else if (Array.isArray(value)) {
      const items = value as readonly MmdbValue[];
      this.control(11, items.length);
      for (const item of items) this.writeValue(item, share);
    } else {
      const entries = Object.entries(value as { readonly [key: string]: MmdbValue });
      this.control(7, entries.length);
      for (const [key, item] of entries) {
        this.writeValue(key, share);
        this.writeValue(item, share);
      }
    }
  }

  private push(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private control(type: number, size: number): void {
    const head: number[] = [];
    let sizeBits: number;
    const tail: number[] = [];
    if (size < 29) sizeBits = size;
    else if (size < 285) {
      sizeBits = 29;
      tail.push(size - 29);
    } else if (size < 65_821) {
      sizeBits = 30;
      tail.push((size - 285) >>> 8, (size - 285) & 0xff);
    } else {
      sizeBits = 31;
      const rest = size - 65_821;
      tail.push(rest >>> 16, (rest >>> 8) & 0xff, rest & 0xff);
    }
    if (type <= 7) head.push((type << 5) | sizeBits);
    else head.push(sizeBits, type - 7);
    this.push(Buffer.from([...head, ...tail]));
  }

  private pointer(offset: number): void {
    if (offset < 2048) {
      this.push(Buffer.from([0x20 | (offset >>> 8), offset & 0xff]));
    } else if (offset < 2048 + 524_288) {
      const value = offset - 2048;
      this.push(Buffer.from([0x28 | (value >>> 16), (value >>> 8) & 0xff, value & 0xff]));
    } else if (offset < 526_336 + 134_217_728) {
      const value = offset - 526_336;
      this.push(
        Buffer.from([
          0x30 | (value >>> 24),
          (value >>> 16) & 0xff,
          (value >>> 8) & 0xff,
          value & 0xff,
        ]),
      );
    } else {
      const bytes = Buffer.alloc(5);
      bytes[0] = 0x38;
      bytes.writeUInt32BE(offset, 1);
      this.push(bytes);
    }
  }
}

function unsignedBytes(value: bigint): Buffer {
  const bytes: number[] = [];
  while (value > 0n) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return Buffer.from(bytes);
}
