import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { isDirection, u128ToIp } from "../../core/index.ts";
import {
  isDimension,
  type Dimension,
  type FixedDimension,
  type FlowFilter,
  type Metric,
  type SummaryQuery,
  type SummaryResult,
  type TimeRange,
  type TimeseriesQuery,
  type TimeseriesResult,
  type TopQuery,
  type TopResult,
  type TopRow,
} from "../store.ts";
import { compileFilter, type FilterDialect } from "../../query/filter/index.ts";
import { createDuckDbFilterDialect } from "./filter-sql.ts";
import {
  checkCommon,
  checkMetric,
  invalid,
  zeroByDirection,
  zeroTotals,
  timeseriesPoints,
} from "../query-checks.ts";
import {
  addressSql,
  AS_NAMES_TABLE,
  EXPORTERS_TABLE,
  FLOWS_TABLE,
  isIpv4Sql,
  NETWORKS_TABLE,
} from "./schema.ts";

/**
 * The read side of the DuckDB store. Every value a caller supplies reaches DuckDB as a bound
 * parameter; the only text spliced into SQL comes from the fixed tables below, chosen by a
 * dimension or metric that has been validated against the port's lists first.
 */

/** At most this many rows in a top-N, and this many buckets in a time series. */
export const TOP_LIMIT_MAX = 10_000;
export const TIMESERIES_POINTS_MAX = 100_000;

export interface DimensionSql {
  sql: string;
  /** The column holds the 128-bit address form and goes back to text with `u128ToIp`. */
  address?: true;
  /**
   * For an address: its two stored 64-bit halves. A top-N groups by them and builds the
   * 128-bit key only for the rows it returns: grouping 10M flows on the rebuilt UHUGEINT took
   * about 3x as long (bench/query-vs-nfdump.ts, 10 and 30M flows).
   */
  halves?: readonly [hi: string, lo: string];
  /**
   * The expression reads the `networks` row of the source (`sn`) or destination (`dn`), the
   * exporter (`e`), the boundary interface (`bn`), or the `as_names` row of the source's
   * (`sa`) or destination's (`da`) AS number.
   */
  join?: "src" | "dst" | "exporter" | "boundary" | "src.as" | "dst.as";
}

// Text columns are coalesced so that "no network" (NULL) and an empty tag fold into one "" key.
export const FIXED_DIMENSION_SQL: Readonly<Record<FixedDimension, DimensionSql>> = {
  "src.addr": {
    sql: addressSql("src_addr"),
    address: true,
    halves: ["src_addr_hi", "src_addr_lo"],
  },
  "dst.addr": {
    sql: addressSql("dst_addr"),
    address: true,
    halves: ["dst_addr_hi", "dst_addr_lo"],
  },
  "src.port": { sql: "src_port" },
  "dst.port": { sql: "dst_port" },
  proto: { sql: "protocol" },
  exporter: {
    sql: addressSql("e.address"),
    address: true,
    halves: ["e.address_hi", "e.address_lo"],
    join: "exporter",
  },
  "in.if": { sql: "in_if" },
  "out.if": { sql: "out_if" },
  "src.net": { sql: "coalesce(sn.name, '')", join: "src" },
  "dst.net": { sql: "coalesce(dn.name, '')", join: "dst" },
  direction: { sql: "direction" },
  "direction.source": { sql: "direction_source" },
  locality: { sql: "locality" },
  "ip.version": { sql: `CASE WHEN ${isIpv4Sql("src_addr")} THEN 4 ELSE 6 END` },
  "src.as": { sql: "src_as" },
  "dst.as": { sql: "dst_as" },
  // A number the registry lacks has no row: "" like a flow without a network.
  "src.as.name": { sql: "coalesce(sa.name, '')", join: "src.as" },
  "dst.as.name": { sql: "coalesce(da.name, '')", join: "dst.as" },
  source: { sql: "source" },
  "observed.action": {
    sql: "CASE observed_action WHEN 1 THEN 'accept' WHEN 2 THEN 'reject' ELSE '' END",
  },
  "cloud.provider": { sql: "coalesce(e.cloud_provider, '')", join: "exporter" },
  "cloud.account": { sql: "coalesce(e.cloud_account, '')", join: "exporter" },
  "cloud.region": { sql: "coalesce(e.cloud_region, '')", join: "exporter" },
  "cloud.zone": { sql: "coalesce(e.cloud_zone, '')", join: "exporter" },
  "cloud.vpc": { sql: "coalesce(e.cloud_vpc, '')", join: "exporter" },
  "cloud.subnet": { sql: "coalesce(e.cloud_subnet, '')", join: "exporter" },
  "cloud.instance": { sql: "coalesce(e.cloud_instance, '')", join: "exporter" },
  "cloud.interface": { sql: "coalesce(e.cloud_interface, '')", join: "exporter" },
  "src.country": { sql: countrySql("src_country") },
  "dst.country": { sql: countrySql("dst_country") },
  ...networkAttributeSql("site"),
  ...networkAttributeSql("provider"),
  ...networkAttributeSql("account"),
  ...networkAttributeSql("region"),
  ...networkAttributeSql("zone"),
  ...networkAttributeSql("vpc"),
  ...networkAttributeSql("subnet"),
  ...networkAttributeSql("egress"),
  ...networkAttributeSql("service"),
  connectivity: { sql: "coalesce(bn.connectivity, '')", join: "boundary" },
  "boundary.provider": { sql: "coalesce(bn.provider, '')", join: "boundary" },
  "boundary.interface": { sql: "coalesce(bn.name, '')", join: "boundary" },
};

/** Two ASCII bytes back to the country code text; "" for 0 (unknown) and rows before schema 4. */
function countrySql(column: string): string {
  return `CASE WHEN coalesce(${column}, 0) = 0 THEN '' ELSE chr((${column} >> 8)::INTEGER) || chr((${column} & 255)::INTEGER) END`;
}

/** `src.<column>` and `dst.<column>` read from the end's `networks` row. */
function networkAttributeSql<C extends string>(
  column: C,
): Record<`src.${C}` | `dst.${C}`, DimensionSql> {
  return {
    [`src.${column}`]: { sql: `coalesce(sn.${column}, '')`, join: "src" },
    [`dst.${column}`]: { sql: `coalesce(dn.${column}, '')`, join: "dst" },
  } as Record<`src.${C}` | `dst.${C}`, DimensionSql>;
}

function metricSql(metric: Metric, table: QueryTable): string {
  return metric === "flows" ? table.flowsSql : `sum(${metric})`;
}

type Params = Record<string, DuckDBValue>;

function dimensionSql(by: Dimension, params: Params, table: QueryTable): DimensionSql {
  const fixed = table.dimensions[by];
  if (fixed !== undefined) return fixed;
  // isDimension has checked the key's characters; it is still bound, never spliced.
  const side = by.startsWith("src.") ? "src" : "dst";
  params["tag_key"] = by.slice("src.tag.".length);
  return { sql: `coalesce(${side.charAt(0)}n.tags[$tag_key::VARCHAR], '')`, join: side };
}

function joinSql(join: DimensionSql["join"]): string {
  if (join === undefined) return "";
  if (join === "exporter") {
    return ` JOIN ${EXPORTERS_TABLE} e ON e.id = exporter_id`;
  }
  if (join === "boundary") {
    return ` LEFT JOIN ${NETWORKS_TABLE} bn ON bn.id = boundary_id`;
  }
  if (join === "src.as" || join === "dst.as") {
    const alias = join === "src.as" ? "sa" : "da";
    return ` LEFT JOIN ${AS_NAMES_TABLE} ${alias} ON ${alias}.asn = ${join === "src.as" ? "src_as" : "dst_as"}`;
  }
  const alias = join === "src" ? "sn" : "dn";
  return ` LEFT JOIN ${NETWORKS_TABLE} ${alias} ON ${alias}.id = ${join}_network_id`;
}

/**
 * The table a query reads: `flows`, or a rollup tier (planner.ts), with the SQL that differs
 * between them. Filters compile against the same dimension SQL that top-N groups by
 * (filter-sql.ts).
 */
export interface QueryTable {
  table: string;
  /** The column ranges and time buckets are taken on. */
  timeColumn: string;
  /** How a group's flows are counted: a raw row is one flow, a rollup row holds `flows`. */
  flowsSql: string;
  /**
   * A HAVING that drops a top-N group summing to nothing: a reclassified rollup key keeps a
   * minus row and a plus row until compaction folds them.
   */
  havingSql: string;
  dimensions: Readonly<Record<string, DimensionSql>>;
  dialect: FilterDialect;
}

export const RAW_QUERY_TABLE: QueryTable = {
  table: FLOWS_TABLE,
  timeColumn: "end_ms",
  flowsSql: "count(*)",
  havingSql: "",
  dimensions: FIXED_DIMENSION_SQL,
  dialect: createDuckDbFilterDialect(FIXED_DIMENSION_SQL),
};

function isJoin(join: string): join is NonNullable<DimensionSql["join"]> {
  return (
    join === "src" ||
    join === "dst" ||
    join === "exporter" ||
    join === "boundary" ||
    join === "src.as" ||
    join === "dst.as"
  );
}

/** Checks a query's range and filter before anything reaches DuckDB. */
export { checkCommon };

/**
 * The FROM and WHERE of a query: the flows table joined with what the filter's fields and
 * `dimensions` read, and the time range, `--direction` and filter expression ANDed.
 */
export function fromWhereSql(
  range: TimeRange,
  filter: FlowFilter | undefined,
  params: Params,
  table: QueryTable,
  ...dimensions: (DimensionSql | undefined)[]
): { from: string; where: string } {
  // Bound as BIGINT (not DOUBLE) so the comparison stays on the column's type and DuckDB can
  // prune row groups by their end_ms zone maps. Parameters are cast in the SQL too: an uncast
  // integer parameter is typed as a literal and made the bucket expression of a time series
  // 30 times slower (900 ms against 30 ms over 1M rows, DuckDB 1.5.6).
  params["from_ms"] = BigInt(range.fromMs);
  params["to_ms"] = BigInt(range.toMs);
  const time = table.timeColumn;
  let sql = `${time} >= $from_ms::BIGINT AND ${time} < $to_ms::BIGINT`;
  if (filter?.direction !== undefined) {
    params["direction"] = filter.direction;
    sql += " AND direction = $direction::VARCHAR";
  }
  const joins = new Set<NonNullable<DimensionSql["join"]>>();
  for (const dimension of dimensions) if (dimension?.join !== undefined) joins.add(dimension.join);
  if (filter?.where !== undefined) {
    const compiled = compileFilter(filter.where, table.dialect, filter.whereText);
    Object.assign(params, compiled.params);
    sql += ` AND ${compiled.sql}`;
    for (const join of compiled.joins) {
      if (!isJoin(join)) throw new Error(`filter field SQL names an unknown join ${join}`);
      joins.add(join);
    }
  }
  const from = table.table + [...joins].map((join) => joinSql(join)).join("");
  return { from, where: sql };
}

export function toNumber(value: DuckDBValue): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (value === null) return 0;
  throw new Error(`expected a number from DuckDB, got ${typeof value}`);
}

async function rows(
  connection: DuckDBConnection,
  sql: string,
  params: Params,
): Promise<DuckDBValue[][]> {
  const reader = await connection.runAndReadAll(sql, params);
  return reader.getRows();
}

/**
 * First and last stored end times as a half-open range: `toMs` is the last end time + 1 ms so
 * that the range holds the last flow, like every other range of the port.
 */
export async function queryDataRange(connection: DuckDBConnection): Promise<TimeRange | null> {
  const [row] = await rows(
    connection,
    `SELECT min(end_ms)::DOUBLE, max(end_ms)::DOUBLE FROM ${FLOWS_TABLE}`,
    {},
  );
  const [first, last] = row ?? [];
  if (typeof first !== "number" || typeof last !== "number") return null;
  return { fromMs: first, toMs: last + 1 };
}

/** The requested bounds, each omitted one taken from the stored data; null when neither can be. */
export async function resolveRange(
  connection: DuckDBConnection,
  range: Partial<TimeRange>,
): Promise<TimeRange | null> {
  if (range.fromMs !== undefined && range.toMs !== undefined) {
    return { fromMs: range.fromMs, toMs: range.toMs };
  }
  const stored = await queryDataRange(connection);
  const fromMs = range.fromMs ?? stored?.fromMs;
  const toMs = range.toMs ?? stored?.toMs;
  if (fromMs === undefined || toMs === undefined) return null;
  // A given bound past the data's other end leaves an empty range rather than an inverted one.
  return { fromMs, toMs: Math.max(fromMs, toMs) };
}

export async function querySummary(
  connection: DuckDBConnection,
  query: SummaryQuery,
  table: QueryTable = RAW_QUERY_TABLE,
): Promise<SummaryResult> {
  checkCommon(query.range, query.filter);
  const directions = zeroByDirection(zeroTotals);
  const total = zeroTotals();
  const range = await resolveRange(connection, query.range);
  if (range === null) return { range, directions, total };
  const params: Params = {};
  const { from, where } = fromWhereSql(range, query.filter, params, table);
  const result = await rows(
    connection,
    `SELECT direction::VARCHAR, ${table.flowsSql}::DOUBLE, sum(bytes)::DOUBLE, sum(packets)::DOUBLE
     FROM ${from} WHERE ${where} GROUP BY direction`,
    params,
  );
  for (const [direction, flows, bytes, packets] of result) {
    if (typeof direction !== "string" || !isDirection(direction)) continue;
    const totals = directions[direction];
    totals.flows = toNumber(flows ?? null);
    totals.bytes = toNumber(bytes ?? null);
    totals.packets = toNumber(packets ?? null);
    total.flows += totals.flows;
    total.bytes += totals.bytes;
    total.packets += totals.packets;
  }
  return { range, directions, total };
}

export function keyText(value: DuckDBValue, address: boolean): string {
  if (value === null) return "";
  if (typeof value === "bigint") return address ? u128ToIp(value) : value.toString();
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") {
    return String(value);
  }
  return value.toString();
}

export async function queryTop(
  connection: DuckDBConnection,
  query: TopQuery,
  table: QueryTable = RAW_QUERY_TABLE,
): Promise<TopResult> {
  checkCommon(query.range, query.filter);
  const metric = checkMetric(query.metric);
  if (!isDimension(query.by)) {
    throw invalid(
      `"${String(query.by)}" is not a dimension: use src.addr, dst.addr, proto… or src.tag.<key> / dst.tag.<key> with a key of letters, digits, _ and -`,
    );
  }
  if (!Number.isSafeInteger(query.limit) || query.limit < 0 || query.limit > TOP_LIMIT_MAX) {
    throw invalid(`limit must be a whole number from 0 to ${TOP_LIMIT_MAX}, got ${query.limit}`);
  }
  const base = { by: query.by, metric, rows: [] as TopRow[], other: zeroTotals() };
  const range = await resolveRange(connection, query.range);
  if (range === null) return { range, ...base, total: zeroTotals() };
  const params: Params = {};
  const dimension = dimensionSql(query.by, params, table);
  const { from, where } = fromWhereSql(range, query.filter, params, table, dimension);
  params["row_limit"] = BigInt(query.limit);
  // One statement, so the top rows and the folded rest come from the same snapshot even while
  // appends go on. Ties break on the key so the order is stable.
  const halves = dimension.halves;
  const grouping =
    halves === undefined
      ? { select: `${dimension.sql} AS k`, group: "k", order: "k ASC", key: "k" }
      : {
          select: `${halves[0]} AS k_hi, ${halves[1]} AS k_lo`,
          group: "k_hi, k_lo",
          // The same order as the 128-bit key: high half first.
          order: "k_hi ASC, k_lo ASC",
          key: "((k_hi::UHUGEINT << 64) | k_lo::UHUGEINT)",
        };
  // The top rows come from ORDER BY … LIMIT (DuckDB keeps a heap of `limit` rows) and the
  // folded rest is the total minus them: numbering every group with a window sorted all of
  // them, 2.5-3x slower with 406k groups (2 M generated flows, bench/query-vs-nfdump.ts).
  // Byte and packet sums are DOUBLE: 30 % less CPU than the 128-bit sums of UBIGINT (7.4 s
  // against 10.7 s for 1.1 M groups of 100 M flows), and exact while a sum stays under 2^53
  // (9 PB), where the numbers this returns stop being exact anyway.
  const result = await rows(
    connection,
    `WITH grouped AS (
       SELECT ${grouping.select}, ${table.flowsSql} AS flows, sum(bytes::DOUBLE) AS bytes,
              sum(packets::DOUBLE) AS packets
       FROM ${from} WHERE ${where} GROUP BY ${grouping.group} ${table.havingSql}
     ), top AS (
       SELECT * FROM grouped ORDER BY ${metric} DESC, ${grouping.order} LIMIT $row_limit::BIGINT
     ), all_sums AS (
       SELECT sum(flows) AS flows, sum(bytes) AS bytes, sum(packets) AS packets FROM grouped
     ), top_sums AS (
       SELECT sum(flows) AS flows, sum(bytes) AS bytes, sum(packets) AS packets FROM top
     )
     SELECT (row_number() OVER (ORDER BY ${metric} DESC, ${grouping.order}))::DOUBLE,
            ${grouping.key} AS k, flows::DOUBLE, bytes::DOUBLE, packets::DOUBLE
     FROM top
     UNION ALL
     SELECT NULL, NULL,
            (coalesce(a.flows, 0) - coalesce(t.flows, 0))::DOUBLE,
            (coalesce(a.bytes, 0) - coalesce(t.bytes, 0))::DOUBLE,
            (coalesce(a.packets, 0) - coalesce(t.packets, 0))::DOUBLE
     FROM all_sums a, top_sums t`,
    params,
  );
  const ranked: { rank: number; row: TopRow }[] = [];
  const other = zeroTotals();
  for (const [rank, key, flows, bytes, packets] of result) {
    const totals = {
      flows: toNumber(flows ?? null),
      bytes: toNumber(bytes ?? null),
      packets: toNumber(packets ?? null),
    };
    if (rank === null || rank === undefined) {
      Object.assign(other, totals);
    } else {
      ranked.push({
        rank: toNumber(rank),
        row: { key: keyText(key ?? null, dimension.address === true), ...totals },
      });
    }
  }
  ranked.sort((a, b) => a.rank - b.rank);
  const topRows = ranked.map((entry) => entry.row);
  const total = { ...other };
  for (const row of topRows) {
    total.flows += row.flows;
    total.bytes += row.bytes;
    total.packets += row.packets;
  }
  return { range, by: query.by, metric, rows: topRows, other, total };
}

export async function queryTimeseries(
  connection: DuckDBConnection,
  query: TimeseriesQuery,
  table: QueryTable = RAW_QUERY_TABLE,
): Promise<TimeseriesResult> {
  checkCommon(query.range, query.filter);
  const metric = checkMetric(query.metric);
  const { stepMs } = query;
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) {
    throw invalid(`step must be a positive whole number of milliseconds, got ${stepMs}`);
  }
  const range = await resolveRange(connection, query.range);
  if (range === null) return { range, stepMs, metric, points: [] };
  const { firstMs, count, points } = timeseriesPoints(range, stepMs, TIMESERIES_POINTS_MAX);
  if (count === 0) return { range, stepMs, metric, points };
  const params: Params = {};
  const { from, where } = fromWhereSql(range, query.filter, params, table);
  params["step_ms"] = BigInt(stepMs);
  const time = table.timeColumn;
  // The double modulo floors negative times too (DuckDB's % keeps the dividend's sign).
  const result = await rows(
    connection,
    `SELECT (${time} - (((${time} % $step_ms::BIGINT) + $step_ms::BIGINT) % $step_ms::BIGINT))::DOUBLE AS step_start_ms,
            direction::VARCHAR, ${metricSql(metric, table)}::DOUBLE
     FROM ${from} WHERE ${where} GROUP BY ALL`,
    params,
  );
  for (const [bucketMs, direction, value] of result) {
    if (typeof direction !== "string" || !isDirection(direction)) continue;
    const point = points[(toNumber(bucketMs ?? null) - firstMs) / stepMs];
    if (point !== undefined) point.byDirection[direction] += toNumber(value ?? null);
  }
  return { range, stepMs, metric, points };
}
