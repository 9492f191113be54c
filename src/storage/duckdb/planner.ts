import type { DuckDBConnection } from "@duckdb/node-api";
import { compileFilter, findField, type FilterDialect } from "../../query/filter/index.ts";
import type {
  SummaryQuery,
  SummaryResult,
  TimeseriesQuery,
  TimeseriesResult,
  TopQuery,
  TopResult,
} from "../store.ts";
import {
  chooseTier,
  coveredFields,
  type PlanRequest,
  type RollupAvailability,
} from "../planner.ts";
import type { QuerySource, RollupDimension, RollupTier } from "../tiers.ts";
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
 * The DuckDB query planner: the shared tier choice (storage/planner.ts) with this store's
 * query tables. Omitted range bounds resolve to the first and last stored flow, which rarely
 * fall on a boundary: such a query reads `flows`.
 */

export type { PlanRequest, RollupAvailability } from "../planner.ts";

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
  const covered = coveredFields(kept);
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

/** The table answering `request` and the source the result reports. */
export function planQuery(
  request: PlanRequest,
  available: RollupAvailability,
): { table: QueryTable; source: QuerySource } {
  const chosen = chooseTier(request, available, (tier, kept, filter) => {
    try {
      compileFilter(filter.where, rollupQueryTable(tier, kept).dialect, filter.whereText);
      return true;
    } catch {
      // A field this tier lacks (or a prefix where a network name was expected, which
      // reads the address): the raw table answers, and reports any real error itself.
      return false;
    }
  });
  if (chosen === undefined)
    return { table: RAW_QUERY_TABLE, source: { table: FLOWS_TABLE, tier: "raw" } };
  return {
    table: rollupQueryTable(chosen.tier, chosen.kept),
    source: { table: ROLLUP_TABLES[chosen.tier], tier: chosen.tier },
  };
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
