import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { canonicalIp } from "../core/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import { createFlowDecoder, type FlowDecoder } from "../decoders/index.ts";
import { createClassifier, type Classifier } from "../pipeline/classify/index.ts";
import { createPipeline, type Pipeline, type PipelineDeps } from "../pipeline/index.ts";
import type { Component, Logger, LogLevel, Metrics } from "../platform/index.ts";
import { createClickHouseStore } from "../storage/clickhouse/index.ts";
import { createDuckDbWorkerStore } from "../storage/duckdb/index.ts";
import { rollupSettings, type FlowStore } from "../storage/index.ts";
import { createSpoolingStore } from "../storage/spool/index.ts";
import { createAsNamesWriter, type AsNamesWriter } from "./as-names.ts";
import { teachInterfaces } from "./interface-names.ts";
import { createInventoryService, type InventoryService } from "./inventory.ts";

/** The DuckDB file inside a data directory. */
export function flowStorePath(dataDir: string): string {
  return path.join(dataDir, "flows.duckdb");
}

/** NetFlow v9 / IPFIX templates and sampling options learned from exporters. */
export function templateStatePath(dataDir: string): string {
  return path.join(dataDir, "templates.json");
}

/** How often templates are saved and held data sets expired while running. */
const TEMPLATE_SAVE_INTERVAL_MS = 30_000;

/**
 * The path every flow takes into storage, shared by `serve` (live datagrams) and `import`
 * (datagrams from captures): the data directory's store, one decoder (template state restored
 * from the data directory, so data arriving right after a restart decodes without waiting for
 * the exporter to resend its templates), classification by the configured networks, and the
 * decode → classify → batch pipeline. Inert until the caller starts them (store first, then
 * `decoderState`, then the pipeline).
 */
export function createIngest(
  config: Readonly<TollgateConfig>,
  dataDir: string,
  deps: {
    metrics: Metrics;
    storeLogger: Logger;
    /** Level of the store thread's own log lines (it cannot share the caller's logger). */
    storeLogLevel: LogLevel | "silent";
    pipelineLogger: Logger;
    reportIssue: PipelineDeps["reportIssue"];
    nowMs?: () => number;
    /**
     * Put the disk spool (storage.spool) in front of the store: live traffic (`serve`) has no
     * other copy. `import` leaves it off: a file is its own copy and resumes from checkpoints.
     */
    spool?: boolean;
    /** Reload the inventory when its files change (serve). */
    watchInventory?: boolean;
  },
): {
  /** The inventory service: `ready` when enrichment is loaded; `stop()` stops watching. */
  inventory: InventoryService;
  /** Writes the registry's AS names to the store once started, and again at each reload. */
  asNames: AsNamesWriter;
  classifier: Classifier;
  store: FlowStore;
  /** The store without the spool in front (what `reclassify` rewrites in place). */
  backendStore: FlowStore;
  pipeline: Pipeline;
  decoder: FlowDecoder;
  /** Restores templates at start, saves them periodically and at stop. */
  decoderState: Component;
  /** Counts data held longer than the hold age at `atMs` as template-missing (Infinity: all). */
  expireHeld: (atMs: number) => void;
} {
  // DuckDB writes on their own thread, so receiving, decoding and classifying go on meanwhile.
  const backendStore =
    config.storage.backend === "clickhouse"
      ? createClickHouseStore(
          { ...config.storage.clickhouse, rollups: rollupSettings(config.storage.rollups) },
          { logger: deps.storeLogger },
        )
      : createDuckDbWorkerStore(
          {
            path: flowStorePath(dataDir),
            readOnly: false,
            memoryLimit: config.storage.memoryLimit,
            rollups: rollupSettings(config.storage.rollups),
          },
          { logger: deps.storeLogger, logLevel: deps.storeLogLevel },
        );
  // The inventory (declared networks and exporters now, registry and cloud ranges when loaded)
  // reaches the classifier as whole snapshots, on load and on every hot reload.
  const holder: {
    classifier?: Classifier;
    decoder?: FlowDecoder;
    inventory?: InventoryService;
    asNames?: AsNamesWriter;
  } = {};
  const inventory = createInventoryService(config, {
    dataDir,
    logger: deps.storeLogger,
    watch: deps.watchInventory === true,
    onChange: (next) => {
      // A reload builds fresh exporter tables: give them the interface names learnt so far.
      if (holder.decoder !== undefined)
        teachInterfaces(next, holder.decoder.templates.interfaces());
      holder.classifier?.setInventory(next);
      // The store's AS names follow the registry (a reload of the other files keeps it).
      holder.asNames?.registryLoaded(holder.inventory?.registry());
    },
  });
  holder.inventory = inventory;
  const samplingRates = new Map<string, number>();
  for (const exporter of inventory.declarations().exporters) {
    const canonical = canonicalIp(exporter.address);
    if (canonical !== undefined && exporter.samplingRate !== undefined) {
      samplingRates.set(canonical, exporter.samplingRate);
    }
  }
  for (const [address, rate] of Object.entries(config.sources.samplingRates)) {
    const canonical = canonicalIp(address);
    if (canonical !== undefined) samplingRates.set(canonical, rate);
  }
  const decoder = createFlowDecoder({
    templates: {
      samplingRateFor: (exporterAddr) => samplingRates.get(exporterAddr),
      // Options data naming an interface (and restored templates) reach the live inventory.
      onInterface: (learnt) => {
        teachInterfaces(inventory.current(), [learnt]);
      },
    },
  });
  holder.decoder = decoder;
  const classifier = createClassifier(inventory.current());
  holder.classifier = classifier;
  const spool = config.storage.spool;
  const store: FlowStore =
    deps.spool === true && spool.enabled
      ? createSpoolingStore(
          {
            dir: spool.dir === "" ? path.join(dataDir, "spool") : spool.dir,
            maxBytes: spool.maxBytes,
            whenFull: spool.whenFull,
            retryMinMs: spool.retryMinMs,
            retryMaxMs: Math.max(spool.retryMinMs, spool.retryMaxMs),
            // A ClickHouse server may come later: collect meanwhile. A DuckDB file that does
            // not open is a local problem waiting will not fix.
            waitForStore: config.storage.backend === "clickhouse",
          },
          {
            store: backendStore,
            metrics: deps.metrics,
            logger: deps.storeLogger,
            networks: classifier.networks,
          },
        )
      : backendStore;
  const logger = deps.pipelineLogger;
  const pipeline = createPipeline(config.storage, {
    decoder,
    classifier,
    store,
    metrics: deps.metrics,
    logger,
    reportIssue: deps.reportIssue,
    onCounters: (counters) => {
      // Copied: the pipeline reuses its counters array for the next datagram.
      store.appendCounters([...counters]).catch((error: unknown) => {
        logger.error("interface counters not stored", { samples: counters.length, error });
      });
    },
  });

  const statePath = templateStatePath(dataDir);
  const nowMs = deps.nowMs ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  const save = (): void => {
    try {
      // Written aside and renamed: a crash mid-write leaves the previous file, never half of one.
      writeFileSync(`${statePath}.tmp`, JSON.stringify(decoder.templates.snapshot()));
      renameSync(`${statePath}.tmp`, statePath);
    } catch (error) {
      logger.warn("templates not saved", { path: statePath, error });
    }
  };
  const expire = (atMs: number): void => {
    for (const issue of decoder.templates.expireHeld(atMs)) {
      deps.metrics.decodeIssues.inc({ protocol: "template", code: issue.code });
      deps.reportIssue(`template/${issue.code}`, "decode issue", { ...issue });
    }
  };
  const decoderState: Component = {
    start() {
      let text: string | undefined;
      try {
        text = readFileSync(statePath, "utf8");
      } catch {
        // No saved templates yet: the first start, or a fresh data directory.
      }
      if (text !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          logger.warn("saved templates unreadable, starting without them", {
            path: statePath,
            error,
          });
        }
        const restored = decoder.templates.restore(parsed);
        logger.info("templates restored", {
          path: statePath,
          templates: restored.templates,
          problems: restored.issues.length,
        });
      }
      timer = setInterval(() => {
        expire(nowMs());
        save();
      }, TEMPLATE_SAVE_INTERVAL_MS);
      timer.unref();
      return Promise.resolve();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      save();
      return Promise.resolve();
    },
  };
  // Through the spool's store: it passes the names to the backend, and a write failing while
  // the backend is away is retried by the writer.
  const asNames = createAsNamesWriter({ store, logger: deps.storeLogger });
  holder.asNames = asNames;
  asNames.registryLoaded(inventory.registry());
  return {
    inventory,
    asNames,
    classifier,
    store,
    backendStore,
    pipeline,
    decoder,
    decoderState,
    expireHeld: expire,
  };
}
