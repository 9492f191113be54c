import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { AppError } from "../core/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import { createChunkProgressBar } from "../cli/index.ts";
import {
  createClassifier,
  createReclassifyJob,
  type Classifier,
} from "../pipeline/classify/index.ts";
import type { Logger } from "../platform/index.ts";
import { parseRange } from "../query/index.ts";
import { createDuckDbStore } from "../storage/duckdb/index.ts";
import type { ReclassifyProgress, RewritableFlowStore, TimeRange } from "../storage/index.ts";
import { liveLockHolder, lockDataDir } from "./data-dir.ts";
import { flowStorePath } from "./ingest.ts";
import { createInventoryService } from "./inventory.ts";

export interface ReclassifyOptions {
  since?: string | undefined;
  until?: string | undefined;
  /** Skip the confirmation question. Required when stdin is not a terminal. */
  yes: boolean;
  server: string;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  logger: Logger;
  nowMs?: () => number;
}

/** What the ClickHouse backend says to `reclassify` (see docs/36-reclassify-and-suggest.md). */
export const CLICKHOUSE_REWRITE_REFUSAL =
  "reclassifying stored flows is not implemented for ClickHouse: ClickHouse 18.16 accepts ALTER TABLE … UPDATE, an asynchronous mutation that cannot address single rows and so cannot carry what the classifier decides per flow, and ALTER TABLE … REPLACE PARTITION … FROM, which would mean rewriting whole days through a staging table, losing flows inserted meanwhile and skipping the rollup tables; new flows use the changed inventory at once (hot reload); to reclassify stored ones, import the logs again into a new database, or use the DuckDB backend";

/**
 * `tollgate reclassify`: the stored flows of a range (all by default) classified again against
 * the inventory of the configuration now, and written back, a chunk per transaction. Runs on
 * the data directory, which it locks meanwhile (no serve can start); refused while a
 * `tollgate serve` holds it, since two writers would corrupt the file.
 */
export async function runReclassify(
  config: Readonly<TollgateConfig>,
  options: ReclassifyOptions,
): Promise<{ range: Partial<TimeRange>; result: ReclassifyProgress; elapsedMs: number }> {
  const nowMs = options.nowMs ?? Date.now;
  const range = parseRange({ since: options.since, until: options.until }, nowMs());
  if (config.storage.backend === "clickhouse") {
    throw new AppError("ERR_STORE_UNSUPPORTED", CLICKHOUSE_REWRITE_REFUSAL);
  }
  const dataDir = path.resolve(config.dataDir);
  const file = flowStorePath(dataDir);
  if (!existsSync(file)) {
    throw new AppError(
      "ERR_STORE_OPEN",
      `${dataDir} holds no flows yet: nothing to reclassify (import or collect flows first, or pass --data-dir DIR)`,
    );
  }
  const holder = liveLockHolder(dataDir);
  if (holder !== undefined) {
    const query = new URLSearchParams();
    if (options.since !== undefined) query.set("since", options.since);
    if (options.until !== undefined) query.set("until", options.until);
    const suffix = query.size === 0 ? "" : `?${query.toString()}`;
    throw new AppError(
      "ERR_DATA_DIR_LOCKED",
      `the data directory ${dataDir} is in use by tollgate serve (pid ${holder}): stop it first, or have it reclassify with its live inventory: curl -X POST '${options.server}/api/v1/reclassify${suffix}'`,
    );
  }
  const lock = lockDataDir(dataDir, process.pid);
  const inventory = createInventoryService(config, { dataDir, logger: options.logger });
  const store = createDuckDbStore({
    path: file,
    readOnly: false,
    memoryLimit: config.storage.memoryLimit,
  });
  try {
    await store.start();
    const covered = await store.summary({ range });
    if (covered.total.flows === 0) {
      return {
        range,
        result: {
          chunks: 0,
          chunksDone: 0,
          rows: 0,
          directionChanged: 0,
          localityChanged: 0,
          networkChanged: 0,
        },
        elapsedMs: 0,
      };
    }
    if (!options.yes) await confirm(options, covered.total.flows, covered.range);
    // The registry and cloud ranges take part in classification: wait for them.
    await inventory.ready;
    const job = createReclassifyJob({
      store,
      classifier: createClassifier(inventory.current()),
      nowMs,
    });
    const bar = createChunkProgressBar({
      label: "reclassify",
      stream: options.stderr,
      enabled: options.stderr.isTTY,
      nowMs,
    });
    const startedMs = nowMs();
    try {
      const result = await job.run({ range }, (progress) => {
        bar.update(progress);
      });
      return { range, result, elapsedMs: nowMs() - startedMs };
    } finally {
      bar.finish();
    }
  } finally {
    inventory.stop();
    await store.stop();
    lock.release();
  }
}

async function confirm(
  options: ReclassifyOptions,
  flows: number,
  range: TimeRange | null,
): Promise<void> {
  const what = `${flows.toLocaleString("en-US")} stored flows${range === null ? "" : ` from ${new Date(range.fromMs).toISOString()} to ${new Date(range.toMs).toISOString()}`}`;
  if (!options.stdin.isTTY) {
    throw new AppError(
      "ERR_USAGE",
      `reclassify would rewrite ${what}: pass --yes to confirm (stdin is not a terminal to ask on)`,
    );
  }
  const prompt = createInterface({ input: options.stdin, output: options.stderr });
  try {
    const answer = await prompt.question(`rewrite the classification of ${what}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new AppError("ERR_USAGE", "reclassify not confirmed: nothing was changed");
    }
  } finally {
    prompt.close();
  }
}

/** The summary lines of a reclassification (CLI and API share the counts). */
export function renderReclassify(
  range: Partial<TimeRange>,
  result: ReclassifyProgress,
  elapsedMs: number,
): string[] {
  const number = (value: number) => value.toLocaleString("en-US");
  const bound = (ms: number | undefined, fallback: string) =>
    ms === undefined ? fallback : new Date(ms).toISOString();
  if (result.rows === 0) {
    return [
      `no stored flows from ${bound(range.fromMs, "the first flow")} to ${bound(range.toMs, "the last")}: nothing reclassified`,
    ];
  }
  const rate =
    elapsedMs > 0 ? ` (${number(Math.round((result.rows * 1000) / elapsedMs))} flows/s)` : "";
  return [
    `reclassified ${number(result.rows)} flows from ${bound(range.fromMs, "the first flow")} to ${bound(range.toMs, "the last")}${rate}`,
    `  direction changed  ${number(result.directionChanged)}`,
    `  locality changed   ${number(result.localityChanged)}`,
    `  network changed    ${number(result.networkChanged)}`,
  ];
}

/**
 * The API's reclassification on a running server: its store (the backend, not the spool in
 * front of it) and its live classifier, whose network list the store already knows, once the
 * registry and cloud ranges are loaded. One at a time (ERR_RECLASSIFY_RUNNING, 409).
 */
export function reclassifyWith(
  store: RewritableFlowStore,
  classifier: Classifier,
  ready: Promise<void>,
  nowMs: () => number,
): (range: Partial<TimeRange>) => Promise<ReclassifyProgress> {
  const job = createReclassifyJob({ store, classifier, nowMs });
  return async (range) => {
    if (job.running) return job.run({ range });
    await ready;
    return job.run({ range });
  };
}
