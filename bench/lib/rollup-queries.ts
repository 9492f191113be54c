/**
 * What bench/rollups.ts (DuckDB) and bench/clickhouse-rollups.ts measure alike: the same
 * queries timed on a store without rollups and on one with them, alternately, and the tiers'
 * sizes. Each bench loads its own store; this is only the timing and the printing.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { FlowStore } from "../../src/storage/index.ts";
import type { StorageStats } from "../../src/storage/tiers.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Times `a` and `b` alternately (so noise from the shared cores hits both alike); medians. */
export async function timePair(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  runs: number,
): Promise<[number, number]> {
  await a();
  await b();
  const samplesA: number[] = [];
  const samplesB: number[] = [];
  for (let run = 0; run < runs; run++) {
    let startedMs = performance.now();
    await a();
    samplesA.push(performance.now() - startedMs);
    startedMs = performance.now();
    await b();
    samplesB.push(performance.now() - startedMs);
  }
  return [median(samplesA), median(samplesB)];
}

/**
 * Top-N over 22 h and 24 h, an egress top-N by AS and a 24 h series in 1 h steps, on the raw
 * store and on the tiered one, with the tier the planner chose and the ratio.
 */
export async function comparePlannedQueries(
  raw: FlowStore,
  tiered: FlowStore,
  dayStartMs: number,
  runs: number,
): Promise<void> {
  const hours = { fromMs: dayStartMs + HOUR_MS, toMs: dayStartMs + 23 * HOUR_MS };
  const day = { fromMs: dayStartMs, toMs: dayStartMs + DAY_MS };
  const top = (store: FlowStore, range: typeof day) => () =>
    store.top({ range, by: "src.net", metric: "bytes", limit: 10 });
  const series = (store: FlowStore) => () =>
    store.timeseries({ range: day, stepMs: HOUR_MS, metric: "bytes" });
  const egressTop = (store: FlowStore) => () =>
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
    const [rawMs, plannedMs] = await timePair(fromRaw, planned, runs);
    console.log(
      `${name}: raw ${rawMs.toFixed(1)} ms, planned (${answer.source?.tier ?? "?"}) ${plannedMs.toFixed(1)} ms (ratio ${(rawMs / plannedMs).toFixed(1)}); load average ${(loadavg()[0] ?? 0).toFixed(1)}`,
    );
  }
}

/** Rows, bytes on disk and bytes per flow of each tier. */
export function printTierStats(title: string, stats: StorageStats): void {
  console.log(`${title}\ntier  rows        bytes on disk  bytes/flow`);
  for (const tier of stats.tiers) {
    console.log(
      `${tier.tier.padEnd(4)}  ${String(tier.rows).padEnd(10)}  ${String(tier.bytesOnDisk).padEnd(13)}  ${tier.bytesPerFlow?.toFixed(2) ?? "-"}`,
    );
  }
}
