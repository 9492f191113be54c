import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFilterExpression } from "../../query/filter/index.ts";
import { CONTRACT_T0_MS, contractBatch, contractFlows } from "../contract/index.ts";
import type { Dimension, FlowFilter, TimeRange } from "../store.ts";
import { TIER_BUCKET_MS, type RetentionPolicy } from "../tiers.ts";
import { createDuckDbStore, type DuckDbStore } from "./index.ts";

/**
 * The planner's promise: whatever tier answers, the answer is the raw one. Two stores hold the
 * same flows (appended in several batches, one batch reclassified, partly compacted): one with
 * rollups, one without (raw only). Random ranges (aligned to a tier or not), dimensions and
 * filters must give equal results, and the rollup store must really answer from rollups.
 */

const DAY_MS = TIER_BUCKET_MS["1d"];
const T0_MS = Math.floor(CONTRACT_T0_MS / DAY_MS) * DAY_MS;
const SPREAD_MS = 3 * DAY_MS;

const BY: readonly Dimension[] = [
  "proto",
  "direction",
  "src.net",
  "dst.country",
  "exporter",
  "cloud.region",
  "src.tag.team",
  "ip.version",
  "observed.action",
  "locality",
  "dst.port",
  "src.addr",
];

const FILTERS: readonly (string | undefined)[] = [
  undefined,
  "proto = tcp",
  "direction = egress and locality != internet",
  "src.net = office or dst.country in (US, DE)",
  "ip.version = 6",
  "src.tag.team = research",
  "dst.port = 443",
  "src.addr << 10.0.0.0/8",
  "bytes > 1000",
  "src.net = 10.0.0.0/8",
];

function filterOf(text: string | undefined): FlowFilter | undefined {
  return text === undefined ? undefined : { where: parseFilterExpression(text), whereText: text };
}

const rangeArbitrary = fc
  .tuple(
    fc.constantFrom(1, 60_000, 3_600_000, DAY_MS),
    fc.integer({ min: -2, max: 4 * 24 * 60 }),
    fc.integer({ min: 0, max: 4 * 24 * 60 }),
  )
  .map(([unitMs, startMinutes, lengthMinutes]): TimeRange => {
    const align = (ms: number) => Math.floor(ms / unitMs) * unitMs;
    const fromMs = align(T0_MS + startMinutes * 60_000 + 7);
    return { fromMs, toMs: Math.max(fromMs, align(fromMs + lengthMinutes * 60_000 + 7)) };
  });

describe("rollup planner (DuckDB)", () => {
  let dir: string;
  let tiered: DuckDbStore;
  let raw: DuckDbStore;
  const sources = new Map<string, number>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tollgate-rollups-"));
    tiered = createDuckDbStore({
      path: path.join(dir, "tiered.duckdb"),
      readOnly: false,
      threads: 1,
    });
    raw = createDuckDbStore({
      path: path.join(dir, "raw.duckdb"),
      readOnly: false,
      threads: 1,
      rollups: { enabled: false, dimensions: [] },
    });
    await tiered.start();
    await raw.start();
    const records = contractFlows(12_000, 23, SPREAD_MS).map((record) => ({
      ...record,
      endMs: record.endMs - CONTRACT_T0_MS + T0_MS,
      startMs: record.startMs - CONTRACT_T0_MS + T0_MS,
    }));
    for (let from = 0; from < records.length; from += 1500) {
      const { batch, networks } = contractBatch(records.slice(from, from + 1500));
      await tiered.append(batch, networks);
      const again = contractBatch(records.slice(from, from + 1500));
      await raw.append(again.batch, again.networks);
      if (from === 6000) await tiered.compactRollups();
    }
    // Reclassify the second day's flows alike in both: every direction moves on by one.
    const rewrite = { range: { fromMs: T0_MS + DAY_MS, toMs: T0_MS + 2 * DAY_MS } };
    for (const store of [tiered, raw]) {
      await store.reclassify(rewrite, (batch) => {
        for (let row = 0; row < batch.length; row++) {
          batch.direction[row] = ((batch.direction[row] ?? 0) + 1) % 4;
        }
        return [];
      });
    }
  }, 120_000);

  afterAll(async () => {
    await tiered.stop();
    await raw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const strip = <T extends { source?: unknown }>(result: T): Omit<T, "source"> => {
    const copy = { ...result };
    delete copy.source;
    return copy;
  };

  it("top-N from the planned tier equals the raw answer", async () => {
    await fc.assert(
      fc.asyncProperty(
        rangeArbitrary,
        fc.constantFrom(...BY),
        fc.constantFrom(...FILTERS),
        fc.constantFrom("bytes", "packets", "flows"),
        async (range, by, filterText, metric) => {
          const filter = filterOf(filterText);
          const query = { range, by, metric, limit: 5, ...(filter ? { filter } : {}) } as const;
          const planned = await tiered.top(query);
          const expected = await raw.top(query);
          sources.set(
            planned.source?.tier ?? "none",
            (sources.get(planned.source?.tier ?? "none") ?? 0) + 1,
          );
          expect(strip(planned)).toEqual(strip(expected));
        },
      ),
      { numRuns: 150, seed: 6 },
    );
  }, 120_000);

  it("summaries and time series from the planned tier equal the raw answer", async () => {
    await fc.assert(
      fc.asyncProperty(
        rangeArbitrary,
        fc.constantFrom(...FILTERS),
        fc.constantFrom(60_000, 300_000, 3_600_000, 7_200_000, DAY_MS, 90_000),
        async (range, filterText, stepMs) => {
          const filter = filterOf(filterText);
          const common = { range, ...(filter ? { filter } : {}) };
          expect(strip(await tiered.summary(common))).toEqual(strip(await raw.summary(common)));
          if ((range.toMs - range.fromMs) / stepMs > 5000) return;
          const series = { ...common, stepMs, metric: "bytes" as const };
          const planned = await tiered.timeseries(series);
          expect(strip(planned)).toEqual(strip(await raw.timeseries(series)));
        },
      ),
      { numRuns: 120, seed: 7 },
    );
  }, 120_000);

  it("answered from rollups when it could, and says so", async () => {
    const day = { fromMs: T0_MS, toMs: T0_MS + DAY_MS };
    expect((await tiered.summary({ range: day })).source).toEqual({
      table: "flows_1d",
      tier: "1d",
    });
    const hours = { fromMs: T0_MS + 3_600_000, toMs: T0_MS + 5 * 3_600_000 };
    const top = await tiered.top({ range: hours, by: "proto", metric: "bytes", limit: 3 });
    expect(top.source).toEqual({ table: "flows_1h", tier: "1h" });
    const byAddress = await tiered.top({ range: hours, by: "src.addr", metric: "bytes", limit: 3 });
    expect(byAddress.source).toEqual({ table: "flows", tier: "raw" });
    expect((await raw.summary({ range: day })).source?.tier).toBe("raw");
    // The random queries above reached every tier.
    for (const tier of ["raw", "1m", "1h", "1d"]) expect(sources.get(tier) ?? 0).toBeGreaterThan(0);
  });

  it("compaction folds partial rows without changing an answer", async () => {
    const range = { fromMs: T0_MS, toMs: T0_MS + SPREAD_MS };
    const before = await tiered.top({ range, by: "src.net", metric: "flows", limit: 20 });
    const statsBefore = await tiered.storageStats(FOREVER);
    const removed = await tiered.compactRollups();
    expect(removed).toBeGreaterThan(0);
    expect(await tiered.compactRollups()).toBe(0);
    const after = await tiered.top({ range, by: "src.net", metric: "flows", limit: 20 });
    expect(after).toEqual(before);
    const statsAfter = await tiered.storageStats(FOREVER);
    const rows = (stats: typeof statsAfter, tier: string) =>
      stats.tiers.find((entry) => entry.tier === tier)?.rows ?? 0;
    expect(rows(statsAfter, "1m")).toBeLessThan(rows(statsBefore, "1m"));
    for (const entry of statsAfter.tiers) expect(entry.flows).toBe(12_000);
  });

  it("retention deletes whole expired buckets and raw flows by end time", async () => {
    const nowMs = T0_MS + 2 * DAY_MS + 30 * 60_000;
    const report = await tiered.enforceRetention(
      { raw: DAY_MS, "1m": DAY_MS, "1h": DAY_MS, "1d": null },
      nowMs,
    );
    expect(report.cutoffMs.raw).toBe(nowMs - DAY_MS);
    expect(report.cutoffMs["1m"]).toBe(nowMs - DAY_MS);
    // A bucket goes only once it has wholly expired: the hour holding the cutoff stays.
    expect(report.cutoffMs["1h"]).toBe(nowMs - DAY_MS - 30 * 60_000);
    expect(report.deletedRows.raw ?? 0).toBeGreaterThan(0);
    const range = await tiered.dataRange();
    expect(range?.fromMs).toBeGreaterThanOrEqual(nowMs - DAY_MS);
    // The day tier still answers the whole first day, whose raw flows are gone.
    const day = { fromMs: T0_MS, toMs: T0_MS + DAY_MS };
    const summary = await tiered.summary({ range: day, filter: { direction: "egress" } });
    expect(summary.source?.tier).toBe("1d");
    expect(summary).toEqual({
      ...(await raw.summary({ range: day, filter: { direction: "egress" } })),
      source: summary.source,
    });
  });
});

const FOREVER: RetentionPolicy = { raw: null, "1m": null, "1h": null, "1d": null };

describe("rollup dirty range (DuckDB)", () => {
  it("marks from the minute of a batch's first end time to just past the minute of its last", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tollgate-rollup-dirty-"));
    const filePath = path.join(dir, "flows.duckdb");
    try {
      const store = createDuckDbStore({ path: filePath, readOnly: false, threads: 1 });
      await store.start();
      const records = contractFlows(3_000, 21, 5 * 3_600_000);
      const { batch, networks } = contractBatch(records);
      await store.append(batch, networks);
      await store.stop();
      const ends = records.map((record) => record.endMs);
      const minute = TIER_BUCKET_MS["1m"];
      const from = Math.floor(Math.min(...ends) / minute) * minute;
      const to = Math.floor(Math.max(...ends) / minute) * minute + 1;
      const instance = await DuckDBInstance.create(filePath, { access_mode: "READ_ONLY" });
      const connection = await instance.connect();
      const state = await connection.runAndReadAll(
        "SELECT tier, dirty_from_ms::DOUBLE, dirty_to_ms::DOUBLE FROM rollup_state ORDER BY tier",
      );
      connection.closeSync();
      instance.closeSync();
      expect(state.getRows()).toEqual([
        ["1d", from, to],
        ["1h", from, to],
        ["1m", from, to],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
