/**
 * Rollups: what they cost on append, what they save on queries, and what each tier costs on
 * disk. A day of generated flows (`--rows`, default 2,000,000) is appended in 245,760-row
 * batches (the collector's default) to two stores, one keeping rollups and one not; then:
 * - append rate of each (the rollup INSERT … SELECT runs in every append transaction);
 * - top-10 src.net by bytes over 22 hours (hour-aligned, not day-aligned: the 1h tier answers)
 *   and a 24 h time series in 1 h steps, from raw (the store without rollups) and planned;
 * - rows, bytes on disk and bytes per flow of each tier after compaction and a checkpoint.
 * Medians of 5 runs after one warm-up; the two stores' queries alternate.
 *
 *   npx tsx bench/rollups.ts [--rows 5000000] [--dimensions exporter,proto,src.net,dst.net]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDuckDbStore, type DuckDbStore } from "../src/storage/duckdb/index.ts";
import { createFlowGenerator } from "../src/storage/duckdb/testdata/flows.ts";
import { comparePlannedQueries, printTierStats } from "./lib/rollup-queries.ts";
import {
  batchOfRecords,
  defaultRollupSettings,
  rollupSettings,
  type RetentionPolicy,
} from "../src/storage/index.ts";

const RUNS = 5;
const DAY_MS = 86_400_000;
const BATCH_ROWS = 245_760;
const rowsArg = process.argv.indexOf("--rows");
const totalRows = rowsArg === -1 ? 2_000_000 : Number(process.argv[rowsArg + 1]);
const dimensionsArg = process.argv.indexOf("--dimensions");
const settings =
  dimensionsArg === -1
    ? defaultRollupSettings
    : rollupSettings({
        enabled: true,
        dimensions: (process.argv[dimensionsArg + 1] ?? "").split(","),
      });
const dayStartMs = Date.UTC(2026, 10, 22);
const FOREVER: RetentionPolicy = { raw: null, "1m": null, "1h": null, "1d": null };

const dir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-rollups-"));
const files = { raw: path.join(dir, "raw.duckdb"), tiered: path.join(dir, "tiered.duckdb") };
const open = (file: string, rollups: boolean): DuckDbStore =>
  createDuckDbStore({
    path: file,
    readOnly: false,
    rollups: rollups ? settings : { enabled: false, dimensions: [] },
  });

try {
  let raw = open(files.raw, false);
  let tiered = open(files.tiered, true);
  await raw.start();
  await tiered.start();
  const generate = createFlowGenerator({
    seed: 1,
    startMs: dayStartMs,
    meanGapMs: DAY_MS / totalRows,
  });
  const appendMs = { raw: 0, tiered: 0 };
  for (let loaded = 0; loaded < totalRows; loaded += BATCH_ROWS) {
    const { batch, networks } = batchOfRecords(generate(Math.min(BATCH_ROWS, totalRows - loaded)));
    // The same batch to both: a batch may be reused once its append has settled.
    let startedMs = performance.now();
    await tiered.append(batch, networks);
    appendMs.tiered += performance.now() - startedMs;
    startedMs = performance.now();
    await raw.append(batch, networks);
    appendMs.raw += performance.now() - startedMs;
  }
  const compactStartedMs = performance.now();
  const removed = await tiered.compactRollups();
  const compactMs = performance.now() - compactStartedMs;
  // Reopen both: closing checkpoints the WAL into the file, so sizes are of what is on disk.
  await raw.stop();
  await tiered.stop();
  raw = open(files.raw, false);
  tiered = open(files.tiered, true);
  await raw.start();
  await tiered.start();

  const rate = (ms: number) => (totalRows / (ms / 1000) / 1e6).toFixed(2);
  console.log(`${totalRows.toLocaleString("en")} flows over 24 h, batches of ${BATCH_ROWS}`);
  console.log(`rollup dimensions: direction, ${settings.dimensions.join(", ")}`);
  console.log(
    `append: without rollups ${rate(appendMs.raw)} M rows/s, with rollups ${rate(appendMs.tiered)} M rows/s (${(appendMs.tiered / appendMs.raw).toFixed(2)}x the time)`,
  );
  console.log(
    `compaction after the load: ${compactMs.toFixed(0)} ms, ${removed} partial rows folded`,
  );

  await comparePlannedQueries(raw, tiered, dayStartMs, RUNS);

  const stats = await tiered.storageStats(FOREVER);
  printTierStats("tiers:", stats);
  const sum = stats.tiers.reduce((total, tier) => total + tier.bytesOnDisk, 0);
  const rawStats = await raw.storageStats(FOREVER);
  console.log(
    `database in use ${stats.databaseBytes} bytes (tiers' estimates sum to ${sum}); file ${stats.fileBytes} bytes; the store without rollups: file ${rawStats.fileBytes} bytes, in use ${rawStats.databaseBytes}`,
  );
  console.log("(nfdump's lz4 files: about 32 bytes per flow)");
  await raw.stop();
  await tiered.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
