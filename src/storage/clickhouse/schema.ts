import { DIRECTIONS, DIRECTION_SOURCES, FLOW_SOURCES, LOCALITIES } from "../../core/index.ts";
import { ROLLUP_TIERS, type RollupTier } from "../tiers.ts";
import { sqlIdentifier, sqlString } from "./literals.ts";

/**
 * The ClickHouse schema of the flow store, the same facts as the DuckDB store's
 * (`storage/duckdb/schema.ts`) in ClickHouse types:
 *
 * - `flows`: MergeTree, one partition per UTC day of the flow end time (what retention drops
 *   and what a time range prunes first). Sorting key `(intDiv(end_ms, 3600000), direction,
 *   exporter_id, src_network_id, dst_network_id, end_ms)`: the hour first, so the primary index
 *   prunes a time range to whole hours (intDiv is monotonic, so `end_ms` bounds map to it);
 *   then the low-cardinality columns every top-N groups or filters by, so rows with the same
 *   direction, exporter and networks lie together: a direction filter reads fewer marks and the
 *   columns compress better (bench/clickhouse-append.ts measures the variants).
 * - Times are Int64 epoch ms, as DuckDB's BIGINT; the bucket arithmetic is the same.
 * - Addresses are two UInt64 halves of the 128-bit form of `core/ip.ts` (IPv4-mapped IPv6),
 *   like DuckDB's, rather than FixedString(16): the halves are the words the batch already
 *   holds, and the bench measured both layouts' bytes per flow on disk.
 * - Closed vocabularies are Enum8 whose values are the `core` indexes, so the writer copies
 *   the batch's index byte unchanged; a value `core` adds later widens the type in place
 *   (`ALTER TABLE … MODIFY COLUMN`, metadata only for a superset).
 * - Networks and exporters are 64-bit ids derived from their content (see `ids.ts`), so several
 *   collectors writing into one cluster agree on ids without coordinating. Their side tables
 *   are ReplacingMergeTree by id: two collectors inserting the same network leave identical
 *   rows, which queries read with `ANY LEFT JOIN` and merges collapse.
 * - `extra` (sparse JSON text) is '' when absent: a Nullable column costs a null map per row.
 * - No LowCardinality column: the only strings per flow would be network and cloud names,
 *   which live in the side tables. No codecs and no TTL: 18.16 has neither (see version.ts).
 * - Schema 3: the rollup tiers `flows_1m`, `flows_1h`, `flows_1d` (rollup-schema.ts), each
 *   filled by a materialized view on the (local) flows table, and `rollup_state`.
 */

export const SCHEMA_VERSION = 3;

function enumSql(values: readonly string[]): string {
  return `Enum8(${values.map((value, index) => `${sqlString(value)} = ${index}`).join(", ")})`;
}

export const ENUM_COLUMNS = [
  { name: "source", values: FLOW_SOURCES },
  { name: "direction", values: DIRECTIONS },
  { name: "direction_source", values: DIRECTION_SOURCES },
  { name: "locality", values: LOCALITIES },
] as const;

export function enumColumnType(name: (typeof ENUM_COLUMNS)[number]["name"]): string {
  const column = ENUM_COLUMNS.find((candidate) => candidate.name === name);
  if (column === undefined) throw new Error(`no enum column ${name}`);
  return enumSql(column.values);
}

/** How the RowBinary writer fills a column from a FlowBatch (see row-binary.ts). */
export type FlowColumnKind =
  | "ms" // Float64 epoch ms → Int64
  | "count" // Float64 counter → UInt64
  | "u32"
  | "u16"
  | "u8"
  | "addr-hi" // bits 64–127 of a 4-word address → UInt64
  | "addr-lo" // bits 0–63 → UInt64
  | "network" // 1-based network index → content id (UInt64)
  | "exporter" // exporter + domain + cloud context → content id (UInt64)
  | "json"; // sparse text → String, '' when absent

export interface FlowColumnSpec {
  name: string;
  type: string;
  kind: FlowColumnKind;
  field: string;
  /** Bytes in RowBinary (0: variable). */
  width: number;
}

const WIDTH: Record<FlowColumnKind, number> = {
  ms: 8,
  count: 8,
  u32: 4,
  u16: 2,
  u8: 1,
  "addr-hi": 8,
  "addr-lo": 8,
  network: 8,
  exporter: 8,
  json: 0,
};

function col(name: string, type: string, kind: FlowColumnKind, field: string): FlowColumnSpec {
  return { name, type, kind, field, width: WIDTH[kind] };
}

/** Table order = RowBinary order. */
export const FLOW_COLUMN_SPECS: readonly FlowColumnSpec[] = [
  col("start_ms", "Int64", "ms", "startMs"),
  col("end_ms", "Int64", "ms", "endMs"),
  col("exporter_id", "UInt64", "exporter", "exporter"),
  col("source", enumColumnType("source"), "u8", "source"),
  col("in_if", "UInt32", "u32", "inIf"),
  col("out_if", "UInt32", "u32", "outIf"),
  col("src_addr_hi", "UInt64", "addr-hi", "srcAddr"),
  col("src_addr_lo", "UInt64", "addr-lo", "srcAddr"),
  col("dst_addr_hi", "UInt64", "addr-hi", "dstAddr"),
  col("dst_addr_lo", "UInt64", "addr-lo", "dstAddr"),
  col("src_port", "UInt16", "u16", "srcPort"),
  col("dst_port", "UInt16", "u16", "dstPort"),
  col("protocol", "UInt8", "u8", "protocol"),
  // IPFIX tcpControlBits (IE 6) is 16 bits wide (RFC 7125), NetFlow's is 8.
  col("tcp_flags", "UInt16", "u16", "tcpFlags"),
  col("tos", "UInt8", "u8", "tos"),
  col("src_as", "UInt32", "u32", "srcAs"),
  col("dst_as", "UInt32", "u32", "dstAs"),
  col("src_mask_len", "UInt8", "u8", "srcMaskLen"),
  col("dst_mask_len", "UInt8", "u8", "dstMaskLen"),
  col("next_hop_hi", "UInt64", "addr-hi", "nextHop"),
  col("next_hop_lo", "UInt64", "addr-lo", "nextHop"),
  // IE 61 as the exporter stated it: 0 ingress, 1 egress, 255 not stated.
  col("flow_direction", "UInt8", "u8", "flowDirection"),
  col("sampled_bytes", "UInt64", "count", "sampledBytes"),
  col("sampled_packets", "UInt64", "count", "sampledPackets"),
  col("sampling_rate", "UInt32", "u32", "samplingRate"),
  col("sampling_rate_known", "UInt8", "u8", "samplingRateKnown"),
  col("bytes", "UInt64", "count", "bytes"),
  col("packets", "UInt64", "count", "packets"),
  col("direction", enumColumnType("direction"), "u8", "direction"),
  col("direction_source", enumColumnType("direction_source"), "u8", "directionSource"),
  col("locality", enumColumnType("locality"), "u8", "locality"),
  col("src_network_id", "UInt64", "network", "srcNetwork"),
  col("dst_network_id", "UInt64", "network", "dstNetwork"),
  col("extra", "String", "json", "extra"),
  col("observed_action", "UInt8", "u8", "observedAction"),
  // Schema 2 (DuckDB's schema 4): each end's ISO 3166-1 alpha-2 country as two ASCII bytes
  // (`(c0 << 8) | c1`, 0 unknown), as the batch holds it: two bytes a flow, no string per row.
  col("src_country", "UInt16", "u16", "srcCountry"),
  col("dst_country", "UInt16", "u16", "dstCountry"),
  // The boundary interface crossed: a `networks` id (kind 'boundary'), 0 none.
  col("boundary_id", "UInt64", "network", "boundary"),
];

/**
 * What `networks` holds besides id, name, tags, kind and service (schema 2), in order: the
 * attributes of `NetworkRef.attributes`, as DuckDB's NETWORK_ATTRIBUTE_COLUMNS.
 */
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
export type NetworkAttribute = (typeof NETWORK_ATTRIBUTE_COLUMNS)[number];

export const FLOWS_ORDER_BY =
  "(intDiv(end_ms, 3600000), direction, exporter_id, src_network_id, dst_network_id, end_ms)";
export const FLOWS_PARTITION_BY = "toYYYYMMDD(toDateTime(intDiv(end_ms, 1000)))";

/** The cloud context columns of `exporters` and the CloudContext field of each. */
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

/** Column name, ClickHouse type and ImportCheckpoint field, in table order. */
export const IMPORT_COLUMNS = [
  ["file_key", "String", "fileKey"],
  ["head_sha256", "String", "headSha256"],
  ["head_bytes", "UInt64", "headBytes"],
  ["size_bytes", "UInt64", "sizeBytes"],
  ["mtime_ms", "Float64", "mtimeMs"],
  ["format", "String", "format"],
  ["offset_bytes", "UInt64", "offsetBytes"],
  ["line", "UInt64", "line"],
  ["records", "UInt64", "records"],
  ["complete", "UInt8", "complete"],
] as const;

/** Column name, type and InterfaceCounters field, in table order (as DuckDB's). */
export const INTERFACE_COUNTER_COLUMNS: readonly (readonly [string, string, string])[] = [
  ["received_ms", "Int64", "receivedMs"],
  ["agent", "String", "agentAddr"],
  ["sub_agent_id", "UInt32", "subAgentId"],
  ["sequence", "UInt32", "sequence"],
  ["if_index", "UInt32", "ifIndex"],
  ["if_type", "UInt32", "ifType"],
  ["if_speed_bps", "UInt64", "ifSpeedBps"],
  ["if_direction", "UInt32", "ifDirection"],
  ["if_status", "UInt32", "ifStatus"],
  ["in_octets", "UInt64", "inOctets"],
  ["in_ucast_pkts", "UInt64", "inUcastPkts"],
  ["in_multicast_pkts", "UInt64", "inMulticastPkts"],
  ["in_broadcast_pkts", "UInt64", "inBroadcastPkts"],
  ["in_discards", "UInt64", "inDiscards"],
  ["in_errors", "UInt64", "inErrors"],
  ["in_unknown_protos", "UInt64", "inUnknownProtos"],
  ["out_octets", "UInt64", "outOctets"],
  ["out_ucast_pkts", "UInt64", "outUcastPkts"],
  ["out_multicast_pkts", "UInt64", "outMulticastPkts"],
  ["out_broadcast_pkts", "UInt64", "outBroadcastPkts"],
  ["out_discards", "UInt64", "outDiscards"],
  ["out_errors", "UInt64", "outErrors"],
  ["promiscuous_mode", "UInt32", "promiscuousMode"],
];

/** Fully qualified table names of one database. */
export interface Tables {
  database: string;
  /** What inserts and queries name: the MergeTree table, or the Distributed one on a cluster. */
  flows: string;
  /** On a cluster, each shard's MergeTree table under the Distributed one; else `flows`. */
  flowsLocal: string;
  networks: string;
  exporters: string;
  /** The ASN registry's AS names (`putAsNames`), replaced whole at each registry load. */
  asNames: string;
  imports: string;
  interfaceCounters: string;
  schemaVersion: string;
  /**
   * Per rollup tier: what queries read (`table`: the SummingMergeTree table, or on a cluster
   * the Distributed table over every shard's `local`), the table the materialized `view` on
   * `flowsLocal` fills (`local`), and the bare name queries report as their source.
   */
  rollups: Readonly<
    Record<RollupTier, { table: string; local: string; view: string; name: string }>
  >;
  /** Which dimensions each tier's rows hold (rollup-schema.ts). */
  rollupState: string;
  /** The bare name of `flows`, as queries report it. */
  flowsName: string;
  /** The `remote_servers` cluster name when `flows` is Distributed. */
  cluster?: string;
}

export function tablesOf(database: string, flowsTable = "flows", cluster?: string): Tables {
  const db = sqlIdentifier(database);
  const flows = `${db}.${sqlIdentifier(flowsTable)}`;
  const rollup = (tier: RollupTier) => {
    const name = `${flowsTable}_${tier}`;
    const table = `${db}.${sqlIdentifier(name)}`;
    const local = cluster === undefined ? table : `${db}.${sqlIdentifier(`${name}_local`)}`;
    return { table, local, view: `${db}.${sqlIdentifier(`${name}_mv`)}`, name };
  };
  const tables: Tables = {
    database: db,
    flows,
    flowsName: flowsTable,
    rollups: Object.fromEntries(
      ROLLUP_TIERS.map((tier) => [tier, rollup(tier)]),
    ) as Tables["rollups"],
    rollupState: `${db}.rollup_state`,
    flowsLocal: cluster === undefined ? flows : `${db}.${sqlIdentifier(`${flowsTable}_local`)}`,
    networks: `${db}.networks`,
    exporters: `${db}.exporters`,
    asNames: `${db}.as_names`,
    imports: `${db}.imports`,
    interfaceCounters: `${db}.interface_counters`,
    schemaVersion: `${db}.schema_version`,
  };
  if (cluster !== undefined) tables.cluster = cluster;
  return tables;
}

export function flowsTableSql(name: string, engine = "MergeTree()"): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (${FLOW_COLUMN_SPECS.map((spec) => `${spec.name} ${spec.type}`).join(", ")})
    ENGINE = ${engine} PARTITION BY ${FLOWS_PARTITION_BY} ORDER BY ${FLOWS_ORDER_BY}`;
}

/**
 * How the Distributed table spreads rows over the shards: a hash of the address pair and the
 * ports. Not `rand()`: the same batch always splits the same way, so a retried insert gives
 * every shard the same block again (what ReplicatedMergeTree's block deduplication needs to drop
 * it), and all the flows of one conversation sit on one shard. Not the exporter or a network:
 * a handful of exporters or networks would load the shards unevenly; address pairs and ports
 * are many. `cityHash64` of integer columns is computed from their binary form (no text).
 */
export const FLOWS_SHARDING_KEY =
  "cityHash64(src_addr_hi, src_addr_lo, dst_addr_hi, dst_addr_lo, src_port, dst_port)";

/** The Distributed table over every shard's local flows table (same columns). */
export function distributedFlowsSql(tables: Tables, cluster: string): string {
  const local = tables.flowsLocal.split(".")[1] ?? "";
  return `CREATE TABLE IF NOT EXISTS ${tables.flows} AS ${tables.flowsLocal}
    ENGINE = Distributed(${sqlString(cluster)}, ${tables.database}, ${local}, ${FLOWS_SHARDING_KEY})`;
}

const NETWORK_COLUMNS_SQL = [
  "id UInt64",
  "name String",
  "tag_keys Array(String)",
  "tag_values Array(String)",
  "kind String DEFAULT 'inventory'",
  "service String DEFAULT ''",
  ...NETWORK_ATTRIBUTE_COLUMNS.map((name) => `${name} String DEFAULT ''`),
  "connectivity String DEFAULT ''",
];

/** `as_names` (or the staging copy `putAsNames` fills before swapping it in). */
export function asNamesTableSql(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (asn UInt32, name String) ENGINE = MergeTree() ORDER BY asn`;
}

/**
 * Every statement of the current schema, idempotent (IF NOT EXISTS), for one server: on a
 * cluster each shard runs them, so every shard holds its local flows table, the Distributed
 * table over all of them (any shard answers a query) and a full copy of the side tables.
 */
export function schemaStatements(tables: Tables): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${tables.database}`,
    `CREATE TABLE IF NOT EXISTS ${tables.schemaVersion} (version UInt32, description String, applied_at_ms Int64) ENGINE = MergeTree() ORDER BY version`,
    flowsTableSql(tables.flowsLocal),
    ...(tables.cluster === undefined ? [] : [distributedFlowsSql(tables, tables.cluster)]),
    `CREATE TABLE IF NOT EXISTS ${tables.networks} (${NETWORK_COLUMNS_SQL.join(", ")}) ENGINE = ReplacingMergeTree() ORDER BY id`,
    `CREATE TABLE IF NOT EXISTS ${tables.exporters} (id UInt64, address_hi UInt64, address_lo UInt64, observation_domain UInt32, ${EXPORTER_CLOUD_COLUMNS.map(([name]) => `${name} String`).join(", ")}) ENGINE = ReplacingMergeTree() ORDER BY id`,
    // Newest checkpoint per file wins: ReplacingMergeTree by file_key with written_ms as the
    // version, read with FINAL (one row per file; the table holds one row per imported file).
    `CREATE TABLE IF NOT EXISTS ${tables.imports} (${IMPORT_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")}, written_ms Int64) ENGINE = ReplacingMergeTree(written_ms) ORDER BY file_key`,
    // Created here, at every start, without a schema version: nothing older reads it, and a
    // store without names answers "" for every AS name until the registry's first load.
    asNamesTableSql(tables.asNames),
    `CREATE TABLE IF NOT EXISTS ${tables.interfaceCounters} (${INTERFACE_COUNTER_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")}) ENGINE = MergeTree() PARTITION BY toYYYYMM(toDateTime(intDiv(received_ms, 1000))) ORDER BY (agent, if_index, received_ms)`,
  ];
}

/** A column a migration adds, to a table named by its role. */
export interface AddedColumn {
  table: "flows" | "networks";
  name: string;
  /** Type with its DEFAULT, which fills the rows written before. */
  type: string;
}

export interface Migration {
  version: number;
  description: string;
  columns: readonly AddedColumn[];
}

/**
 * From the first round's schema (1) on. 18.16 has no `ADD COLUMN IF NOT EXISTS`, so the store
 * adds a column only when `system.columns` lacks it: a migration interrupted half way is
 * finished by the next start. ADD COLUMN is a metadata change; old parts read the DEFAULT.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 2,
    description: "enrichment: countries of both ends, network kind, service and attributes",
    columns: [
      { table: "flows", name: "src_country", type: "UInt16 DEFAULT 0" },
      { table: "flows", name: "dst_country", type: "UInt16 DEFAULT 0" },
      { table: "flows", name: "boundary_id", type: "UInt64 DEFAULT 0" },
      { table: "networks", name: "kind", type: "String DEFAULT 'inventory'" },
      { table: "networks", name: "service", type: "String DEFAULT ''" },
      ...NETWORK_ATTRIBUTE_COLUMNS.map((name) => ({
        table: "networks" as const,
        name,
        type: "String DEFAULT ''",
      })),
      { table: "networks", name: "connectivity", type: "String DEFAULT ''" },
    ],
  },
];

/** What the schema_version row of the current version says. */
export const SCHEMA_DESCRIPTION =
  "flows, networks (kind, service, attributes), exporters, imports, interface counters; countries per flow; rollups flows_1m/1h/1d by materialized views";
