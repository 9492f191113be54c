import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clickhouseAvailable,
  startClickHouse,
  type ClickHouseServer,
} from "../../../test/helpers/clickhouse.ts";
import { parseFilterExpression } from "../../query/filter/index.ts";
import { CONTRACT_T0_MS, contractBatch, contractFlows } from "../contract/index.ts";
import type { Dimension, FlowFilter, TimeRange } from "../store.ts";
import { defaultRollupSettings, TIER_BUCKET_MS, type RollupSettings } from "../tiers.ts";
import {
  createClickHouseStore,
  defaultClickHouseStoreConfig,
  type ClickHouseStore,
} from "./index.ts";

/**
 * The planner's promise on ClickHouse, as on DuckDB (storage/duckdb/rollups.test.ts): whatever
 * tier answers, the answer is the raw one. Two databases hold the same flows, appended in
 * batches: one with rollups (the materialized views), one without. Random ranges (aligned to a
 * tier or not), dimensions, filters and steps give equal results. Then what the configuration
 * changes: other dimensions rebuild the tiers, `enabled: false` drops the views; and retention
 * drops whole expired partitions of each tier.
 */

const DAY_MS = TIER_BUCKET_MS["1d"];
const T0_MS = Math.floor(CONTRACT_T0_MS / DAY_MS) * DAY_MS;
const SPREAD_MS = 3 * DAY_MS;
const COUNT = 9000;

const BY: readonly Dimension[] = [
  "proto",
  "direction",
  "src.net",
  "exporter",
  "cloud.region",
  "src.tag.team",
  "locality",
  "source",
  "dst.country",
  "dst.port",
];

const FILTERS: readonly (string | undefined)[] = [
  undefined,
  "proto = tcp",
  "direction = egress and locality != internet",
  "src.net = office or dst.net = dc-a",
  "src.tag.team = research",
  "dst.port = 443",
  "src.net = 10.0.0.0/8",
  "dst.country in (US, DE)",
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

async function sql(url: string, query: string): Promise<string> {
  const response = await fetch(`${url}/`, { method: "POST", body: query });
  const text = await response.text();
  if (!response.ok) throw new Error(`${query}: ${text}`);
  return text.trim();
}

describe.skipIf(!clickhouseAvailable())("rollup planner (ClickHouse)", () => {
  let server: ClickHouseServer | undefined;
  let tiered: ClickHouseStore;
  let raw: ClickHouseStore;
  const sources = new Map<string, number>();
  const open = (database: string, rollups: RollupSettings): ClickHouseStore =>
    createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: server?.url ?? "",
      database,
      rollups,
    });

  beforeAll(async () => {
    server = await startClickHouse();
    tiered = open("tiered", defaultRollupSettings);
    raw = open("raw", { enabled: false, dimensions: [] });
    await tiered.start();
    await raw.start();
    const records = contractFlows(COUNT, 23, SPREAD_MS).map((record) => ({
      ...record,
      endMs: record.endMs - CONTRACT_T0_MS + T0_MS,
      startMs: record.startMs - CONTRACT_T0_MS + T0_MS,
    }));
    for (let from = 0; from < records.length; from += 1500) {
      const { batch, networks } = contractBatch(records.slice(from, from + 1500));
      await tiered.append(batch, networks);
      await raw.append(batch, networks);
    }
  }, 120_000);

  afterAll(async () => {
    await tiered.stop();
    await raw.stop();
    await server?.stop();
  });

  const strip = <T extends { source?: unknown }>(result: T): Omit<T, "source"> => {
    const copy = { ...result };
    delete copy.source;
    return copy;
  };

  it("top-N, summaries and time series from the planned tier equal the raw answer", async () => {
    await fc.assert(
      fc.asyncProperty(
        rangeArbitrary,
        fc.constantFrom(...BY),
        fc.constantFrom(...FILTERS),
        fc.constantFrom("bytes", "flows", "packets" as const),
        fc.constantFrom(60_000, 3_600_000, 7_200_000, DAY_MS, 90_000),
        async (range, by, text, metric, stepMs) => {
          const filter = filterOf(text);
          const base = filter === undefined ? { range } : { range, filter };
          const top = await tiered.top({ ...base, by, metric, limit: 5 });
          expect(strip(top)).toEqual(strip(await raw.top({ ...base, by, metric, limit: 5 })));
          const summary = await tiered.summary(base);
          expect(strip(summary)).toEqual(strip(await raw.summary(base)));
          if ((range.toMs - range.fromMs) / stepMs <= 5000) {
            const series = await tiered.timeseries({ ...base, stepMs, metric });
            expect(strip(series)).toEqual(strip(await raw.timeseries({ ...base, stepMs, metric })));
          }
          const tier = top.source?.tier ?? "none";
          sources.set(tier, (sources.get(tier) ?? 0) + 1);
        },
      ),
      { numRuns: 60, seed: 6 },
    );
    // The property is only worth something if the rollups really answered some of it.
    expect([...sources.keys()].filter((tier) => tier !== "raw").length).toBeGreaterThan(0);
  }, 120_000);

  it("explore from the planned tier equals the raw answer, both periods", async () => {
    const explored = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        rangeArbitrary,
        fc.subarray(["proto", "src.net", "direction", "src.tag.team", "dst.port"] as Dimension[], {
          maxLength: 2,
        }),
        fc.constantFrom(...FILTERS),
        fc.constantFrom(3_600_000, DAY_MS, undefined),
        async (range, dimensions, text, stepMs) => {
          const filter = filterOf(text);
          const query = {
            range,
            dimensions,
            limit: 4,
            unit: "bytes" as const,
            series: true,
            comparePrevious: true,
            ...(filter === undefined ? {} : { filter }),
            ...(stepMs === undefined ? {} : { stepMs }),
          };
          if (range.toMs === range.fromMs) return;
          if (stepMs !== undefined && (range.toMs - range.fromMs) / stepMs > 2000) return;
          const planned = await tiered.explore(query);
          expect(strip(planned)).toEqual(strip(await raw.explore(query)));
          const tier = planned.source?.tier ?? "none";
          explored.set(tier, (explored.get(tier) ?? 0) + 1);
        },
      ),
      { numRuns: 40, seed: 8 },
    );
    expect([...explored.keys()].filter((tier) => tier !== "raw").length).toBeGreaterThan(0);
  }, 120_000);

  it("other dimensions rebuild the tiers; enabled: false drops the views", async () => {
    const day = { fromMs: T0_MS, toMs: T0_MS + DAY_MS };
    const before = await tiered.top({ range: day, by: "proto", metric: "bytes", limit: 5 });
    await tiered.stop();
    tiered = open("tiered", { enabled: true, dimensions: ["proto"] });
    await tiered.start();
    const byProto = await tiered.top({ range: day, by: "proto", metric: "bytes", limit: 5 });
    expect(byProto).toEqual(before);
    const byNet = await tiered.top({ range: day, by: "src.net", metric: "bytes", limit: 5 });
    expect(byNet.source?.tier).toBe("raw");
    const url = server?.url ?? "";
    // Fewer dimensions: fewer rows (the 1-day tier keeps one per protocol and direction).
    const rows = Number(await sql(url, "SELECT count() FROM tiered.flows_1d FINAL"));
    expect(rows).toBeLessThanOrEqual(3 * 5 * 4);
    await tiered.stop();
    tiered = open("tiered", { enabled: false, dimensions: [] });
    await tiered.start();
    expect((await tiered.summary({ range: day })).source?.tier).toBe("raw");
    expect(
      await sql(
        url,
        "SELECT count() FROM system.tables WHERE database = 'tiered' AND name LIKE '%_mv'",
      ),
    ).toBe("0");
    await tiered.stop();
    tiered = open("tiered", defaultRollupSettings);
    await tiered.start();
    expect(await tiered.top({ range: day, by: "proto", metric: "bytes", limit: 5 })).toEqual(
      before,
    );
  }, 60_000);

  it("retention drops the partitions wholly past each tier's cutoff", async () => {
    const url = server?.url ?? "";
    const nowMs = T0_MS + 3 * DAY_MS + 5 * 60_000;
    const partitions = async (table: string): Promise<string[]> =>
      (
        await sql(
          url,
          `SELECT DISTINCT partition FROM system.parts WHERE active AND database = 'tiered' AND table = '${table}' ORDER BY partition`,
        )
      ).split("\n");
    const minuteRowsBefore = Number(await sql(url, "SELECT count() FROM tiered.flows_1m"));
    const report = await tiered.enforceRetention(
      { raw: DAY_MS, "1m": 2 * DAY_MS, "1h": DAY_MS, "1d": null },
      nowMs,
    );
    const day = (offset: number): string =>
      new Date(T0_MS + offset * DAY_MS).toISOString().slice(0, 10).replaceAll("-", "");
    // Raw: cutoff T0+2d+5m, so days 0 and 1 are gone and day 2 (holding the cutoff) stays.
    expect(await partitions("flows")).toEqual([day(2)]);
    // 1m: cutoff T0+1d+5m; day 0 gone, day 1 stays whole.
    expect(await partitions("flows_1m")).toEqual([day(1), day(2)]);
    const minuteRowsAfter = Number(await sql(url, "SELECT count() FROM tiered.flows_1m"));
    expect(report.deletedRows["1m"]).toBe(minuteRowsBefore - minuteRowsAfter);
    // 1h: monthly partitions, the cutoff's month stays; 1d: forever.
    expect(report.deletedRows["1h"]).toBe(0);
    expect(report.cutoffMs["1h"]).toBe(T0_MS + 2 * DAY_MS);
    // The day tier still answers the first day, whose raw flows are gone.
    const first = { fromMs: T0_MS, toMs: T0_MS + DAY_MS };
    const summary = await tiered.summary({ range: first });
    expect(summary.source?.tier).toBe("1d");
    expect(strip(summary)).toEqual(strip(await raw.summary({ range: first })));
  }, 60_000);
});
