import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  AppError,
  FlowBatch,
  type ImportCheckpoint,
  type InterfaceCounters,
} from "../../core/index.ts";
import { silentLogger, type Logger } from "../../platform/index.ts";
import type {
  NetworkRef,
  SummaryResult,
  TimeRange,
  TimeseriesResult,
  TopResult,
} from "../store.ts";
import type { ExploreResult } from "../store.ts";
import type { RetentionReport, StorageStats } from "../tiers.ts";
import { SlabPool } from "./shared-columns.ts";
import type { DuckDbStore, DuckDbStoreConfig } from "./store.ts";
import type { ReadChunkColumns, StoreRequest, StoreResponse } from "./worker-protocol.ts";
import {
  chunkedRewritable,
  createRewriteGate,
  type ChunkedFlowAccess,
  type RewriteCounts,
  type StoredChunk,
} from "../chunked-rewrite.ts";

type RequestBody = StoreRequest extends infer R
  ? R extends unknown
    ? Omit<R, "id">
    : never
  : never;

/**
 * The DuckDB flow store on a thread of its own. Appending to DuckDB is synchronous work on
 * the calling thread (the appender's flush compresses and writes row groups: about 2 µs per
 * row here, bench/duckdb-append.ts), so in the main thread it would stop the UDP receive loop
 * and the API for the length of every batch. Here the main thread receives, decodes and
 * classifies while the store thread writes the previous batch: the two overlap on two cores.
 *
 * Same contract as `createDuckDbStore` (it runs one inside the thread): an appended batch's
 * filled columns are copied into a slab shared with the thread (shared-columns.ts), so the
 * caller may reuse a batch as soon as `append` returns its promise; errors come back as
 * AppErrors with their code.
 */
export function createDuckDbWorkerStore(
  config: DuckDbStoreConfig,
  deps: { logger?: Logger; logLevel?: "debug" | "info" | "warn" | "error" | "silent" } = {},
): DuckDbStore {
  const logger = deps.logger ?? silentLogger;
  let worker: Worker | undefined;
  let nextId = 1;
  const waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  let failure: Error | undefined;
  // The slabs appended batches cross in; a new store thread starts with none of them.
  let slabs = new SlabPool();

  const spawn = (): Worker => {
    // The compiled build runs store-worker.js; a development checkout runs the TypeScript
    // source, which a worker can only load once tsx's loader is registered in that thread.
    const here = fileURLToPath(import.meta.url);
    const entry = here.replace(/worker-store\.(ts|js)$/, "store-worker.$1");
    if (!existsSync(entry)) throw new Error(`store worker ${entry} is missing`);
    const tsxApi = entry.endsWith(".ts") ? import.meta.resolve("tsx/esm/api") : "";
    const bootstrap = `
      const { workerData } = require("node:worker_threads");
      (async () => {
        if (workerData.tsxApi !== "") (await import(workerData.tsxApi)).register();
        await import(workerData.entryUrl);
      })().catch((error) => { setImmediate(() => { throw error; }); });
    `;
    const thread = new Worker(bootstrap, {
      eval: true,
      workerData: {
        config,
        logLevel: deps.logLevel ?? "info",
        tsxApi,
        entryUrl: new URL(`file://${entry}`).href,
      },
    });
    thread.on("message", (response: StoreResponse) => {
      if (response.returnedSlab !== undefined) {
        const dropped = slabs.give(response.returnedSlab);
        if (dropped.length > 0) {
          // Answered like any call; nothing waits on it, and a failure shows on the next call.
          call<undefined>({ op: "forgetSlabs", slabIds: dropped }).catch(() => undefined);
        }
      }
      const pending = waiting.get(response.id);
      if (pending === undefined) return;
      waiting.delete(response.id);
      if (response.ok) pending.resolve(response.value);
      else {
        pending.reject(
          response.error.code === undefined
            ? new Error(response.error.message)
            : new AppError(response.error.code, response.error.message),
        );
      }
    });
    const failAll = (error: Error): void => {
      failure = error;
      for (const pending of waiting.values()) pending.reject(error);
      waiting.clear();
    };
    thread.on("error", (error) => {
      logger.error("flow store thread failed", { error });
      failAll(new AppError("ERR_STORE_WRITE", `flow store thread failed: ${error.message}`));
    });
    thread.on("exit", (code) => {
      if (waiting.size > 0) {
        failAll(new AppError("ERR_STORE_WRITE", `flow store thread exited (code ${code})`));
      }
    });
    return thread;
  };

  const call = <T>(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (failure !== undefined) return Promise.reject(failure);
    const thread = worker;
    if (thread === undefined) {
      return Promise.reject(
        new AppError("ERR_STORE_QUERY", `flow store ${config.path} is not open`),
      );
    }
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      thread.postMessage({ ...body, id }, transfer);
    });
  };

  /**
   * What the store thread has not seen yet of `networks`, and which of its lists that is. A
   * list only grows (its classifier appends), so only the new tail crosses; several lists may
   * be in use (the pipeline's, and a reclassification's when it has a classifier of its own).
   */
  let networkLists = new WeakMap<readonly NetworkRef[], { listId: number; sent: number }>();
  let nextListId = 1;
  const newNetworksOf = (
    networks: readonly NetworkRef[],
  ): { listId: number; newNetworks: NetworkRef[] } => {
    let list = networkLists.get(networks);
    if (list === undefined || networks.length < list.sent) {
      list = { listId: nextListId++, sent: 0 };
      networkLists.set(networks, list);
    }
    const newNetworks = networks.slice(list.sent);
    list.sent = networks.length;
    return { listId: list.listId, newNetworks };
  };

  const access: ChunkedFlowAccess = {
    planChunks: (query) => call<StoredChunk[]>({ op: "planChunks", query }),
    async readChunk(query, chunk) {
      const read = await call<ReadChunkColumns>({ op: "readChunk", query, chunk });
      return { batch: FlowBatch.fromColumns(read.batch), rowIds: read.rowIds };
    },
    rewriteChunk(read, networks) {
      const columns = read.batch.toColumns();
      const rowIds = read.rowIds.slice();
      const list = newNetworksOf(networks);
      return call<RewriteCounts>({ op: "rewriteChunk", batch: columns, rowIds, ...list }, [
        ...FlowBatch.transferList(columns),
        rowIds.buffer,
      ]);
    },
  };

  const rewritable = chunkedRewritable(access);
  const gate = createRewriteGate();

  return {
    path: config.path,
    ...access,
    ...rewritable,
    reclassify: (query, rewrite, onProgress) =>
      gate.exclusive(() => rewritable.reclassify(query, rewrite, onProgress)),
    async start() {
      if (worker !== undefined) return;
      failure = undefined;
      // A new thread starts with no network lists.
      networkLists = new WeakMap();
      slabs = new SlabPool();
      worker = spawn();
      try {
        await call<undefined>({ op: "start" });
      } catch (error) {
        await worker.terminate();
        worker = undefined;
        throw error;
      }
    },
    async stop() {
      const thread = worker;
      if (thread === undefined) return;
      try {
        await call<undefined>({ op: "stop" });
      } finally {
        await thread.terminate();
        worker = undefined;
      }
    },
    append(batch: FlowBatch, networks: readonly NetworkRef[]) {
      return call<undefined>({
        op: "append",
        batch: slabs.pack(batch),
        ...newNetworksOf(networks),
      });
    },
    appendCounters: (counters: readonly InterfaceCounters[]) =>
      call<undefined>({ op: "appendCounters", counters: [...counters] }),
    countInterfaceCounters: () => call<number>({ op: "countInterfaceCounters" }),
    countFlows: () => call<number>({ op: "countFlows" }),
    summary: (query) => call<SummaryResult>({ op: "summary", query }),
    top: (query) => call<TopResult>({ op: "top", query }),
    timeseries: (query) => call<TimeseriesResult>({ op: "timeseries", query }),
    explore: (query) => call<ExploreResult>({ op: "explore", query }),
    dataRange: () => call<TimeRange | null>({ op: "dataRange" }),
    importCheckpoints: () => call<ImportCheckpoint[]>({ op: "importCheckpoints" }),
    // A Map crosses by structured clone (about 80k entries: a few milliseconds).
    putAsNames: (names) => call<undefined>({ op: "putAsNames", names: new Map(names) }),
    storageStats: (retention) => call<StorageStats>({ op: "storageStats", retention }),
    enforceRetention: async (retention, nowMs) => {
      // Not while a reclassification runs: its rowid spans would move (chunked-rewrite.ts).
      await gate.idle();
      return call<RetentionReport>({ op: "enforceRetention", retention, nowMs });
    },
    compactRollups: () => call<number>({ op: "compactRollups" }),
  };
}
