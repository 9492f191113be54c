import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  DuckDBInstance,
  type DuckDBConnection,
  type DuckDBEnumType,
  type DuckDBType,
} from "@duckdb/node-api";
import {
  AppError,
  isAppError,
  type FlowBatch,
  type ImportCheckpoint,
  type InterfaceCounters,
} from "../../core/index.ts";
import { silentLogger, type Logger } from "../../platform/index.ts";
import type {
  FlowStore,
  SummaryQuery,
  SummaryResult,
  TimeRange,
  TimeseriesQuery,
  TimeseriesResult,
  TopQuery,
  TopResult,
  NetworkRef,
} from "../store.ts";
import {
  chunkedRewritable,
  createRewriteGate,
  type ChunkedFlowAccess,
  type ReadChunk,
  type RewriteCounts,
} from "../chunked-rewrite.ts";
import type { RewritableFlowStore } from "../store.ts";
import type { RetentionPolicy, RollupSettings, RollupTier, TieredFlowStore } from "../tiers.ts";
import { withAppender } from "./appender.ts";
import { replaceAsNames } from "./as-names.ts";
import { appenderColumnTypes, enumTranslations, writeBatch } from "./columns.ts";
import { readCheckpoints, writeCheckpoints } from "./imports.ts";
import { createExporterRegistry, type ExporterRegistry } from "./exporters.ts";
import { createNetworkRegistry, type NetworkRegistry } from "./networks.ts";
import { openError } from "./open-error.ts";
import { queryDataRange } from "./queries.ts";
import { queryExplore } from "./explore.ts";
import { plannedSummary, plannedTimeseries, plannedTop } from "./planner.ts";
import { deleteExpired } from "./retention.ts";
import {
  compactTier,
  readRollupState,
  rollupAppended,
  rollupRewrite,
  syncRollupDimensions,
  type RollupState,
} from "./rollups.ts";
import { queryStorageStats } from "./storage-stats.ts";
import {
  planChunks,
  readChunk,
  rewriteChunk,
  STAGED_ROWS_SQL,
  type CloudContexts,
} from "./rewrite.ts";
import {
  ENUM_COLUMNS,
  enumColumnsToWiden,
  FLOW_COLUMNS_SQL,
  FLOWS_TABLE,
  INTERFACE_COUNTER_COLUMNS,
  INTERFACE_COUNTERS_TABLE,
  MIGRATIONS,
  SCHEMA_VERSION,
  SCHEMA_VERSION_DDL,
} from "./schema.ts";

export interface DuckDbStoreConfig {
  /** The database file; the lead passes `<dataDir>/flows.duckdb`. */
  path: string;
  /** Open without writing (the CLI when no server runs); fails while a writer holds the file. */
  readOnly: boolean;
  /** DuckDB worker threads; DuckDB's default is one per core. */
  threads?: number;
  /** DuckDB's `memory_limit`, e.g. `"1GB"`; DuckDB's default is 80% of RAM. */
  memoryLimit?: string;
  /** Rollup tiers kept in the append transaction (default: on, every dimension; tiers.ts). */
  rollups?: RollupSettings;
}

export const defaultDuckDbStoreConfig: Omit<DuckDbStoreConfig, "path"> = { readOnly: false };

export interface DuckDbStoreDeps {
  logger?: Logger;
}

export interface DuckDbStore
  extends FlowStore, RewritableFlowStore, ChunkedFlowAccess, TieredFlowStore {
  readonly path: string;
  /** Number of stored flows. */
  countFlows(): Promise<number>;
}

// DuckDB does not stop one process from opening the same file twice (the file lock is a POSIX
// lock, held per process), and two instances writing one file corrupt it. Closing either would
// also drop the lock the other relies on. So the store refuses a second open in-process.
const openPaths = new Set<string>();

/**
 * The embedded flow store. The constructor only records its configuration; `start()` opens or
 * creates the file and migrates the schema, `stop()` waits for writes and queries in flight
 * and closes it.
 *
 * Concurrency: one write connection, on which appends run one after another (a batch is one
 * transaction); each query runs on a connection of its own, so queries proceed while a batch
 * is being written and see only committed batches (DuckDB's MVCC).
 */
/** The least and greatest end time in `batch` (one sequential pass, about 1 ns a row). */
function endMsRange(batch: FlowBatch): { minMs: number; maxMs: number } {
  let minMs = Infinity;
  let maxMs = -Infinity;
  const endMs = batch.endMs;
  for (let row = 0; row < batch.length; row++) {
    const value = endMs[row] as number;
    if (value < minMs) minMs = value;
    if (value > maxMs) maxMs = value;
  }
  return { minMs, maxMs };
}

export function createDuckDbStore(
  config: DuckDbStoreConfig,
  deps: DuckDbStoreDeps = {},
): DuckDbStore {
  const logger = deps.logger ?? silentLogger;
  const filePath = path.resolve(config.path);
  let instance: DuckDBInstance | undefined;
  let writer: DuckDBConnection | undefined;
  let columnTypes: DuckDBType[] = [];
  let enumTables: (Uint8Array | undefined)[] = [];
  let networks: NetworkRegistry | undefined;
  let exporters: ExporterRegistry | undefined;
  let writeChain: Promise<void> = Promise.resolve();
  // What each rollup tier's rows hold (rollup_state), read at start; the planner's input.
  let rollupState: ReadonlyMap<RollupTier, RollupState> = new Map();
  const keptDimensions = () => rollupState.get("1m")?.dimensions;
  // Set when stop() begins: new appends and queries are refused, ones already queued finish.
  let closing = false;
  const inFlightQueries = new Set<Promise<unknown>>();

  async function open(): Promise<DuckDBInstance> {
    const options: Record<string, string> = {
      access_mode: config.readOnly ? "READ_ONLY" : "READ_WRITE",
      // Extensions cannot be downloaded here, and no query needs one: never try.
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
    };
    if (config.threads !== undefined) options["threads"] = String(config.threads);
    if (config.memoryLimit !== undefined) options["memory_limit"] = config.memoryLimit;
    if (!config.readOnly) {
      try {
        mkdirSync(path.dirname(filePath), { recursive: true });
      } catch (cause) {
        throw new AppError(
          "ERR_STORE_OPEN",
          `cannot create the directory of flow store ${filePath}: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    try {
      return await DuckDBInstance.create(filePath, options);
    } catch (cause) {
      throw openError(filePath, config.readOnly, cause);
    }
  }

  async function storedVersion(connection: DuckDBConnection): Promise<number | undefined> {
    const exists = await connection.runAndReadAll(
      "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' AND schema_name = 'main'",
    );
    if (exists.getRows()[0]?.[0] === 0n) return undefined;
    const reader = await connection.runAndReadAll("SELECT max(version) FROM schema_version");
    const value = reader.getRows()[0]?.[0];
    return typeof value === "number" ? value : undefined;
  }

  async function enumTypes(connection: DuckDBConnection): Promise<Map<string, readonly string[]>> {
    const appender = await connection.createAppender(FLOWS_TABLE);
    try {
      const types = appenderColumnTypes(appender);
      const stored = new Map<string, readonly string[]>();
      for (const column of ENUM_COLUMNS) {
        const index = FLOW_COLUMNS_SQL.findIndex(([name]) => name === column.name);
        const type = types[index] as DuckDBEnumType | undefined;
        if (type !== undefined) stored.set(column.name, type.values);
      }
      return stored;
    } finally {
      appender.closeSync();
    }
  }

  async function migrate(connection: DuckDBConnection): Promise<void> {
    const version = (await storedVersion(connection)) ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new AppError(
        "ERR_STORE_OPEN",
        `flow store ${filePath} has schema version ${version}, newer than this Tollgate's ${SCHEMA_VERSION}: upgrade Tollgate`,
      );
    }
    if (config.readOnly) {
      if (version < SCHEMA_VERSION) {
        throw new AppError(
          "ERR_STORE_OPEN",
          version === 0
            ? `${filePath} holds no flow store yet: start \`tollgate serve\` or import flows first`
            : `flow store ${filePath} has schema version ${version}; start \`tollgate serve\` once to upgrade it to ${SCHEMA_VERSION}`,
        );
      }
      return;
    }
    await connection.run("BEGIN TRANSACTION");
    try {
      await connection.run(SCHEMA_VERSION_DDL);
      for (const migration of MIGRATIONS) {
        if (migration.version <= version) continue;
        for (const statement of migration.statements) await connection.run(statement);
        await connection.run(
          "INSERT INTO schema_version VALUES ($version, $description, $applied_at_ms)",
          {
            version: migration.version,
            description: migration.description,
            applied_at_ms: BigInt(Date.now()),
          },
        );
        logger.info("flow store migrated", { path: filePath, version: migration.version });
      }
      if (config.rollups !== undefined) {
        await syncRollupDimensions(connection, FLOWS_TABLE, config.rollups, logger);
      }
      await connection.run("COMMIT");
    } catch (cause) {
      await connection.run("ROLLBACK").catch(() => undefined);
      throw new AppError(
        "ERR_STORE_OPEN",
        `cannot migrate flow store ${filePath}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const widen = enumColumnsToWiden(await enumTypes(connection));
    for (const refused of widen.refused) {
      logger.warn("flow store column holds values this version does not know", {
        path: filePath,
        detail: refused,
      });
    }
    for (const statement of widen.statements) {
      await connection.run(statement);
      logger.info("flow store enum widened", { path: filePath, statement });
    }
  }

  async function start(): Promise<void> {
    if (instance !== undefined) return;
    if (openPaths.has(filePath)) {
      throw new AppError(
        "ERR_STORE_OPEN",
        `cannot open flow store ${filePath}: it is already open in this process`,
      );
    }
    openPaths.add(filePath);
    let opened: DuckDBInstance | undefined;
    let connection: DuckDBConnection | undefined;
    try {
      opened = await open();
      connection = await opened.connect();
      await migrate(connection);
      rollupState = await readRollupState(connection);
      if (!config.readOnly) {
        const appender = await connection.createAppender(FLOWS_TABLE);
        columnTypes = appenderColumnTypes(appender);
        appender.closeSync();
        enumTables = enumTranslations(columnTypes);
        networks = await createNetworkRegistry(connection);
        exporters = await createExporterRegistry(connection);
      }
    } catch (error) {
      connection?.closeSync();
      opened?.closeSync();
      openPaths.delete(filePath);
      throw isAppError(error) ? error : openError(filePath, config.readOnly, error);
    }
    instance = opened;
    writer = connection;
    logger.info("flow store open", { path: filePath, readOnly: config.readOnly });
  }

  async function stop(): Promise<void> {
    if (instance === undefined || closing) return;
    closing = true;
    await writeChain;
    await Promise.allSettled([...inFlightQueries]);
    writer?.closeSync();
    writer = undefined;
    // Closing the last connection and the instance checkpoints the WAL into the file.
    instance.closeSync();
    instance = undefined;
    closing = false;
    openPaths.delete(filePath);
    logger.info("flow store closed", { path: filePath });
  }

  async function write(batch: FlowBatch, refs: readonly NetworkRef[]): Promise<void> {
    const connection = writer;
    if (instance === undefined || connection === undefined) {
      throw new AppError("ERR_STORE_WRITE", `flow store ${filePath} is not open`);
    }
    if (config.readOnly) {
      throw new AppError("ERR_STORE_WRITE", `flow store ${filePath} is open read-only`);
    }
    if (batch.length === 0 && batch.checkpoints.length === 0) return;
    await connection.run("BEGIN TRANSACTION");
    try {
      if (batch.length > 0) {
        const networkIds = await (networks as NetworkRegistry).ids(refs);
        const exporterIds = await (exporters as ExporterRegistry).idsOf(batch);
        await withAppender(connection, FLOWS_TABLE, (appender) => {
          writeBatch(appender, columnTypes, enumTables, batch, networkIds, exporterIds);
        });
        const kept = keptDimensions();
        if (kept !== undefined) {
          await rollupAppended(connection, FLOWS_TABLE, kept, endMsRange(batch));
        }
      }
      await writeCheckpoints(connection, batch.checkpoints);
      await connection.run("COMMIT");
      networks?.commit();
      exporters?.commit();
    } catch (cause) {
      await connection.run("ROLLBACK").catch(() => undefined);
      networks?.forgetUncommitted();
      exporters?.forgetUncommitted();
      throw new AppError(
        "ERR_STORE_WRITE",
        `cannot write ${batch.length} flows to ${filePath}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  async function writeCounters(counters: readonly InterfaceCounters[]): Promise<void> {
    const connection = writer;
    if (instance === undefined || connection === undefined || config.readOnly) {
      throw new AppError("ERR_STORE_WRITE", `flow store ${filePath} is not open for writing`);
    }
    if (counters.length === 0) return;
    // A few rows per interface per polling interval (sFlow agents send every 20–30 s): the
    // per-value appender is plenty.
    try {
      await withAppender(connection, INTERFACE_COUNTERS_TABLE, (appender) => {
        for (const sample of counters) {
          for (const [, type, field] of INTERFACE_COUNTER_COLUMNS) {
            const value = (sample as unknown as Record<string, number | string>)[field] ?? 0;
            if (type.startsWith("VARCHAR")) appender.appendVarchar(String(value));
            else if (type.startsWith("UBIGINT"))
              appender.appendUBigInt(BigInt(Math.max(0, Math.floor(Number(value)))));
            else if (type.startsWith("BIGINT"))
              appender.appendBigInt(BigInt(Math.floor(Number(value))));
            else appender.appendUInteger(Number(value) >>> 0);
          }
          appender.endRow();
        }
      });
    } catch (cause) {
      throw new AppError(
        "ERR_STORE_WRITE",
        `cannot write ${counters.length} interface counter samples to ${filePath}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  function appendCounters(counters: readonly InterfaceCounters[]): Promise<void> {
    if (closing) {
      return Promise.reject(new AppError("ERR_STORE_WRITE", `flow store ${filePath} is closing`));
    }
    const result = writeChain.then(() => writeCounters(counters));
    writeChain = result.catch(() => undefined);
    return result;
  }

  function append(batch: FlowBatch, refs: readonly NetworkRef[]): Promise<void> {
    if (closing) {
      return Promise.reject(new AppError("ERR_STORE_WRITE", `flow store ${filePath} is closing`));
    }
    // Appends share one connection and one transaction at a time: chain them. A failed batch
    // rejects its own promise only.
    const result = writeChain.then(() => write(batch, refs));
    writeChain = result.catch(() => undefined);
    return result;
  }

  async function withQueryConnection<T>(
    run: (connection: DuckDBConnection) => Promise<T>,
  ): Promise<T> {
    const current = instance;
    if (current === undefined || closing) {
      throw new AppError("ERR_STORE_QUERY", `flow store ${filePath} is not open`);
    }
    const task = (async () => {
      const connection = await current.connect();
      try {
        return await run(connection);
      } catch (cause) {
        if (isAppError(cause)) throw cause;
        throw new AppError(
          "ERR_STORE_QUERY",
          `query on flow store ${filePath} failed: ${(cause as Error).message}`,
          { cause },
        );
      } finally {
        connection.closeSync();
      }
    })();
    inFlightQueries.add(task);
    try {
      return await task;
    } finally {
      inFlightQueries.delete(task);
    }
  }

  const cloudContexts: CloudContexts = new Map();

  /** Runs `task` on the write connection, after the appends and rewrites queued before it. */
  function onWriter<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (closing) {
      return Promise.reject(new AppError("ERR_STORE_WRITE", `flow store ${filePath} is closing`));
    }
    const result = writeChain.then(async () => {
      const connection = writer;
      if (instance === undefined || connection === undefined || config.readOnly) {
        throw new AppError("ERR_STORE_WRITE", `flow store ${filePath} is not open for writing`);
      }
      try {
        return await task(connection);
      } catch (cause) {
        if (isAppError(cause)) throw cause;
        throw new AppError(
          "ERR_STORE_WRITE",
          `storage maintenance on ${filePath} failed: ${(cause as Error).message}`,
          { cause },
        );
      }
    });
    writeChain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async function rewrite(read: ReadChunk, refs: readonly NetworkRef[]): Promise<RewriteCounts> {
    const connection = writer;
    if (instance === undefined || connection === undefined || config.readOnly) {
      throw new AppError("ERR_STORE_WRITE", `flow store ${filePath} is not open for writing`);
    }
    await connection.run("BEGIN TRANSACTION");
    try {
      const networkIds = await (networks as NetworkRegistry).ids(refs);
      // The rollups follow the rewritten rows (rollups.ts): old contribution out, new one in.
      const counts = await rewriteChunk(connection, read, networkIds, (update) =>
        rollupRewrite(connection, FLOWS_TABLE, STAGED_ROWS_SQL, keptDimensions(), update),
      );
      await connection.run("COMMIT");
      networks?.commit();
      return counts;
    } catch (cause) {
      await connection.run("ROLLBACK").catch(() => undefined);
      networks?.forgetUncommitted();
      throw new AppError(
        "ERR_STORE_WRITE",
        `cannot rewrite ${read.batch.length} flows in ${filePath}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  const access: ChunkedFlowAccess = {
    planChunks: (query) => withQueryConnection((connection) => planChunks(connection, query)),
    readChunk: (query, chunk) =>
      withQueryConnection((connection) => readChunk(connection, query, chunk, cloudContexts)),
    rewriteChunk(read, refs) {
      if (closing) {
        return Promise.reject(new AppError("ERR_STORE_WRITE", `flow store ${filePath} is closing`));
      }
      // Serialized with appends: one transaction at a time on the write connection.
      const result = writeChain.then(() => rewrite(read, refs));
      writeChain = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };

  const rewritable = chunkedRewritable(access);
  const gate = createRewriteGate();

  return {
    path: filePath,
    ...access,
    ...rewritable,
    reclassify: (query, rewrite, onProgress) =>
      gate.exclusive(() => rewritable.reclassify(query, rewrite, onProgress)),
    start,
    stop,
    append,
    appendCounters,
    countInterfaceCounters: () =>
      withQueryConnection(async (connection) => {
        const reader = await connection.runAndReadAll(
          `SELECT count(*)::DOUBLE FROM ${INTERFACE_COUNTERS_TABLE}`,
        );
        return Number(reader.getRows()[0]?.[0] ?? 0);
      }),
    summary: (query: SummaryQuery): Promise<SummaryResult> =>
      withQueryConnection((connection) => plannedSummary(connection, query, rollupState)),
    top: (query: TopQuery): Promise<TopResult> =>
      withQueryConnection((connection) => plannedTop(connection, query, rollupState)),
    timeseries: (query: TimeseriesQuery): Promise<TimeseriesResult> =>
      withQueryConnection((connection) => plannedTimeseries(connection, query, rollupState)),
    explore: (query) =>
      withQueryConnection((connection) => queryExplore(connection, query, rollupState)),
    storageStats: (retention: RetentionPolicy) =>
      withQueryConnection((connection) => queryStorageStats(connection, filePath, retention)),
    enforceRetention: async (retention: RetentionPolicy, nowMs: number) => {
      // Not while a reclassification runs: its rowid spans would move (chunked-rewrite.ts).
      await gate.idle();
      return onWriter((connection) => deleteExpired(connection, retention, nowMs));
    },
    compactRollups: () =>
      onWriter(async (connection) => {
        let removed = 0;
        for (const tier of ["1m", "1h", "1d"] as const) {
          await connection.run("BEGIN TRANSACTION");
          try {
            removed += await compactTier(connection, tier);
            await connection.run("COMMIT");
          } catch (error) {
            await connection.run("ROLLBACK").catch(() => undefined);
            throw error;
          }
        }
        return removed;
      }),
    dataRange: (): Promise<TimeRange | null> => withQueryConnection(queryDataRange),
    importCheckpoints: (): Promise<ImportCheckpoint[]> => withQueryConnection(readCheckpoints),
    putAsNames: (names: ReadonlyMap<number, string>) =>
      onWriter((connection) => replaceAsNames(connection, names)),
    countFlows: () =>
      withQueryConnection(async (connection) => {
        const reader = await connection.runAndReadAll(
          `SELECT count(*)::DOUBLE FROM ${FLOWS_TABLE}`,
        );
        return Number(reader.getRows()[0]?.[0] ?? 0);
      }),
  };
}
