import {
  DEFAULT_ROLLUP_DIMENSIONS,
  ROLLUP_TIERS,
  TIER_BUCKET_MS,
  type RollupDimension,
  type RollupTier,
} from "../tiers.ts";
import { sampledSql } from "./sampled-columns.ts";

/**
 * The rollup tables of the DuckDB store: `flows_1m`, `flows_1h` and `flows_1d`, each a time
 * bucket (on the flow's end time, like every query range), the dimension columns, and sums.
 *
 * Every tier has every dimension column; a dimension the configuration leaves out is stored as
 * its zero value (0 or ''), which DuckDB keeps as one constant per segment (a few bytes per
 * 122,880 rows), so the layout does not depend on the configuration and the planner reads
 * which dimensions the rows really hold from `rollup_state`.
 *
 * Closed vocabularies are VARCHAR here, not the ENUMs of `flows`: rollups are written by
 * `INSERT … SELECT` (no per-value append cost), DuckDB dictionary-compresses the few values,
 * and a value added to `core` later needs no ALTER of three more tables.
 *
 * Sums are signed BIGINT: a reclassification writes the old rows' contribution with a minus
 * sign and the new one with a plus (rollups.ts), and compaction folds the pair away.
 */

export const ROLLUP_TABLES: Readonly<Record<RollupTier, string>> = {
  "1m": "flows_1m",
  "1h": "flows_1h",
  "1d": "flows_1d",
};

/** Which dimensions each tier's rows hold, and which buckets hold uncompacted rows. */
export const ROLLUP_STATE_TABLE = "rollup_state";

/** Row ids DuckDB gives rows appended by the current, uncommitted transaction (MAX_ROW_ID). */
export const TRANSACTION_LOCAL_ROWID = 36028797018960000n;

interface RollupColumn {
  name: string;
  type: string;
  /** The expression over a `flows` row. */
  fromRaw: string;
  /** Its value when the dimension is not kept. */
  zero: string;
  /** The configured dimension that keeps it; undefined: always kept (direction). */
  dimension?: RollupDimension;
}

function column(
  name: string,
  type: string,
  fromRaw: string,
  dimension: RollupDimension | undefined,
): RollupColumn {
  const zero = type === "VARCHAR" ? "''" : `0::${type}`;
  return dimension === undefined
    ? { name, type, fromRaw, zero }
    : { name, type, fromRaw, zero, dimension };
}

/** Dimension columns in table order. */
export const ROLLUP_DIMENSION_COLUMNS: readonly RollupColumn[] = [
  column("exporter_id", "UINTEGER", "exporter_id", "exporter"),
  column("source", "VARCHAR", "source::VARCHAR", "source"),
  column("in_if", "UINTEGER", "in_if", "in.if"),
  column("out_if", "UINTEGER", "out_if", "out.if"),
  column("protocol", "UTINYINT", "protocol", "proto"),
  column(
    "ip_version",
    "UTINYINT",
    "CASE WHEN src_addr_hi = 0 AND (src_addr_lo >> 32) = 65535 THEN 4 ELSE 6 END",
    "ip.version",
  ),
  column("src_as", "UINTEGER", "src_as", "src.as"),
  column("dst_as", "UINTEGER", "dst_as", "dst.as"),
  column("direction", "VARCHAR", "direction::VARCHAR", undefined),
  column("direction_source", "VARCHAR", "direction_source::VARCHAR", "direction.source"),
  column("locality", "VARCHAR", "locality::VARCHAR", "locality"),
  column("src_network_id", "UINTEGER", "src_network_id", "src.net"),
  column("dst_network_id", "UINTEGER", "dst_network_id", "dst.net"),
  // Rows stored before schema 3/4 hold NULL in these (columns added by ALTER TABLE).
  column("src_country", "USMALLINT", "coalesce(src_country, 0)", "src.country"),
  column("dst_country", "USMALLINT", "coalesce(dst_country, 0)", "dst.country"),
  column("observed_action", "UTINYINT", "coalesce(observed_action, 0)", "observed.action"),
];

/** Sums in table order: the name in `flows_*` and what it sums over a `flows` row. */
export const ROLLUP_SUM_COLUMNS = [
  ["flows", "1"],
  ["bytes", "bytes"],
  ["packets", "packets"],
  // NULL in `flows` when equal to bytes/packets (schema 6); never NULL here.
  ["sampled_bytes", sampledSql("sampled_bytes")],
  ["sampled_packets", sampledSql("sampled_packets")],
] as const;

export function rollupTableDdl(table: string): string {
  const columns = [
    "bucket_ms BIGINT NOT NULL",
    ...ROLLUP_DIMENSION_COLUMNS.map((spec) => `${spec.name} ${spec.type} NOT NULL`),
    ...ROLLUP_SUM_COLUMNS.map(([name]) => `${name} BIGINT NOT NULL`),
  ];
  return `CREATE TABLE ${table} (${columns.join(", ")})`;
}

/** The dimension list as `rollup_state` records it (sorted, comma-separated). */
export function dimensionsKey(dimensions: readonly RollupDimension[]): string {
  return [...new Set(dimensions)].sort().join(",");
}

/** The floor of `expression` to a multiple of `bucketMs` (negative times floor down too). */
function floorSql(expression: string, bucketMs: number): string {
  return `(${expression} - (((${expression} % ${bucketMs}) + ${bucketMs}) % ${bucketMs}))`;
}

function keptSql(spec: RollupColumn, kept: ReadonlySet<RollupDimension>, value: string): string {
  return spec.dimension === undefined || kept.has(spec.dimension) ? value : spec.zero;
}

const VARCHAR_CAST = "::VARCHAR";

/**
 * `INSERT INTO flows_1m` of the `flows` rows matching `where`, grouped per minute and kept
 * dimension, each sum multiplied by `sign`.
 */
export function insertFromRawSql(
  flowsTable: string,
  where: string,
  kept: ReadonlySet<RollupDimension>,
  sign: 1 | -1,
): string {
  // ENUM columns are grouped as they are stored (one byte each) and turned into the tier's
  // VARCHAR after grouping, once per group: casting first hashed and compared a string per
  // raw row (Hash<string_t> and string HyperLogLog updates were a tenth of the store thread's
  // CPU under NetFlow v9, perf of `tollgate serve`, 2026-11-22).
  const inner = ROLLUP_DIMENSION_COLUMNS.map((spec) => {
    const raw = spec.fromRaw.endsWith(VARCHAR_CAST)
      ? spec.fromRaw.slice(0, -VARCHAR_CAST.length)
      : spec.fromRaw;
    return `${keptSql(spec, kept, raw)} AS ${spec.name}`;
  });
  const outer = ROLLUP_DIMENSION_COLUMNS.map((spec) =>
    spec.fromRaw.endsWith(VARCHAR_CAST) ? `${spec.name}${VARCHAR_CAST}` : spec.name,
  );
  const sums = ROLLUP_SUM_COLUMNS.map(
    ([name, raw]) => `(${sign} * sum(${raw}))::BIGINT AS ${name}`,
  );
  return `INSERT INTO ${ROLLUP_TABLES["1m"]}
    SELECT bucket_ms, ${outer.join(", ")}, ${ROLLUP_SUM_COLUMNS.map(([name]) => name).join(", ")}
    FROM (
      SELECT ${floorSql("end_ms", TIER_BUCKET_MS["1m"])} AS bucket_ms, ${inner.join(", ")}, ${sums.join(", ")}
      FROM ${flowsTable} WHERE ${where} GROUP BY ALL
    )`;
}

/**
 * `INSERT INTO <coarser>` of the `<finer>` rows matching `where`, regrouped into the coarser
 * buckets. Sums of sums: exact, whatever the sign of the rows.
 */
export function insertFromFinerSql(
  finer: RollupTier,
  coarser: RollupTier,
  where: string,
  kept: ReadonlySet<RollupDimension>,
  options: { having?: string; from?: string } = {},
): string {
  const dimensions = ROLLUP_DIMENSION_COLUMNS.map((spec) => keptSql(spec, kept, spec.name));
  const sums = ROLLUP_SUM_COLUMNS.map(([name]) => `sum(${name})::BIGINT`);
  return `INSERT INTO ${ROLLUP_TABLES[coarser]}
    SELECT ${floorSql("bucket_ms", TIER_BUCKET_MS[coarser])}, ${dimensions.join(", ")}, ${sums.join(", ")}
    FROM ${options.from ?? ROLLUP_TABLES[finer]} WHERE ${where}
    GROUP BY ALL${options.having === undefined ? "" : ` HAVING ${options.having}`}`;
}

/** True for a folded row that still counts something (a reclassified pair sums to zero). */
export const NONZERO_SQL = ROLLUP_SUM_COLUMNS.map(([name]) => `sum(${name}) <> 0`).join(" OR ");

/**
 * Schema 5: the rollup tables filled from every stored flow with every dimension, and their
 * state. `start()` rebuilds them when the configured dimensions differ (rollups.ts).
 */
export function rollupMigrationStatements(flowsTable: string): string[] {
  const all = new Set<RollupDimension>(DEFAULT_ROLLUP_DIMENSIONS);
  const statements = [
    ...ROLLUP_TIERS.map((tier) => rollupTableDdl(ROLLUP_TABLES[tier])),
    `CREATE TABLE ${ROLLUP_STATE_TABLE} (tier VARCHAR PRIMARY KEY, dimensions VARCHAR NOT NULL, dirty_from_ms BIGINT, dirty_to_ms BIGINT)`,
    insertFromRawSql(flowsTable, "true", all, 1),
    insertFromFinerSql("1m", "1h", "true", all),
    insertFromFinerSql("1h", "1d", "true", all),
  ];
  for (const tier of ROLLUP_TIERS) {
    statements.push(
      `INSERT INTO ${ROLLUP_STATE_TABLE} VALUES ('${tier}', '${dimensionsKey(DEFAULT_ROLLUP_DIMENSIONS)}', NULL, NULL)`,
    );
  }
  return statements;
}
