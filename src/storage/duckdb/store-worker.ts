/**
 * The thread that owns the DuckDB flow store when it runs off the main thread (see
 * `worker-store.ts`): it opens the store, then serves each request message with the store
 * method it names and posts the result or the error back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { FlowBatch, isAppError } from "../../core/index.ts";
import { createLogger, LOG_LEVELS, silentLogger, type LogLevel } from "../../platform/index.ts";
import type { NetworkRef } from "../store.ts";
import { createDuckDbStore, type DuckDbStoreConfig } from "./store.ts";
import { SlabCache } from "./shared-columns.ts";
import type { ReadChunkColumns, StoreRequest, StoreResponse } from "./worker-protocol.ts";

const port = parentPort;
if (port === null) throw new Error("store-worker.ts runs as a worker thread only");

const { config, logLevel } = workerData as { config: DuckDbStoreConfig; logLevel: string };
// The thread logs on its own (same format, same stderr); "silent" when the caller wants none.
const logger =
  logLevel === "silent"
    ? silentLogger
    : createLogger({
        level: (LOG_LEVELS as readonly string[]).includes(logLevel)
          ? (logLevel as LogLevel)
          : "info",
      });
const store = createDuckDbStore(config, { logger });
// The slabs appended batches arrive in (shared with the main thread, kept until it says).
const slabs = new SlabCache();
// The main thread sends each network list incrementally (a list only grows): appended here,
// each kept as one array object so the store's id translation stays cached.
const networkLists = new Map<number, NetworkRef[]>();
function networksOf(listId: number, newNetworks: readonly NetworkRef[]): NetworkRef[] {
  let networks = networkLists.get(listId);
  if (networks === undefined) {
    networks = [];
    networkLists.set(listId, networks);
  }
  networks.push(...newNetworks);
  return networks;
}

async function handle(request: StoreRequest): Promise<unknown> {
  switch (request.op) {
    case "start":
      return store.start();
    case "stop":
      return store.stop();
    case "append": {
      const networks = networksOf(request.listId, request.newNetworks);
      return store.append(slabs.unpack(request.batch), networks);
    }
    case "forgetSlabs":
      slabs.forget(request.slabIds);
      return undefined;
    case "appendCounters":
      return store.appendCounters(request.counters);
    case "countInterfaceCounters":
      return store.countInterfaceCounters();
    case "countFlows":
      return store.countFlows();
    case "summary":
      return store.summary(request.query);
    case "top":
      return store.top(request.query);
    case "timeseries":
      return store.timeseries(request.query);
    case "explore":
      return store.explore(request.query);
    case "importCheckpoints":
      return store.importCheckpoints();
    case "putAsNames":
      return store.putAsNames(request.names);
    case "dataRange":
      return store.dataRange();
    case "storageStats":
      return store.storageStats(request.retention);
    case "enforceRetention":
      return store.enforceRetention(request.retention, request.nowMs);
    case "compactRollups":
      return store.compactRollups();
    case "planChunks":
      return store.planChunks(request.query);
    case "readChunk": {
      const read = await store.readChunk(request.query, request.chunk);
      const columns = read.batch.toColumns();
      transfers.set(request.id, [
        ...FlowBatch.transferList(columns),
        read.rowIds.buffer as ArrayBuffer,
      ]);
      return { batch: columns, rowIds: read.rowIds } satisfies ReadChunkColumns;
    }
    case "rewriteChunk": {
      const networks = networksOf(request.listId, request.newNetworks);
      const batch = FlowBatch.fromColumns(request.batch);
      return store.rewriteChunk({ batch, rowIds: request.rowIds }, networks);
    }
  }
}

/** Buffers a response moves instead of cloning (read chunks: about 20 MB each). */
const transfers = new Map<number, ArrayBuffer[]>();

port.on("message", (request: StoreRequest) => {
  // An appended batch's slab goes back to the caller once DuckDB has copied the rows, whether
  // the append worked or not: nothing here keeps the batch.
  const returned = request.op === "append" ? { returnedSlab: request.batch.slabId } : {};
  handle(request).then(
    (value) => {
      const transfer = transfers.get(request.id) ?? [];
      transfers.delete(request.id);
      port.postMessage(
        { id: request.id, ok: true, value, ...returned } satisfies StoreResponse,
        transfer,
      );
    },
    (error: unknown) => {
      transfers.delete(request.id);
      const response: StoreResponse = {
        id: request.id,
        ok: false,
        error: {
          code: isAppError(error) ? error.code : undefined,
          message: error instanceof Error ? error.message : String(error),
        },
        ...returned,
      };
      port.postMessage(response);
    },
  );
});
