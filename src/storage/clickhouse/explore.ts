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
import type { ExploreQuery, ExploreResult } from "../store.ts";
import type { TimeRange, Totals } from "../store.ts";
import { sqlInteger } from "./literals.ts";
import {
  checkCommon,
  dimensionSql,
  resolveRange,
  toNumber,
  whereSql,
  type DimensionSql,
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
 */

/** The grouped sums of `where`, by step (when `stepSql`) and by the dimensions' keys. */
function groupedSql(
  tables: Tables,
  dimensions: readonly DimensionSql[],
  where: string,
  stepSql?: string,
): { sql: string; keyColumns: string[] } {
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
      : [`end_ms - (((end_ms % ${stepSql}) + ${stepSql}) % ${stepSql}) AS step_ms`];
  const innerGroup = [...step, ...inner.map((column) => column.replace(/^.* AS /, ""))];
  let sql = `SELECT ${[...stepSelect, ...inner, "count() AS f", "sum(bytes) AS b", "sum(packets) AS p"].join(", ")}
    FROM ${tables.flows} WHERE ${where}
    ${innerGroup.length === 0 ? "" : `GROUP BY ${innerGroup.join(", ")}`}`;
  // The columns each level carries: the step, every key so far, the ids still to join, sums.
  let carried = innerGroup;
  dimensions.forEach((dimension, index) => {
    if (dimension.join === undefined) return;
    const side = dimension.join.table === "networks" ? tables.networks : tables.exporters;
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
  query: ExploreQuery,
  dimensions: readonly DimensionSql[],
  range: TimeRange,
): string {
  const { sql, keyColumns } = groupedSql(tables, dimensions, whereSql(tables, range, query.filter));
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
  query: ExploreQuery,
  stepMs: number,
  range: TimeRange,
  rankRange: TimeRange,
  ranked: readonly string[][],
): Promise<PeriodRows> {
  // Typed Int64: 18.16 gives `Int64 % 60000` the divisor's narrow type and overflows it
  // (`toInt64(1795343073188) % 60000` is -32348 there, 33188 with an Int64 divisor).
  const step = `toInt64(${sqlInteger(stepMs)})`;
  const where = whereSql(tables, range, query.filter);
  const total = new Map<number, Totals>();
  const { data: totalRows } = await run(
    `SELECT end_ms - (((end_ms % ${step}) + ${step}) % ${step}) AS step_ms,
            count(), sum(bytes), sum(packets)
     FROM ${tables.flows} WHERE ${where} GROUP BY step_ms`,
  );
  for (const row of totalRows) addStep(total, toNumber(row[0]), sumsOf(row, 1));
  const groups = ranked.map((keys) => ({ keys, steps: new Map<number, Totals>() }));
  if (groups.length === 0) return { groups, total };
  const dimensions = query.dimensions.map((by) => dimensionSql(by));
  const byKey = new Map(groups.map((group) => [keyId(group.keys), group]));
  const { sql, keyColumns } = groupedSql(tables, dimensions, where, step);
  const keyTuple = keyColumns.length === 1 ? keyColumns.join("") : `(${keyColumns.join(", ")})`;
  const { data } = await run(
    `SELECT step_ms, ${keyColumns.join(", ")}, f, b, p FROM (${sql})
     WHERE ${keyTuple} IN (${topSql(tables, query, dimensions, rankRange)})`,
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
): Promise<ExploreResult> {
  checkCommon(query.range, query.filter);
  checkExploreQuery(query);
  const range = await resolveRange(run, tables, query.range);
  const stepMs = exploreStepMs(query, range);
  if (range === null) {
    return assembleExplore(query, stepMs, { range, rows: { groups: [], total: new Map() } });
  }
  let ranked: string[][] = [];
  if (query.dimensions.length > 0) {
    const dimensions = query.dimensions.map((by) => dimensionSql(by));
    const { data } = await run(topSql(tables, query, dimensions, range));
    ranked = data.map((row) => keyTexts(dimensions, row));
  }
  const rows = await readPeriod(run, tables, query, stepMs, range, range, ranked);
  const current = { range, rows };
  if (query.comparePrevious !== true) return assembleExplore(query, stepMs, current);
  const before = previousRange(range);
  const previousRows = await readPeriod(run, tables, query, stepMs, before, range, ranked);
  return assembleExplore(query, stepMs, current, { range: before, rows: previousRows });
}
