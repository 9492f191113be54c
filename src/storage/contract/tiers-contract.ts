import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowRecord } from "../../core/index.ts";
import { parseFilterExpression } from "../../query/filter/index.ts";
import type { Dimension, FlowFilter, FlowStore, TimeRange, Totals } from "../store.ts";
import { TIER_BUCKET_MS, type Tier, type TieredFlowStore } from "../tiers.ts";
import { CONTRACT_T0_MS, contractBatch, contractFlows } from "./contract-flows.ts";
import { REFERENCE_KEYS } from "./flow-store-contract.ts";

/**
 * The storage tiers contract (issue 6), for every store with rollups: aligned questions are
 * answered from the coarsest tier that can, say which, and equal the answer computed here from
 * the records; unaligned ones and fields rollups do not hold read the raw flows; storage stats
 * cover every tier; retention removes expired raw flows and keeps the coarser tiers answering.
 * The store is opened with the default rollup dimensions.
 */

export interface TieredContractStore {
  store: FlowStore & TieredFlowStore;
  dispose(): Promise<void>;
}

const DAY_MS = TIER_BUCKET_MS["1d"];
const HOUR_MS = TIER_BUCKET_MS["1h"];
const T0_MS = Math.floor(CONTRACT_T0_MS / DAY_MS) * DAY_MS;
const COUNT = 6000;

function shifted(records: readonly FlowRecord[]): FlowRecord[] {
  return records.map((record) => ({
    ...record,
    endMs: record.endMs - CONTRACT_T0_MS + T0_MS,
    startMs: record.startMs - CONTRACT_T0_MS + T0_MS,
  }));
}

function reference(records: readonly FlowRecord[], range: TimeRange, by: Dimension) {
  const key = REFERENCE_KEYS.find(([name]) => name === by)?.[1];
  if (key === undefined) throw new Error(`no reference key for ${by}`);
  const groups = new Map<string, Totals>();
  for (const record of records) {
    if (record.endMs < range.fromMs || record.endMs >= range.toMs) continue;
    const k = key(record);
    const totals = groups.get(k) ?? { bytes: 0, packets: 0, flows: 0 };
    totals.bytes += record.bytes;
    totals.packets += record.packets;
    totals.flows += 1;
    groups.set(k, totals);
  }
  return groups;
}

function filterOf(text: string): FlowFilter {
  return { where: parseFilterExpression(text), whereText: text };
}

export interface TieredContractOptions {
  /**
   * Bytes on disk count rows as soon as they are appended (ClickHouse: every INSERT is a
   * part). DuckDB counts them at its next checkpoint, so a fresh table may report 0.
   */
  bytesOnDiskAtOnce: boolean;
}

export function describeTieredContract(
  name: string,
  open: () => Promise<TieredContractStore>,
  options: TieredContractOptions,
): void {
  describe(`storage tiers contract: ${name}`, () => {
    let opened: TieredContractStore | undefined;
    const records = shifted(contractFlows(COUNT, 29, 2 * DAY_MS));
    const store = (): FlowStore & TieredFlowStore => {
      if (opened === undefined) throw new Error("store not open");
      return opened.store;
    };

    beforeAll(async () => {
      opened = await open();
      for (let from = 0; from < records.length; from += 1000) {
        const { batch, networks } = contractBatch(records.slice(from, from + 1000));
        await opened.store.append(batch, networks);
      }
    }, 120_000);
    afterAll(async () => {
      await opened?.dispose();
    });

    const cases: { range: TimeRange; tier: Tier }[] = [
      { range: { fromMs: T0_MS, toMs: T0_MS + 2 * DAY_MS }, tier: "1d" },
      { range: { fromMs: T0_MS + 3 * HOUR_MS, toMs: T0_MS + 29 * HOUR_MS }, tier: "1h" },
      { range: { fromMs: T0_MS + 61 * 60_000, toMs: T0_MS + 7 * HOUR_MS }, tier: "1m" },
      { range: { fromMs: T0_MS + 1, toMs: T0_MS + DAY_MS }, tier: "raw" },
    ];

    it("answers top-N from the coarsest aligned tier, equal to the records' totals", async () => {
      for (const { range, tier } of cases) {
        for (const by of ["src.net", "proto", "direction", "src.tag.team", "source"] as const) {
          const result = await store().top({ range, by, metric: "bytes", limit: 100 });
          expect(result.source?.tier, `${by} over ${JSON.stringify(range)}`).toBe(tier);
          const want = reference(records, range, by);
          const got = new Map(result.rows.map((row) => [row.key, row]));
          expect(got.size).toBe(want.size);
          for (const [key, totals] of want) {
            expect(got.get(key), `${by}=${key}`).toEqual({ key, ...totals });
          }
        }
      }
    });

    it("reads raw flows for what rollups do not hold", async () => {
      const range = { fromMs: T0_MS, toMs: T0_MS + DAY_MS };
      const byPort = await store().top({ range, by: "dst.port", metric: "flows", limit: 5 });
      expect(byPort.source?.tier).toBe("raw");
      for (const text of ["dst.port = 443", "src.addr << 10.0.0.0/8", "bytes > 1000"]) {
        const summary = await store().summary({ range, filter: filterOf(text) });
        expect(summary.source?.tier, text).toBe("raw");
      }
      const held = await store().summary({
        range,
        filter: filterOf("proto = tcp and src.net = office"),
      });
      expect(held.source?.tier).toBe("1d");
      const want = records.filter(
        (r) =>
          r.endMs >= range.fromMs &&
          r.endMs < range.toMs &&
          r.protocol === 6 &&
          r.srcNetwork === "office",
      );
      expect(held.total.flows).toBe(want.length);
      expect(held.total.bytes).toBe(want.reduce((sum, r) => sum + r.bytes, 0));
    });

    it("answers time series whose step is a multiple of a tier's bucket from that tier", async () => {
      const range = { fromMs: T0_MS, toMs: T0_MS + DAY_MS };
      const hourly = await store().timeseries({ range, stepMs: HOUR_MS, metric: "bytes" });
      expect(hourly.source?.tier).toBe("1h");
      const odd = await store().timeseries({ range, stepMs: 90_000, metric: "bytes" });
      expect(odd.source?.tier).toBe("raw");
      for (const point of hourly.points) {
        const want = records
          .filter((r) => r.endMs >= point.timeMs && r.endMs < point.timeMs + HOUR_MS)
          .reduce((sum, r) => sum + r.bytes, 0);
        const got = Object.values(point.byDirection).reduce((sum, value) => sum + value, 0);
        expect(got, new Date(point.timeMs).toISOString()).toBe(want);
      }
    });

    it("reports rows, bytes on disk and bytes per flow of every tier", async () => {
      const stats = await store().storageStats({ raw: null, "1m": null, "1h": null, "1d": null });
      expect(stats.tiers.map((tier) => tier.tier)).toEqual(["raw", "1m", "1h", "1d"]);
      for (const tier of stats.tiers) {
        expect(tier.flows, tier.tier).toBe(COUNT);
        expect(tier.rows, tier.tier).toBeGreaterThan(0);
        if (options.bytesOnDiskAtOnce) expect(tier.bytesOnDisk, tier.tier).toBeGreaterThan(0);
        expect(tier.bytesPerFlow ?? 0, tier.tier).toBeCloseTo(tier.bytesOnDisk / COUNT, 6);
        expect(tier.range?.fromMs, tier.tier).toBeGreaterThanOrEqual(T0_MS);
      }
      if (options.bytesOnDiskAtOnce) expect(stats.databaseBytes).toBeGreaterThan(0);
    });

    it("retention removes expired raw flows; the day tier still answers their day", async () => {
      const nowMs = T0_MS + 2 * DAY_MS;
      const day = { fromMs: T0_MS, toMs: T0_MS + DAY_MS };
      const before = await store().summary({ range: day });
      const report = await store().enforceRetention(
        { raw: DAY_MS, "1m": null, "1h": null, "1d": null },
        nowMs,
      );
      expect(report.cutoffMs.raw).toBe(T0_MS + DAY_MS);
      expect(report.deletedRows.raw).toBe(records.filter((r) => r.endMs < T0_MS + DAY_MS).length);
      const range = await store().dataRange();
      expect(range?.fromMs).toBeGreaterThanOrEqual(T0_MS + DAY_MS);
      const after = await store().summary({ range: day });
      expect(after.source?.tier).toBe("1d");
      expect(after.total).toEqual(before.total);
    });
  });
}
