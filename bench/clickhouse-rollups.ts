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
import {
  batchOfRecords,
  defaultRollupSettings,
  rollupSettings,
  type RetentionPolicy,
  type StorageStats,
} from "../src/storage/index.ts";

const RUNS = 5;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its ')').
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

async function timePair(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number, number]> {
  await a();
  await b();
  const samplesA: number[] = [];
  const samplesB: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let startedMs = performance.now();
    await a();
    samplesA.push(performance.now() - startedMs);
    startedMs = performance.now();
    await b();
    samplesB.push(performance.now() - startedMs);
  }
  return [median(samplesA), median(samplesB)];
}

function printStats(title: string, stats: StorageStats): void {
  console.log(`${title}\ntier  rows        bytes on disk  bytes/flow`);
  for (const tier of stats.tiers) {
    console.log(
      `${tier.tier.padEnd(4)}  ${String(tier.rows).padEnd(10)}  ${String(tier.bytesOnDisk).padEnd(13)}  ${tier.bytesPerFlow?.toFixed(2) ?? "-"}`,
    );
  }
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

  const hours = { fromMs: dayStartMs + HOUR_MS, toMs: dayStartMs + 23 * HOUR_MS };
  const day = { fromMs: dayStartMs, toMs: dayStartMs + DAY_MS };
  const top = (store: ClickHouseStore, range: typeof day) => () =>
    store.top({ range, by: "src.net", metric: "bytes", limit: 10 });
  const series = (store: ClickHouseStore) => () =>
    store.timeseries({ range: day, stepMs: HOUR_MS, metric: "bytes" });
  const egressTop = (store: ClickHouseStore) => () =>
    store.top({
      range: day,
      by: "dst.as",
      metric: "bytes",
      limit: 10,
      filter: { direction: "egress" },
    });
  const cases = [
    ["top-10 src.net, 22 h", top(raw, hours), top(tiered, hours)],
    ["top-10 src.net, 24 h", top(raw, day), top(tiered, day)],
    ["top-10 dst.as of egress, 24 h", egressTop(raw), egressTop(tiered)],
    ["time series 24 h, 1 h steps", series(raw), series(tiered)],
  ] as const;
  for (const [name, fromRaw, planned] of cases) {
    const answer = (await planned()) as { source?: { tier: string } };
    const [rawMs, plannedMs] = await timePair(fromRaw, planned);
    console.log(
      `${name}: raw ${rawMs.toFixed(1)} ms, planned (${answer.source?.tier ?? "?"}) ${plannedMs.toFixed(1)} ms (ratio ${(rawMs / plannedMs).toFixed(1)}); load average ${(loadavg()[0] ?? 0).toFixed(1)}`,
    );
  }

  printStats("as appended (parts not merged yet):", await tiered.storageStats(FOREVER));
  for (const table of ["flows", "flows_1m", "flows_1h", "flows_1d"]) {
    const response = await fetch(`${server.url}/`, {
      method: "POST",
      body: `OPTIMIZE TABLE bench_tiered.${table} FINAL`,
    });
    if (!response.ok) throw new Error(await response.text());
  }
  printStats("after OPTIMIZE … FINAL:", await tiered.storageStats(FOREVER));
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
