import { ROLLUP_TIERS, TIER_BUCKET_MS, type RollupDimension, type RollupTier } from "../tiers.ts";
import { sqlString } from "./literals.ts";
import { enumColumnType, type Tables } from "./schema.ts";

/**
 * The rollup tiers of the ClickHouse store (schema 3), the same concept as DuckDB's
 * (storage/duckdb/rollup-schema.ts): `flows_1m`, `flows_1h`, `flows_1d`, each a time bucket
 * on the flow's end time, every dimension column (a dimension the configuration leaves out is
 * its zero value, one constant that compresses to nearly nothing) and signed sums.
 *
 * Filled by materialized views, not by the store's insert path. A view runs on the server
 * for each block inserted into the table it watches, so it counts whatever writes `flows`:
 * this store, several stateless collectors through a Distributed table (each shard's view
 * fills that shard's local rollups), or an `INSERT … SELECT` by hand. The insert path would
 * have to aggregate every batch in JS with the writer's id translations and send a second,
 * third and fourth INSERT per batch, and would miss any other writer. The views' cost is
 * server CPU, measured on 18.16.1 with bench/clickhouse-rollups.ts (2M generated flows in
 * 245,760-row batches, load average 6–9 on 2 shared cores; docs/37-rollups-and-retention.md):
 * with the default dimensions 2.59 vs 2.12 server CPU-seconds per million flows appended
 * (1.22x) and 1.07x the append time; with all 15 dimensions 8.80 vs 2.36 (3.73x) and 1.81x.
 *
 * Each tier's view reads the raw flows, not the finer tier: checked on 18.16.1, a row a view
 * inserts into its `TO` table does not trigger the views on that table (a 1-hour view on
 * `flows_1m` stayed empty), so the tiers cannot cascade there.
 *
 * SummingMergeTree sorted by every dimension: merges add up rows with the same bucket and key
 * (and drop rows whose sums are all zero); queries still `sum()`, so an unmerged part changes
 * nothing. Partitions per tier are what retention drops (retention.ts): a day for `flows_1m`
 * (90 days kept by default), a month for `flows_1h` (2 years), a year for `flows_1d`.
 */

/** What `rollup_state` says a tier's rows hold when rollups are off (the rows are stale). */
export const ROLLUPS_DISABLED = "disabled";

interface RollupColumn {
  name: string;
  type: string;
  /** The expression over a `flows` row. */
  fromRaw: string;
  /** The configured dimension that keeps it; undefined: always kept (direction). */
  dimension?: RollupDimension;
}

const isIpv4 = "(src_addr_hi = 0 AND bitShiftRight(src_addr_lo, 32) = 65535)";

function column(
  name: string,
  type: string,
  dimension: RollupDimension | undefined,
  fromRaw = name,
): RollupColumn {
  return dimension === undefined ? { name, type, fromRaw } : { name, type, fromRaw, dimension };
}

/** Dimension columns in table order; the sorting key is the bucket then these. */
export const ROLLUP_DIMENSION_COLUMNS: readonly RollupColumn[] = [
  column("direction", enumColumnType("direction"), undefined),
  column("exporter_id", "UInt64", "exporter"),
  column("src_network_id", "UInt64", "src.net"),
  column("dst_network_id", "UInt64", "dst.net"),
  column("source", enumColumnType("source"), "source"),
  column("in_if", "UInt32", "in.if"),
  column("out_if", "UInt32", "out.if"),
  column("protocol", "UInt8", "proto"),
  column("ip_version", "UInt8", "ip.version", `if(${isIpv4}, 4, 6)`),
  column("src_as", "UInt32", "src.as"),
  column("dst_as", "UInt32", "dst.as"),
  column("direction_source", enumColumnType("direction_source"), "direction.source"),
  column("locality", enumColumnType("locality"), "locality"),
  column("src_country", "UInt16", "src.country"),
  column("dst_country", "UInt16", "dst.country"),
  column("observed_action", "UInt8", "observed.action"),
];

/** The enum columns a rollup shares with `flows` (widened with them, store.ts). */
export const ROLLUP_ENUM_COLUMNS = ["direction", "source", "direction_source", "locality"];

/** Sums: the name in `flows_*` and what it sums over a `flows` row. */
export const ROLLUP_SUM_COLUMNS = [
  ["flows", "1"],
  ["bytes", "bytes"],
  ["packets", "packets"],
  ["sampled_bytes", "sampled_bytes"],
  ["sampled_packets", "sampled_packets"],
] as const;

/** Partition of each tier: what retention drops whole. */
export const ROLLUP_PARTITION_FUNCTION: Readonly<Record<RollupTier, string>> = {
  "1m": "toYYYYMMDD",
  "1h": "toYYYYMM",
  "1d": "toYear",
};

export function rollupPartitionSql(tier: RollupTier): string {
  return `${ROLLUP_PARTITION_FUNCTION[tier]}(toDateTime(intDiv(bucket_ms, 1000)))`;
}

export function rollupTableSql(tier: RollupTier, name: string): string {
  const columns = [
    "bucket_ms Int64",
    ...ROLLUP_DIMENSION_COLUMNS.map((spec) => `${spec.name} ${spec.type}`),
    ...ROLLUP_SUM_COLUMNS.map(([sum]) => `${sum} Int64`),
  ];
  const sums = ROLLUP_SUM_COLUMNS.map(([sum]) => sum).join(", ");
  const key = ["bucket_ms", ...ROLLUP_DIMENSION_COLUMNS.map((spec) => spec.name)].join(", ");
  return `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(", ")})
    ENGINE = SummingMergeTree((${sums})) PARTITION BY ${rollupPartitionSql(tier)} ORDER BY (${key})`;
}

/** The Distributed table over every shard's local rollup of a tier (queries read it). */
export function distributedRollupSql(tables: Tables, tier: RollupTier, cluster: string): string {
  const { table, local } = tables.rollups[tier];
  const localName = local.split(".")[1] ?? "";
  return `CREATE TABLE IF NOT EXISTS ${table} AS ${local}
    ENGINE = Distributed(${sqlString(cluster)}, ${tables.database}, ${localName})`;
}

export function rollupStateSql(tables: Tables): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.rollupState} (tier String, dimensions String, written_ms Int64) ENGINE = ReplacingMergeTree(written_ms) ORDER BY tier`;
}

/** The floor of `expression` (Int64 ms) to a multiple of `bucketMs`, negative times too. */
function floorSql(expression: string, bucketMs: number): string {
  // toInt64: 18.16 types `Int64 % 60000` by the literal's type and overflows (queries.ts).
  const bucket = `toInt64(${bucketMs})`;
  return `(${expression} - (((${expression} % ${bucket}) + ${bucket}) % ${bucket}))`;
}

/**
 * The SELECT a tier's view runs over each inserted block (and the backfill over stored rows):
 * per bucket and kept dimension, the sums. A left-out dimension is its zero, so its rows fold.
 */
export function rollupSelectSql(
  tier: RollupTier,
  kept: ReadonlySet<RollupDimension>,
  from: string,
  where?: string,
): string {
  const dimensions = ROLLUP_DIMENSION_COLUMNS.map((spec) => {
    const value =
      spec.dimension === undefined || kept.has(spec.dimension)
        ? spec.fromRaw
        : `CAST(0 AS ${spec.type})`;
    return `${value} AS ${spec.name}`;
  });
  const sums = ROLLUP_SUM_COLUMNS.map(([name, raw]) =>
    raw === "1" ? `toInt64(count()) AS ${name}` : `toInt64(sum(${raw})) AS ${name}`,
  );
  const groupBy = ["bucket_ms", ...ROLLUP_DIMENSION_COLUMNS.map((spec) => spec.name)].join(", ");
  return `SELECT ${floorSql("end_ms", TIER_BUCKET_MS[tier])} AS bucket_ms, ${dimensions.join(", ")}, ${sums.join(", ")}
    FROM ${from}${where === undefined ? "" : ` WHERE ${where}`} GROUP BY ${groupBy}`;
}

export function rollupViewSql(
  tables: Tables,
  tier: RollupTier,
  kept: ReadonlySet<RollupDimension>,
): string {
  const { view, local } = tables.rollups[tier];
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} TO ${local} AS ${rollupSelectSql(tier, kept, tables.flowsLocal)}`;
}

/** The dimension list as `rollup_state` records it (sorted, comma-separated), as DuckDB's. */
export function dimensionsKey(dimensions: Iterable<RollupDimension>): string {
  return [...new Set(dimensions)].sort().join(",");
}

/** The rollup statements of the current schema for one server (idempotent). */
export function rollupSchemaStatements(tables: Tables): string[] {
  const statements = [rollupStateSql(tables)];
  for (const tier of ROLLUP_TIERS) {
    statements.push(rollupTableSql(tier, tables.rollups[tier].local));
    if (tables.cluster !== undefined) {
      statements.push(distributedRollupSql(tables, tier, tables.cluster));
    }
  }
  return statements;
}
