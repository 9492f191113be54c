import { describe, expect, it } from "vitest";
import { quantileCont, seriesStats, stepValue } from "./stats.ts";

describe("quantileCont", () => {
  it("interpolates between the nearest ranks, as DuckDB's quantile_cont", () => {
    // Position (20 - 1) × 0.95 = 18.05 in 1..20: 19 + 0.05 × (20 - 19).
    const values = Array.from({ length: 20 }, (_, index) => 20 - index);
    expect(quantileCont(values, 0.95)).toBeCloseTo(19.05, 10);
    expect(quantileCont([5], 0.95)).toBe(5);
    expect(quantileCont([], 0.95)).toBe(0);
    expect(quantileCont([0, 10], 0.5)).toBe(5);
  });

  it("counts empty steps: a burst in one step of twenty stays out of the p95", () => {
    const values = [...Array.from({ length: 19 }, () => 0), 1000];
    expect(quantileCont(values, 0.95)).toBeCloseTo(50, 10);
  });
});

describe("seriesStats and rates", () => {
  const totals = { bytes: 3000, packets: 30, flows: 3 };

  it("a rate is the step's volume per second; bits are bytes × 8", () => {
    expect(stepValue(totals, "bits/s", 60_000)).toBe(400);
    expect(stepValue(totals, "packets/s", 60_000)).toBe(0.5);
    expect(stepValue(totals, "bytes", 60_000)).toBe(3000);
    expect(stepValue(totals, "flows", 60_000)).toBe(3);
  });

  it("total is the volume, average over every step, max and p95 over the values", () => {
    const stats = seriesStats(totals, [400, 0, 0], "bits/s");
    expect(stats.total).toBe(24_000);
    expect(stats.average).toBeCloseTo(133.333333, 5);
    expect(stats.max).toBe(400);
    expect(stats.p95).toBeCloseTo(360, 10);
  });
});
