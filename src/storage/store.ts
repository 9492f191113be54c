import type {
  Direction,
  FlowBatch,
  ImportCheckpoint,
  InterfaceCounters,
  Tags,
} from "../core/index.ts";
import type { FilterExpression } from "../query/filter/index.ts";
import type { ExploreQuery, ExploreResult } from "./explore.ts";
import type { QuerySource } from "./tiers.ts";

/**
 * The storage port: what the pipeline, the API and the CLI need from a flow store. Adapters
 * (`storage/duckdb`, later `storage/clickhouse`) implement it; only `services/` constructs one.
 */

/** A half-open time range `[fromMs, toMs)` in epoch milliseconds, on the flow's end time. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** Volume of a set of flows. `bytes` and `packets` are sampling-scaled; `flows` counts records. */
export interface Totals {
  bytes: number;
  packets: number;
  flows: number;
}

export const METRICS = ["bytes", "packets", "flows"] as const;
export type Metric = (typeof METRICS)[number];

/**
 * Dimensions a top-N can group by. Tag dimensions are `src.tag.<key>` / `dst.tag.<key>` with
 * a tag key made of letters, digits, `_` and `-`.
 */
export const FIXED_DIMENSIONS = [
  "src.addr",
  "dst.addr",
  "src.port",
  "dst.port",
  "proto",
  "exporter",
  "in.if",
  "out.if",
  "src.net",
  "dst.net",
  "direction",
  "direction.source",
  "locality",
  "ip.version",
  "src.as",
  "dst.as",
  "source",
  "observed.action",
  "cloud.provider",
  "cloud.account",
  "cloud.region",
  "cloud.zone",
  "cloud.vpc",
  "cloud.subnet",
  "cloud.instance",
  "cloud.interface",
  // Enrichment (issue 5): each end's country, and its network's attributes. An end outside
  // the inventory but in a cloud provider's range has that range's provider, region and service.
  "src.country",
  "dst.country",
  "src.site",
  "dst.site",
  "src.provider",
  "dst.provider",
  "src.account",
  "dst.account",
  "src.region",
  "dst.region",
  "src.zone",
  "dst.zone",
  "src.vpc",
  "dst.vpc",
  "src.subnet",
  "dst.subnet",
  "src.egress",
  "dst.egress",
  "src.service",
  "dst.service",
  // The boundary interface a flow crossed (direction from interfaces): its connectivity
  // (transit, peering, ix…), who is on the other side, and the interface itself.
  "connectivity",
  "boundary.provider",
  "boundary.interface",
] as const;
export type FixedDimension = (typeof FIXED_DIMENSIONS)[number];
export type TagDimension = `src.tag.${string}` | `dst.tag.${string}`;
export type Dimension = FixedDimension | TagDimension;

const TAG_DIMENSION = /^(src|dst)\.tag\.[A-Za-z0-9_-]{1,64}$/;

export function isDimension(value: string): value is Dimension {
  return (FIXED_DIMENSIONS as readonly string[]).includes(value) || TAG_DIMENSION.test(value);
}

/**
 * Restricts a query: `direction` (the `--direction` option) and `where` (a parsed filter
 * expression, query/filter) both apply when both are given.
 */
export interface FlowFilter {
  direction?: Direction;
  where?: FilterExpression;
  /** The text `where` was parsed from, so a store's errors point at the user's columns. */
  whereText?: string;
}

export interface SummaryQuery {
  /** Omitted bounds default to the first / last stored flow. */
  range: Partial<TimeRange>;
  filter?: FlowFilter;
}

export interface SummaryResult {
  /** The range actually covered: the requested bounds, or the stored data's when omitted. */
  range: TimeRange | null;
  directions: Record<Direction, Totals>;
  total: Totals;
  /** Which table answered (raw flows or a rollup tier); absent from stores without tiers. */
  source?: QuerySource;
}

export interface TopQuery {
  range: Partial<TimeRange>;
  by: Dimension;
  metric: Metric;
  /** Number of rows before the rest is folded into `other`. */
  limit: number;
  filter?: FlowFilter;
}

export interface TopRow extends Totals {
  key: string;
}

export interface TopResult {
  range: TimeRange | null;
  by: Dimension;
  metric: Metric;
  rows: TopRow[];
  /** Everything outside the top `limit` rows, folded. */
  other: Totals;
  total: Totals;
  source?: QuerySource;
}

export interface TimeseriesQuery {
  range: Partial<TimeRange>;
  /** Bucket width; the store aligns buckets on multiples of it since the epoch. */
  stepMs: number;
  metric: Metric;
  filter?: FlowFilter;
}

export interface TimeseriesPoint {
  /** Bucket start, epoch ms. */
  timeMs: number;
  byDirection: Record<Direction, number>;
}

export interface TimeseriesResult {
  range: TimeRange | null;
  stepMs: number;
  metric: Metric;
  /** Every bucket of the range in order, zero-filled. */
  points: TimeseriesPoint[];
  source?: QuerySource;
}

/**
 * A network as flows refer to it: a declared network (name, tags, attributes), or, for an end
 * outside the inventory, the cloud provider range holding it (`kind: "cloud"`, named
 * `provider:SERVICE:region`, its service in `service`).
 */
export interface NetworkRef {
  name: string;
  tags: Tags;
  /**
   * inventory: a declared network; cloud: a provider's published range; boundary: an
   * exporter's boundary interface (`exporter:interface`, its provider in `attributes.provider`,
   * its connectivity in `connectivity`).
   */
  kind?: "inventory" | "cloud" | "boundary";
  connectivity?: string;
  /** site, provider, account, region, zone, vpc, subnet, egress ("" or absent when unknown). */
  attributes?: Readonly<Record<string, string>>;
  service?: string;
}

export interface FlowStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Appends a batch durably: when the promise resolves, the rows are committed, together with
   * the batch's import checkpoints (in the same transaction). The batch's network indexes
   * (1-based) refer to `networks`; the caller must not touch the batch until the promise
   * settles. A batch with no rows but checkpoints commits only the checkpoints.
   */
  append(batch: FlowBatch, networks: readonly NetworkRef[]): Promise<void>;
  /** Appends interface counter samples (sFlow), committed when the promise resolves. */
  appendCounters(counters: readonly InterfaceCounters[]): Promise<void>;
  /** Number of stored interface counter samples. */
  countInterfaceCounters(): Promise<number>;
  summary(query: SummaryQuery): Promise<SummaryResult>;
  top(query: TopQuery): Promise<TopResult>;
  timeseries(query: TimeseriesQuery): Promise<TimeseriesResult>;
  /** The explorer's query: top groups over several dimensions, their series and statistics (explore.ts). */
  explore(query: ExploreQuery): Promise<ExploreResult>;
  /** First and last stored flow end times, or null when the store is empty. */
  dataRange(): Promise<TimeRange | null>;
  /** The committed progress of every file ever imported (one per file). */
  importCheckpoints(): Promise<ImportCheckpoint[]>;
}

/** Which stored flows a scan or a reclassification visits. */
export interface FlowScanQuery {
  /** On the flow's end time; omitted bounds: the first / last stored flow. */
  range: Partial<TimeRange>;
  /** Only flows from cloud flow logs (whose exporter has a cloud context). */
  cloudOnly?: boolean;
}

/** How far a scan has gone: `chunksDone` of `chunks`, and the rows visited so far. */
export interface ScanProgress {
  chunksDone: number;
  chunks: number;
  rows: number;
}

/** What a reclassification changed, so far or in total. */
export interface ReclassifyProgress extends ScanProgress {
  /** Rows whose direction, locality, or source or destination network differs from before. */
  directionChanged: number;
  localityChanged: number;
  networkChanged: number;
}

/**
 * Stored flows read back as FlowBatch columns, a chunk at a time: what `tollgate reclassify`
 * and `tollgate inventory suggest` need, and what a backend offers only when it can rewrite
 * rows in place (DuckDB; see `isRewritableFlowStore`).
 *
 * A read batch holds the columns the classifier reads: addresses, exporter address, in/out
 * interfaces, sampled bytes and packets, sampling rate, cloud context (`clouds`/`cloud`),
 * flow direction (IE 61), AS numbers, times, and the stored pipeline columns (bytes, packets,
 * direction, direction source, locality, countries). Network columns are 0: stored networks
 * are not the classifier's indexes.
 */
export interface RewritableFlowStore {
  /** Calls `visit` with each chunk of stored flows, in storage order; read-only. */
  scanFlows(
    query: FlowScanQuery,
    visit: (batch: FlowBatch, progress: ScanProgress) => void | Promise<void>,
  ): Promise<ScanProgress>;
  /**
   * Re-runs classification over the stored flows of `query`: each chunk is read, handed to
   * `rewrite` (which fills the pipeline columns in place and returns the network list its
   * indexes refer to, as for `append`), and written back in one transaction per chunk:
   * bytes, packets, direction, direction source, locality, networks, countries and AS numbers.
   * Other columns are left as stored. Chunks committed before a failure stay rewritten.
   */
  reclassify(
    query: FlowScanQuery,
    rewrite: (batch: FlowBatch) => readonly NetworkRef[],
    onProgress?: (progress: ReclassifyProgress) => void,
  ): Promise<ReclassifyProgress>;
}

export function isRewritableFlowStore<T extends object>(
  store: T,
): store is T & RewritableFlowStore {
  return (
    typeof (store as Partial<RewritableFlowStore>).scanFlows === "function" &&
    typeof (store as Partial<RewritableFlowStore>).reclassify === "function"
  );
}
