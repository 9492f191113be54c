/**
 * Query latency of the DuckDB flow store over a day of flows: summary, top-10 dst.addr of
 * egress by bytes, a 24 h time series (5 min steps) and a summary of the last hour. The same
 * queries run on a second file holding the same rows in random order, which shows what the
 * end_ms zone maps save when rows arrive in time order as a collector appends them.
 *
 * Loading: `SEED_ROWS` generated flows go through `store.append()`, then DuckDB copies them
 * forward in time (INSERT … SELECT with shifted times) until the day holds `--rows` flows.
 *
 *   npx tsx bench/duckdb-query.ts [--rows 5000000]   (default 3000000)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { createDuckDbStore, FLOWS_TABLE, type DuckDbStore } from "../src/storage/duckdb/index.ts";
import { createFlowGenerator } from "../src/storage/duckdb/testdata/flows.ts";
import { batchOfRecords } from "../src/storage/index.ts";

const RUNS = 3;
const DAY_MS = 86_400_000;
const SEED_ROWS = 200_000;
const rowsArg = process.argv.indexOf("--rows");
// 3M keeps the run near a minute on two busy cores; `--rows 5000000` for the figure in the report.
const totalRows = rowsArg === -1 ? 3_000_000 : Number(process.argv[rowsArg + 1]);
const copies = Math.max(1, Math.round(totalRows / SEED_ROWS));
const dayStartMs = Date.UTC(2026, 10, 22);
const copySpanMs = Math.floor(DAY_MS / copies);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timeMs(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm: first touch of the file's blocks
  const samples: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    const startedMs = performance.now();
    await run();
    samples.push(performance.now() - startedMs);
  }
  return median(samples);
}

async function load(dir: string): Promise<{ ordered: string; shuffled: string; loadRate: number }> {
  const ordered = path.join(dir, "ordered.duckdb");
  const shuffled = path.join(dir, "shuffled.duckdb");
  const store = createDuckDbStore({ path: ordered, readOnly: false });
  await store.start();
  const generate = createFlowGenerator({
    seed: 1,
    startMs: dayStartMs,
    meanGapMs: copySpanMs / SEED_ROWS,
  });
  const startedMs = performance.now();
  for (let loaded = 0; loaded < SEED_ROWS; loaded += 50_000) {
    const { batch, networks } = batchOfRecords(generate(50_000));
    await store.append(batch, networks);
  }
  const loadRate = SEED_ROWS / ((performance.now() - startedMs) / 1000);
  await store.stop();

  const instance = await DuckDBInstance.create(ordered);
  const connection = await instance.connect();
  // Copy the seed forward one span at a time so the file stays in end-time order.
  for (let copy = 1; copy < copies; copy++) {
    const shiftMs = BigInt(copy * copySpanMs);
    await connection.run(
      `INSERT INTO ${FLOWS_TABLE} SELECT * REPLACE (start_ms + $shift::BIGINT AS start_ms, end_ms + $shift::BIGINT AS end_ms
)
       FROM ${FLOWS_TABLE} WHERE rowid < $seed_rows::BIGINT ORDER BY end_ms`,
      { shift: shiftMs, seed_rows: BigInt(SEED_ROWS) },
    );
  }
  await connection.run(`ATTACH '${shuffled}' AS shuffled`);
  await connection.run("CREATE TABLE shuffled.schema_version AS FROM schema_version");
  await connection.run(
    `CREATE TABLE shuffled.${FLOWS_TABLE} AS FROM ${FLOWS_TABLE} ORDER BY hash(rowid)`,
  );
  await connection.run("DETACH shuffled");
  connection.closeSync();
  instance.closeSync();
  return { ordered, shuffled, loadRate };
}

async function measure(store: DuckDbStore): Promise<Record<string, number>> {
  const range = { fromMs: dayStartMs, toMs: dayStartMs + DAY_MS };
  const lastHour = { fromMs: range.toMs - 3_600_000, toMs: range.toMs };
  return {
    "summary (all)": await timeMs(() => store.summary({ range: {} })),
    "top-10 dst.addr egress": await timeMs(() =>
      store.top({
        range,
        by: "dst.addr",
        metric: "bytes",
        limit: 10,
        filter: { direction: "egress" },
      }),
    ),
    "timeseries 24h / 5 min": await timeMs(() =>
      store.timeseries({ range, stepMs: 300_000, metric: "bytes" }),
    ),
    "summary (last hour)": await timeMs(() => store.summary({ range: lastHour })),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-query-"));
  try {
    const loadStartedMs = performance.now();
    const { ordered, shuffled, loadRate } = await load(dir);
    const orderedStore = createDuckDbStore({ path: ordered, readOnly: true });
    const shuffledStore = createDuckDbStore({ path: shuffled, readOnly: true });
    await orderedStore.start();
    await shuffledStore.start();
    const flows = await orderedStore.countFlows();
    console.log(
      `node ${process.version}; ${flows} flows over 24 h loaded in ${((performance.now() - loadStartedMs) / 1000).toFixed(1)} s (seed through store.append: ${Math.round(loadRate)} rows/s)`,
    );
    const inOrder = await measure(orderedStore);
    const random = await measure(shuffledStore);
    console.log(`median of ${RUNS}, ms          time-ordered   random order   ratio`);
    for (const [name, ms] of Object.entries(inOrder)) {
      const baseline = random[name] ?? Number.NaN;
      console.log(
        `${name.padEnd(26)} ${ms.toFixed(1).padStart(12)}   ${baseline.toFixed(1).padStart(12)}   ${(baseline / ms).toFixed(1)}x`,
      );
    }
    await orderedStore.stop();
    await shuffledStore.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
