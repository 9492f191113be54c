import type {
  Direction,
  FlowBatch,
  ImportCheckpoint,
  InterfaceCounters,
  Tags,
} from "../core/index.ts";
import type { FilterExpression } from "../query/filter/index.ts";
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
  // The AS's name in the ASN registry (`putAsNames`); "" for a number the registry lacks.
  "src.as.name",
  "dst.as.name",
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
 * The explorer's query (issue 6): top groups over zero to four dimensions with the rest
 * folded into `other`, each group's values per time step, and its total, average, maximum and
 * 95th percentile in one unit; optionally the preceding period of equal length for the same
 * groups. Both stores answer it (`FlowStore.explore`) and the contract suite holds them to the
 * same answer; the time series, statistics and rates are computed by `query/explore` from the
 * per-step sums each store returns.
 */

export const EXPLORE_UNITS = ["bytes", "bits/s", "packets", "packets/s", "flows"] as const;
export type ExploreUnit = (typeof EXPLORE_UNITS)[number];

/** At most this many dimensions in one explorer query. */
export const EXPLORE_DIMENSIONS_MAX = 4;
/** At most this many top groups; the rest is folded into `other`. */
export const EXPLORE_LIMIT_MAX = 1_000;
/** At most this many time steps in a range. */
export const EXPLORE_POINTS_MAX = 10_000;
/** At most this many values (groups × steps) in one answer. */
export const EXPLORE_VALUES_MAX = 1_000_000;

export interface ExploreQuery {
  /** Omitted bounds default to the first / last stored flow, as for `summary`. */
  range: Partial<TimeRange>;
  filter?: FlowFilter;
  /** Group by these, in this order (0 to 4); none: one group, the whole traffic. */
  dimensions: readonly Dimension[];
  /** Groups kept, largest first by the unit's measure; the rest is folded into `other`. */
  limit: number;
  unit: ExploreUnit;
  /** Step of the time series; absent: chosen for the range (`autoStepMs`, 100–300 steps). */
  stepMs?: number;
  /** Return each group's values per step (`points`); statistics are computed either way. */
  series: boolean;
  /** Also answer the preceding range of the same length, for the same groups. */
  comparePrevious?: boolean;
}

/**
 * A group's numbers in the query's unit. `total` is the volume over the range: bytes, bits
 * (bytes × 8) for bits/s, packets, flows. `average`, `max` and `p95` are over the per-step
 * values, empty steps counted as 0; for bits/s and packets/s a step's value is its volume
 * divided by the step in seconds, so `average` is `total` over the steps' whole duration.
 */
export interface ExploreStats {
  total: number;
  average: number;
  max: number;
  p95: number;
}

/** One series: its sums, its statistics, and, when asked, its value at each step. */
export interface ExploreSeries {
  totals: Totals;
  stats: ExploreStats;
  /** Aligned with the period's `timesMs`, zero-filled; present when the query asked `series`. */
  points?: number[];
}

export interface ExploreGroup extends ExploreSeries {
  /** One key per dimension, as text (the same text `top` gives). */
  keys: string[];
}

/** The numbers of one period: the query's range or the preceding one. */
export interface ExplorePeriod {
  range: TimeRange | null;
  /** Start of each step (epoch ms, multiples of the step), when the query asked `series`. */
  timesMs?: number[];
  /** Largest first; in `previous`, the current period's groups in the same order. */
  groups: ExploreGroup[];
  /** Every flow of the period outside `groups`. */
  other: ExploreSeries;
  total: ExploreSeries;
}

export interface ExploreResult extends ExplorePeriod {
  dimensions: Dimension[];
  unit: ExploreUnit;
  limit: number;
  stepMs: number;
  /** The preceding range of the same length, for the current period's groups. */
  previous?: ExplorePeriod;
  /** Which table answered the current period (stores with rollup tiers). */
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
  /**
   * Replaces the store's AS names (`as_names`) with the ASN registry's number → name map,
   * whole: flows keep only the number and queries join the name, so a registry reload renames
   * past flows too. Readers see the old names or the new ones, never a mix.
   */
  putAsNames(names: ReadonlyMap<number, string>): Promise<void>;
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
