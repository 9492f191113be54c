import {
  addStep,
  assembleExplore,
  checkExploreQuery,
  exploreStepMs,
  keyId,
  previousRange,
  rankMetric,
  type PeriodRows,
} from "../../query/explore/index.ts";
import type { RollupAvailability } from "../planner.ts";
import type { ExploreQuery, ExploreResult } from "../store.ts";
import type { TimeRange, Totals } from "../store.ts";
import type { QuerySource, Tier } from "../tiers.ts";
import { sqlInteger } from "./literals.ts";
import { planQuery } from "./planner.ts";
import {
  checkCommon,
  dimensionSql,
  rawQueryTable,
  resolveRange,
  sideTableSql,
  toNumber,
  whereSql,
  type DimensionSql,
  type QueryTable,
  type RunQuery,
} from "./queries.ts";
import type { Tables } from "./schema.ts";

/**
 * The explorer query on ClickHouse 18.16, with the DuckDB store's answer (the contract suite
 * checks both against one reference). Without window functions, each period takes three
 * reads:
 *
 * 1. the top keys over the current range, `ORDER BY measure DESC, keys ASC LIMIT n`;
 * 2. their sums per step over the period, the keys restricted by `IN (` the same top query `)`
 *    (so no key value travels back into SQL);
 * 3. the sums per step of all flows over the period (`other` is the total minus the groups,
 *    per step, in query/explore).
 *
 * Dimensions held in a side table (networks, tags, exporter, cloud) aggregate by id first,
 * then join the side table one dimension at a time (18.16 joins two tables per SELECT) and
 * aggregate again by the joined keys, as `top` does. ClickHouse has no snapshots: rows
 * inserted between the reads can make the groups and the total disagree by those rows.
 *
 * Every read of a period goes to one table, the planner's (planner.ts): the finest tier any
 * of the period's ranges (and, for the previous period, the current range its groups are
 * ranked on) needs, raw if one needs raw. A finer tier answers whatever a coarser one can.
 */

const TIER_ORDER: readonly Tier[] = ["raw", "1m", "1h", "1d"];

function plan(
  tables: Tables,
  ranges: readonly TimeRange[],
  query: ExploreQuery,
  stepMs: number,
  available: RollupAvailability,
): { table: QueryTable; source: QuerySource } {
  let chosen: { table: QueryTable; source: QuerySource } | undefined;
  for (const range of ranges) {
    const candidate = planQuery(
      tables,
      {
        range,
        stepMs,
        byAll: query.dimensions,
        ...(query.filter === undefined ? {} : { filter: query.filter }),
      },
      available,
    );
    if (
      chosen === undefined ||
      TIER_ORDER.indexOf(candidate.source.tier) < TIER_ORDER.indexOf(chosen.source.tier)
    ) {
      chosen = candidate;
    }
  }
  return (
    chosen ?? { table: rawQueryTable(tables), source: { table: tables.flowsName, tier: "raw" } }
  );
}

/** The grouped sums of `where`, by step (when `stepSql`) and by the dimensions' keys. */
function groupedSql(
  tables: Tables,
  table: QueryTable,
  dimensions: readonly DimensionSql[],
  where: string,
  stepSql?: string,
): { sql: string; keyColumns: string[] } {
  const time = table.timeColumn;
  const inner: string[] = [];
  const keyColumns: string[] = [];
  dimensions.forEach((dimension, index) => {
    if (dimension.join === undefined) {
      dimension.keys.forEach((key, part) => inner.push(`${key} AS k${index}_${part}`));
    } else {
      inner.push(`${dimension.join.idColumn} AS id${index}`);
    }
    dimension.keys.forEach((_, part) => keyColumns.push(`k${index}_${part}`));
  });
  const step = stepSql === undefined ? [] : ["step_ms"];
  const stepSelect =
    stepSql === undefined
      ? []
      : [`${time} - (((${time} % ${stepSql}) + ${stepSql}) % ${stepSql}) AS step_ms`];
  const innerGroup = [...step, ...inner.map((column) => column.replace(/^.* AS /, ""))];
  let sql = `SELECT ${[...stepSelect, ...inner, `${table.flowsSql} AS f`, "sum(bytes) AS b", "sum(packets) AS p"].join(", ")}
    FROM ${table.table} WHERE ${where}
    ${innerGroup.length === 0 ? "" : `GROUP BY ${innerGroup.join(", ")}`}`;
  // The columns each level carries: the step, every key so far, the ids still to join, sums.
  let carried = innerGroup;
  dimensions.forEach((dimension, index) => {
    if (dimension.join === undefined) return;
    const side = sideTableSql(tables, dimension.join.table);
    const joined = dimension.keys.map((key, part) => `${key} AS k${index}_${part}`);
    const names = dimension.keys.map((_, part) => `k${index}_${part}`);
    sql = `SELECT ${[...carried, ...names, "f", "b", "p"].join(", ")}
      FROM (${sql})
      ANY LEFT JOIN (SELECT id AS id${index}, ${joined.join(", ")} FROM ${side}) USING id${index}`;
    carried = [...carried.filter((column) => column !== `id${index}`), ...names];
  });
  const group = [...step, ...keyColumns];
  sql = `SELECT ${[...group, "sum(f) AS f", "sum(b) AS b", "sum(p) AS p"].join(", ")}
    FROM (${sql}) GROUP BY ${group.join(", ")}`;
  return { sql, keyColumns };
}

/** The top query of the current period: its keys, largest first, ties on the keys ascending. */
function topSql(
  tables: Tables,
  table: QueryTable,
  query: ExploreQuery,
  dimensions: readonly DimensionSql[],
  range: TimeRange,
): string {
  const { sql, keyColumns } = groupedSql(
    tables,
    table,
    dimensions,
    whereSql(tables, range, query.filter, table),
  );
  const metric = { bytes: "b", packets: "p", flows: "f" }[rankMetric(query)];
  return `SELECT ${keyColumns.join(", ")} FROM (${sql})
    ORDER BY ${metric} DESC, ${keyColumns.map((column) => `${column} ASC`).join(", ")}
    LIMIT ${sqlInteger(query.limit)}`;
}

function sumsOf(row: readonly unknown[], at: number): Totals {
  return { flows: toNumber(row[at]), bytes: toNumber(row[at + 1]), packets: toNumber(row[at + 2]) };
}

/**
 * One period: the groups of the current range's top (`ranked`, in order) summed per step
 * over `range`, and every flow of `range` per step.
 */
async function readPeriod(
  run: RunQuery,
  tables: Tables,
  table: QueryTable,
  query: ExploreQuery,
  stepMs: number,
  range: TimeRange,
  rankRange: TimeRange,
  ranked: readonly string[][],
): Promise<PeriodRows> {
  // Typed Int64: 18.16 gives `Int64 % 60000` the divisor's narrow type and overflows it
  // (`toInt64(1795343073188) % 60000` is -32348 there, 33188 with an Int64 divisor).
  const step = `toInt64(${sqlInteger(stepMs)})`;
  const where = whereSql(tables, range, query.filter, table);
  const total = new Map<number, Totals>();
  const time = table.timeColumn;
  const { data: totalRows } = await run(
    `SELECT ${time} - (((${time} % ${step}) + ${step}) % ${step}) AS step_ms,
            ${table.flowsSql}, sum(bytes), sum(packets)
     FROM ${table.table} WHERE ${where} GROUP BY step_ms`,
  );
  for (const row of totalRows) addStep(total, toNumber(row[0]), sumsOf(row, 1));
  const groups = ranked.map((keys) => ({ keys, steps: new Map<number, Totals>() }));
  if (groups.length === 0) return { groups, total };
  const dimensions = query.dimensions.map((by) => dimensionSql(by, table));
  const byKey = new Map(groups.map((group) => [keyId(group.keys), group]));
  const { sql, keyColumns } = groupedSql(tables, table, dimensions, where, step);
  const keyTuple = keyColumns.length === 1 ? keyColumns.join("") : `(${keyColumns.join(", ")})`;
  const { data } = await run(
    `SELECT step_ms, ${keyColumns.join(", ")}, f, b, p FROM (${sql})
     WHERE ${keyTuple} IN (${topSql(tables, table, query, dimensions, rankRange)})`,
  );
  for (const row of data) {
    const keys = keyTexts(dimensions, row.slice(1, 1 + keyColumns.length));
    const group = byKey.get(keyId(keys));
    // A key the top read did not return can only come from rows inserted in between.
    if (group !== undefined)
      addStep(group.steps, toNumber(row[0]), sumsOf(row, 1 + keyColumns.length));
  }
  return { groups, total };
}

function keyTexts(dimensions: readonly DimensionSql[], values: readonly unknown[]): string[] {
  let at = 0;
  return dimensions.map((dimension) => {
    const text = dimension.text(values.slice(at, at + dimension.keys.length));
    at += dimension.keys.length;
    return text;
  });
}

export async function queryExplore(
  run: RunQuery,
  tables: Tables,
  query: ExploreQuery,
  available: RollupAvailability = new Map(),
): Promise<ExploreResult> {
  checkCommon(query.range, query.filter);
  checkExploreQuery(query);
  const range = await resolveRange(run, tables, query.range);
  const stepMs = exploreStepMs(query, range);
  if (range === null) {
    return assembleExplore(query, stepMs, { range, rows: { groups: [], total: new Map() } });
  }
  const current = plan(tables, [range], query, stepMs, available);
  let ranked: string[][] = [];
  if (query.dimensions.length > 0) {
    const dimensions = query.dimensions.map((by) => dimensionSql(by, current.table));
    const { data } = await run(topSql(tables, current.table, query, dimensions, range));
    ranked = data.map((row) => keyTexts(dimensions, row));
  }
  const rows = await readPeriod(run, tables, current.table, query, stepMs, range, range, ranked);
  const result = { range, rows, source: current.source };
  if (query.comparePrevious !== true) return assembleExplore(query, stepMs, result);
  const before = previousRange(range);
  const previous = plan(tables, [range, before], query, stepMs, available);
  const previousRows = await readPeriod(
    run,
    tables,
    previous.table,
    query,
    stepMs,
    before,
    range,
    ranked,
  );
  return assembleExplore(query, stepMs, result, { range: before, rows: previousRows });
}
