import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import {
  addStep,
  assembleExplore,
  checkExploreQuery,
  exploreStepMs,
  previousRange,
  rankMetric,
  type PeriodRows,
} from "../../query/explore/index.ts";
import { compileFilter } from "../../query/filter/index.ts";
import type { ExploreQuery, ExploreResult } from "../store.ts";
import type { Dimension, FlowFilter, TimeRange, Totals } from "../store.ts";
import type { QuerySource, Tier } from "../tiers.ts";
import { planQuery, type RollupAvailability } from "./planner.ts";
import {
  checkCommon,
  fromWhereSql,
  keyText,
  RAW_QUERY_TABLE,
  resolveRange,
  toNumber,
  type DimensionSql,
  type QueryTable,
} from "./queries.ts";
import { FLOWS_TABLE } from "./schema.ts";

/**
 * The explorer query on DuckDB (storage/explore.ts). One statement per period reads, from one
 * snapshot, the sums per step of the top groups and of all flows:
 *
 * - `grouped`: sums per step and group key over the period (steps are `end_ms` floored to a
 *   multiple of the step, as the time series are);
 * - `ranked`: the top `limit` keys by the unit's measure over the current period (ties broken
 *   on the keys, ascending, as `top` does), with their rank;
 * - the top groups' rows (joined on their keys), then the per-step totals (`other` is the
 *   total minus the groups, per step, in query/explore).
 *
 * The previous period ranks on the current range and sums over the previous one, in one
 * statement, so that its groups are the current ones. Values are bound; the SQL spliced in
 * comes from the dimension tables of queries.ts after `checkExploreQuery`.
 */

type Params = Record<string, DuckDBValue>;

/** Finest first: a statement that needs several plans reads the finest of them. */
const TIER_ORDER: readonly Tier[] = ["raw", "1m", "1h", "1d"];

const RAW_SOURCE: QuerySource = { table: FLOWS_TABLE, tier: "raw" };

/** Each dimension's SQL; a tag key is bound under a name of its own (several may be asked). */
function dimensionSqls(
  dimensions: readonly Dimension[],
  params: Params,
  table: QueryTable,
): DimensionSql[] {
  return dimensions.map((dimension, index) => {
    const fixed = table.dimensions[dimension];
    if (fixed !== undefined) return fixed;
    const side = dimension.startsWith("src.") ? "src" : "dst";
    const name = `tag_key_${index}`;
    params[name] = dimension.slice("src.tag.".length);
    return { sql: `coalesce(${side.charAt(0)}n.tags[$${name}::VARCHAR], '')`, join: side };
  });
}

/** Whether `table` holds every dimension and every filter field of the query. */
function covers(table: QueryTable, dimensions: readonly Dimension[], filter?: FlowFilter): boolean {
  for (const dimension of dimensions) {
    const tag = /^(src|dst)\.tag\./.exec(dimension);
    if (tag !== null) {
      if (table.dialect.tag(tag[1] as "src" | "dst", "''") === undefined) return false;
    } else if (table.dimensions[dimension] === undefined) {
      return false;
    }
  }
  if (filter?.where === undefined) return true;
  try {
    compileFilter(filter.where, table.dialect, filter.whereText);
    return true;
  } catch {
    // The raw table answers instead, and reports a real filter error itself.
    return false;
  }
}

/**
 * The table for a statement over `ranges`: the planner's answer for each range and
 * dimension, the finest of them, when it holds everything the query reads; else `flows`.
 */
function plan(
  ranges: readonly TimeRange[],
  query: ExploreQuery,
  stepMs: number,
  available: RollupAvailability,
): { table: QueryTable; source: QuerySource } {
  let chosen: { table: QueryTable; source: QuerySource } | undefined;
  const requests = query.dimensions.length === 0 ? [undefined] : query.dimensions;
  for (const range of ranges) {
    for (const by of requests) {
      const candidate = planQuery(
        {
          range,
          stepMs,
          ...(by === undefined ? {} : { by }),
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
  }
  if (chosen === undefined || !covers(chosen.table, query.dimensions, query.filter)) {
    return { table: RAW_QUERY_TABLE, source: RAW_SOURCE };
  }
  return chosen;
}

/**
 * Reads one period: sums per step over `valueRange` of the groups ranked over `rankRange`
 * (the same range for the current period), and of all flows over `valueRange`.
 */
async function readPeriod(
  connection: DuckDBConnection,
  query: ExploreQuery,
  table: QueryTable,
  stepMs: number,
  valueRange: TimeRange,
  rankRange: TimeRange,
): Promise<PeriodRows> {
  const params: Params = {};
  const dimensions = dimensionSqls(query.dimensions, params, table);
  const hull = {
    fromMs: Math.min(valueRange.fromMs, rankRange.fromMs),
    toMs: Math.max(valueRange.toMs, rankRange.toMs),
  };
  const { from, where } = fromWhereSql(hull, query.filter, params, table, ...dimensions);
  const time = table.timeColumn;
  params["step_ms"] = BigInt(stepMs);
  params["value_from_ms"] = BigInt(valueRange.fromMs);
  params["value_to_ms"] = BigInt(valueRange.toMs);
  const keys = dimensions.map((_, index) => `k${index}`);
  const keySelect = dimensions
    .map((dimension, index) => `, ${dimension.sql} AS k${index}`)
    .join("");
  // The double modulo floors negative times too (DuckDB's % keeps the dividend's sign).
  const grouped = (prefix: "value" | "rank") =>
    `SELECT (${time} - (((${time} % $step_ms::BIGINT) + $step_ms::BIGINT) % $step_ms::BIGINT)) AS step_ms${keySelect},
            ${table.flowsSql} AS f, sum(bytes) AS b, sum(packets) AS p
     FROM ${from}
     WHERE ${where} AND ${time} >= $${prefix}_from_ms::BIGINT AND ${time} < $${prefix}_to_ms::BIGINT
     GROUP BY ALL ${table.havingSql}`;
  const totalsSql = `SELECT NULL::DOUBLE AS rank, step_ms::DOUBLE${keys.map((key) => `, NULL AS ${key}`).join("")},
            sum(f)::DOUBLE, sum(b)::DOUBLE, sum(p)::DOUBLE
     FROM grouped GROUP BY step_ms`;
  let sql: string;
  if (keys.length === 0) {
    sql = `WITH grouped AS (${grouped("value")}) ${totalsSql}`;
  } else {
    const sameRange = valueRange.fromMs === rankRange.fromMs && valueRange.toMs === rankRange.toMs;
    const metric = { bytes: "b", packets: "p", flows: "f" }[rankMetric(query)];
    const keyList = keys.join(", ");
    // DuckDB refuses a bound parameter the statement does not use.
    params["row_limit"] = BigInt(query.limit);
    if (!sameRange) {
      params["rank_from_ms"] = BigInt(rankRange.fromMs);
      params["rank_to_ms"] = BigInt(rankRange.toMs);
    }
    sql = `WITH grouped AS (${grouped("value")}),
     rank_base AS (${sameRange ? "SELECT * FROM grouped" : grouped("rank")}),
     ranked AS (
       SELECT ${keyList}, row_number() OVER (ORDER BY sum(${metric}) DESC, ${keys.map((key) => `${key} ASC`).join(", ")}) AS rank
       FROM rank_base GROUP BY ${keyList}
       QUALIFY rank <= $row_limit::BIGINT
     )
     SELECT rank::DOUBLE, step_ms::DOUBLE, ${keyList}, f::DOUBLE, b::DOUBLE, p::DOUBLE
     FROM grouped JOIN ranked USING (${keyList})
     UNION ALL ${totalsSql}`;
  }
  const reader = await connection.runAndReadAll(sql, params);
  const groups = new Map<number, PeriodRows["groups"][number]>();
  const total = new Map<number, Totals>();
  for (const row of reader.getRows()) {
    const [rank, stepStartMs, ...rest] = row;
    const sums = {
      flows: toNumber(rest[keys.length] ?? null),
      bytes: toNumber(rest[keys.length + 1] ?? null),
      packets: toNumber(rest[keys.length + 2] ?? null),
    };
    const stepMsValue = toNumber(stepStartMs ?? null);
    if (rank === null || rank === undefined) {
      addStep(total, stepMsValue, sums);
      continue;
    }
    const rankNumber = toNumber(rank);
    let group = groups.get(rankNumber);
    if (group === undefined) {
      group = {
        keys: dimensions.map((dimension, index) =>
          keyText(rest[index] ?? null, dimension.address === true),
        ),
        steps: new Map(),
      };
      groups.set(rankNumber, group);
    }
    addStep(group.steps, stepMsValue, sums);
  }
  return {
    groups: [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group),
    total,
  };
}

export async function queryExplore(
  connection: DuckDBConnection,
  query: ExploreQuery,
  available: RollupAvailability = new Map(),
): Promise<ExploreResult> {
  checkCommon(query.range, query.filter);
  checkExploreQuery(query);
  // One snapshot for both periods: the previous one ranks on the current range's groups.
  await connection.run("BEGIN TRANSACTION");
  try {
    const range = await resolveRange(connection, query.range);
    const stepMs = exploreStepMs(query, range);
    if (range === null) {
      return assembleExplore(query, stepMs, { range, rows: { groups: [], total: new Map() } });
    }
    const current = plan([range], query, stepMs, available);
    const rows = await readPeriod(connection, query, current.table, stepMs, range, range);
    const result = { range, rows, source: current.source };
    if (query.comparePrevious !== true) return assembleExplore(query, stepMs, result);
    const before = previousRange(range);
    const hull = { fromMs: before.fromMs, toMs: range.toMs };
    const previous = plan([hull, range, before], query, stepMs, available);
    const previousRows = await readPeriod(connection, query, previous.table, stepMs, before, range);
    return assembleExplore(query, stepMs, result, { range: before, rows: previousRows });
  } finally {
    // Read-only: nothing to commit, and after a failed statement only a rollback is accepted.
    await connection.run("ROLLBACK");
  }
}
