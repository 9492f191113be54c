import { Type, type Static } from "@sinclair/typebox";
import { DEFAULT_ROLLUP_DIMENSIONS, ROLLUP_DIMENSIONS } from "../storage/index.ts";

/**
 * The one schema of `tollgate.yaml` (STYLE.md "Config model"): every section with its defaults;
 * `additionalProperties: false` everywhere so an unknown or misspelt key is an error that names
 * the key and suggests the right one. Descriptions feed `docs/92-config-reference.md`.
 */

const Strict = { additionalProperties: false } as const;

const attribute = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, description }));

export const NetworkSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "Name shown in tables and filters." }),
    cidrs: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: "IPv4 and IPv6 prefixes (10.0.0.0/8, 2001:db8::/32) or single addresses.",
    }),
    site: attribute("Site or data centre (fra1, office-paris). Inherited by nested networks."),
    provider: attribute(
      "Who runs it: aws, gcp, azure, on-prem, or any name (hetzner, equinix). Inherited.",
    ),
    account: attribute("Cloud account, project or subscription id. Inherited."),
    region: attribute("Cloud region in the provider's spelling (us-east-1, europe-west1, eastus)."),
    zone: attribute("Availability zone (us-east-1a, europe-west1-b, 1)."),
    vpc: attribute("VPC / VNet id or name."),
    subnet: attribute("Subnet id or name."),
    egress: attribute(
      "How traffic leaves it for the internet: nat, internet-gateway, endpoint, transit-gateway, direct-connect, vpn, peering, interconnect, expressroute, none.",
    ),
    tags: Type.Record(Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }), Type.String(), {
      default: {},
      description: "Free tags: team, service, env, cost-center… Nested networks inherit them.",
    }),
  },
  Strict,
);

export const InterfaceSchema = Type.Object(
  {
    ifIndex: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Array(Type.Integer({ minimum: 0 }))], {
        description: "SNMP ifIndex (or a list) as the exporter reports it in flows.",
      }),
    ),
    name: attribute(
      "Interface name as the exporter reports it (IPFIX/NetFlow v9 options, IE 82), or a /regex/.",
    ),
    description: attribute("Interface description (IE 83), or a /regex/ such as /^(TRANSIT|IX):/."),
    boundary: Type.Union([Type.Literal("external"), Type.Literal("internal")], {
      description:
        "external: the far side is not ours (transit, peering, IX, customer); internal: it is.",
    }),
    connectivity: attribute("transit, peering, ix, pni, customer, backbone, vpn…"),
    provider: attribute("Who is on the other side: the transit provider, IX or customer name."),
  },
  Strict,
);

export const ExporterSchema = Type.Object(
  {
    address: Type.String({
      minLength: 1,
      description: "The exporter's source address as flows arrive from it.",
    }),
    name: attribute("Name shown instead of the address."),
    site: attribute("Site of the exporter."),
    samplingRate: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 4294967295,
        description: "1-in-N sampling rate used when the export itself gives none.",
      }),
    ),
    interfaces: Type.Array(InterfaceSchema, {
      default: [],
      description:
        "Boundary interfaces. When a flow crosses one, its direction comes from the interfaces, not the networks.",
    }),
  },
  Strict,
);

const RegistrySourceSchema = Type.Union(
  [
    Type.Literal("default"),
    Type.Literal("none"),
    Type.Object({ mmdb: Type.String({ minLength: 1 }) }, Strict),
    Type.Object(
      {
        csv: Type.Object(
          {
            ipv4: Type.String({ minLength: 1 }),
            ipv6: Type.Optional(Type.String({ minLength: 1 })),
          },
          Strict,
        ),
      },
      Strict,
    ),
  ],
  {
    default: "default",
    description:
      "default (the bundled @ip-location-db data), none, { mmdb: path } (MaxMind GeoLite2/GeoIP2 or IPinfo) or { csv: { ipv4, ipv6 } } (start,end,value lines). Files are re-read when they change.",
  },
);

export const RegistrySchema = Type.Object(
  {
    asn: RegistrySourceSchema,
    country: RegistrySourceSchema,
  },
  { ...Strict, default: {} },
);

export const CloudRangesSchema = Type.Object(
  {
    dir: Type.String({
      default: "",
      description:
        "Directory of the providers' published ranges (aws-ip-ranges.json, gcp-cloud.json, gcp-goog.json, azure-service-tags.json), filled by `tollgate inventory update-ranges`. Empty: <dataDir>/cloud-ranges.",
    }),
  },
  { ...Strict, default: {} },
);

export const InventorySchema = Type.Object(
  {
    registry: RegistrySchema,
    cloudRanges: CloudRangesSchema,
    include: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        "More inventory files (YAML or JSON with networks: and exporters:), paths or globs relative to this file. Re-read on change.",
    }),
    networks: Type.Optional(
      Type.Array(NetworkSchema, {
        description:
          'Your networks ("ours"). When none is declared anywhere, the private ranges (RFC 1918, 100.64.0.0/10, fc00::/7) are ours.',
      }),
    ),
    exporters: Type.Array(ExporterSchema, {
      default: [],
      description: "Exporters (routers, switches, probes) with their boundary interfaces.",
    }),
  },
  { ...Strict, default: {} },
);

/** One included inventory file. */
export const InventoryFileSchema = Type.Object(
  {
    networks: Type.Array(NetworkSchema, { default: [] }),
    exporters: Type.Array(ExporterSchema, { default: [] }),
  },
  { ...Strict, default: {} },
);

export const NetflowSourceSchema = Type.Object(
  {
    listen: Type.Array(Type.String(), {
      default: ["0.0.0.0:2055", "[::]:2055"],
      description:
        "UDP HOST:PORT addresses receiving NetFlow v5/v9 (any flow protocol is detected by its version; IPv6 as [::]:2055).",
    }),
    receiveBufferBytes: Type.Integer({
      minimum: 65536,
      default: 33_554_432,
      description:
        "Socket receive buffer asked of the kernel; capped by net.core.rmem_max (raise it for bursts).",
    }),
  },
  { ...Strict, default: {} },
);

const receiveBufferBytes = Type.Integer({
  minimum: 65536,
  default: 33_554_432,
  description:
    "Socket receive buffer asked of the kernel; capped by net.core.rmem_max (raise it for bursts).",
});

export const IpfixSourceSchema = Type.Object(
  {
    listen: Type.Array(Type.String(), {
      default: ["0.0.0.0:4739", "[::]:4739"],
      description: "UDP HOST:PORT addresses receiving IPFIX (RFC 7011 §10.3); [] turns UDP off.",
    }),
    tcpListen: Type.Array(Type.String(), {
      default: ["0.0.0.0:4739", "[::]:4739"],
      description:
        "TCP HOST:PORT addresses receiving IPFIX streams (RFC 7011 §10.4); [] turns TCP off.",
    }),
    receiveBufferBytes,
  },
  { ...Strict, default: {} },
);

export const SflowSourceSchema = Type.Object(
  {
    listen: Type.Array(Type.String(), {
      default: ["0.0.0.0:6343", "[::]:6343"],
      description: "UDP HOST:PORT addresses receiving sFlow v5; [] turns it off.",
    }),
    receiveBufferBytes,
  },
  { ...Strict, default: {} },
);

export const AwsVpcSourceSchema = Type.Object(
  {
    logFormat: Type.String({
      default: "",
      description:
        'AWS VPC Flow Logs format for logs without a header line (CloudWatch Logs deliveries of a custom format), as the flow log\'s LogFormat: "${version} ${account-id} ${interface-id} …". Empty: files name their fields in their header; headerless lines must be the default v2 format.',
    }),
  },
  { ...Strict, default: {} },
);

export const SourcesSchema = Type.Object(
  {
    netflow: NetflowSourceSchema,
    ipfix: IpfixSourceSchema,
    sflow: SflowSourceSchema,
    awsVpc: AwsVpcSourceSchema,
    samplingRates: Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 4294967295 }), {
      default: {},
      description:
        '1-in-N sampling rate per exporter address, used when the export itself gives none (e.g. {"192.0.2.1": 1000}).',
    }),
  },
  { ...Strict, default: {} },
);

/** A retention: a whole number of m(inutes), h, d, w or y (365 days), or "forever". */
function retentionDuration(defaultValue: string, what: string) {
  return Type.String({
    default: defaultValue,
    pattern: "^(forever|[0-9]{1,6}(m|h|d|w|y))$",
    description: `${what} Kept this long (e.g. 15d, 90d, 2y) or forever.`,
  });
}

export const StorageSchema = Type.Object(
  {
    backend: Type.Union([Type.Literal("duckdb"), Type.Literal("clickhouse")], {
      default: "duckdb",
      description:
        "Flow store. duckdb: one embedded file under dataDir. clickhouse: a ClickHouse server (18.16 or later), see storage.clickhouse.",
    }),
    clickhouse: Type.Object(
      {
        url: Type.String({
          default: "http://127.0.0.1:8123",
          description: "ClickHouse HTTP interface.",
        }),
        database: Type.String({
          default: "tollgate",
          pattern: "^[A-Za-z_][A-Za-z0-9_]{0,63}$",
          description: "Database holding the flow tables; created when missing.",
        }),
        username: Type.String({ default: "default" }),
        password: Type.String({ default: "", description: "Prefer an env override to the file." }),
        requestTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 30_000,
          description: "An insert or query fails after this long rather than hanging.",
        }),
        flowsTable: Type.String({
          default: "flows",
          pattern: "^[A-Za-z_][A-Za-z0-9_]{0,63}$",
          description:
            "Table flows are inserted into and read from: a Distributed table's name on a cluster.",
        }),
        cluster: Type.Optional(
          Type.String({
            pattern: "^[A-Za-z_][A-Za-z0-9_.-]{0,63}$",
            description:
              "A cluster of the servers' remote_servers: flowsTable becomes a Distributed table over each shard's <flowsTable>_local, created by Tollgate on every shard of shardUrls (docs/34-clickhouse.md).",
          }),
        ),
        shardUrls: Type.Array(Type.String(), {
          default: [],
          maxItems: 256,
          description:
            "With cluster: the HTTP interface of every shard, in the cluster's order. Tables are created on each, and the side tables (networks, exporters, imports) are written whole to each.",
        }),
      },
      { ...Strict, default: {} },
    ),
    batchMaxRecords: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 245_760,
      description:
        "A batch is written when it holds this many records (or is batchMaxDelayMs old). 245760 is two DuckDB row groups (122880 rows each): a transaction holding whole row groups is written straight to the file instead of through the write-ahead log, which costs DuckDB about half the CPU (measured: 2.9 M rows in 131072-row batches 9.6 CPU-s, in 245760-row batches 5.5 CPU-s; 65536-row batches 15.4).",
    }),
    batchMaxDelayMs: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 1000,
      description: "…or when its oldest record has waited this long.",
    }),
    maxPendingBatches: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 64,
      description:
        "Batches held in memory while the store is slow or away; beyond it records are dropped and counted.",
    }),
    spool: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            "Spool batches to disk while the store is away or failing (tollgate serve), and replay them in order when it returns. Off: batches wait in memory (maxPendingBatches), then are dropped.",
        }),
        dir: Type.String({
          default: "",
          description: 'Spool directory; "" is <dataDir>/spool. One collector per directory.',
        }),
        maxBytes: Type.Integer({
          minimum: 1_048_576,
          default: 1_073_741_824,
          description:
            "Bound on the spool files' total size (default 1 GiB); beyond it whenFull decides.",
        }),
        whenFull: Type.Union([Type.Literal("drop-oldest"), Type.Literal("drop-newest")], {
          default: "drop-oldest",
          description:
            "Which batch a full spool drops: the oldest spooled (keep recent traffic) or the new one (keep the start of the outage). Every dropped record is counted.",
        }),
        retryMinMs: Type.Integer({
          minimum: 10,
          maximum: 600_000,
          default: 500,
          description: "First wait before retrying a store that failed; doubles up to retryMaxMs.",
        }),
        retryMaxMs: Type.Integer({
          minimum: 10,
          maximum: 600_000,
          default: 30_000,
          description: "Longest wait between retries of a store that is away.",
        }),
      },
      { ...Strict, default: {} },
    ),
    rollups: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            "Keep 1-minute, 1-hour and 1-day rollups (DuckDB: flows_1m, flows_1h, flows_1d) beside the raw flows; queries are answered from the coarsest tier that gives the same answer (docs/37-rollups-and-retention.md).",
        }),
        dimensions: Type.Array(Type.Union(ROLLUP_DIMENSIONS.map((name) => Type.Literal(name))), {
          // Narrow on purpose: rollups are written in the append transaction, and every kept
          // dimension multiplies their rows. bench/rollups.ts, 2M generated flows: these 7
          // cost 1.33x the append time of no rollups and make 1h-tier top-N and series 17-33x
          // faster; all 15 cost 3.4x, and the 1m tier was almost as big as raw (1.95M rows).
          default: [...DEFAULT_ROLLUP_DIMENSIONS],
          uniqueItems: true,
          description:
            "What rollups keep besides the time bucket and the direction (always kept). Every dimension added multiplies rollup rows and append time (interfaces, AS numbers and countries have many values). Addresses, ports, next hop, TCP flags, ToS, NAT and VRF fields are never kept: a query on them reads raw flows. exporter also answers cloud.*, src.net/dst.net the network's tags and attributes. Changing the list rebuilds the rollups from the raw flows at the next start (older buckets are lost).",
        }),
        compactIntervalMs: Type.Integer({
          minimum: 1000,
          maximum: 86_400_000,
          default: 60_000,
          description:
            "How often the partial rollup rows each batch adds are folded into one row per bucket and key.",
        }),
      },
      { ...Strict, default: {} },
    ),
    retention: Type.Object(
      {
        raw: retentionDuration("15d", "Raw flows, by end time."),
        "1m": retentionDuration("90d", "1-minute rollups."),
        "1h": retentionDuration("2y", "1-hour rollups."),
        "1d": retentionDuration("forever", "1-day rollups."),
        intervalMs: Type.Integer({
          minimum: 10_000,
          maximum: 86_400_000,
          default: 3_600_000,
          description: "How often expired rows are deleted (tollgate serve).",
        }),
      },
      { ...Strict, default: {} },
    ),
    memoryLimit: Type.String({
      default: "1GB",
      pattern: "^[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
      description:
        "DuckDB's memory_limit: its buffer pool, caches of written data included (e.g. 512MB, 2GB). DuckDB's own default, 80% of RAM, is not what a collector beside other services should take.",
    }),
  },
  { ...Strict, default: {} },
);

export const ApiSchema = Type.Object(
  {
    listen: Type.String({
      default: "127.0.0.1:8080",
      description: "HTTP API and dashboard HOST:PORT. Loopback by default: expose it deliberately.",
    }),
  },
  { ...Strict, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      default: "./data",
      description:
        "Directory holding the flow store and state (relative to the working directory).",
    }),
    cacheDir: Type.String({
      default: "",
      description:
        "Directory for caches Tollgate can always rebuild (the ASN/country registry snapshot, ~35 MB), shared by every data directory. Empty: $XDG_CACHE_HOME/tollgate, else ~/.cache/tollgate, else <dataDir>/cache.",
    }),
    inventory: InventorySchema,
    sources: SourcesSchema,
    storage: StorageSchema,
    api: ApiSchema,
  },
  { ...Strict, default: {} },
);

export type TollgateConfig = Static<typeof ConfigSchema>;
export type NetworkConfig = Static<typeof NetworkSchema>;
export type ExporterConfig = Static<typeof ExporterSchema>;
export type InterfaceConfig = Static<typeof InterfaceSchema>;
export type InventoryFile = Static<typeof InventoryFileSchema>;
