import type { Logger } from "../platform/index.ts";
import type { RetentionPolicy, RetentionReport, TieredFlowStore } from "./tiers.ts";

/**
 * The background side of storage tiers (`tollgate serve`): every `compactIntervalMs` it folds
 * the partial rollup rows appends leave, and every `retentionIntervalMs` it deletes what each
 * tier keeps no longer (the first pass right after start, so a collector that was off for a
 * week catches up at once). Both run on the store's write connection between batches; a
 * failure is logged and the next tick tries again.
 */
export interface StorageMaintenanceConfig {
  retention: RetentionPolicy;
  retentionIntervalMs: number;
  compactIntervalMs: number;
}

export interface StorageMaintenanceDeps {
  store: TieredFlowStore;
  logger: Logger;
  nowMs: () => number;
}

export interface StorageMaintenance {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One retention pass now (tests, and the first tick). */
  enforceNow(): Promise<RetentionReport>;
}

export function createStorageMaintenance(
  config: StorageMaintenanceConfig,
  deps: StorageMaintenanceDeps,
): StorageMaintenance {
  const { store, logger } = deps;
  const timers: ReturnType<typeof setInterval>[] = [];
  // One task at a time; a tick that finds one running is skipped rather than queued.
  let running: Promise<unknown> | undefined;

  const enforceNow = async (): Promise<RetentionReport> => {
    const report = await store.enforceRetention(config.retention, deps.nowMs());
    const deleted = Object.values(report.deletedRows).reduce((sum, rows) => sum + rows, 0);
    if (deleted > 0) logger.info("retention deleted expired rows", { ...report.deletedRows });
    return report;
  };

  const compact = async (): Promise<void> => {
    const removed = await store.compactRollups();
    if (removed > 0) logger.debug("rollups compacted", { rowsRemoved: removed });
  };

  const tick = (name: string, task: () => Promise<unknown>): void => {
    if (running !== undefined) return;
    running = task()
      .catch((error: unknown) => {
        logger.warn(`storage ${name} failed`, {
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        running = undefined;
      });
  };

  return {
    start() {
      if (timers.length > 0) return Promise.resolve();
      tick("retention", enforceNow);
      timers.push(
        setInterval(() => {
          tick("retention", enforceNow);
        }, config.retentionIntervalMs),
      );
      timers.push(
        setInterval(() => {
          tick("compaction", compact);
        }, config.compactIntervalMs),
      );
      for (const timer of timers) timer.unref();
      return Promise.resolve();
    },
    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await running;
    },
    enforceNow,
  };
}
