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
import type { StoreRequest, StoreResponse } from "./worker-protocol.ts";

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
// The main thread sends the network list incrementally (it only grows): appended here, and
// kept as one array object so the store's id translation stays cached.
const networks: NetworkRef[] = [];

async function handle(request: StoreRequest): Promise<unknown> {
  switch (request.op) {
    case "start":
      return store.start();
    case "stop":
      return store.stop();
    case "append": {
      networks.push(...request.newNetworks);
      const batch = FlowBatch.fromColumns(request.batch);
      return store.append(batch, networks);
    }
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
    case "importCheckpoints":
      return store.importCheckpoints();
    case "dataRange":
      return store.dataRange();
  }
}

port.on("message", (request: StoreRequest) => {
  handle(request).then(
    (value) => {
      port.postMessage({ id: request.id, ok: true, value } satisfies StoreResponse);
    },
    (error: unknown) => {
      const response: StoreResponse = {
        id: request.id,
        ok: false,
        error: {
          code: isAppError(error) ? error.code : undefined,
          message: error instanceof Error ? error.message : String(error),
        },
      };
      port.postMessage(response);
    },
  );
});
