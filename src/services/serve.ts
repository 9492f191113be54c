import { createApiServer } from "../api/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import { parseHostPort } from "../config/index.ts";
import { createUdpReceiver, type Pipeline, type UdpReceiver } from "../pipeline/index.ts";
import {
  createMetrics,
  createSampledLogger,
  startAll,
  type Logger,
  type Metrics,
} from "../platform/index.ts";
import { ensureWritableDataDir, lockDataDir } from "./data-dir.ts";
import { createIngest } from "./ingest.ts";
import { version, webDistDir } from "./version.ts";

export interface RunningServer {
  httpUrl: string;
  netflowListeners: string[];
  dataDir: string;
  pipeline: Pipeline;
  metrics: Metrics;
  stop(): Promise<void>;
}

/**
 * The all-in-one composition root (`tollgate serve`): data directory and its lock, the store,
 * classification from the inventory, the pipeline, the NetFlow listeners and the HTTP API.
 * Components start in that order and stop in reverse.
 */
export async function startServer(
  config: Readonly<TollgateConfig>,
  logger: Logger,
): Promise<RunningServer> {
  const nowMs = (): number => Date.now();
  const dataDir = await ensureWritableDataDir(config.dataDir);
  const lock = lockDataDir(dataDir, process.pid);
  try {
    const metrics = createMetrics({ defaultMetrics: true });
    const { store, pipeline } = createIngest(config, dataDir, {
      metrics,
      storeLogger: logger,
      pipelineLogger: logger,
      reportIssue: createSampledLogger(logger, { perIntervalMax: 5, intervalMs: 60_000, nowMs }),
    });
    const receiver: UdpReceiver = createUdpReceiver(
      {
        name: "netflow",
        listen: config.sources.netflow.listen.map((text) => {
          const parsed = parseHostPort(text);
          if (typeof parsed === "string") throw new Error(parsed); // validated at load
          return parsed;
        }),
        receiveBufferBytes: config.sources.netflow.receiveBufferBytes,
        dropPollIntervalMs: 5000,
      },
      {
        onDatagram: (payload, exporterAddr, receivedMs) => {
          pipeline.ingestDatagram(payload, exporterAddr, receivedMs);
        },
        logger,
        metrics,
        nowMs,
      },
    );
    const httpAddress = parseHostPort(config.api.listen);
    if (typeof httpAddress === "string") throw new Error(httpAddress);
    const startedMs = nowMs();
    const api = createApiServer(
      { host: httpAddress.host, port: httpAddress.port, staticDir: webDistDir },
      {
        store,
        metrics,
        logger,
        nowMs,
        status: () => ({
          version,
          startedMs,
          dataDir,
          listeners: [
            { kind: "http", protocol: "tcp", address: api.url().replace(/^http:\/\//, "") },
            ...receiver.listeners().map((listener) => ({
              kind: "netflow",
              protocol: listener.protocol,
              address: listener.address,
            })),
          ],
          collector: { ...pipeline.stats(), socketDrops: receiver.socketDrops() },
        }),
      },
    );
    const stopAll = await startAll([store, pipeline, receiver, api]);
    return {
      httpUrl: api.url(),
      netflowListeners: receiver.listeners().map((listener) => listener.address),
      dataDir,
      pipeline,
      metrics,
      async stop() {
        try {
          await stopAll();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
