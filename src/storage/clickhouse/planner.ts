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
import { compileClickHouseFilter } from "./filter-sql.ts";
import {
  checkCommon,
  querySummary,
  queryTimeseries,
  queryTop,
  rawQueryTable,
  resolveRange,
  type QueryTable,
  type RunQuery,
} from "./queries.ts";
import type { Tables } from "./schema.ts";

/**
 * The ClickHouse query planner: the tier choice both stores share (storage/planner.ts) over
 * this store's tables. A rollup holds the raw columns under their own names (`exporter_id`,
 * `src_network_id`, `protocol`…), so the raw dimension and filter SQL reads it unchanged
 * except `ip.version` (a column there) and the flow count (`sum(flows)`); a filter compiles
 * against the tier's fields only, and one naming anything else reads `flows`.
 */

const plain = (values: readonly unknown[]): string =>
  typeof values[0] === "string" || typeof values[0] === "number" ? String(values[0]) : "";

export function rollupQueryTable(
  tables: Tables,
  tier: RollupTier,
  kept: ReadonlySet<RollupDimension>,
): QueryTable {
  return {
    table: tables.rollups[tier].table,
    timeColumn: "bucket_ms",
    flowsSql: "sum(flows)",
    restriction: {
      fields: coveredFields(kept),
      bindings: { "ip.version": { kind: "scalar", sql: "ip_version" } },
    },
    dimensions: { "ip.version": { keys: ["ip_version"], text: plain } },
  };
}

/** The table answering `request` and the source the result reports. */
export function planQuery(
  tables: Tables,
  request: PlanRequest,
  available: RollupAvailability,
): { table: QueryTable; source: QuerySource } {
  const chosen = chooseTier(request, available, (tier, kept, filter) => {
    try {
      compileClickHouseFilter(
        filter.where,
        tables,
        filter.whereText,
        rollupQueryTable(tables, tier, kept).restriction,
      );
      return true;
    } catch {
      // A field this tier lacks (or a prefix where a network name was expected, which reads
      // the address): the raw table answers, and reports any real error itself.
      return false;
    }
  });
  if (chosen === undefined) {
    return { table: rawQueryTable(tables), source: { table: tables.flowsName, tier: "raw" } };
  }
  return {
    table: rollupQueryTable(tables, chosen.tier, chosen.kept),
    source: { table: tables.rollups[chosen.tier].name, tier: chosen.tier },
  };
}

export async function plannedSummary(
  run: RunQuery,
  tables: Tables,
  query: SummaryQuery,
  available: RollupAvailability,
): Promise<SummaryResult> {
  checkCommon(query.range, query.filter);
  const range = await resolveRange(run, tables, query.range);
  if (range === null) return querySummary(run, tables, query);
  const plan = planQuery(
    tables,
    query.filter === undefined ? { range } : { range, filter: query.filter },
    available,
  );
  const result = await querySummary(run, tables, { ...query, range }, plan.table);
  return { ...result, source: plan.source };
}

export async function plannedTop(
  run: RunQuery,
  tables: Tables,
  query: TopQuery,
  available: RollupAvailability,
): Promise<TopResult> {
  checkCommon(query.range, query.filter);
  const range = await resolveRange(run, tables, query.range);
  if (range === null) return queryTop(run, tables, query);
  const request: PlanRequest = { range, by: query.by };
  if (query.filter !== undefined) request.filter = query.filter;
  const plan = planQuery(tables, request, available);
  const result = await queryTop(run, tables, { ...query, range }, plan.table);
  return { ...result, source: plan.source };
}

export async function plannedTimeseries(
  run: RunQuery,
  tables: Tables,
  query: TimeseriesQuery,
  available: RollupAvailability,
): Promise<TimeseriesResult> {
  checkCommon(query.range, query.filter);
  const range = await resolveRange(run, tables, query.range);
  if (range === null) return queryTimeseries(run, tables, query);
  const request: PlanRequest = { range, stepMs: query.stepMs };
  if (query.filter !== undefined) request.filter = query.filter;
  const plan = planQuery(tables, request, available);
  const result = await queryTimeseries(run, tables, { ...query, range }, plan.table);
  return { ...result, source: plan.source };
}
