import type { DuckDBConnection } from "@duckdb/node-api";
import { compileFilter, findField, type FilterDialect } from "../../query/filter/index.ts";
import type {
  Dimension,
  FlowFilter,
  SummaryQuery,
  SummaryResult,
  TimeRange,
  TimeseriesQuery,
  TimeseriesResult,
  TopQuery,
  TopResult,
} from "../store.ts";
import {
  TIER_BUCKET_MS,
  type QuerySource,
  type RollupDimension,
  type RollupTier,
} from "../tiers.ts";
import { createDuckDbFilterDialect } from "./filter-sql.ts";
import {
  checkCommon,
  FIXED_DIMENSION_SQL,
  querySummary,
  queryTimeseries,
  queryTop,
  RAW_QUERY_TABLE,
  resolveRange,
  type DimensionSql,
  type QueryTable,
} from "./queries.ts";
import { NONZERO_SQL, ROLLUP_TABLES } from "./rollup-schema.ts";
import { FLOWS_TABLE } from "./schema.ts";

/**
 * The query planner: each summary, top-N and time series is answered from the coarsest tier
 * that gives the raw answer exactly, else from `flows`. A tier can when
 * - its rows hold every field the query groups or filters by (the configured dimensions, see
 *   `rollup_state`; addresses, ports and per-flow measures are only in `flows`),
 * - both range bounds fall on its bucket boundaries (rollup buckets are on the end time, as
 *   ranges are, so a bucket is wholly in or out), and
 * - a time series' step is a multiple of its bucket (each bucket falls in one step).
 * Omitted range bounds resolve to the first and last stored flow, which rarely fall on a
 * boundary: such a query reads `flows`.
 */

/** Coarsest first: the first tier that can answer does. */
const PLAN_ORDER: readonly RollupTier[] = ["1d", "1h", "1m"];

/** What each rollup tier's rows hold, per tier; undefined: the tier is not kept up. */
export type RollupAvailability = ReadonlyMap<
  RollupTier,
  { dimensions: ReadonlySet<RollupDimension> | undefined }
>;

const NETWORK_FIELDS = [
  "net",
  "site",
  "provider",
  "account",
  "region",
  "zone",
  "vpc",
  "subnet",
  "egress",
  "service",
] as const;

/** The query fields a kept rollup dimension answers, besides its own name. */
function fieldsOf(dimension: RollupDimension): string[] {
  if (dimension === "exporter") {
    const cloud = [
      "provider",
      "account",
      "region",
      "zone",
      "vpc",
      "subnet",
      "instance",
      "interface",
    ];
    return ["exporter", ...cloud.map((name) => `cloud.${name}`)];
  }
  if (dimension === "src.net" || dimension === "dst.net") {
    const side = dimension.slice(0, 3);
    return NETWORK_FIELDS.map((name) => `${side}.${name}`);
  }
  return [dimension];
}

/** Rollup SQL that differs from the raw dimension SQL. */
const ROLLUP_SQL_OVERRIDES: Readonly<Record<string, DimensionSql>> = {
  "ip.version": { sql: "ip_version" },
};

const tables = new Map<string, QueryTable>();

/** The QueryTable of a tier holding `kept` (memoized: a handful of configurations at most). */
export function rollupQueryTable(tier: RollupTier, kept: ReadonlySet<RollupDimension>): QueryTable {
  const cacheKey = `${tier}:${[...kept].sort().join(",")}`;
  const cached = tables.get(cacheKey);
  if (cached !== undefined) return cached;
  const covered = new Set<string>(["direction", ...[...kept].flatMap(fieldsOf)]);
  const dimensions: Record<string, DimensionSql> = {};
  for (const [name, sql] of Object.entries(FIXED_DIMENSION_SQL)) {
    if (covered.has(name)) dimensions[name] = ROLLUP_SQL_OVERRIDES[name] ?? sql;
  }
  const base = createDuckDbFilterDialect(dimensions);
  const dialect: FilterDialect = {
    ...base,
    name: `duckdb ${ROLLUP_TABLES[tier]}`,
    field(name) {
      const canonical = findField(name)?.name ?? name;
      return covered.has(canonical) ? base.field(name) : undefined;
    },
    tag(side, keySql) {
      return kept.has(`${side}.net`) ? base.tag(side, keySql) : undefined;
    },
  };
  const table: QueryTable = {
    table: ROLLUP_TABLES[tier],
    timeColumn: "bucket_ms",
    flowsSql: "sum(flows)",
    havingSql: `HAVING ${NONZERO_SQL}`,
    dimensions,
    dialect,
  };
  tables.set(cacheKey, table);
  return table;
}

function isTagDimension(by: string): boolean {
  return by.startsWith("src.tag.") || by.startsWith("dst.tag.");
}

function divides(bucketMs: number, value: number): boolean {
  return ((value % bucketMs) + bucketMs) % bucketMs === 0;
}

export interface PlanRequest {
  range: TimeRange;
  stepMs?: number;
  by?: Dimension;
  filter?: FlowFilter;
}

/** The table answering `request` and the source the result reports. */
export function planQuery(
  request: PlanRequest,
  available: RollupAvailability,
): { table: QueryTable; source: QuerySource } {
  for (const tier of PLAN_ORDER) {
    const kept = available.get(tier)?.dimensions;
    if (kept === undefined) continue;
    const bucketMs = TIER_BUCKET_MS[tier];
    if (!divides(bucketMs, request.range.fromMs) || !divides(bucketMs, request.range.toMs)) {
      continue;
    }
    if (request.stepMs !== undefined && !divides(bucketMs, request.stepMs)) continue;
    const table = rollupQueryTable(tier, kept);
    const by = request.by;
    if (by !== undefined) {
      const side = by.slice(0, 3);
      const covered = isTagDimension(by)
        ? kept.has(`${side}.net` as RollupDimension)
        : table.dimensions[by] !== undefined;
      if (!covered) continue;
    }
    const where = request.filter?.where;
    if (where !== undefined) {
      try {
        compileFilter(where, table.dialect, request.filter?.whereText);
      } catch {
        // A field this tier lacks (or a prefix where a network name was expected, which
        // reads the address): the raw table answers, and reports any real error itself.
        continue;
      }
    }
    return { table, source: { table: ROLLUP_TABLES[tier], tier } };
  }
  return { table: RAW_QUERY_TABLE, source: { table: FLOWS_TABLE, tier: "raw" } };
}

/** Summary, top-N and time series through the planner. */
export async function plannedSummary(
  connection: DuckDBConnection,
  query: SummaryQuery,
  available: RollupAvailability,
): Promise<SummaryResult> {
  checkCommon(query.range, query.filter);
  const range = await resolveRange(connection, query.range);
  if (range === null) return querySummary(connection, query);
  const plan = planQuery(
    query.filter === undefined ? { range } : { range, filter: query.filter },
    available,
  );
  const result = await querySummary(connection, { ...query, range }, plan.table);
  return { ...result, source: plan.source };
}

export async function plannedTop(
  connection: DuckDBConnection,
  query: TopQuery,
  available: RollupAvailability,
): Promise<TopResult> {
  checkCommon(query.range, query.filter);
  const range = await resolveRange(connection, query.range);
  if (range === null) return queryTop(connection, query);
  const request: PlanRequest = { range, by: query.by };
  if (query.filter !== undefined) request.filter = query.filter;
  const plan = planQuery(request, available);
  const result = await queryTop(connection, { ...query, range }, plan.table);
  return { ...result, source: plan.source };
}

export async function plannedTimeseries(
  connection: DuckDBConnection,
  query: TimeseriesQuery,
  available: RollupAvailability,
): Promise<TimeseriesResult> {
  checkCommon(query.range, query.filter);
  const range = await resolveRange(connection, query.range);
  if (range === null) return queryTimeseries(connection, query);
  const request: PlanRequest = { range, stepMs: query.stepMs };
  if (query.filter !== undefined) request.filter = query.filter;
  const plan = planQuery(request, available);
  const result = await queryTimeseries(connection, { ...query, range }, plan.table);
  return { ...result, source: plan.source };
}
