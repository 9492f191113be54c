/**
 * ClickHouse rollups (materialized views): what they cost on append, what they save on
 * queries, and what each tier costs on disk, on a real clickhouse-server started here. A day of
 * generated flows (`--rows`, default 2,000,000) is appended in 245,760-row batches to two
 * databases of one server, one keeping rollups (the three views) and one not, batch by batch
 * alternately; then:
 * - append time of each and the server's CPU seconds spent on each (from /proc/<pid>/stat,
 *   utime + stime, around each append): the views' GROUP BY runs in the server;
 * - top-10 src.net by bytes over 22 hours (the 1h tier), over 24 hours (1d), top-10 dst.as of
 *   egress over 24 h (raw: AS numbers are not in the default dimensions) and a 24 h series in
 *   1 h steps, from the database without rollups and planned;
 * - rows, bytes on disk and bytes per flow of each tier (system.parts), as appended and after
 *   `OPTIMIZE … FINAL` folds the rollups' parts;
 * - the refill of the tiers from the raw flows at start (what the upgrade to schema 3 and a
 *   changed dimension list cost): rollups turned off, then on again.
 * Medians of 5 runs after one warm-up; the two databases' queries alternate.
 *
 *   npx tsx bench/clickhouse-rollups.ts [--rows 5000000] [--dimensions exporter,proto,src.net]
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { startClickHouse } from "../test/helpers/clickhouse.ts";
import {
  createClickHouseStore,
  defaultClickHouseStoreConfig,
  type ClickHouseStore,
} from "../src/storage/clickhouse/index.ts";
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
/** Kernel clock ticks per second (USER_HZ), what /proc/<pid>/stat counts in. */
const TICKS_PER_S = 100;
const rowsArg = process.argv.indexOf("--rows");
const totalRows = rowsArg === -1 ? 2_000_000 : Number(process.argv[rowsArg + 1]);
if (!Number.isSafeInteger(totalRows) || totalRows <= 0 || totalRows > 50_000_000) {
  throw new Error("--rows must be a whole number from 1 to 50,000,000");
}
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

function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its ')').
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

const server = await startClickHouse();
try {
  const open = (database: string, rollups: boolean): ClickHouseStore =>
    createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: server.url,
      database,
      requestTimeoutMs: 300_000,
      rollups: rollups ? settings : { enabled: false, dimensions: [] },
    });
  const raw = open("bench_raw", false);
  const tiered = open("bench_tiered", true);
  await raw.start();
  await tiered.start();
  const generate = createFlowGenerator({
    seed: 1,
    startMs: dayStartMs,
    meanGapMs: DAY_MS / totalRows,
  });
  const appendMs = { raw: 0, tiered: 0 };
  const serverCpuS = { raw: 0, tiered: 0 };
  const loadBefore = loadavg()[0] ?? 0;
  for (let loaded = 0; loaded < totalRows; loaded += BATCH_ROWS) {
    const { batch, networks } = batchOfRecords(generate(Math.min(BATCH_ROWS, totalRows - loaded)));
    for (const [name, store] of [
      ["tiered", tiered],
      ["raw", raw],
    ] as const) {
      const cpuBefore = cpuSeconds(server.pid);
      const startedMs = performance.now();
      await store.append(batch, networks);
      appendMs[name] += performance.now() - startedMs;
      serverCpuS[name] += cpuSeconds(server.pid) - cpuBefore;
    }
  }
  const rate = (ms: number) => (totalRows / (ms / 1000) / 1e6).toFixed(2);
  console.log(
    `clickhouse-server ${server.version}; ${totalRows.toLocaleString("en")} flows over 24 h, batches of ${BATCH_ROWS}; load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after the load`,
  );
  console.log(`rollup dimensions: direction, ${settings.dimensions.join(", ")}`);
  console.log(
    `append: without rollups ${rate(appendMs.raw)} M rows/s, with rollups ${rate(appendMs.tiered)} M rows/s (${(appendMs.tiered / appendMs.raw).toFixed(2)}x the time)`,
  );
  console.log(
    `server CPU per million flows appended: without rollups ${((serverCpuS.raw / totalRows) * 1e6).toFixed(2)} s, with rollups ${((serverCpuS.tiered / totalRows) * 1e6).toFixed(2)} s (${(serverCpuS.tiered / serverCpuS.raw).toFixed(2)}x)`,
  );

  await comparePlannedQueries(raw, tiered, dayStartMs, RUNS);

  printTierStats("as appended (parts not merged yet):", await tiered.storageStats(FOREVER));
  for (const table of ["flows", "flows_1m", "flows_1h", "flows_1d"]) {
    const response = await fetch(`${server.url}/`, {
      method: "POST",
      body: `OPTIMIZE TABLE bench_tiered.${table} FINAL`,
    });
    if (!response.ok) throw new Error(await response.text());
  }
  printTierStats("after OPTIMIZE … FINAL:", await tiered.storageStats(FOREVER));
  // What the first start after the upgrade to schema 3 (or a changed dimension list) costs:
  // the three tiers refilled from the stored raw flows, a day at a time.
  await tiered.stop();
  const rebuilt = open("bench_tiered", false);
  await rebuilt.start();
  await rebuilt.stop();
  const again = open("bench_tiered", true);
  const cpuBefore = cpuSeconds(server.pid);
  const rebuildStartedMs = performance.now();
  await again.start();
  const rebuildMs = performance.now() - rebuildStartedMs;
  const rebuildCpuS = cpuSeconds(server.pid) - cpuBefore;
  console.log(
    `refill of the three tiers from ${totalRows.toLocaleString("en")} raw flows at start: ${(rebuildMs / 1000).toFixed(1)} s, ${rebuildCpuS.toFixed(1)} server CPU-s (${((rebuildCpuS / totalRows) * 1e6).toFixed(2)} per million flows); load average ${(loadavg()[0] ?? 0).toFixed(1)}`,
  );
  await again.stop();
  console.log("(nfdump's lz4 files: about 32 bytes per flow)");
  await raw.stop();
} finally {
  await server.stop();
}
