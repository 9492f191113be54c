/**
 * Storage tiers (issue 6): raw flows, and 1-minute, 1-hour and 1-day rollups without
 * addresses or ports. A store that keeps rollups answers a query from the coarsest tier that
 * can (see each adapter's planner), says which in the result's `source`, enforces a retention
 * per tier, and reports what each tier costs on disk.
 */

export const TIERS = ["raw", "1m", "1h", "1d"] as const;
export type Tier = (typeof TIERS)[number];
export type RollupTier = Exclude<Tier, "raw">;

export const ROLLUP_TIERS = ["1m", "1h", "1d"] as const satisfies readonly RollupTier[];

/** Bucket width of each rollup tier. Days are UTC days (multiples of 86,400,000 ms). */
export const TIER_BUCKET_MS: Readonly<Record<RollupTier, number>> = {
  "1m": 60_000,
  "1h": 3_600_000,
  "1d": 86_400_000,
};

/** Which table answered a query. */
export interface QuerySource {
  table: string;
  tier: Tier;
}

/**
 * Dimensions a rollup can keep, named as queries name them (store.ts dimensions). `direction`
 * is always kept: summaries and time series split by it. What a kept dimension also answers:
 * `exporter` the cloud context (`cloud.*`); `src.net` / `dst.net` the network's tags and
 * attributes (`src.tag.*`, `src.site`, `src.region`…).
 */
export const ROLLUP_DIMENSIONS = [
  "exporter",
  "source",
  "in.if",
  "out.if",
  "proto",
  "ip.version",
  "src.as",
  "dst.as",
  "direction.source",
  "locality",
  "src.net",
  "dst.net",
  "src.country",
  "dst.country",
  "observed.action",
] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

export interface RollupSettings {
  enabled: boolean;
  /** Kept in every rollup tier besides the time bucket and `direction`. */
  dimensions: readonly RollupDimension[];
}

/** The config section (`storage.rollups`) as settings; throws on an unknown dimension. */
export function rollupSettings(config: {
  enabled: boolean;
  dimensions: readonly string[];
}): RollupSettings {
  const known: readonly string[] = ROLLUP_DIMENSIONS;
  const unknown = config.dimensions.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(`storage.rollups.dimensions: ${unknown.join(", ")} cannot be rolled up`);
  }
  return { enabled: config.enabled, dimensions: config.dimensions as readonly RollupDimension[] };
}

/**
 * What rollups keep unless configured (the `storage.rollups.dimensions` default, and what the
 * schema 5 migration starts from): narrow, because rollups are written in the append
 * transaction and each dimension multiplies their rows (docs/37-rollups-and-retention.md).
 */
export const DEFAULT_ROLLUP_DIMENSIONS: readonly RollupDimension[] = [
  "exporter",
  "source",
  "proto",
  "direction.source",
  "locality",
  "src.net",
  "dst.net",
];

export const defaultRollupSettings: RollupSettings = {
  enabled: true,
  dimensions: DEFAULT_ROLLUP_DIMENSIONS,
};

/** How long each tier keeps rows, in ms; `null` keeps them forever. */
export type RetentionPolicy = Readonly<Record<Tier, number | null>>;

/** What one retention pass deleted, per tier. */
export interface RetentionReport {
  /** Rows older than this (raw: by end time; rollups: whole buckets) were deleted, per tier. */
  cutoffMs: Partial<Record<Tier, number>>;
  deletedRows: Partial<Record<Tier, number>>;
}

export interface TierStats {
  tier: Tier;
  table: string;
  rows: number;
  /** Estimated bytes on disk of the table's columns (see the adapter for how exact). */
  bytesOnDisk: number;
  /** Flows the tier summarises (raw: its rows; a rollup: the sum of its `flows` column). */
  flows: number;
  /** `bytesOnDisk / flows`: what a stored flow costs in this tier. */
  bytesPerFlow: number | null;
  /** First and last time covered: raw on end time, rollups on bucket start. */
  range: { fromMs: number; toMs: number } | null;
  retentionMs: number | null;
}

export interface StorageStats {
  backend: "duckdb" | "clickhouse";
  tiers: TierStats[];
  /**
   * The whole database as the engine accounts it (DuckDB: used blocks × block size;
   * ClickHouse: `bytes_on_disk` of the active parts of every table, summed over the shards).
   */
  databaseBytes: number;
  /** Files on disk (DuckDB: the database file and its write-ahead log; ClickHouse: as above). */
  fileBytes: number;
  /** How `bytesOnDisk` is estimated, for the reader of the report. */
  method: string;
}

/**
 * A store with tiers: what `tollgate storage stats` and the retention component need. Both
 * DuckDB adapters (in-thread and worker-thread) and the ClickHouse store implement it.
 */
export interface TieredFlowStore {
  storageStats(retention: RetentionPolicy): Promise<StorageStats>;
  /** Deletes what each tier keeps no longer as of `nowMs`. */
  enforceRetention(retention: RetentionPolicy, nowMs: number): Promise<RetentionReport>;
  /**
   * Folds the partial rollup rows appends leave (one per batch, bucket and key) into one row
   * per bucket and key; returns how many rows it removed. Totals are unchanged.
   */
  compactRollups(): Promise<number>;
}

export function isTieredFlowStore<T extends object>(store: T): store is T & TieredFlowStore {
  return (
    typeof (store as Partial<TieredFlowStore>).storageStats === "function" &&
    typeof (store as Partial<TieredFlowStore>).enforceRetention === "function" &&
    typeof (store as Partial<TieredFlowStore>).compactRollups === "function"
  );
}

const DURATION = /^(\d{1,6})(m|h|d|w|y)$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  // 365 days: retention is about keeping at least this much, not calendar arithmetic.
  y: 365 * 86_400_000,
};

/** `"15d"`, `"90d"`, `"2y"`, `"12h"` → ms; `"forever"` → null; anything else → undefined. */
export function parseRetention(text: string): number | null | undefined {
  if (text === "forever") return null;
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const unit = UNIT_MS[match[2] ?? ""];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

/** The retention config (`storage.retention`) as a policy; throws on a malformed duration. */
export function retentionPolicy(config: Readonly<Record<Tier, string>>): RetentionPolicy {
  const policy: Partial<Record<Tier, number | null>> = {};
  for (const tier of TIERS) {
    const text = config[tier];
    const parsed = parseRetention(text);
    if (parsed === undefined) {
      throw new Error(`storage.retention.${tier}: "${text}" is not a duration like 15d or forever`);
    }
    policy[tier] = parsed;
  }
  return policy as RetentionPolicy;
}
