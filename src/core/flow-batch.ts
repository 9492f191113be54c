import { DIRECTIONS, DIRECTION_SOURCES } from "./direction.ts";
import { copyWords, isIpv4Words, isZeroWords, textToWords, wordsToText } from "./address-words.ts";
import {
  FLOW_SOURCES,
  type DecodedFlow,
  type FlowRecord,
  type FlowSource,
  type Tags,
} from "./flow.ts";
import { LOCALITIES } from "./locality.ts";
import { cloudContextKey, OBSERVED_ACTIONS, type CloudContext } from "./cloud.ts";
import type { ImportCheckpoint } from "./import-checkpoint.ts";

/** IPFIX IE 61 flowDirection values (RFC 7012 / IANA): what the exporter says it saw. */
export const FLOW_DIRECTION_INGRESS = 0;
export const FLOW_DIRECTION_EGRESS = 1;
/** Not an IANA value: the exporter said nothing. */
export const FLOW_DIRECTION_UNKNOWN = 255;

const SOURCE_INDEX = new Map<string, number>(FLOW_SOURCES.map((name, index) => [name, index]));

/**
 * A batch of flows as columns of typed arrays: the form flows take on the hot path, from the
 * decoder to the store. Decoders append rows without allocating (one row = one store per
 * column), the classifier fills its columns in place, and the storage adapters hand whole
 * columns to the database. `FlowRecord` objects exist only at the edges (tests, the demo, the
 * API) through `appendDecoded` and `record`.
 *
 * Why columns: at a million records per second, per-record objects with text addresses cost
 * more than the decoding itself (measured in bench/), and DuckDB takes columns natively.
 *
 * Addresses are four words per row (see `address-words.ts`); counters are float64 (exact to
 * 2^53); closed vocabularies are indexes into the `core` lists (`FLOW_SOURCES`, `DIRECTIONS`,
 * `DIRECTION_SOURCES`, `LOCALITIES`); networks are 1-based indexes into the classifier's
 * network list, 0 for none.
 *
 * Usage by a decoder: `const row = batch.addRow()` (resets the row to neutral values and grows
 * the batch when full), then set the columns it knows.
 */
export class FlowBatch {
  capacity: number;
  length = 0;

  startMs!: Float64Array;
  endMs!: Float64Array;
  receivedMs!: Float64Array;
  /** UDP source of the export (4 words per row). */
  exporter!: Uint32Array;
  /** NetFlow v9 source id, IPFIX observation domain id, sFlow sub-agent id; 0 for v5. */
  observationDomain!: Uint32Array;
  /** Index into FLOW_SOURCES. */
  source!: Uint8Array;
  inIf!: Uint32Array;
  outIf!: Uint32Array;
  ipVersion!: Uint8Array;
  srcAddr!: Uint32Array;
  dstAddr!: Uint32Array;
  srcPort!: Uint16Array;
  dstPort!: Uint16Array;
  protocol!: Uint8Array;
  tcpFlags!: Uint16Array;
  tos!: Uint8Array;
  srcAs!: Uint32Array;
  dstAs!: Uint32Array;
  srcMaskLen!: Uint8Array;
  dstMaskLen!: Uint8Array;
  /** All-zero words: none. */
  nextHop!: Uint32Array;
  /** IE 61 as observed: FLOW_DIRECTION_INGRESS / _EGRESS / _UNKNOWN. */
  flowDirection!: Uint8Array;
  /** IEs 225/226/281/282 and 227/228; all-zero words / 0 when absent. */
  postNatSrcAddr!: Uint32Array;
  postNatDstAddr!: Uint32Array;
  postNatSrcPort!: Uint16Array;
  postNatDstPort!: Uint16Array;
  /** IEs 234/235 ingressVRFID / egressVRFID; 0 when absent. */
  inVrf!: Uint32Array;
  outVrf!: Uint32Array;
  sampledBytes!: Float64Array;
  sampledPackets!: Float64Array;
  samplingRate!: Uint32Array;
  /** 1 when the rate came from the export or config, 0 when 1 was assumed. */
  samplingRateKnown!: Uint8Array;
  /**
   * Fields kept without a column of their own (enterprise-specific IEs with their PEN, named
   * where known): a JSON object text per row, or undefined. Sparse: most rows have none.
   */
  extra!: (string | undefined)[];
  /** Cloud flow logs: 1-based index into `clouds`, 0 for flows that are not from a cloud log. */
  cloud!: Uint32Array;
  /** Index into OBSERVED_ACTIONS: what the cloud did with the flow, 0 when not stated. */
  observedAction!: Uint8Array;
  /** The distinct cloud contexts the rows refer to (see `internCloud`). */
  clouds: CloudContext[] = [];
  private cloudIndexByObject = new Map<CloudContext, number>();
  private cloudIndexByKey = new Map<string, number>();
  /**
   * Import progress this batch completes (at most one per file, the latest): the store commits
   * them in the same transaction as the rows. Empty for live traffic.
   */
  checkpoints: ImportCheckpoint[] = [];

  // Filled by the pipeline.
  bytes!: Float64Array;
  packets!: Float64Array;
  /** Indexes into DIRECTIONS, DIRECTION_SOURCES, LOCALITIES. */
  direction!: Uint8Array;
  directionSource!: Uint8Array;
  locality!: Uint8Array;
  /** 1-based index into the classifier's network list; 0 = no declared network. */
  srcNetwork!: Uint32Array;
  dstNetwork!: Uint32Array;
  /** ISO 3166-1 alpha-2 country of each end as two ASCII bytes (`(c0 << 8) | c1`), 0 unknown. */
  srcCountry!: Uint16Array;
  dstCountry!: Uint16Array;
  /**
   * The boundary interface the flow crossed at the edge (ingress: its input, egress and
   * transit: the external one), as a 1-based index into the classifier's network list (an
   * entry of kind "boundary"); 0 when direction did not come from interfaces.
   */
  boundary!: Uint32Array;

  constructor(capacity = 1024) {
    this.capacity = Math.max(1, capacity);
    this.allocate(this.capacity);
  }

  private allocate(capacity: number): void {
    const keep = this.length;
    const grow = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(
      old: T | undefined,
      make: (n: number) => T,
      perRow = 1,
    ): T => {
      const next = make(capacity * perRow);
      if (old !== undefined) (next as Float64Array).set(old.subarray(0, keep * perRow));
      return next;
    };
    const f64 = (n: number) => new Float64Array(n);
    const u32 = (n: number) => new Uint32Array(n);
    const u16 = (n: number) => new Uint16Array(n);
    const u8 = (n: number) => new Uint8Array(n);
    /* eslint-disable @typescript-eslint/no-unnecessary-condition -- undefined before the first allocation */
    this.startMs = grow(this.startMs, f64);
    this.endMs = grow(this.endMs, f64);
    this.receivedMs = grow(this.receivedMs, f64);
    this.exporter = grow(this.exporter, u32, 4);
    this.observationDomain = grow(this.observationDomain, u32);
    this.source = grow(this.source, u8);
    this.inIf = grow(this.inIf, u32);
    this.outIf = grow(this.outIf, u32);
    this.ipVersion = grow(this.ipVersion, u8);
    this.srcAddr = grow(this.srcAddr, u32, 4);
    this.dstAddr = grow(this.dstAddr, u32, 4);
    this.srcPort = grow(this.srcPort, u16);
    this.dstPort = grow(this.dstPort, u16);
    this.protocol = grow(this.protocol, u8);
    this.tcpFlags = grow(this.tcpFlags, u16);
    this.tos = grow(this.tos, u8);
    this.srcAs = grow(this.srcAs, u32);
    this.dstAs = grow(this.dstAs, u32);
    this.srcMaskLen = grow(this.srcMaskLen, u8);
    this.dstMaskLen = grow(this.dstMaskLen, u8);
    this.nextHop = grow(this.nextHop, u32, 4);
    this.flowDirection = grow(this.flowDirection, u8);
    this.postNatSrcAddr = grow(this.postNatSrcAddr, u32, 4);
    this.postNatDstAddr = grow(this.postNatDstAddr, u32, 4);
    this.postNatSrcPort = grow(this.postNatSrcPort, u16);
    this.postNatDstPort = grow(this.postNatDstPort, u16);
    this.inVrf = grow(this.inVrf, u32);
    this.outVrf = grow(this.outVrf, u32);
    this.sampledBytes = grow(this.sampledBytes, f64);
    this.sampledPackets = grow(this.sampledPackets, f64);
    this.samplingRate = grow(this.samplingRate, u32);
    this.samplingRateKnown = grow(this.samplingRateKnown, u8);
    this.cloud = grow(this.cloud, u32);
    this.observedAction = grow(this.observedAction, u8);
    this.bytes = grow(this.bytes, f64);
    this.packets = grow(this.packets, f64);
    this.direction = grow(this.direction, u8);
    this.directionSource = grow(this.directionSource, u8);
    this.locality = grow(this.locality, u8);
    this.srcNetwork = grow(this.srcNetwork, u32);
    this.dstNetwork = grow(this.dstNetwork, u32);
    this.srcCountry = grow(this.srcCountry, u16);
    this.dstCountry = grow(this.dstCountry, u16);
    this.boundary = grow(this.boundary, u32);
    if (this.extra === undefined) this.extra = [];
    /* eslint-enable @typescript-eslint/no-unnecessary-condition */
    this.capacity = capacity;
  }

  /** Makes room for `rows` more rows. */
  reserve(rows: number): void {
    const needed = this.length + rows;
    if (needed <= this.capacity) return;
    let capacity = this.capacity * 2;
    while (capacity < needed) capacity *= 2;
    this.allocate(capacity);
  }

  /**
   * Appends a row with neutral values (zeros, unknown flow direction, sampling rate 1 not
   * known) and returns its index. Rows past `length` are kept all-zero (fresh arrays are, and
   * `clear`, `truncate` and `dropLastRow` zero what they give back), so only the columns whose
   * neutral value is not zero are written here: a decoder adding a million rows a second does
   * not pay for fifty stores per row it then overwrites.
   */
  addRow(): number {
    if (this.length === this.capacity) this.allocate(this.capacity * 2);
    const row = this.length++;
    this.flowDirection[row] = FLOW_DIRECTION_UNKNOWN;
    this.samplingRate[row] = 1;
    if (this.extra.length > row) this.extra[row] = undefined;
    return row;
  }

  /** Drops the last row (a decoder that found the record unusable after starting it). */
  dropLastRow(): void {
    if (this.length > 0) this.truncate(this.length - 1);
  }

  /** Drops every row from `length` on. */
  truncate(length: number): void {
    if (length >= this.length) return;
    const from = Math.max(0, length);
    this.zeroRows(from, this.length);
    if (this.extra.length > from) this.extra.length = from;
    this.length = from;
  }

  private zeroRows(from: number, to: number): void {
    for (const key of SCALAR_COLUMNS) this[key].fill(0, from, to);
    for (const key of ADDRESS_COLUMNS) this[key].fill(0, from * 4, to * 4);
  }

  clear(): void {
    // One fill per column (a memset) rather than a reset per row in addRow.
    this.zeroRows(0, this.length);
    this.length = 0;
    this.extra.length = 0;
    this.clouds = [];
    this.cloudIndexByObject.clear();
    this.cloudIndexByKey.clear();
    this.checkpoints = [];
  }

  /**
   * The 1-based index of `context` in `clouds`, adding it when new. Decoders keep one object per
   * distinct context and pass the same object again: that hits an identity map, not a key.
   */
  internCloud(context: CloudContext): number {
    const byObject = this.cloudIndexByObject.get(context);
    if (byObject !== undefined) return byObject;
    const key = cloudContextKey(context);
    let index = this.cloudIndexByKey.get(key);
    if (index === undefined) {
      this.clouds.push(context);
      index = this.clouds.length;
      this.cloudIndexByKey.set(key, index);
    }
    this.cloudIndexByObject.set(context, index);
    return index;
  }

  /** Records import progress; a later checkpoint of the same file replaces an earlier one. */
  addCheckpoint(checkpoint: ImportCheckpoint): void {
    const at = this.checkpoints.findIndex((known) => known.fileKey === checkpoint.fileKey);
    if (at === -1) this.checkpoints.push(checkpoint);
    else this.checkpoints[at] = checkpoint;
  }

  setExtra(row: number, fields: Readonly<Record<string, unknown>>): void {
    this.setExtraJson(row, JSON.stringify(fields));
  }

  /** Sets a row's extra fields from JSON object text a decoder built itself (no object). */
  setExtraJson(row: number, json: string): void {
    // `extra` is sparse: pad with holes rather than grow it for every row.
    while (this.extra.length < row) this.extra.push(undefined);
    this.extra[row] = json;
  }

  /** Appends every row of `other` (used to merge per-datagram batches). */
  appendBatch(other: FlowBatch, from = 0, to = other.length): void {
    const rows = to - from;
    if (rows <= 0) return;
    this.reserve(rows);
    const at = this.length;
    for (const key of SCALAR_COLUMNS) {
      (this[key] as Float64Array).set((other[key] as Float64Array).subarray(from, to), at);
    }
    for (const key of ADDRESS_COLUMNS) {
      this[key].set(other[key].subarray(from * 4, to * 4), at * 4);
    }
    for (let row = from; row < to; row++) {
      const cloud = other.cloud[row] ?? 0;
      if (cloud !== 0) {
        const context = other.clouds[cloud - 1];
        this.cloud[at + row - from] = context === undefined ? 0 : this.internCloud(context);
      }
      const extra = other.extra[row];
      if (extra !== undefined) {
        while (this.extra.length < at + row - from) this.extra.push(undefined);
        this.extra[at + row - from] = extra;
      }
    }
    this.length += rows;
  }

  /**
   * Appends one decoded flow given as an object (demo, tests, cloud logs). Throws when an
   * address is not an IP address, naming the column; the row is not kept.
   */
  appendDecoded(flow: DecodedFlow): number {
    const row = this.addRow();
    const address = (text: string, words: Uint32Array, column: string) => {
      if (!textToWords(text, words, row)) {
        this.dropLastRow();
        throw new Error(`column ${column}: "${text}" is not an IP address`);
      }
    };
    this.startMs[row] = flow.startMs;
    this.endMs[row] = flow.endMs;
    address(flow.exporterAddr, this.exporter, "exporter");
    this.observationDomain[row] = flow.observationDomain ?? 0;
    this.source[row] = SOURCE_INDEX.get(flow.source) ?? 0;
    this.inIf[row] = flow.inIf;
    this.outIf[row] = flow.outIf;
    this.ipVersion[row] = flow.ipVersion;
    address(flow.srcAddr, this.srcAddr, "src_addr");
    address(flow.dstAddr, this.dstAddr, "dst_addr");
    this.srcPort[row] = flow.srcPort;
    this.dstPort[row] = flow.dstPort;
    this.protocol[row] = flow.protocol;
    this.tcpFlags[row] = flow.tcpFlags;
    this.tos[row] = flow.tos;
    this.srcAs[row] = flow.srcAs;
    this.dstAs[row] = flow.dstAs;
    this.srcMaskLen[row] = flow.srcMaskLen;
    this.dstMaskLen[row] = flow.dstMaskLen;
    if (flow.nextHop !== "") address(flow.nextHop, this.nextHop, "next_hop");
    this.flowDirection[row] = flow.flowDirection ?? FLOW_DIRECTION_UNKNOWN;
    if (flow.postNatSrcAddr !== undefined && flow.postNatSrcAddr !== "") {
      address(flow.postNatSrcAddr, this.postNatSrcAddr, "post_nat_src");
    }
    if (flow.postNatDstAddr !== undefined && flow.postNatDstAddr !== "") {
      address(flow.postNatDstAddr, this.postNatDstAddr, "post_nat_dst");
    }
    this.postNatSrcPort[row] = flow.postNatSrcPort ?? 0;
    this.postNatDstPort[row] = flow.postNatDstPort ?? 0;
    this.inVrf[row] = flow.inVrf ?? 0;
    this.outVrf[row] = flow.outVrf ?? 0;
    this.sampledBytes[row] = flow.sampledBytes;
    this.sampledPackets[row] = flow.sampledPackets;
    this.samplingRate[row] = flow.samplingRate;
    this.samplingRateKnown[row] = flow.samplingRateKnown ? 1 : 0;
    if (flow.cloud !== undefined) this.cloud[row] = this.internCloud(flow.cloud);
    if (flow.observedAction !== undefined) {
      this.observedAction[row] = OBSERVED_ACTIONS.indexOf(flow.observedAction);
    }
    if (flow.extra !== undefined) this.setExtra(row, flow.extra);
    return row;
  }

  /**
   * Row `row` as a DecodedFlow object: for tests, goldens and debugging, not the hot path. The
   * optional fields appear only when they hold something (a v5 record has none of them).
   */
  decoded(row: number): DecodedFlow {
    const optionalText = (words: Uint32Array) =>
      isZeroWords(words, row) ? "" : wordsToText(words, row);
    const flow: DecodedFlow = {
      startMs: this.startMs[row] ?? 0,
      endMs: this.endMs[row] ?? 0,
      exporterAddr: wordsToText(this.exporter, row),
      source: FLOW_SOURCES[this.source[row] ?? 0] ?? "demo",
      inIf: this.inIf[row] ?? 0,
      outIf: this.outIf[row] ?? 0,
      ipVersion: this.ipVersion[row] === 6 ? 6 : 4,
      srcAddr: wordsToText(this.srcAddr, row),
      dstAddr: wordsToText(this.dstAddr, row),
      srcPort: this.srcPort[row] ?? 0,
      dstPort: this.dstPort[row] ?? 0,
      protocol: this.protocol[row] ?? 0,
      tcpFlags: this.tcpFlags[row] ?? 0,
      tos: this.tos[row] ?? 0,
      srcAs: this.srcAs[row] ?? 0,
      dstAs: this.dstAs[row] ?? 0,
      srcMaskLen: this.srcMaskLen[row] ?? 0,
      dstMaskLen: this.dstMaskLen[row] ?? 0,
      nextHop: optionalText(this.nextHop),
      sampledBytes: this.sampledBytes[row] ?? 0,
      sampledPackets: this.sampledPackets[row] ?? 0,
      samplingRate: this.samplingRate[row] ?? 1,
      samplingRateKnown: this.samplingRateKnown[row] === 1,
    };
    const domain = this.observationDomain[row] ?? 0;
    if (domain !== 0) flow.observationDomain = domain;
    const flowDirection = this.flowDirection[row] ?? FLOW_DIRECTION_UNKNOWN;
    if (flowDirection !== FLOW_DIRECTION_UNKNOWN) flow.flowDirection = flowDirection;
    const natSrc = optionalText(this.postNatSrcAddr);
    if (natSrc !== "") flow.postNatSrcAddr = natSrc;
    const natDst = optionalText(this.postNatDstAddr);
    if (natDst !== "") flow.postNatDstAddr = natDst;
    const natSrcPort = this.postNatSrcPort[row] ?? 0;
    if (natSrcPort !== 0) flow.postNatSrcPort = natSrcPort;
    const natDstPort = this.postNatDstPort[row] ?? 0;
    if (natDstPort !== 0) flow.postNatDstPort = natDstPort;
    const inVrf = this.inVrf[row] ?? 0;
    if (inVrf !== 0) flow.inVrf = inVrf;
    const outVrf = this.outVrf[row] ?? 0;
    if (outVrf !== 0) flow.outVrf = outVrf;
    const cloud = this.clouds[(this.cloud[row] ?? 0) - 1];
    if (cloud !== undefined) flow.cloud = { ...cloud };
    const action = OBSERVED_ACTIONS[this.observedAction[row] ?? 0];
    if (action !== undefined && action !== "") flow.observedAction = action;
    const extra = this.extra[row];
    if (extra !== undefined) flow.extra = JSON.parse(extra) as Record<string, unknown>;
    return flow;
  }

  /** Row `row` as a FlowRecord, network names and tags resolved through `networks`. */
  record(row: number, networks: readonly { name: string; tags: Tags }[] = []): FlowRecord {
    const network = (index: number) => networks[index - 1];
    const src = network(this.srcNetwork[row] ?? 0);
    const dst = network(this.dstNetwork[row] ?? 0);
    return {
      ...this.decoded(row),
      receivedMs: this.receivedMs[row] ?? 0,
      bytes: this.bytes[row] ?? 0,
      packets: this.packets[row] ?? 0,
      direction: DIRECTIONS[this.direction[row] ?? 0] ?? "transit",
      directionSource: DIRECTION_SOURCES[this.directionSource[row] ?? 0] ?? "unknown",
      locality: LOCALITIES[this.locality[row] ?? 0] ?? "unknown",
      srcNetwork: src?.name ?? "",
      dstNetwork: dst?.name ?? "",
      srcTags: src?.tags ?? {},
      dstTags: dst?.tags ?? {},
      srcCountry: countryText(this.srcCountry[row] ?? 0),
      dstCountry: countryText(this.dstCountry[row] ?? 0),
    };
  }

  /**
   * The filled part of every column, for handing a batch to another thread: each column is a
   * copy with a buffer of its own, listed in `transfer` so that postMessage moves the buffers
   * instead of cloning them again (about 20 MB for a 131,072-row batch). With `place`, each
   * copy goes where it says instead (see `columnBytes`): a view of exactly its rows at that
   * offset, on a buffer the caller keeps, such as one shared with the other thread.
   */
  toColumns(place?: ColumnPlacer): FlowBatchColumns {
    const columns: Record<string, ArrayBufferView> = {};
    const copy = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(
      source: T,
      length: number,
    ): T => {
      if (place === undefined) return source.slice(0, length) as T;
      const make = source.constructor as new (
        buffer: ArrayBufferLike,
        offset: number,
        length: number,
      ) => T;
      const { buffer, byteOffset } = place(length * source.BYTES_PER_ELEMENT);
      const target = new make(buffer, byteOffset, length);
      target.set(source.subarray(0, length));
      return target;
    };
    for (const key of SCALAR_COLUMNS) columns[key] = copy(this[key], this.length);
    for (const key of ADDRESS_COLUMNS) columns[key] = copy(this[key], this.length * 4);
    return {
      length: this.length,
      columns,
      extra: this.extra.slice(0, this.length),
      clouds: this.clouds,
      checkpoints: this.checkpoints,
    };
  }

  /**
   * The bytes `toColumns(place)` asks `place` for in all, each column's length rounded up to
   * `alignment` (so that every column can start on a multiple of it).
   */
  columnBytes(alignment: number): number {
    const aligned = (bytes: number): number => Math.ceil(bytes / alignment) * alignment;
    let total = 0;
    for (const key of SCALAR_COLUMNS) total += aligned(this.length * this[key].BYTES_PER_ELEMENT);
    for (const key of ADDRESS_COLUMNS) {
      total += aligned(this.length * 4 * this[key].BYTES_PER_ELEMENT);
    }
    return total;
  }

  /** The buffers of `toColumns()` output, for postMessage's transfer list. */
  static transferList(transport: FlowBatchColumns): ArrayBuffer[] {
    return Object.values(transport.columns).map((column) => column.buffer as ArrayBuffer);
  }

  /**
   * A batch made from `toColumns()` output (on the receiving thread). It adopts the arrays (no
   * copy): they are the batch's own from then on, exactly `length` rows long.
   */
  static fromColumns(transport: FlowBatchColumns): FlowBatch {
    const batch = new FlowBatch(1);
    const rows = transport.length;
    for (const key of [...SCALAR_COLUMNS, ...ADDRESS_COLUMNS]) {
      const source = transport.columns[key];
      const perRow = (ADDRESS_COLUMNS as readonly string[]).includes(key) ? 4 : 1;
      if (source === undefined || source.constructor !== batch[key].constructor) {
        throw new Error(`flow batch transport lacks column ${key}`);
      }
      if (source.byteLength / batch[key].BYTES_PER_ELEMENT !== rows * perRow) {
        throw new Error(`flow batch transport column ${key} does not hold ${rows} rows`);
      }
      (batch as unknown as Record<string, ArrayBufferView>)[key] = source;
    }
    batch.capacity = Math.max(1, rows);
    batch.extra = [...transport.extra];
    for (const context of transport.clouds) batch.internCloud(context);
    batch.checkpoints = [...transport.checkpoints];
    batch.length = transport.length;
    return batch;
  }

  /** Every row as DecodedFlow objects. */
  decodedRows(): DecodedFlow[] {
    return Array.from({ length: this.length }, (_, row) => this.decoded(row));
  }

  isIpv4Source(row: number): boolean {
    return isIpv4Words(this.srcAddr, row);
  }
}

/**
 * Where `FlowBatch.toColumns` puts one column's copy of `byteLength` bytes: a buffer and the
 * offset in it (a multiple of the column's element size).
 */
export type ColumnPlacer = (byteLength: number) => { buffer: ArrayBufferLike; byteOffset: number };

/** A FlowBatch as plain typed arrays, as it crosses a thread boundary. */
export interface FlowBatchColumns {
  length: number;
  columns: Record<string, ArrayBufferView>;
  extra: (string | undefined)[];
  clouds: CloudContext[];
  checkpoints: ImportCheckpoint[];
}

/** Every one-value-per-row column, for bulk copies. */
export const SCALAR_COLUMNS = [
  "startMs",
  "endMs",
  "receivedMs",
  "observationDomain",
  "source",
  "inIf",
  "outIf",
  "ipVersion",
  "srcPort",
  "dstPort",
  "protocol",
  "tcpFlags",
  "tos",
  "srcAs",
  "dstAs",
  "srcMaskLen",
  "dstMaskLen",
  "flowDirection",
  "postNatSrcPort",
  "postNatDstPort",
  "inVrf",
  "outVrf",
  "sampledBytes",
  "sampledPackets",
  "samplingRate",
  "samplingRateKnown",
  "cloud",
  "observedAction",
  "bytes",
  "packets",
  "direction",
  "directionSource",
  "locality",
  "srcNetwork",
  "dstNetwork",
  "srcCountry",
  "dstCountry",
  "boundary",
] as const satisfies readonly (keyof FlowBatch)[];

/** Every four-words-per-row address column. */
export const ADDRESS_COLUMNS = [
  "exporter",
  "srcAddr",
  "dstAddr",
  "nextHop",
  "postNatSrcAddr",
  "postNatDstAddr",
] as const satisfies readonly (keyof FlowBatch)[];

export function flowSourceIndex(source: FlowSource): number {
  return SOURCE_INDEX.get(source) ?? 0;
}

export { copyWords };

/** A country stored as two ASCII bytes, as text ("" for 0). */
export function countryText(code: number): string {
  return code === 0 ? "" : String.fromCharCode(code >>> 8, code & 0xff);
}

/** "US" → 0x5553; anything but two ASCII letters → 0. */
export function countryCode(text: string): number {
  if (!/^[A-Za-z]{2}$/.test(text)) return 0;
  const upper = text.toUpperCase();
  return (upper.charCodeAt(0) << 8) | upper.charCodeAt(1);
}
