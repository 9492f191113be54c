import { DIRECTIONS, DIRECTION_SOURCES, FLOW_SOURCES, LOCALITIES } from "../../core/index.ts";

/**
 * The DuckDB schema of the flow store: one `flows` table holding every FlowRecord field, and a
 * `schema_version` table recording which migrations ran.
 *
 * Column types are chosen for size and scan speed:
 * - Times are BIGINT epoch milliseconds rather than TIMESTAMP_MS. Both are 8-byte integers on
 *   disk, but a BIGINT binds from a plain parameter without a cast, so the `end_ms` range filter
 *   is pushed down to the zone maps unchanged, and bucketing is integer arithmetic. SQL users get
 *   a timestamp with `epoch_ms(end_ms)`.
 * - Addresses are UHUGEINT in the 128-bit form of `core/ip.ts` (IPv4 as IPv4-mapped IPv6), so
 *   both families sort and range-compare in one column; `inet` is an extension this build
 *   cannot download. An absent next hop is NULL.
 * - Closed vocabularies (source, direction, direction source, locality) are DuckDB ENUMs: one
 *   byte each, readable in SQL (`direction = 'egress'`). When `core` adds a value, `start()`
 *   widens the column type in place (see `enumColumnsToWiden`).
 * - Empty network names and empty tag maps are NULL: "no network" in SQL terms, and cheaper to
 *   append than an empty string or map. Queries present them as "".
 *
 * The time axis of every query is `end_ms`. There is no index: DuckDB keeps min/max zone maps
 * per row group and column, which prune a time-range scan when rows arrive roughly in time
 * order, as a collector appends them (measured in bench/duckdb-query.ts). An ART index would
 * slow every append and DuckDB does not use it for range scans.
 */

export const FLOWS_TABLE = "flows";

/** Bumped by each migration; a file written by a newer version is refused. */
export const SCHEMA_VERSION = 1;

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function enumSql(values: readonly string[]): string {
  return `ENUM(${values.map(sqlString).join(", ")})`;
}

/** The ENUM columns and the `core` vocabulary each must hold, in order. */
export const ENUM_COLUMNS = [
  { name: "source", values: FLOW_SOURCES },
  { name: "direction", values: DIRECTIONS },
  { name: "direction_source", values: DIRECTION_SOURCES },
  { name: "locality", values: LOCALITIES },
] as const satisfies readonly { name: string; values: readonly string[] }[];

function enumColumnSql(name: (typeof ENUM_COLUMNS)[number]["name"]): string {
  const column = ENUM_COLUMNS.find((candidate) => candidate.name === name);
  if (column === undefined) throw new Error(`no enum column ${name}`);
  return enumSql(column.values);
}

/** Column order matters: the append paths fill columns by position (see `columns.ts`). */
export const FLOW_COLUMNS_SQL: readonly (readonly [name: string, type: string])[] = [
  ["start_ms", "BIGINT NOT NULL"],
  ["end_ms", "BIGINT NOT NULL"],
  ["received_ms", "BIGINT NOT NULL"],
  ["exporter", "UHUGEINT NOT NULL"],
  ["source", `${enumColumnSql("source")} NOT NULL`],
  ["in_if", "UINTEGER NOT NULL"],
  ["out_if", "UINTEGER NOT NULL"],
  ["ip_version", "UTINYINT NOT NULL"],
  ["src_addr", "UHUGEINT NOT NULL"],
  ["dst_addr", "UHUGEINT NOT NULL"],
  ["src_port", "USMALLINT NOT NULL"],
  ["dst_port", "USMALLINT NOT NULL"],
  ["protocol", "UTINYINT NOT NULL"],
  // IPFIX tcpControlBits (IE 6) is 16 bits wide (RFC 7125), NetFlow's is 8.
  ["tcp_flags", "USMALLINT NOT NULL"],
  ["tos", "UTINYINT NOT NULL"],
  ["src_as", "UINTEGER NOT NULL"],
  ["dst_as", "UINTEGER NOT NULL"],
  ["src_mask_len", "UTINYINT NOT NULL"],
  ["dst_mask_len", "UTINYINT NOT NULL"],
  ["next_hop", "UHUGEINT"],
  ["sampled_bytes", "UBIGINT NOT NULL"],
  ["sampled_packets", "UBIGINT NOT NULL"],
  ["sampling_rate", "UINTEGER NOT NULL"],
  ["sampling_rate_known", "BOOLEAN NOT NULL"],
  ["bytes", "UBIGINT NOT NULL"],
  ["packets", "UBIGINT NOT NULL"],
  ["direction", `${enumColumnSql("direction")} NOT NULL`],
  ["direction_source", `${enumColumnSql("direction_source")} NOT NULL`],
  ["locality", `${enumColumnSql("locality")} NOT NULL`],
  ["src_network", "VARCHAR"],
  ["dst_network", "VARCHAR"],
  ["src_tags", "MAP(VARCHAR, VARCHAR)"],
  ["dst_tags", "MAP(VARCHAR, VARCHAR)"],
];

export interface Migration {
  version: number;
  description: string;
  statements: readonly string[];
}

/** Applied in order inside one transaction; never edit a released one, add the next. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "flows table",
    statements: [
      `CREATE TABLE ${FLOWS_TABLE} (${FLOW_COLUMNS_SQL.map(([name, type]) => `${name} ${type}`).join(", ")})`,
    ],
  },
];

export const SCHEMA_VERSION_DDL =
  "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, description VARCHAR NOT NULL, applied_at_ms BIGINT NOT NULL)";

/**
 * The statements that bring stored ENUM columns up to the current `core` vocabularies, for a
 * file written before `core` gained a value. DuckDB rewrites the column with `SET DATA TYPE`,
 * casting each value by name. A column holding values `core` no longer knows is refused rather
 * than rewritten, since the cast would fail.
 */
export function enumColumnsToWiden(stored: ReadonlyMap<string, readonly string[]>): {
  statements: string[];
  refused: string[];
} {
  const statements: string[] = [];
  const refused: string[] = [];
  for (const column of ENUM_COLUMNS) {
    const storedValues = stored.get(column.name);
    if (storedValues === undefined) continue;
    const wanted: readonly string[] = column.values;
    // A stored superset is compatible: every value this version writes is a member.
    if (wanted.every((value) => storedValues.includes(value))) continue;
    const unknown = storedValues.filter((value) => !wanted.includes(value));
    if (unknown.length > 0) {
      refused.push(`${column.name} holds ${unknown.join(", ")}`);
      continue;
    }
    statements.push(
      `ALTER TABLE ${FLOWS_TABLE} ALTER ${column.name} SET DATA TYPE ${enumSql(wanted)}`,
    );
  }
  return { statements, refused };
}
