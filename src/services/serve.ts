import { createApiServer } from "../api/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import { parseHostPort } from "../config/index.ts";
import {
  createTcpReceiver,
  createUdpReceiver,
  type Pipeline,
  type TcpReceiver,
  type UdpReceiver,
} from "../pipeline/index.ts";
import { createIpfixStreamFramer } from "../decoders/index.ts";
import {
  createMetrics,
  createSampledLogger,
  startAll,
  type Logger,
  type Metrics,
} from "../platform/index.ts";
import { ensureWritableDataDir, lockDataDir } from "./data-dir.ts";
import { createIngest } from "./ingest.ts";
import { reclassifyWith } from "./reclassify.ts";
import {
  createStorageMaintenance,
  isRewritableFlowStore,
  isTieredFlowStore,
  retentionPolicy,
} from "../storage/index.ts";
import { explain, explainSourcesOf } from "./explain.ts";
import { version, webDistDir } from "./version.ts";

export interface RunningServer {
  httpUrl: string;
  /** NetFlow UDP addresses bound (the demo's default target). */
  netflowListeners: string[];
  /** Every source listener, by kind and transport. */
  listeners: ServerListeners[];
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
export interface ServerListeners {
  kind: string;
  protocol: "udp" | "tcp";
  addresses: string[];
}

export async function startServer(
  config: Readonly<TollgateConfig>,
  logger: Logger,
): Promise<RunningServer> {
  const nowMs = (): number => Date.now();
  const dataDir = await ensureWritableDataDir(config.dataDir);
  const lock = lockDataDir(dataDir, process.pid);
  try {
    const metrics = createMetrics({ defaultMetrics: true });
    const { inventory, asNames, store, backendStore, classifier, pipeline, decoder, decoderState } =
      createIngest(config, dataDir, {
        metrics,
        storeLogger: logger,
        storeLogLevel: "info",
        pipelineLogger: logger,
        watchInventory: true,
        spool: true,
        reportIssue: createSampledLogger(logger, { perIntervalMax: 5, intervalMs: 60_000, nowMs }),
      });
    const addresses = (list: readonly string[]) =>
      list.map((text) => {
        const parsed = parseHostPort(text);
        if (typeof parsed === "string") throw new Error(parsed); // validated at load
        return parsed;
      });
    const onDatagram = (payload: Uint8Array, exporterAddr: string, receivedMs: number): void => {
      pipeline.ingestDatagram(payload, exporterAddr, receivedMs);
    };
    const udpDeps = { onDatagram, logger, metrics, nowMs };
    // Every listener detects the protocol by version field, so a v9 exporter aimed at 6343 or
    // sFlow at 2055 still decodes; the ports are only the conventional defaults.
    const receivers: { kind: string; receiver: UdpReceiver }[] = [
      { kind: "netflow", source: config.sources.netflow },
      { kind: "ipfix", source: config.sources.ipfix },
      { kind: "sflow", source: config.sources.sflow },
    ]
      .filter(({ source }) => source.listen.length > 0)
      .map(({ kind, source }) => ({
        kind,
        receiver: createUdpReceiver(
          {
            name: kind,
            listen: addresses(source.listen),
            receiveBufferBytes: source.receiveBufferBytes,
            dropPollIntervalMs: 5000,
          },
          udpDeps,
        ),
      }));
    const tcpReceiver: TcpReceiver | undefined =
      config.sources.ipfix.tcpListen.length === 0
        ? undefined
        : createTcpReceiver(
            {
              name: "ipfix",
              listen: addresses(config.sources.ipfix.tcpListen),
              maxConnections: 1024,
              idleTimeoutMs: 15 * 60_000,
            },
            {
              createFramer: () => createIpfixStreamFramer(),
              onMessage: onDatagram,
              onIssues: (issues, exporterAddr) => {
                for (const issue of issues) {
                  metrics.decodeIssues.inc({ protocol: "ipfix-tcp", code: issue.code });
                  logger.warn("ipfix stream issue", { exporter: exporterAddr, ...issue });
                }
              },
              logger,
              metrics,
              nowMs,
            },
          );
    const listenerSummary = (): ServerListeners[] => [
      ...receivers.map(({ kind, receiver }) => ({
        kind,
        protocol: "udp" as const,
        addresses: receiver.listeners().map((listener) => listener.address),
      })),
      ...(tcpReceiver === undefined
        ? []
        : [
            {
              kind: "ipfix",
              protocol: "tcp" as const,
              addresses: tcpReceiver.listeners().map((listener) => listener.address),
            },
          ]),
    ];
    const socketDrops = (): number =>
      receivers.reduce((sum, { receiver }) => sum + receiver.socketDrops(), 0);
    // Rollup compaction and retention per tier, on the store's write connection (storage/tiers.ts).
    const retention = retentionPolicy(config.storage.retention);
    const maintenance = isTieredFlowStore(backendStore)
      ? createStorageMaintenance(
          {
            retention,
            retentionIntervalMs: config.storage.retention.intervalMs,
            compactIntervalMs: config.storage.rollups.compactIntervalMs,
          },
          { store: backendStore, logger, nowMs },
        )
      : undefined;
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
        ...(isRewritableFlowStore(backendStore)
          ? { reclassify: reclassifyWith(backendStore, classifier, inventory.ready, nowMs) }
          : {}),
        ...(isTieredFlowStore(backendStore)
          ? { storageStats: () => backendStore.storageStats(retention) }
          : {}),
        inventory: {
          explain: (addresses, question) =>
            explain(explainSourcesOf(inventory), addresses, question),
          reload: () => inventory.reload("asked through the API"),
        },
        status: () => ({
          version,
          startedMs,
          dataDir,
          listeners: [
            { kind: "http", protocol: "tcp", address: api.url().replace(/^http:\/\//, "") },
            ...listenerSummary().flatMap((group) =>
              group.addresses.map((address) => ({
                kind: group.kind,
                protocol: group.protocol,
                address,
              })),
            ),
          ],
          collector: { ...pipeline.stats(), socketDrops: socketDrops() },
          exporters: { ...decoder.stats(), issues: pipeline.issuesByExporter() },
        }),
      },
    );
    const inventoryWatch = {
      start: () => Promise.resolve(),
      stop: () => {
        inventory.stop();
        return Promise.resolve();
      },
    };
    const stopAll = await startAll([
      inventoryWatch,
      store,
      asNames,
      ...(maintenance === undefined ? [] : [maintenance]),
      decoderState,
      pipeline,
      ...receivers.map(({ receiver }) => receiver),
      ...(tcpReceiver === undefined ? [] : [tcpReceiver]),
      api,
    ]);
    return {
      httpUrl: api.url(),
      listeners: listenerSummary(),
      netflowListeners:
        receivers
          .find(({ kind }) => kind === "netflow")
          ?.receiver.listeners()
          .map((listener) => listener.address) ?? [],
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
