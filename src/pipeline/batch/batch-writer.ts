import type { FlowRecord } from "../../core/index.ts";
import type { Component, Logger, Metrics } from "../../platform/index.ts";
import type { FlowStore } from "../../storage/index.ts";

export interface BatchWriterConfig {
  batchMaxRecords: number;
  batchMaxDelayMs: number;
  maxPendingBatches: number;
}

export interface BatchWriterDeps {
  store: FlowStore;
  metrics: Metrics;
  logger: Logger;
}

export interface BatchWriter extends Component {
  add(record: FlowRecord): void;
  /** Seals the open batch and resolves when every batch so far is committed. */
  flush(): Promise<void>;
  pendingBatches(): number;
  storedRecords(): number;
  droppedRecords(): number;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * Groups records into batches (by size or age, whichever comes first) and appends them to the
 * store one at a time, in order. A failed append is retried with backoff, keeping the order;
 * while the store is slow, sealed batches wait in memory up to `maxPendingBatches`, beyond
 * which new records are dropped and counted (the durable spool of a later issue replaces this).
 */
export function createBatchWriter(config: BatchWriterConfig, deps: BatchWriterDeps): BatchWriter {
  let open: FlowRecord[] = [];
  const pending: FlowRecord[][] = [];
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let stopping = false;
  let stored = 0;
  let dropped = 0;

  const seal = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (open.length === 0) return;
    if (pending.length >= config.maxPendingBatches) {
      dropped += open.length;
      deps.metrics.recordsDropped.inc({ reason: "queue-full" }, open.length);
      deps.logger.warn("store too slow, batch dropped", {
        records: open.length,
        pendingBatches: pending.length,
      });
    } else {
      pending.push(open);
      deps.metrics.pendingBatches.set(pending.length);
    }
    open = [];
    drain();
  };

  const drain = (): void => {
    draining ??= (async () => {
      let retryMs = RETRY_MIN_MS;
      while (pending.length > 0) {
        const batch = pending[0];
        if (batch === undefined) break;
        const endTimer = deps.metrics.storeAppendSeconds.startTimer();
        try {
          await deps.store.append(batch);
          endTimer();
          pending.shift();
          stored += batch.length;
          deps.metrics.recordsStored.inc(batch.length);
          deps.metrics.batchRecords.observe(batch.length);
          deps.metrics.pendingBatches.set(pending.length);
          retryMs = RETRY_MIN_MS;
        } catch (error) {
          deps.metrics.storeErrors.inc();
          deps.logger.error("store append failed, retrying", {
            records: batch.length,
            retryMs,
            error,
          });
          if (stopping) throw error;
          await new Promise((resolve) => setTimeout(resolve, retryMs));
          retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        }
      }
    })().finally(() => {
      draining = undefined;
      if (pending.length > 0 && !stopping) drain();
    });
  };

  return {
    start: () => Promise.resolve(),
    async stop() {
      await this.flush();
      stopping = true;
    },
    add(record) {
      open.push(record);
      if (open.length >= config.batchMaxRecords) seal();
      else if (timer === undefined) {
        timer = setTimeout(seal, config.batchMaxDelayMs);
        timer.unref();
      }
    },
    async flush() {
      seal();
      while (draining !== undefined) await draining;
    },
    pendingBatches: () => pending.length,
    storedRecords: () => stored,
    droppedRecords: () => dropped,
  };
}
