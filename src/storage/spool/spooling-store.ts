import type { FlowBatch, InterfaceCounters } from "../../core/index.ts";
import { createSampledLogger, type Logger, type Metrics } from "../../platform/index.ts";
import type { FlowStore, NetworkRef } from "../store.ts";
import { createSpoolDirectory, type SpoolDirectory, type SpoolEntry } from "./spool-dir.ts";
import { decodeSpoolFile, encodeSpoolFile, SpoolFormatError } from "./spool-file.ts";
import { committedSeqOf, spoolMark } from "./spool-mark.ts";
import { networkIndex, remapNetworks } from "./remap-networks.ts";

export const SPOOL_WHEN_FULL = ["drop-oldest", "drop-newest"] as const;
export type SpoolWhenFull = (typeof SPOOL_WHEN_FULL)[number];

export interface SpoolingStoreConfig {
  /** Directory of the spool files (created when missing); one collector per directory. */
  dir: string;
  /** Bound on the spool files' total size; `whenFull` decides what goes beyond it. */
  maxBytes: number;
  whenFull: SpoolWhenFull;
  /** Backoff between attempts at a store that failed: doubles from min to max. */
  retryMinMs: number;
  retryMaxMs: number;
  /**
   * When the inner store cannot start: true keeps the collector running on the spool and
   * retries (a ClickHouse server may come later); false makes the failure fatal (a DuckDB
   * file that cannot open is a local problem that waiting does not fix).
   */
  waitForStore: boolean;
}

export const defaultSpoolingStoreConfig: Omit<SpoolingStoreConfig, "dir"> = {
  maxBytes: 1024 ** 3,
  whenFull: "drop-oldest",
  retryMinMs: 500,
  retryMaxMs: 30_000,
  waitForStore: true,
};

export interface SpoolingStoreDeps {
  store: FlowStore;
  metrics: Metrics;
  logger: Logger;
  /**
   * The live network list every batch's network indexes refer to (the classifier's): replayed
   * batches are appended with it, since a store may take only one list (DuckDB's worker).
   */
  networks: readonly NetworkRef[];
  nowMs?: () => number;
}

export interface SpoolStats {
  batches: number;
  bytes: number;
  /** The inner store started and its spool mark was read: appends go straight to it. */
  storeReady: boolean;
}

export interface SpoolingStore extends FlowStore {
  stats(): SpoolStats;
  /** Resolves once the spool is empty and the store ready (or the spooling store stopped). */
  whenDrained(): Promise<void>;
}

/**
 * Refusals of one file by a store that otherwise answers, before the file is quarantined: with
 * the default backoff (500 ms doubling to 30 s) about 7 minutes of refusals.
 */
const POISON_ATTEMPTS = 20;

/**
 * A `FlowStore` in front of another that makes "acknowledged" mean "durable": `append`
 * resolves once the batch is committed to the inner store or written (fsynced, renamed) to the
 * spool directory. A batch goes to the spool when the inner store fails, has not started, or
 * when the spool is not empty (batches reach the store in the order they were acknowledged).
 * A background drainer replays the spool files oldest first, with backoff while the store is
 * away, deleting each only after the inner append resolved. Every append carries the spool
 * mark (spool-mark.ts), so a file committed just before a crash is not stored twice.
 *
 * Bounded by `maxBytes`: a batch that does not fit drops the oldest files or itself (by
 * `whenFull`), counted. Queries and interface counters go straight to the inner store.
 *
 * The inner append is not raced against a timer: it may read the batch until it settles, and
 * the caller reuses the batch once `append` resolves. The inner store bounds its own requests
 * (ClickHouse: storage.clickhouse.requestTimeoutMs), after which the batch is spooled.
 */
export function createSpoolingStore(
  config: SpoolingStoreConfig,
  deps: SpoolingStoreDeps,
): SpoolingStore {
  const { store: inner, metrics, logger } = deps;
  const nowMs = deps.nowMs ?? Date.now;
  const dir: SpoolDirectory = createSpoolDirectory(config.dir);
  const sampled = createSampledLogger(logger, { perIntervalMax: 1, intervalMs: 60_000, nowMs });
  let entries: SpoolEntry[] = [];
  let bytes = 0;
  let innerStarted = false;
  let ready = false;
  let committedSeq = 0;
  let drainingSeq: number | undefined;
  let stopping = false;
  let storeDown = false;
  let drainer: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let appendChain: Promise<void> = Promise.resolve();
  let drainWaiters: (() => void)[] = [];
  let liveIndex: { length: number; index: Map<string, number> } | undefined;

  const publish = (): void => {
    metrics.spoolBatches.set(entries.length);
    metrics.spoolBytes.set(bytes);
    if ((entries.length === 0 && ready) || stopping) {
      const waiters = drainWaiters;
      drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const noteStoreDown = (error: unknown): void => {
    metrics.spoolStoreFailures.inc();
    // Re-read the mark before the next append: a failed append may still have committed (an
    // answer lost on the way back), and its file must then be deleted, not stored again.
    ready = false;
    if (!storeDown) {
      storeDown = true;
      logger.warn("flow store unavailable, spooling batches", { dir: config.dir, error });
    } else {
      sampled("store-down", "flow store still unavailable", { spooled: entries.length, error });
    }
  };

  const noteStoreUp = (): void => {
    if (storeDown) {
      storeDown = false;
      logger.info("flow store available again", { spooled: entries.length });
    }
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });

  const removeEntry = async (entry: SpoolEntry): Promise<void> => {
    const at = entries.indexOf(entry);
    if (at === -1) return;
    entries.splice(at, 1);
    bytes -= entry.bytes;
    await dir.remove(entry);
    publish();
  };

  const quarantine = async (entry: SpoolEntry, reason: string): Promise<void> => {
    const at = entries.indexOf(entry);
    if (at !== -1) entries.splice(at, 1);
    bytes -= entry.bytes;
    metrics.spoolQuarantinedFiles.inc();
    logger.error("spool file quarantined, not stored", {
      file: entry.name,
      records: entry.records,
      reason,
    });
    try {
      await dir.quarantine(entry.name);
    } catch (error) {
      logger.error("spool file could not be moved to quarantine", { file: entry.name, error });
    }
    publish();
  };

  const drop = (records: number, policy: SpoolWhenFull, what: string): void => {
    metrics.spoolDroppedRecords.inc({ policy }, records);
    metrics.spoolDroppedBatches.inc({ policy });
    metrics.recordsDropped.inc({ reason: "spool-full" }, records);
    sampled("spool-full", "spool full, batch dropped", {
      dropped: what,
      records,
      maxBytes: config.maxBytes,
    });
  };

  /** Makes room for `size` bytes; false when the new batch itself is to be dropped. */
  const makeRoom = async (size: number): Promise<boolean> => {
    if (size > config.maxBytes) return false;
    while (bytes + size > config.maxBytes) {
      if (config.whenFull === "drop-newest") return false;
      // The file being replayed may be committed any moment: dropping it would count as lost
      // records that are stored.
      const victim = entries.find((entry) => entry.seq !== drainingSeq);
      if (victim === undefined) return false;
      await removeEntry(victim);
      drop(victim.records, "drop-oldest", "oldest");
    }
    return true;
  };

  const spool = async (seq: number, batch: FlowBatch, networks: readonly NetworkRef[]) => {
    const file = encodeSpoolFile(seq, batch, networks, nowMs());
    if (!(await makeRoom(file.byteLength))) {
      drop(batch.length, config.whenFull, "newest");
      return;
    }
    const entry = await dir.write(seq, batch.length, file);
    entries.push(entry);
    bytes += entry.bytes;
    metrics.spooledRecords.inc(batch.length);
    publish();
  };

  const startInner = async (): Promise<void> => {
    if (!innerStarted) {
      await inner.start();
      innerStarted = true;
    }
    committedSeq = Math.max(
      committedSeq,
      committedSeqOf(await inner.importCheckpoints(), dir.id()),
    );
    ready = true;
    noteStoreUp();
    publish();
  };

  const liveNetworkIndex = (): Map<string, number> => {
    if (liveIndex?.length !== deps.networks.length) {
      liveIndex = { length: deps.networks.length, index: networkIndex(deps.networks) };
    }
    return liveIndex.index;
  };

  /**
   * One step: start the store (or re-read its mark), or replay the oldest file. "idle": nothing
   * left; "removed": a file left the spool (the backoff restarts from its minimum).
   */
  const drainOne = async (refusals: {
    seq: number;
    count: number;
  }): Promise<"idle" | "started" | "removed"> => {
    if (!ready) {
      await startInner();
      return "started";
    }
    const entry = entries[0];
    if (entry === undefined) return "idle";
    if (entry.seq <= committedSeq) {
      // Committed before a crash (or a lost acknowledgement) but not yet deleted.
      metrics.drainedRecords.inc(entry.records);
      await removeEntry(entry);
      return "removed";
    }
    drainingSeq = entry.seq;
    try {
      let content;
      try {
        content = decodeSpoolFile(await dir.read(entry));
      } catch (error) {
        if ((error as { code?: unknown }).code === "ENOENT") {
          // Removed behind our back (by hand): nothing left to replay or to count.
          logger.warn("spool file vanished", { file: entry.name, records: entry.records });
          await removeEntry(entry);
          return "removed";
        }
        if (!(error instanceof SpoolFormatError)) throw error;
        await quarantine(entry, error.message);
        return "removed";
      }
      const lost = remapNetworks(content.batch, content.networks, deps.networks, liveNetworkIndex);
      if (lost > 0) {
        logger.warn("spooled flows refer to networks no longer declared", {
          file: entry.name,
          flowEnds: lost,
        });
      }
      content.batch.checkpoints.push(spoolMark(dir.id(), entry.seq, nowMs()));
      try {
        await inner.append(content.batch, deps.networks);
      } catch (error) {
        noteStoreDown(error);
        // A store that answers a query but keeps refusing this one file would stop the spool
        // forever: after POISON_ATTEMPTS such refusals the file is set aside.
        let answers = false;
        try {
          await inner.importCheckpoints();
          answers = true;
        } catch {
          // Still away: the refusal says nothing about the file.
        }
        if (answers) {
          if (refusals.seq !== entry.seq) {
            refusals.seq = entry.seq;
            refusals.count = 0;
          }
          refusals.count += 1;
          if (refusals.count >= POISON_ATTEMPTS) {
            await quarantine(entry, `refused ${refusals.count} times by a store that answers`);
            return "removed";
          }
        }
        throw error;
      }
      committedSeq = Math.max(committedSeq, entry.seq);
      metrics.drainedRecords.inc(entry.records);
      noteStoreUp();
      await removeEntry(entry);
      return "removed";
    } finally {
      drainingSeq = undefined;
    }
  };

  const drainLoop = async (): Promise<void> => {
    let retryMs = config.retryMinMs;
    const refusals = { seq: -1, count: 0 };
    while (!stopping) {
      try {
        const step = await drainOne(refusals);
        if (step === "idle") {
          logger.debug("spool drained");
          return;
        }
        if (step === "removed") retryMs = config.retryMinMs;
      } catch (error) {
        if (!ready) noteStoreDown(error);
        await sleep(retryMs);
        retryMs = Math.min(retryMs * 2, config.retryMaxMs);
      }
    }
  };

  const kickDrainer = (): void => {
    if (drainer !== undefined || stopping) return;
    drainer = drainLoop().finally(() => {
      drainer = undefined;
      publish();
      if (!stopping && (entries.length > 0 || !ready)) kickDrainer();
    });
  };

  const appendOne = async (batch: FlowBatch, networks: readonly NetworkRef[]): Promise<void> => {
    if (batch.length === 0 && batch.checkpoints.length === 0) return;
    const seq = await dir.nextSeq();
    if (ready && entries.length === 0) {
      const original = batch.checkpoints;
      batch.checkpoints = [...original, spoolMark(dir.id(), seq, nowMs())];
      try {
        await inner.append(batch, networks);
        committedSeq = Math.max(committedSeq, seq);
        noteStoreUp();
        return;
      } catch (error) {
        noteStoreDown(error);
      } finally {
        batch.checkpoints = original;
      }
    }
    await spool(seq, batch, networks);
    kickDrainer();
  };

  return {
    async start() {
      stopping = false;
      const scan = await dir.open();
      entries = scan.entries;
      bytes = entries.reduce((sum, entry) => sum + entry.bytes, 0);
      for (const { name, reason } of scan.quarantined) {
        metrics.spoolQuarantinedFiles.inc();
        logger.error("spool file quarantined, not stored", { file: name, reason });
      }
      if (entries.length > 0) {
        logger.info("spool holds batches from a previous run", {
          dir: config.dir,
          batches: entries.length,
          records: entries.reduce((sum, entry) => sum + entry.records, 0),
          bytes,
        });
      }
      publish();
      try {
        await startInner();
      } catch (error) {
        if (!config.waitForStore) {
          if (innerStarted) await inner.stop().catch(() => undefined);
          innerStarted = false;
          throw error;
        }
        noteStoreDown(error);
      }
      if (entries.length > 0 || !ready) kickDrainer();
    },
    async stop() {
      await appendChain;
      stopping = true;
      wake?.();
      publish();
      if (drainer !== undefined) await drainer;
      if (innerStarted) {
        innerStarted = false;
        ready = false;
        await inner.stop();
      }
    },
    append(batch, networks) {
      const result = appendChain.then(() => appendOne(batch, networks));
      appendChain = result.catch(() => undefined);
      return result;
    },
    appendCounters: (counters: readonly InterfaceCounters[]) => inner.appendCounters(counters),
    countInterfaceCounters: () => inner.countInterfaceCounters(),
    summary: (query) => inner.summary(query),
    top: (query) => inner.top(query),
    timeseries: (query) => inner.timeseries(query),
    explore: (query) => inner.explore(query),
    dataRange: () => inner.dataRange(),
    importCheckpoints: () => inner.importCheckpoints(),
    // Not spooled: the names are the registry's whole map, put again at its next load.
    putAsNames: (names) => inner.putAsNames(names),
    stats: () => ({ batches: entries.length, bytes, storeReady: ready }),
    whenDrained() {
      if ((entries.length === 0 && ready) || stopping) return Promise.resolve();
      return new Promise((resolve) => drainWaiters.push(resolve));
    },
  };
}
