import { DIRECTIONS, DIRECTION_SOURCES, FLOW_SOURCES, LOCALITIES } from "../../core/index.ts";
import { rollupMigrationStatements } from "./rollup-schema.ts";
import { SAMPLED_COLUMNS } from "./sampled-columns.ts";

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
export const SCHEMA_VERSION = 7;

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

/** The v1 layout, kept because migration 1 creates it and migration 2 converts from it. */
const FLOW_COLUMNS_V1_SQL: readonly (readonly [name: string, type: string])[] = [
  ["start_ms", "BIGINT NOT NULL"],
  ["end_ms", "BIGINT NOT NULL"],
  ["received_ms", "BIGINT NOT NULL"],
  ["exporter", "UHUGEINT NOT NULL"],
  ["source", "ENUM('netflow5', 'netflow9', 'ipfix', 'sflow', 'demo') NOT NULL"],
  ["in_if", "UINTEGER NOT NULL"],
  ["out_if", "UINTEGER NOT NULL"],
  ["ip_version", "UTINYINT NOT NULL"],
  ["src_addr", "UHUGEINT NOT NULL"],
  ["dst_addr", "UHUGEINT NOT NULL"],
  ["src_port", "USMALLINT NOT NULL"],
  ["dst_port", "USMALLINT NOT NULL"],
  ["protocol", "UTINYINT NOT NULL"],
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
  ["direction", "ENUM('ingress', 'egress', 'internal', 'transit') NOT NULL"],
  ["direction_source", "ENUM('interface', 'networks', 'exporter', 'unknown') NOT NULL"],
  [
    "locality",
    "ENUM('same-zone', 'cross-zone', 'cross-region', 'on-prem', 'internet', 'cloud-service', 'cdn', 'unknown') NOT NULL",
  ],
  ["src_network", "VARCHAR"],
  ["dst_network", "VARCHAR"],
  ["src_tags", "MAP(VARCHAR, VARCHAR)"],
  ["dst_tags", "MAP(VARCHAR, VARCHAR)"],
];

/**
 * How a `flows` column is filled from a FlowBatch (see `columns.ts`): the kind says which
 * conversion the writer applies, `field` which batch column it reads.
 */
export type FlowColumnKind =
  | "ms" // Float64 epoch ms → BIGINT
  | "count" // Float64 counter → UBIGINT
  | "sampled" // Float64 counter → UBIGINT, NULL when equal to `scaledField` (schema 6)
  | "u32"
  | "u16"
  | "u8"
  | "bool"
  | "enum" // core vocabulary index → ENUM
  | "addr-lo" // bits 0–63 of a 4-word address → UBIGINT
  | "addr-hi" // bits 64–127 → UBIGINT
  | "network" // 1-based network index → stored network id (0 none)
  | "exporter" // exporter address + observation domain → stored exporter id
  | "json"; // sparse text (plus NAT and VRF fields when present) → VARCHAR, NULL when absent

export interface FlowColumnSpec {
  name: string;
  type: string;
  kind: FlowColumnKind;
  field: string;
  /** For "sampled": the scaled counterpart a NULL stands for. */
  scaledField?: string;
}

function col(name: string, type: string, kind: FlowColumnKind, field: string): FlowColumnSpec {
  return { name, type, kind, field };
}

/**
 * Schema 2 layout. Column order matters: the writer fills chunks by position.
 *
 * DuckDB's append cost grows with the number of columns whatever they hold (measured here
 * with 131,072-row batches: 30 columns 0.67 M rows/s, the same plus 18 all-zero columns
 * 0.25 M rows/s), so the table keeps only what queries group or filter by, and the rest goes
 * where it costs nothing for the rows that lack it:
 * - Addresses are two UBIGINT halves (`<name>_hi`, `<name>_lo`) of the 128-bit form rather
 *   than one UHUGEINT: DuckDB 1.5 appends 128-bit values about four times slower than 64-bit
 *   ones (7.3 M against 32 M values/s, 1 M-row insert), and the halves are the words the
 *   pipeline already holds. Queries rebuild the address with `(hi::UHUGEINT << 64) | lo` where
 *   they need it; the IP version is whether it is IPv4-mapped. An absent next hop is 0.
 * - The exporter (address and observation domain) and the declared networks (name and tags)
 *   are ids into the small `exporters` and `networks` tables.
 * - Post-NAT addresses and ports and VRF ids, present only on flows of NAT and VRF-aware
 *   exporters, go into `extra` (JSON text) with enterprise-specific fields; NULL otherwise.
 * - The receive time is not stored (it is a collector metric, not a fact of the flow).
 */
const FLOW_COLUMN_SPECS_V2: readonly FlowColumnSpec[] = [
  col("start_ms", "BIGINT NOT NULL", "ms", "startMs"),
  col("end_ms", "BIGINT NOT NULL", "ms", "endMs"),
  col("exporter_id", "UINTEGER NOT NULL", "exporter", "exporter"),
  col("source", `${enumColumnSql("source")} NOT NULL`, "enum", "source"),
  col("in_if", "UINTEGER NOT NULL", "u32", "inIf"),
  col("out_if", "UINTEGER NOT NULL", "u32", "outIf"),
  col("src_addr_hi", "UBIGINT NOT NULL", "addr-hi", "srcAddr"),
  col("src_addr_lo", "UBIGINT NOT NULL", "addr-lo", "srcAddr"),
  col("dst_addr_hi", "UBIGINT NOT NULL", "addr-hi", "dstAddr"),
  col("dst_addr_lo", "UBIGINT NOT NULL", "addr-lo", "dstAddr"),
  col("src_port", "USMALLINT NOT NULL", "u16", "srcPort"),
  col("dst_port", "USMALLINT NOT NULL", "u16", "dstPort"),
  col("protocol", "UTINYINT NOT NULL", "u8", "protocol"),
  // IPFIX tcpControlBits (IE 6) is 16 bits wide (RFC 7125), NetFlow's is 8.
  col("tcp_flags", "USMALLINT NOT NULL", "u16", "tcpFlags"),
  col("tos", "UTINYINT NOT NULL", "u8", "tos"),
  col("src_as", "UINTEGER NOT NULL", "u32", "srcAs"),
  col("dst_as", "UINTEGER NOT NULL", "u32", "dstAs"),
  col("src_mask_len", "UTINYINT NOT NULL", "u8", "srcMaskLen"),
  col("dst_mask_len", "UTINYINT NOT NULL", "u8", "dstMaskLen"),
  col("next_hop_hi", "UBIGINT NOT NULL", "addr-hi", "nextHop"),
  col("next_hop_lo", "UBIGINT NOT NULL", "addr-lo", "nextHop"),
  // IE 61 as the exporter stated it: 0 ingress, 1 egress, 255 not stated.
  col("flow_direction", "UTINYINT NOT NULL", "u8", "flowDirection"),
  col("sampled_bytes", "UBIGINT NOT NULL", "count", "sampledBytes"),
  col("sampled_packets", "UBIGINT NOT NULL", "count", "sampledPackets"),
  col("sampling_rate", "UINTEGER NOT NULL", "u32", "samplingRate"),
  col("sampling_rate_known", "BOOLEAN NOT NULL", "bool", "samplingRateKnown"),
  col("bytes", "UBIGINT NOT NULL", "count", "bytes"),
  col("packets", "UBIGINT NOT NULL", "count", "packets"),
  col("direction", `${enumColumnSql("direction")} NOT NULL`, "enum", "direction"),
  col(
    "direction_source",
    `${enumColumnSql("direction_source")} NOT NULL`,
    "enum",
    "directionSource",
  ),
  col("locality", `${enumColumnSql("locality")} NOT NULL`, "enum", "locality"),
  col("src_network_id", "UINTEGER NOT NULL", "network", "srcNetwork"),
  col("dst_network_id", "UINTEGER NOT NULL", "network", "dstNetwork"),
  col("extra", "VARCHAR", "json", "extra"),
];

/**
 * Schema 3 layout: schema 2 plus `observed_action` (cloud flow logs: what the cloud did, the
 * index into core's OBSERVED_ACTIONS, 0 = not stated). Added by ALTER TABLE, hence last and
 * nullable (DuckDB adds columns without constraints); the writer always fills it. The cloud
 * context of a flow (provider, account, region, zone, VPC, subnet, instance, interface) is a
 * property of its observation point, so it lives in `exporters`, not in a column per flow.
 */
const FLOW_COLUMN_SPECS_V3: readonly FlowColumnSpec[] = [
  ...FLOW_COLUMN_SPECS_V2,
  col("observed_action", "UTINYINT", "u8", "observedAction"),
];

/**
 * Schema 4 layout: schema 3 plus each end's country (ISO 3166-1 alpha-2 as two ASCII bytes in a
 * USMALLINT, 0 unknown: two bytes a flow where a VARCHAR costs a string per row to append).
 * The enrichment that needs no per-flow column lives elsewhere: network attributes (site,
 * provider, region, zone…) in `networks`, the AS number in the existing `src_as`/`dst_as`.
 */
const FLOW_COLUMN_SPECS_V4: readonly FlowColumnSpec[] = [
  ...FLOW_COLUMN_SPECS_V3,
  col("src_country", "USMALLINT", "u16", "srcCountry"),
  col("dst_country", "USMALLINT", "u16", "dstCountry"),
  // The boundary interface crossed: an id into `networks` (kind 'boundary'), 0 none.
  col("boundary_id", "UINTEGER", "network", "boundary"),
];

/**
 * Schema 6 layout (the current one): schema 4's columns, with `sampled_bytes` and
 * `sampled_packets` NULL where they equal `bytes` and `packets` (every unsampled flow): they
 * cost 3.6 and 2.4 bytes per flow only to repeat them (10 M generated flows,
 * bench/query-vs-nfdump.ts). Readers take `coalesce(sampled_bytes, bytes)` (`sampledSql`).
 * Rows stored before schema 6 keep their values, which coalesce reads the same.
 */
export const FLOW_COLUMN_SPECS: readonly FlowColumnSpec[] = FLOW_COLUMN_SPECS_V4.map((spec) => {
  const sampled = SAMPLED_COLUMNS.find(([name]) => name === spec.name);
  if (sampled === undefined) return spec;
  const scaled = FLOW_COLUMN_SPECS_V4.find((candidate) => candidate.name === sampled[1]);
  if (scaled === undefined) throw new Error(`no column ${sampled[1]}`);
  return { ...spec, type: "UBIGINT", kind: "sampled", scaledField: scaled.field };
});

/** What `networks` holds besides id, name and tags (schema 4), in order. */
export const NETWORK_ATTRIBUTE_COLUMNS = [
  "site",
  "provider",
  "account",
  "region",
  "zone",
  "vpc",
  "subnet",
  "egress",
] as const;

const FLOW_COLUMNS_V2_SQL: readonly (readonly [name: string, type: string])[] =
  FLOW_COLUMN_SPECS_V2.map((spec) => [spec.name, spec.type] as const);

export const FLOW_COLUMNS_SQL: readonly (readonly [name: string, type: string])[] =
  FLOW_COLUMN_SPECS.map((spec) => [spec.name, spec.type] as const);

/** The cloud context columns of `exporters`, in order, and the CloudContext field of each. */
export const EXPORTER_CLOUD_COLUMNS = [
  ["cloud_provider", "provider"],
  ["cloud_account", "account"],
  ["cloud_region", "region"],
  ["cloud_zone", "zone"],
  ["cloud_vpc", "vpc"],
  ["cloud_subnet", "subnet"],
  ["cloud_instance", "instance"],
  ["cloud_interface", "interface"],
] as const;

/**
 * Import progress per file (see core's ImportCheckpoint): written in the transaction of the
 * batch it covers, so a crashed import resumes exactly where its last committed batch ended.
 */
export const IMPORTS_TABLE = "imports";
export const IMPORT_COLUMNS = [
  ["file_key", "VARCHAR NOT NULL", "fileKey"],
  ["head_sha256", "VARCHAR NOT NULL", "headSha256"],
  ["head_bytes", "UBIGINT NOT NULL", "headBytes"],
  ["size_bytes", "UBIGINT NOT NULL", "sizeBytes"],
  ["mtime_ms", "DOUBLE NOT NULL", "mtimeMs"],
  ["format", "VARCHAR NOT NULL", "format"],
  ["offset_bytes", "UBIGINT NOT NULL", "offsetBytes"],
  ["line", "UBIGINT NOT NULL", "line"],
  ["records", "UBIGINT NOT NULL", "records"],
  ["complete", "BOOLEAN NOT NULL", "complete"],
] as const;

/** sFlow counter samples (generic interface counters), for reconciling flows with interfaces. */
export const INTERFACE_COUNTERS_TABLE = "interface_counters";

/** Column name, type and the InterfaceCounters field it holds, in table order. */
export const INTERFACE_COUNTER_COLUMNS: readonly (readonly [string, string, string])[] = [
  ["received_ms", "BIGINT NOT NULL", "receivedMs"],
  ["agent", "VARCHAR NOT NULL", "agentAddr"],
  ["sub_agent_id", "UINTEGER NOT NULL", "subAgentId"],
  ["sequence", "UINTEGER NOT NULL", "sequence"],
  ["if_index", "UINTEGER NOT NULL", "ifIndex"],
  ["if_type", "UINTEGER NOT NULL", "ifType"],
  ["if_speed_bps", "UBIGINT NOT NULL", "ifSpeedBps"],
  ["if_direction", "UINTEGER NOT NULL", "ifDirection"],
  ["if_status", "UINTEGER NOT NULL", "ifStatus"],
  ["in_octets", "UBIGINT NOT NULL", "inOctets"],
  ["in_ucast_pkts", "UBIGINT NOT NULL", "inUcastPkts"],
  ["in_multicast_pkts", "UBIGINT NOT NULL", "inMulticastPkts"],
  ["in_broadcast_pkts", "UBIGINT NOT NULL", "inBroadcastPkts"],
  ["in_discards", "UBIGINT NOT NULL", "inDiscards"],
  ["in_errors", "UBIGINT NOT NULL", "inErrors"],
  ["in_unknown_protos", "UBIGINT NOT NULL", "inUnknownProtos"],
  ["out_octets", "UBIGINT NOT NULL", "outOctets"],
  ["out_ucast_pkts", "UBIGINT NOT NULL", "outUcastPkts"],
  ["out_multicast_pkts", "UBIGINT NOT NULL", "outMulticastPkts"],
  ["out_broadcast_pkts", "UBIGINT NOT NULL", "outBroadcastPkts"],
  ["out_discards", "UBIGINT NOT NULL", "outDiscards"],
  ["out_errors", "UBIGINT NOT NULL", "outErrors"],
  ["promiscuous_mode", "UINTEGER NOT NULL", "promiscuousMode"],
];

/** Declared networks as stored: flows refer to them by id; id 0 means "no network". */
export const NETWORKS_TABLE = "networks";

/** Exporters (address halves and observation domain) as flows refer to them by id. */
export const EXPORTERS_TABLE = "exporters";

/**
 * The ASN registry's AS names (schema 7), replaced whole at each registry load
 * (`FlowStore.putAsNames`). Flows keep only the number: names change with the registry, and
 * the `src.as.name` / `dst.as.name` dimensions join them at query time.
 */
export const AS_NAMES_TABLE = "as_names";

/** SQL true when the address in `<prefix>_hi/_lo` is IPv4-mapped (`::ffff:a.b.c.d`). */
export function isIpv4Sql(prefix: string): string {
  return `(${prefix}_hi = 0 AND (${prefix}_lo >> 32) = 65535)`;
}

/** Rebuilds one 128-bit address from its halves (for queries). */
export function addressSql(prefix: string): string {
  return `((${prefix}_hi::UHUGEINT << 64) | ${prefix}_lo::UHUGEINT)`;
}

function v1AddressHalves(column: string): string {
  return `(${column} >> 64)::UBIGINT, (${column} & 18446744073709551615::UHUGEINT)::UBIGINT`;
}

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
      `CREATE TABLE ${FLOWS_TABLE} (${FLOW_COLUMNS_V1_SQL.map(([name, type]) => `${name} ${type}`).join(", ")})`,
    ],
  },
  {
    version: 2,
    description: "columnar flows: address halves, networks table, NAT, VRF, flow direction",
    statements: [
      `CREATE TABLE ${NETWORKS_TABLE} (id UINTEGER PRIMARY KEY, name VARCHAR NOT NULL, tags MAP(VARCHAR, VARCHAR))`,
      `CREATE TABLE ${EXPORTERS_TABLE} (id UINTEGER PRIMARY KEY, address_hi UBIGINT NOT NULL, address_lo UBIGINT NOT NULL, observation_domain UINTEGER NOT NULL)`,
      `INSERT INTO ${EXPORTERS_TABLE}
         SELECT row_number() OVER (ORDER BY exporter)::UINTEGER, ${v1AddressHalves("exporter")}, 0
         FROM (SELECT DISTINCT exporter FROM ${FLOWS_TABLE})`,
      `INSERT INTO ${NETWORKS_TABLE}
         SELECT row_number() OVER (ORDER BY name, tags::VARCHAR)::UINTEGER, name, tags FROM (
           SELECT src_network AS name, src_tags AS tags FROM ${FLOWS_TABLE} WHERE src_network IS NOT NULL
           UNION SELECT dst_network, dst_tags FROM ${FLOWS_TABLE} WHERE dst_network IS NOT NULL)`,
      `ALTER TABLE ${FLOWS_TABLE} RENAME TO flows_v1`,
      `CREATE TABLE ${FLOWS_TABLE} (${FLOW_COLUMNS_V2_SQL.map(([name, type]) => `${name} ${type}`).join(", ")})`,
      `INSERT INTO ${FLOWS_TABLE} SELECT
         f.start_ms, f.end_ms, e.id, f.source::VARCHAR, f.in_if, f.out_if,
         ${v1AddressHalves("f.src_addr")}, ${v1AddressHalves("f.dst_addr")},
         f.src_port, f.dst_port, f.protocol, f.tcp_flags, f.tos, f.src_as, f.dst_as,
         f.src_mask_len, f.dst_mask_len, ${v1AddressHalves("coalesce(f.next_hop, 0::UHUGEINT)")}, 255,
         f.sampled_bytes, f.sampled_packets, f.sampling_rate, f.sampling_rate_known, f.bytes, f.packets,
         f.direction::VARCHAR, f.direction_source::VARCHAR, f.locality::VARCHAR,
         coalesce(sn.id, 0), coalesce(dn.id, 0), NULL
       FROM flows_v1 f
       JOIN ${EXPORTERS_TABLE} e ON e.address_hi = (f.exporter >> 64)::UBIGINT
         AND e.address_lo = (f.exporter & 18446744073709551615::UHUGEINT)::UBIGINT
       LEFT JOIN ${NETWORKS_TABLE} sn ON sn.name = f.src_network AND sn.tags IS NOT DISTINCT FROM f.src_tags
       LEFT JOIN ${NETWORKS_TABLE} dn ON dn.name = f.dst_network AND dn.tags IS NOT DISTINCT FROM f.dst_tags
       ORDER BY f.end_ms`,
      "DROP TABLE flows_v1",
      `CREATE TABLE ${INTERFACE_COUNTERS_TABLE} (${INTERFACE_COUNTER_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")})`,
    ],
  },
  {
    version: 3,
    description: "cloud flow logs: cloud context of exporters, observed action, import progress",
    statements: [
      `ALTER TABLE ${FLOWS_TABLE} ADD COLUMN observed_action UTINYINT DEFAULT 0`,
      ...EXPORTER_CLOUD_COLUMNS.map(
        ([name]) => `ALTER TABLE ${EXPORTERS_TABLE} ADD COLUMN ${name} VARCHAR DEFAULT ''`,
      ),
      `CREATE TABLE ${IMPORTS_TABLE} (${IMPORT_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")})`,
    ],
  },
  {
    version: 4,
    description:
      "enrichment: countries of both ends, boundary interface, network attributes, cloud-range and boundary networks",
    statements: [
      `ALTER TABLE ${FLOWS_TABLE} ADD COLUMN src_country USMALLINT DEFAULT 0`,
      `ALTER TABLE ${FLOWS_TABLE} ADD COLUMN dst_country USMALLINT DEFAULT 0`,
      `ALTER TABLE ${FLOWS_TABLE} ADD COLUMN boundary_id UINTEGER DEFAULT 0`,
      `ALTER TABLE ${NETWORKS_TABLE} ADD COLUMN connectivity VARCHAR DEFAULT ''`,
      `ALTER TABLE ${NETWORKS_TABLE} ADD COLUMN kind VARCHAR DEFAULT 'inventory'`,
      `ALTER TABLE ${NETWORKS_TABLE} ADD COLUMN service VARCHAR DEFAULT ''`,
      ...NETWORK_ATTRIBUTE_COLUMNS.map(
        (name) => `ALTER TABLE ${NETWORKS_TABLE} ADD COLUMN ${name} VARCHAR DEFAULT ''`,
      ),
    ],
  },
  {
    version: 5,
    description: "rollups: flows_1m, flows_1h, flows_1d filled from the stored flows",
    statements: rollupMigrationStatements(FLOWS_TABLE),
  },
  {
    version: 6,
    description: "sampled_bytes and sampled_packets NULL when they equal bytes and packets",
    // Existing rows keep their values (coalesce reads them the same); only new rows save.
    statements: SAMPLED_COLUMNS.map(
      ([name]) => `ALTER TABLE ${FLOWS_TABLE} ALTER COLUMN ${name} DROP NOT NULL`,
    ),
  },
  {
    version: 7,
    description:
      "as_names: the ASN registry's AS names, for the src.as.name and dst.as.name dimensions",
    // A table, not IF NOT EXISTS at open: a read-only open of a schema 6 file would have none.
    statements: [
      // No PRIMARY KEY: DuckDB refuses re-inserting a key deleted in the same transaction, which
      // is how putAsNames replaces the table; the registry gives each number one name.
      `CREATE TABLE ${AS_NAMES_TABLE} (asn UINTEGER NOT NULL, name VARCHAR NOT NULL)`,
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
