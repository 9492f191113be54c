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
import {
  checkCommon as checkCommonBase,
  checkMetric,
  invalid,
  zeroByDirection,
  zeroTotals,
  timeseriesPoints,
} from "../query-checks.ts";
import { compileClickHouseFilter, type FilterRestriction } from "./filter-sql.ts";
import { sqlInteger, sqlString } from "./literals.ts";
import type { Tables } from "./schema.ts";

/**
 * The read side of the ClickHouse store, with the DuckDB store's semantics (same ranges, same
 * `other` folding, same tie order: metric descending, then key ascending in the key's own
 * type). Values reach SQL only through `literals.ts`, after the same checks as DuckDB's.
 *
 * 18.16 has no window functions, so a top-N is `GROUP BY … WITH TOTALS ORDER BY … LIMIT n`:
 * the totals row covers every group before the LIMIT, in the same read as the top rows, and
 * `other` is totals minus the rows returned. Dimensions held in a side table (networks, tags,
 * exporter, cloud) aggregate by id first, then join the few ids to the side table and
 * aggregate again by the joined key (two ids can share a name).
 */

export const TOP_LIMIT_MAX = 10_000;
export const TIMESERIES_POINTS_MAX = 100_000;

/**
 * The table a query reads: `flows`, or a rollup tier (planner.ts), with what differs between
 * them: the time column, how flows are counted, and which fields the rows hold.
 */
export interface QueryTable {
  table: string;
  timeColumn: "end_ms" | "bucket_ms";
  /** `count()` over raw rows, `sum(flows)` over rollup rows. */
  flowsSql: string;
  /** A rollup's fields and column overrides; undefined: every field (raw flows). */
  restriction?: FilterRestriction;
  /** Dimensions whose SQL differs from the raw one. */
  dimensions?: Readonly<Record<string, DimensionSql>>;
}

export function rawQueryTable(tables: Tables): QueryTable {
  return { table: tables.flows, timeColumn: "end_ms", flowsSql: "count()" };
}

/** Runs one SELECT and gives its rows (JSONCompact: arrays of values) and the totals row. */
export type RunQuery = (sql: string) => Promise<{ data: unknown[][]; totals?: unknown[] }>;

export interface DimensionSql {
  /** Key expressions, grouped and ordered in this order; one key unless an address. */
  keys: string[];
  /** Turns the key values into the row's key text. */
  text: (values: readonly unknown[]) => string;
  /** The flows column holding the id of the side-table row the keys read. */
  join?: { idColumn: string; table: "networks" | "exporters" | "as_names" };
}

/**
 * A side table as the joins read it, with its key named `id`. `as_names` is keyed by the AS
 * number; a number it lacks joins the defaults (name ''), as DuckDB's coalesce gives "".
 */
export function sideTableSql(
  tables: Tables,
  table: NonNullable<DimensionSql["join"]>["table"],
): string {
  if (table === "as_names") return `(SELECT asn AS id, name FROM ${tables.asNames})`;
  return table === "networks" ? tables.networks : tables.exporters;
}

/** A JSON scalar as text (UInt64 arrives quoted, small integers as numbers). */
function scalarText(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

function addressText(values: readonly unknown[]): string {
  const hi = BigInt(scalarText(values[0]) || "0");
  const lo = BigInt(scalarText(values[1]) || "0");
  return u128ToIp((hi << 64n) | lo);
}
const plain = (values: readonly unknown[]): string => scalarText(values[0]);

const isIpv4 = "(src_addr_hi = 0 AND bitShiftRight(src_addr_lo, 32) = 65535)";

const FIXED_DIMENSION_SQL: Readonly<Record<FixedDimension, DimensionSql>> = {
  "src.addr": { keys: ["src_addr_hi", "src_addr_lo"], text: addressText },
  "dst.addr": { keys: ["dst_addr_hi", "dst_addr_lo"], text: addressText },
  "src.port": { keys: ["src_port"], text: plain },
  "dst.port": { keys: ["dst_port"], text: plain },
  proto: { keys: ["protocol"], text: plain },
  exporter: {
    keys: ["address_hi", "address_lo"],
    text: addressText,
    join: { idColumn: "exporter_id", table: "exporters" },
  },
  "in.if": { keys: ["in_if"], text: plain },
  "out.if": { keys: ["out_if"], text: plain },
  "src.net": {
    keys: ["name"],
    text: plain,
    join: { idColumn: "src_network_id", table: "networks" },
  },
  "dst.net": {
    keys: ["name"],
    text: plain,
    join: { idColumn: "dst_network_id", table: "networks" },
  },
  direction: { keys: ["direction"], text: plain },
  "direction.source": { keys: ["direction_source"], text: plain },
  locality: { keys: ["locality"], text: plain },
  "ip.version": { keys: [`if(${isIpv4}, 4, 6)`], text: plain },
  "src.as": { keys: ["src_as"], text: plain },
  "dst.as": { keys: ["dst_as"], text: plain },
  "src.as.name": { keys: ["name"], text: plain, join: { idColumn: "src_as", table: "as_names" } },
  "dst.as.name": { keys: ["name"], text: plain, join: { idColumn: "dst_as", table: "as_names" } },
  source: { keys: ["source"], text: plain },
  "observed.action": {
    keys: ["multiIf(observed_action = 1, 'accept', observed_action = 2, 'reject', '')"],
    text: plain,
  },
  "cloud.provider": cloud("cloud_provider"),
  "cloud.account": cloud("cloud_account"),
  "cloud.region": cloud("cloud_region"),
  "cloud.zone": cloud("cloud_zone"),
  "cloud.vpc": cloud("cloud_vpc"),
  "cloud.subnet": cloud("cloud_subnet"),
  "cloud.instance": cloud("cloud_instance"),
  "cloud.interface": cloud("cloud_interface"),
  "src.country": { keys: [countrySql("src_country")], text: plain },
  "dst.country": { keys: [countrySql("dst_country")], text: plain },
  ...networkAttributeSql("site"),
  ...networkAttributeSql("provider"),
  ...networkAttributeSql("account"),
  ...networkAttributeSql("region"),
  ...networkAttributeSql("zone"),
  ...networkAttributeSql("vpc"),
  ...networkAttributeSql("subnet"),
  ...networkAttributeSql("egress"),
  ...networkAttributeSql("service"),
  connectivity: boundary("connectivity"),
  "boundary.provider": boundary("provider"),
  "boundary.interface": boundary("name"),
};

/**
 * Two ASCII bytes back to the country code text, '' for 0. 18.16 has no `char()`:
 * reinterpretAsString writes the UInt16 little-endian (second letter first) and drops trailing
 * zero bytes, so reversing it gives the two letters, and 0 gives ''.
 */
function countrySql(column: string): string {
  return `reverse(reinterpretAsString(${column}))`;
}

/** `src.<column>` and `dst.<column>` read from the end's `networks` row. */
function networkAttributeSql<C extends string>(
  column: C,
): Record<`src.${C}` | `dst.${C}`, DimensionSql> {
  const side = (idColumn: string): DimensionSql => ({
    keys: [column],
    text: plain,
    join: { idColumn, table: "networks" },
  });
  return {
    [`src.${column}`]: side("src_network_id"),
    [`dst.${column}`]: side("dst_network_id"),
  } as Record<`src.${C}` | `dst.${C}`, DimensionSql>;
}

function boundary(columnName: string): DimensionSql {
  return { keys: [columnName], text: plain, join: { idColumn: "boundary_id", table: "networks" } };
}

function cloud(columnName: string): DimensionSql {
  return { keys: [columnName], text: plain, join: { idColumn: "exporter_id", table: "exporters" } };
}

const METRIC_SQL: Readonly<Record<Metric, string>> = {
  bytes: "sum(bytes)",
  packets: "sum(packets)",
  flows: "count()",
};

export function dimensionSql(by: Dimension, table?: QueryTable): DimensionSql {
  const override = table?.dimensions?.[by];
  if (override !== undefined) return override;
  const fixed = (FIXED_DIMENSION_SQL as Readonly<Record<string, DimensionSql>>)[by];
  if (fixed !== undefined) return fixed;
  // isDimension has checked the key's characters; it still goes through the literal encoder.
  const side = by.startsWith("src.") ? "src" : "dst";
  const tagKey = by.slice("src.tag.".length);
  // indexOf gives 0 for a missing key, and element 0 of a ClickHouse array is the default ''.
  return {
    keys: [`tag_values[indexOf(tag_keys, ${sqlString(tagKey)})]`],
    text: plain,
    join: { idColumn: `${side}_network_id`, table: "networks" },
  };
}

/** The DuckDB store's checks (storage/duckdb/queries.ts), with its messages. */
export function checkCommon(range: Partial<TimeRange>, filter: FlowFilter | undefined): void {
  checkCommonBase(range, filter);
  // A key this store does not know is refused, not ignored (it would widen the answer).
  const unknown = Object.keys(filter ?? {}).filter(
    (key) => key !== "direction" && key !== "where" && key !== "whereText",
  );
  if (unknown.length > 0) {
    throw invalid(`the ClickHouse store does not filter on ${unknown.join(", ")}`);
  }
}

/** The time range, `--direction` and the filter expression (filter-sql.ts), ANDed. */
export function whereSql(
  tables: Tables,
  range: TimeRange,
  filter: FlowFilter | undefined,
  table: QueryTable = rawQueryTable(tables),
): string {
  const time = table.timeColumn;
  let sql = `${time} >= ${sqlInteger(range.fromMs)} AND ${time} < ${sqlInteger(range.toMs)}`;
  if (filter?.direction !== undefined) sql += ` AND direction = ${sqlString(filter.direction)}`;
  if (filter?.where !== undefined) {
    sql += ` AND ${compileClickHouseFilter(filter.where, tables, filter.whereText, table.restriction)}`;
  }
  return sql;
}

export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return Number(value);
  return 0;
}

export async function queryDataRange(run: RunQuery, tables: Tables): Promise<TimeRange | null> {
  const { data } = await run(`SELECT min(end_ms), max(end_ms), count() FROM ${tables.flows}`);
  const [first, last, count] = data[0] ?? [];
  if (toNumber(count) === 0) return null;
  return { fromMs: toNumber(first), toMs: toNumber(last) + 1 };
}

export async function resolveRange(
  run: RunQuery,
  tables: Tables,
  range: Partial<TimeRange>,
): Promise<TimeRange | null> {
  if (range.fromMs !== undefined && range.toMs !== undefined) {
    return { fromMs: range.fromMs, toMs: range.toMs };
  }
  const stored = await queryDataRange(run, tables);
  const fromMs = range.fromMs ?? stored?.fromMs;
  const toMs = range.toMs ?? stored?.toMs;
  if (fromMs === undefined || toMs === undefined) return null;
  return { fromMs, toMs: Math.max(fromMs, toMs) };
}

export async function querySummary(
  run: RunQuery,
  tables: Tables,
  query: SummaryQuery,
  table: QueryTable = rawQueryTable(tables),
): Promise<SummaryResult> {
  checkCommon(query.range, query.filter);
  const directions = zeroByDirection(zeroTotals);
  const total = zeroTotals();
  const range = await resolveRange(run, tables, query.range);
  if (range === null) return { range, directions, total };
  const { data } = await run(
    `SELECT toString(direction), ${table.flowsSql}, sum(bytes), sum(packets)
     FROM ${table.table} WHERE ${whereSql(tables, range, query.filter, table)} GROUP BY direction`,
  );
  for (const [direction, flows, bytes, packets] of data) {
    if (typeof direction !== "string" || !isDirection(direction)) continue;
    const totals = directions[direction];
    totals.flows = toNumber(flows);
    totals.bytes = toNumber(bytes);
    totals.packets = toNumber(packets);
    total.flows += totals.flows;
    total.bytes += totals.bytes;
    total.packets += totals.packets;
  }
  return { range, directions, total };
}

export async function queryTop(
  run: RunQuery,
  tables: Tables,
  query: TopQuery,
  table: QueryTable = rawQueryTable(tables),
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
  const range = await resolveRange(run, tables, query.range);
  if (range === null) return { range, ...base, total: zeroTotals() };
  const where = whereSql(tables, range, query.filter, table);
  const dimension = dimensionSql(query.by, table);
  const keys = dimension.keys.map((key, index) => `${key} AS k${index}`).join(", ");
  const groupKeys = dimension.keys.map((_, index) => `k${index}`).join(", ");
  const metricColumn = { flows: "f", bytes: "b", packets: "p" }[metric];
  let from: string;
  if (dimension.join === undefined) {
    from = `SELECT ${keys}, ${table.flowsSql} AS f, sum(bytes) AS b, sum(packets) AS p
      FROM ${table.table} WHERE ${where} GROUP BY ${groupKeys}`;
  } else {
    const side = sideTableSql(tables, dimension.join.table);
    from = `SELECT ${keys}, sum(f0) AS f, sum(b0) AS b, sum(p0) AS p FROM (
        SELECT ${dimension.join.idColumn} AS id, ${table.flowsSql} AS f0, sum(bytes) AS b0, sum(packets) AS p0
        FROM ${table.table} WHERE ${where} GROUP BY id
      ) ANY LEFT JOIN (SELECT * FROM ${side}) USING id
      GROUP BY ${groupKeys}`;
  }
  // 18.16 sends no totals row with LIMIT 0: ask for one row and drop it.
  const { data, totals } = await run(
    `${from} WITH TOTALS ORDER BY ${metricColumn} DESC, ${groupKeys} ASC LIMIT ${sqlInteger(Math.max(1, query.limit))}`,
  );
  const keyCount = dimension.keys.length;
  const rows: TopRow[] = data.slice(0, query.limit).map((row) => ({
    key: dimension.text(row.slice(0, keyCount)),
    flows: toNumber(row[keyCount]),
    bytes: toNumber(row[keyCount + 1]),
    packets: toNumber(row[keyCount + 2]),
  }));
  const total = {
    flows: toNumber(totals?.[keyCount]),
    bytes: toNumber(totals?.[keyCount + 1]),
    packets: toNumber(totals?.[keyCount + 2]),
  };
  const other = { ...total };
  for (const row of rows) {
    other.flows -= row.flows;
    other.bytes -= row.bytes;
    other.packets -= row.packets;
  }
  return { range, by: query.by, metric, rows, other, total };
}

export async function queryTimeseries(
  run: RunQuery,
  tables: Tables,
  query: TimeseriesQuery,
  table: QueryTable = rawQueryTable(tables),
): Promise<TimeseriesResult> {
  checkCommon(query.range, query.filter);
  const metric = checkMetric(query.metric);
  const { stepMs } = query;
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) {
    throw invalid(`step must be a positive whole number of milliseconds, got ${stepMs}`);
  }
  const range = await resolveRange(run, tables, query.range);
  if (range === null) return { range, stepMs, metric, points: [] };
  const { firstMs, count, points } = timeseriesPoints(range, stepMs, TIMESERIES_POINTS_MAX);
  if (count === 0) return { range, stepMs, metric, points };
  // toInt64: 18.16 types `Int64 % 60000` by the divisor's literal type (UInt16) and overflows
  // (toInt64(1795343073188) % 60000 gave -32348, not 33188), so 1-minute buckets went wrong.
  const step = `toInt64(${sqlInteger(stepMs)})`;
  // The double modulo floors negative times too (% keeps the dividend's sign, as in DuckDB).
  const time = table.timeColumn;
  const value = metric === "flows" ? table.flowsSql : METRIC_SQL[metric];
  const { data } = await run(
    `SELECT ${time} - (((${time} % ${step}) + ${step}) % ${step}) AS step_ms,
            toString(direction), ${value}
     FROM ${table.table} WHERE ${whereSql(tables, range, query.filter, table)} GROUP BY step_ms, direction`,
  );
  for (const [stepStartMs, direction, sum] of data) {
    if (typeof direction !== "string" || !isDirection(direction)) continue;
    const point = points[(toNumber(stepStartMs) - firstMs) / stepMs];
    if (point !== undefined) point.byDirection[direction] += toNumber(sum);
  }
  return { range, stepMs, metric, points };
}
