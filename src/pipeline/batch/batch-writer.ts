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
 * store one at a time, in order. Age seals a batch only while the store is idle: while it
 * writes, the open batch keeps filling (up to `batchMaxRecords`) and is sealed the moment the
 * store is done. Sealing it earlier would not store its rows any sooner (they would queue
 * behind the batch being written), but a batch short of two DuckDB row groups goes through
 * the write-ahead log: 1.4-1.5x the store's CPU per row (98,304-row batches 6.4-7.2 µs, 245,760
 * 4.7 µs, rollups on, load 7 on 2 cores, 2026-11-22). A collector below ~250k records/s would
 * otherwise write only such short batches, however far behind the store is: in
 * bench/e2e-collector.ts (v9, 2026-11-22) the store then spent 16 µs per record stored and the
 * ladder stopped at 111k records/s. A failed append is retried with backoff, keeping the order;
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
  // The open batch reached its age while the store was busy: sealed when the store is done.
  let overdue = false;
  let stopping = false;
  let stored = 0;
  let dropped = 0;

  const seal = (): void => {
    overdue = false;
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
      else if (overdue) seal();
    });
  };

  const sealByAge = (): void => {
    timer = undefined;
    if (draining === undefined) seal();
    else overdue = true;
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
      else if (timer === undefined && !overdue && open.length > 0) {
        timer = setTimeout(sealByAge, config.batchMaxDelayMs);
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
