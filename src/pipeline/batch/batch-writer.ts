import { FlowBatch } from "../../core/index.ts";
import type { Component, Logger, Metrics } from "../../platform/index.ts";
import type { FlowStore, NetworkRef } from "../../storage/index.ts";

export interface BatchWriterConfig {
  batchMaxRecords: number;
  batchMaxDelayMs: number;
  maxPendingBatches: number;
}

export interface BatchWriterDeps {
  store: FlowStore;
  metrics: Metrics;
  logger: Logger;
  /** The network list the batches' network indexes refer to (the classifier's). */
  networks: readonly NetworkRef[];
}

export interface BatchWriter extends Component {
  /**
   * The batch rows are being added to: decoders write into it directly and the classifier
   * fills its columns in place, so a record is never copied between decode and store. Call
   * `rowsAdded()` after adding rows.
   */
  openBatch(): FlowBatch;
  /** Seals the open batch when it is full, or arms the age timer. */
  rowsAdded(): void;
  /** Seals the open batch and resolves when every batch so far is committed. */
  flush(): Promise<void>;
  pendingBatches(): number;
  storedRecords(): number;
  droppedRecords(): number;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;
/** Stored batches kept for reuse: their typed arrays are large, allocating them is not free. */
const SPARE_BATCHES_MAX = 2;

/**
 * Groups flows into batches (by size or age, whichever comes first) and appends them to the
 * store one at a time, in order. Age seals a batch even while the store is busy: holding the
 * open batch until the store is done would give DuckDB whole row groups (cheaper per row), but
 * while a ClickHouse server is away the open batch would then grow unspooled, and a killed
 * collector would lose it (test/e2e/spool.test.ts; tried and reverted on 2026-11-22). A failed append is retried with backoff, keeping the order;
 * while the store is slow, sealed batches wait in memory up to `maxPendingBatches`, beyond
 * which new flows are dropped and counted (the durable spool of a later issue replaces this).
 */
export function createBatchWriter(config: BatchWriterConfig, deps: BatchWriterDeps): BatchWriter {
  const spare: FlowBatch[] = [];
  const newBatch = (): FlowBatch => {
    const batch = spare.pop();
    if (batch !== undefined) {
      batch.clear();
      return batch;
    }
    return new FlowBatch(Math.min(config.batchMaxRecords, 65_536));
  };
  let open = newBatch();
  const pending: FlowBatch[] = [];
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
    if (open.length === 0 && open.checkpoints.length === 0) return;
    if (pending.length >= config.maxPendingBatches) {
      dropped += open.length;
      deps.metrics.recordsDropped.inc({ reason: "queue-full" }, open.length);
      deps.logger.warn("store too slow, batch dropped", {
        records: open.length,
        pendingBatches: pending.length,
      });
      open.clear();
      return;
    }
    pending.push(open);
    deps.metrics.pendingBatches.set(pending.length);
    open = newBatch();
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
          await deps.store.append(batch, deps.networks);
          endTimer();
          pending.shift();
          stored += batch.length;
          deps.metrics.recordsStored.inc(batch.length);
          deps.metrics.batchRecords.observe(batch.length);
          deps.metrics.pendingBatches.set(pending.length);
          if (spare.length < SPARE_BATCHES_MAX) spare.push(batch);
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
    openBatch: () => open,
    rowsAdded() {
      if (open.length >= config.batchMaxRecords) seal();
      else if (timer === undefined && open.length > 0) {
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
