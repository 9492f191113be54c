import { Readable } from "node:stream";
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import {
  AppError,
  isAppError,
  type FlowBatch,
  type ImportCheckpoint,
  type InterfaceCounters,
} from "../../core/index.ts";
import { silentLogger, type Logger } from "../../platform/index.ts";
import type { FlowStore, NetworkRef, RewritableFlowStore, TimeRange } from "../store.ts";
import { replaceAsNames } from "./as-names.ts";
import { contentId, exporterKey, networkAttributes, networkKey, type ContentId } from "./ids.ts";
import { sqlString } from "./literals.ts";
import type { RollupAvailability } from "../planner.ts";
import type { RollupSettings, TieredFlowStore } from "../tiers.ts";
import { plannedSummary, plannedTimeseries, plannedTop } from "./planner.ts";
import { queryDataRange, type RunQuery } from "./queries.ts";
import { enforceClickHouseRetention } from "./retention.ts";
import { ROLLUP_ENUM_COLUMNS, rollupSchemaStatements } from "./rollup-schema.ts";
import { readRollupAvailability, syncRollups, type RollupNode } from "./rollups.ts";
import { clickHouseStorageStats } from "./storage-stats.ts";
import { createNativeEncoder } from "./native.ts";
import { queryExplore } from "./explore.ts";
import { RecordConversionError } from "./row-binary.ts";
import {
  ENUM_COLUMNS,
  enumColumnType,
  EXPORTER_CLOUD_COLUMNS,
  FLOW_COLUMN_SPECS,
  IMPORT_COLUMNS,
  INTERFACE_COUNTER_COLUMNS,
  MIGRATIONS,
  NETWORK_ATTRIBUTE_COLUMNS,
  SCHEMA_DESCRIPTION,
  SCHEMA_VERSION,
  schemaStatements,
  tablesOf,
  type Tables,
} from "./schema.ts";
import { capabilitiesOf, type ServerCapabilities } from "./version.ts";
import { scanCloudFlows } from "./scan.ts";

export interface ClickHouseStoreConfig {
  /** HTTP interface, e.g. `http://127.0.0.1:8123`. */
  url: string;
  database: string;
  username: string;
  password: string;
  /** Every request (insert or query) fails after this long instead of hanging. */
  requestTimeoutMs: number;
  /**
   * Insert through this table instead of `flows` (a Distributed table over a cluster's local
   * `flows` tables); queries read it too. The store creates it only when it is `flows`.
   */
  flowsTable?: string;
  /**
   * The `remote_servers` cluster to spread flows over: `flowsTable` becomes a Distributed table
   * over each shard's `<flowsTable>_local` MergeTree table, and `shardUrls` must name the HTTP
   * interface of every shard of it (in the cluster's order), where the store creates the tables
   * and writes the side tables (networks, exporters, imports), whole, to each.
   */
  cluster?: string;
  shardUrls?: readonly string[];
  /**
   * What the rollup tiers keep (`storage.rollups`). A writing store (serve, import) gives it
   * and `start()` rebuilds the tiers when they hold something else (rollups.ts); a reading
   * one (query, stats) leaves it out and uses whatever the tiers hold. Rollups exist only
   * where this store owns the flows table (`flowsTable` unset or `flows`, or a cluster).
   */
  rollups?: RollupSettings;
}

export const defaultClickHouseStoreConfig: ClickHouseStoreConfig = {
  url: "http://127.0.0.1:8123",
  database: "tollgate",
  username: "default",
  password: "",
  requestTimeoutMs: 30_000,
};

export interface ClickHouseStoreDeps {
  logger?: Logger;
  nowMs?: () => number;
}

export interface ClickHouseStore extends FlowStore, RewritableFlowStore, TieredFlowStore {
  readonly url: string;
  /** The server's capabilities, known after start(). */
  capabilities(): ServerCapabilities | undefined;
  countFlows(): Promise<number>;
}

/** Connection failures that mean "nobody answers there" rather than a query error. */
function isUnreachable(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return (
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "EHOSTUNREACH" ||
    code === "ENOTFOUND" ||
    code === "ETIMEDOUT" ||
    /timeout|ECONNREFUSED|socket hang up/i.test(message)
  );
}

/**
 * The ClickHouse flow store (the port of `storage/store.ts`), for 18.16 and later. Inert
 * constructor; `start()` checks the server, creates the database and tables and records the
 * schema version; `stop()` waits for writes in flight and closes the HTTP connections.
 *
 * Writes: a batch is one Native INSERT into `flows` (native.ts) (ClickHouse makes one part of it,
 * atomically), preceded by the few side-table rows it needs (networks and exporters not seen
 * before, by content id) and followed by its import checkpoints. ClickHouse has no
 * multi-statement transaction, so unlike DuckDB the rows and the checkpoints do not commit
 * together: a crash after the flows' INSERT and before the checkpoints' resumes the import at
 * the previous checkpoint and stores that one batch twice. Documented in docs/34-clickhouse.md.
 */
export function createClickHouseStore(
  config: ClickHouseStoreConfig,
  deps: ClickHouseStoreDeps = {},
): ClickHouseStore {
  const logger = deps.logger ?? silentLogger;
  const nowMs = deps.nowMs ?? Date.now;
  const url = config.url.replace(/\/+$/, "");
  const tables: Tables = tablesOf(config.database, config.flowsTable, config.cluster);
  const shardUrls = (config.shardUrls ?? []).map((shardUrl) => shardUrl.replace(/\/+$/, ""));
  let client: ClickHouseClient | undefined;
  /** Every server holding a copy of the side tables: the shards, or the one server. */
  let nodes: ClickHouseClient[] = [];
  let capabilities: ServerCapabilities | undefined;
  let writeChain: Promise<void> = Promise.resolve();
  let closing = false;
  const inFlight = new Set<Promise<unknown>>();
  const encoder = createNativeEncoder();
  /** Side-table ids known to be stored (read at start, added after each insert). */
  const storedNetworks = new Set<bigint>();
  const storedExporters = new Set<bigint>();
  let networkCache:
    { refs: readonly NetworkRef[]; ids: Uint32Array; values: ContentId[] } | undefined;
  let exporterIds = new Uint32Array(0);
  /** What each rollup tier holds (read at start): the planner's input. */
  let available: RollupAvailability = new Map();
  /** The TTL last set per table (servers from 19.6, retention.ts). */
  const appliedTtl = new Map<string, string>();
  /** Only where the flows table is ours does a view on it fill rollups. */
  const ownsFlows =
    config.flowsTable === undefined ||
    config.flowsTable === "flows" ||
    tables.cluster !== undefined;

  function fix(): string {
    return `check that ClickHouse runs and that storage.clickhouse.url (${url}) points at its HTTP interface`;
  }

  function wrap(
    code: "ERR_STORE_OPEN" | "ERR_STORE_WRITE" | "ERR_STORE_QUERY",
    what: string,
    cause: unknown,
  ): AppError {
    if (isAppError(cause)) return cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (isUnreachable(cause)) {
      return new AppError(
        code,
        `${what}: ClickHouse at ${url} did not answer (${detail}); ${fix()}`,
        { cause },
      );
    }
    return new AppError(code, `${what} on ClickHouse at ${url}: ${detail}`, { cause });
  }

  function open(): ClickHouseClient {
    if (client === undefined || closing) {
      throw new AppError("ERR_STORE_QUERY", `flow store ClickHouse at ${url} is not open`);
    }
    return client;
  }

  async function command(sql: string, on: ClickHouseClient = open()): Promise<void> {
    await on.command({ query: sql });
  }

  async function runOn(
    on: ClickHouseClient,
    sql: string,
  ): Promise<{ data: unknown[][]; totals?: unknown[] }> {
    const result = await on.query({ query: sql, format: "JSONCompact" });
    return await result.json();
  }

  const run: RunQuery = (sql) => runOn(open(), sql);

  // Columns named, so a table whose columns a migration appended reads the same block.
  const flowColumnsSql = FLOW_COLUMN_SPECS.map((spec) => spec.name).join(", ");

  async function insertNative(table: string, body: Uint8Array): Promise<void> {
    const result = await open().exec({
      query: `INSERT INTO ${table} (${flowColumnsSql}) FORMAT Native`,
      values: Readable.from([Buffer.from(body.buffer, body.byteOffset, body.length)]),
      // Through a Distributed table the INSERT would otherwise return once the rows are queued
      // on the receiving server's disk; synchronous, it returns once every shard has its part,
      // so a resolved append is readable everywhere (and a shard that is down fails it).
      ...(tables.cluster === undefined
        ? {}
        : { clickhouse_settings: { insert_distributed_sync: 1 } }),
    });
    // Drain the (empty) response so the socket returns to the pool.
    for await (const chunk of result.stream) {
      // Nothing to read: an INSERT answers with an empty body.
      if ((chunk as Buffer).length > 0) continue;
    }
  }

  async function insertJsonRows(
    table: string,
    rows: Record<string, unknown>[],
    on: ClickHouseClient = open(),
  ): Promise<void> {
    if (rows.length === 0) return;
    await on.insert({ table, values: rows, format: "JSONEachRow" });
  }

  /** Side-table rows go to every server, so each can join and filter on them locally. */
  async function insertSideRows(table: string, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    open();
    await Promise.all(nodes.map((node) => insertJsonRows(table, rows, node)));
  }

  /** Adds the columns of MIGRATIONS a table lacks (18.16 has no ADD COLUMN IF NOT EXISTS). */
  async function addMissingColumns(node: ClickHouseClient): Promise<void> {
    const { data } = await runOn(
      node,
      `SELECT table, name FROM system.columns WHERE database = ${sqlString(config.database)}`,
    );
    const present = new Set(data.map(([table, name]) => `${String(table)}.${String(name)}`));
    const unquoted = (qualified: string): string =>
      qualified.split(".")[1]?.replaceAll("`", "") ?? "";
    const targets = {
      flows: [...new Set([tables.flowsLocal, tables.flows])],
      networks: [tables.networks],
    };
    for (const migration of MIGRATIONS) {
      for (const column of migration.columns) {
        for (const table of targets[column.table]) {
          if (present.has(`${unquoted(table)}.${column.name}`)) continue;
          await command(`ALTER TABLE ${table} ADD COLUMN ${column.name} ${column.type}`, node);
          logger.info("flow store column added", { table, column: column.name });
        }
      }
    }
  }

  function rollupNode(node: ClickHouseClient): RollupNode {
    return { run: (sql) => runOn(node, sql), exec: (sql) => command(sql, node) };
  }

  async function migrate(node: ClickHouseClient): Promise<void> {
    for (const statement of schemaStatements(tables)) await command(statement, node);
    if (ownsFlows) {
      for (const statement of rollupSchemaStatements(tables)) await command(statement, node);
    }
    const { data } = await runOn(node, `SELECT max(version), count() FROM ${tables.schemaVersion}`);
    const [maxVersion, count] = data[0] ?? [];
    const version = Number(count) === 0 ? 0 : Number(maxVersion);
    if (version > SCHEMA_VERSION) {
      throw new AppError(
        "ERR_STORE_OPEN",
        `ClickHouse database ${config.database} at ${url} has schema version ${version}, newer than this Tollgate's ${SCHEMA_VERSION}: upgrade Tollgate`,
      );
    }
    // The flows table only: a Distributed table named `flows` is not altered through this path.
    if (
      config.flowsTable === undefined ||
      config.flowsTable === "flows" ||
      tables.cluster !== undefined
    ) {
      await addMissingColumns(node);
    }
    if (version < SCHEMA_VERSION) {
      await insertJsonRows(
        tables.schemaVersion,
        [{ version: SCHEMA_VERSION, description: SCHEMA_DESCRIPTION, applied_at_ms: nowMs() }],
        node,
      );
      logger.info("flow store migrated", {
        url,
        database: config.database,
        version: SCHEMA_VERSION,
      });
    }
    // A vocabulary `core` grew since the table was made: widen the Enum8 in place (a superset
    // is a metadata change). Only when `flows` is ours, not a Distributed table's name.
    if (
      config.flowsTable === undefined ||
      config.flowsTable === "flows" ||
      tables.cluster !== undefined
    ) {
      const rollupTables = Object.values(tables.rollups).flatMap((tier) => [
        tier.local,
        tier.table,
      ]);
      for (const table of new Set([tables.flowsLocal, tables.flows, ...rollupTables])) {
        const isRollup = rollupTables.includes(table);
        const name = table.split(".")[1]?.replaceAll("`", "") ?? "";
        const { data: columns } = await runOn(
          node,
          `SELECT name, type FROM system.columns WHERE database = ${sqlString(config.database)} AND table = ${sqlString(name)}`,
        );
        const types = new Map(columns.map(([column, type]) => [String(column), String(type)]));
        for (const column of ENUM_COLUMNS) {
          if (isRollup && !ROLLUP_ENUM_COLUMNS.includes(column.name)) continue;
          const wanted = enumColumnType(column.name);
          const stored = types.get(column.name);
          if (stored !== undefined && stored.replaceAll(" ", "") !== wanted.replaceAll(" ", "")) {
            await command(`ALTER TABLE ${table} MODIFY COLUMN ${column.name} ${wanted}`, node);
            logger.info("flow store enum widened", { table, column: column.name });
          }
        }
      }
    }
  }

  /** The cluster must be in the server's remote_servers with as many shards as shardUrls. */
  async function checkCluster(cluster: string): Promise<void> {
    const { data } = await run(
      `SELECT count(DISTINCT shard_num) FROM system.clusters WHERE cluster = ${sqlString(cluster)}`,
    );
    const shards = Number(data[0]?.[0] ?? 0);
    if (shards === 0) {
      throw new AppError(
        "ERR_STORE_OPEN",
        `ClickHouse at ${url} has no cluster "${cluster}" in its remote_servers: check storage.clickhouse.cluster and the server's config`,
      );
    }
    if (shards !== shardUrls.length) {
      throw new AppError(
        "ERR_STORE_OPEN",
        `cluster "${cluster}" at ${url} has ${shards} shards but storage.clickhouse.shardUrls names ${shardUrls.length}: name the HTTP interface of every shard`,
      );
    }
  }

  function makeClient(target: string): ClickHouseClient {
    return createClient({
      url: target,
      username: config.username,
      password: config.password,
      request_timeout: config.requestTimeoutMs,
      // 18.16 answers compressed requests fine, but flows compress little and cost CPU.
      compression: { request: false, response: false },
      log: { level: ClickHouseLogLevel.OFF },
      max_open_connections: 4,
    });
  }

  async function start(): Promise<void> {
    if (client !== undefined) return;
    const candidate = makeClient(url);
    client = candidate;
    const shardClients = tables.cluster === undefined ? [] : shardUrls.map(makeClient);
    nodes = tables.cluster === undefined ? [candidate] : shardClients;
    try {
      const { data } = await run("SELECT version()");
      const version = data[0]?.[0];
      capabilities = capabilitiesOf(typeof version === "string" ? version : "");
      if (tables.cluster !== undefined) await checkCluster(tables.cluster);
      for (const node of nodes) await migrate(node);
      if (ownsFlows) {
        if (config.rollups !== undefined) {
          for (const node of nodes) {
            await syncRollups(rollupNode(node), tables, config.rollups, logger, nowMs);
          }
        }
        available = await readRollupAvailability(rollupNode(nodes[0] ?? candidate), tables);
      }
      const networks = await run(`SELECT DISTINCT toString(id) FROM ${tables.networks}`);
      for (const [id] of networks.data) storedNetworks.add(BigInt(String(id)));
      const exporters = await run(`SELECT DISTINCT toString(id) FROM ${tables.exporters}`);
      for (const [id] of exporters.data) storedExporters.add(BigInt(String(id)));
    } catch (error) {
      client = undefined;
      nodes = [];
      await Promise.all(
        [candidate, ...shardClients].map((each) => each.close().catch(() => undefined)),
      );
      throw wrap("ERR_STORE_OPEN", `cannot open flow store database ${config.database}`, error);
    }
    logger.info("flow store open", {
      url,
      database: config.database,
      version: capabilities.version,
    });
  }

  async function stop(): Promise<void> {
    if (client === undefined || closing) return;
    closing = true;
    await writeChain;
    await Promise.allSettled([...inFlight]);
    await Promise.all(
      [client, ...nodes.filter((node) => node !== client)].map((each) => each.close()),
    );
    client = undefined;
    nodes = [];
    closing = false;
    logger.info("flow store closed", { url });
  }

  /** Network ids of the batch's list, inserting the ones never stored. */
  async function networkIds(refs: readonly NetworkRef[]): Promise<Uint32Array> {
    if (networkCache?.refs !== refs) {
      const ids = new Uint32Array(refs.length * 2);
      const values = refs.map((ref, index) => {
        const id = contentId(networkKey(ref));
        ids[index * 2] = id.lo;
        ids[index * 2 + 1] = id.hi;
        return id;
      });
      networkCache = { refs, ids, values };
    }
    const fresh: Record<string, unknown>[] = [];
    networkCache.values.forEach((id, index) => {
      if (storedNetworks.has(id.value)) return;
      const ref = refs[index] as NetworkRef;
      const row: Record<string, unknown> = {
        id: id.value.toString(),
        name: ref.name,
        tag_keys: Object.keys(ref.tags),
        tag_values: Object.values(ref.tags),
        kind: ref.kind ?? "inventory",
        service: ref.service ?? "",
        connectivity: ref.connectivity ?? "",
      };
      const attributes = networkAttributes(ref);
      NETWORK_ATTRIBUTE_COLUMNS.forEach((column, index) => {
        row[column] = attributes[index];
      });
      fresh.push(row);
    });
    await insertSideRows(tables.networks, fresh);
    for (const row of fresh) storedNetworks.add(BigInt(String(row["id"])));
    return networkCache.ids;
  }

  /** Exporter id of every row (two words per row), inserting the ones never stored. */
  async function rowExporterIds(batch: FlowBatch): Promise<Uint32Array> {
    if (exporterIds.length < batch.length * 2) exporterIds = new Uint32Array(batch.capacity * 2);
    const words = batch.exporter;
    const fresh = new Map<bigint, Record<string, unknown>>();
    let lastKey = "";
    let last: ContentId | undefined;
    let lastW0 = -1;
    let lastW1 = -1;
    let lastW2 = -1;
    let lastW3 = -1;
    let lastDomain = -1;
    let lastCloud = -1;
    for (let row = 0; row < batch.length; row++) {
      const base = row * 4;
      const w0 = words[base] ?? 0;
      const w1 = words[base + 1] ?? 0;
      const w2 = words[base + 2] ?? 0;
      const w3 = words[base + 3] ?? 0;
      const domain = batch.observationDomain[row] ?? 0;
      const cloud = batch.cloud[row] ?? 0;
      // Rows come in runs from one datagram or one log file: recompute only on a change.
      if (
        last === undefined ||
        w0 !== lastW0 ||
        w1 !== lastW1 ||
        w2 !== lastW2 ||
        w3 !== lastW3 ||
        domain !== lastDomain ||
        cloud !== lastCloud
      ) {
        const context = cloud === 0 ? undefined : batch.clouds[cloud - 1];
        const key = exporterKey(words, base, domain, context);
        if (key !== lastKey) {
          last = contentId(key);
          lastKey = key;
          if (!storedExporters.has(last.value) && !fresh.has(last.value)) {
            const row: Record<string, unknown> = {
              id: last.value.toString(),
              address_hi: ((BigInt(w3) << 32n) | BigInt(w2)).toString(),
              address_lo: ((BigInt(w1) << 32n) | BigInt(w0)).toString(),
              observation_domain: domain,
            };
            for (const [name, field] of EXPORTER_CLOUD_COLUMNS) row[name] = context?.[field] ?? "";
            fresh.set(last.value, row);
          }
        }
        lastW0 = w0;
        lastW1 = w1;
        lastW2 = w2;
        lastW3 = w3;
        lastDomain = domain;
        lastCloud = cloud;
      }
      const id = last as ContentId;
      exporterIds[row * 2] = id.lo;
      exporterIds[row * 2 + 1] = id.hi;
    }
    await insertSideRows(tables.exporters, [...fresh.values()]);
    for (const id of fresh.keys()) storedExporters.add(id);
    return exporterIds;
  }

  async function writeCheckpoints(checkpoints: readonly ImportCheckpoint[]): Promise<void> {
    const writtenMs = nowMs();
    await insertSideRows(
      tables.imports,
      checkpoints.map((checkpoint, index) => {
        const row: Record<string, unknown> = { written_ms: writtenMs + index };
        for (const [name, , field] of IMPORT_COLUMNS) {
          const value = checkpoint[field];
          row[name] = typeof value === "boolean" ? (value ? 1 : 0) : value;
        }
        return row;
      }),
    );
  }

  async function write(batch: FlowBatch, refs: readonly NetworkRef[]): Promise<void> {
    open();
    if (batch.length === 0 && batch.checkpoints.length === 0) return;
    try {
      if (batch.length > 0) {
        // Side rows first: a query never sees a flow whose network or exporter is missing.
        const networks = await networkIds(refs);
        const exporters = await rowExporterIds(batch);
        const body = encoder.encode(batch, networks, exporters);
        await insertNative(tables.flows, body);
      }
      await writeCheckpoints(batch.checkpoints);
    } catch (cause) {
      if (cause instanceof RecordConversionError) {
        throw new AppError(
          "ERR_STORE_WRITE",
          `cannot write ${batch.length} flows to ${url}: ${cause.message}`,
          { cause },
        );
      }
      throw wrap("ERR_STORE_WRITE", `cannot write ${batch.length} flows`, cause);
    }
  }

  function chained(task: () => Promise<void>): Promise<void> {
    if (closing) {
      return Promise.reject(
        new AppError("ERR_STORE_WRITE", `flow store ClickHouse at ${url} is closing`),
      );
    }
    if (client === undefined) {
      return Promise.reject(
        new AppError("ERR_STORE_WRITE", `flow store ClickHouse at ${url} is not open`),
      );
    }
    const result = writeChain.then(task);
    writeChain = result.catch(() => undefined);
    return result;
  }

  async function writeCounters(counters: readonly InterfaceCounters[]): Promise<void> {
    if (counters.length === 0) return;
    try {
      // Counter samples live on the first shard only (they are per agent, few, and read whole).
      await insertJsonRows(
        tables.interfaceCounters,
        counters.map((sample) => {
          const row: Record<string, unknown> = {};
          for (const [name, type, field] of INTERFACE_COUNTER_COLUMNS) {
            const value = (sample as unknown as Record<string, number | string>)[field] ?? 0;
            row[name] = type === "String" ? String(value) : Math.max(0, Math.floor(Number(value)));
          }
          return row;
        }),
        nodes[0] ?? open(),
      );
    } catch (cause) {
      throw wrap(
        "ERR_STORE_WRITE",
        `cannot write ${counters.length} interface counter samples`,
        cause,
      );
    }
  }

  async function query<T>(what: string, task: () => Promise<T>): Promise<T> {
    if (client === undefined || closing) {
      throw new AppError("ERR_STORE_QUERY", `flow store ClickHouse at ${url} is not open`);
    }
    const promise = (async () => {
      try {
        return await task();
      } catch (cause) {
        throw wrap("ERR_STORE_QUERY", `${what} failed`, cause);
      }
    })();
    inFlight.add(promise);
    try {
      return await promise;
    } finally {
      inFlight.delete(promise);
    }
  }

  async function count(table: string, on: ClickHouseClient = open()): Promise<number> {
    const { data } = await runOn(on, `SELECT count() FROM ${table}`);
    return Number(data[0]?.[0] ?? 0);
  }

  async function readCheckpoints(): Promise<ImportCheckpoint[]> {
    const { data } = await run(
      `SELECT ${IMPORT_COLUMNS.map(([name]) => name).join(", ")} FROM ${tables.imports} FINAL ORDER BY file_key`,
    );
    return data.map((row) => {
      const checkpoint: Record<string, unknown> = {};
      IMPORT_COLUMNS.forEach(([name, type, field], index) => {
        const value = row[index];
        checkpoint[field] =
          name === "complete"
            ? Number(value) === 1
            : type === "String"
              ? String(value)
              : Number(value);
      });
      return checkpoint as unknown as ImportCheckpoint;
    });
  }

  return {
    url,
    capabilities: () => capabilities,
    start,
    stop,
    append: (batch, refs) => chained(() => write(batch, refs)),
    appendCounters: (counters) => chained(() => writeCounters(counters)),
    countInterfaceCounters: () =>
      query("counting interface counters", () =>
        count(tables.interfaceCounters, nodes[0] ?? open()),
      ),
    summary: (q) => query("summary", () => plannedSummary(run, tables, q, available)),
    top: (q) => query("top", () => plannedTop(run, tables, q, available)),
    timeseries: (q) => query("time series", () => plannedTimeseries(run, tables, q, available)),
    storageStats: (retention) =>
      query("storage stats", () =>
        clickHouseStorageStats(nodes.map(rollupNode), run, tables, retention, ownsFlows),
      ),
    enforceRetention: (retention, atMs) =>
      query("retention", () =>
        enforceClickHouseRetention(
          ownsFlows ? nodes.map(rollupNode) : [],
          tables,
          retention,
          atMs,
          capabilities,
          appliedTtl,
        ),
      ),
    // SummingMergeTree folds a tier's rows in its background merges, and every query sums
    // whatever rows there are: nothing to do here.
    compactRollups: () => Promise.resolve(0),
    explore: (q) => query("explore", () => queryExplore(run, tables, q, available)),
    dataRange: (): Promise<TimeRange | null> =>
      query("data range", () => queryDataRange(run, tables)),
    importCheckpoints: () => query("reading import checkpoints", readCheckpoints),
    // On every server, as the other side tables: each joins and filters on its own copy.
    putAsNames: (names) =>
      chained(async () => {
        try {
          await Promise.all(
            nodes.map((node) =>
              replaceAsNames(
                {
                  exec: (sql) => command(sql, node),
                  insert: (table, rows) => insertJsonRows(table, rows, node),
                },
                tables,
                names,
              ),
            ),
          );
        } catch (cause) {
          throw wrap("ERR_STORE_WRITE", `cannot write ${names.size} AS names`, cause);
        }
      }),
    countFlows: () => query("counting flows", () => count(tables.flows)),
    scanFlows: (q, visit) => scanCloudFlows(run, tables, q, visit),
    reclassify: () =>
      Promise.reject(
        new AppError(
          "ERR_STORE_UNSUPPORTED",
          "reclassifying stored flows is not implemented for ClickHouse (see docs/36-reclassify-and-suggest.md)",
        ),
      ),
  };
}
