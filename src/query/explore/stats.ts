import type { ExploreStats, ExploreUnit, Totals } from "../../storage/index.ts";

/**
 * The `q` quantile of `values` with linear interpolation between the two nearest ranks, as
 * DuckDB's `quantile_cont` computes it: position `(n - 1) × q` in the sorted values. 0 for no
 * values. Computed here so that both stores give the same figure.
 */
export function quantileCont(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? 0;
  const high = sorted[upper] ?? low;
  return low + (high - low) * (position - lower);
}

/** The volume a unit counts, from a step's or a range's sums: bytes, bits, packets or flows. */
export function unitVolume(totals: Totals, unit: ExploreUnit): number {
  switch (unit) {
    case "bytes":
      return totals.bytes;
    case "bits/s":
      return totals.bytes * 8;
    case "packets":
    case "packets/s":
      return totals.packets;
    case "flows":
      return totals.flows;
  }
}

export function isRateUnit(unit: ExploreUnit): boolean {
  return unit === "bits/s" || unit === "packets/s";
}

/** A step's value in the unit: its volume, or for a rate its volume per second of the step. */
export function stepValue(totals: Totals, unit: ExploreUnit, stepMs: number): number {
  const volume = unitVolume(totals, unit);
  return isRateUnit(unit) ? volume / (stepMs / 1000) : volume;
}

/**
 * Total, average, max and p95 of a series. The p95 is computed here over the zero-filled
 * values rather than in SQL: the stores return only the steps that hold flows, and a
 * quantile that skipped the empty steps would overstate a bursty series.
 */
export function seriesStats(
  totals: Totals,
  values: readonly number[],
  unit: ExploreUnit,
): ExploreStats {
  let sum = 0;
  let max = 0;
  for (const value of values) {
    sum += value;
    if (value > max) max = value;
  }
  return {
    total: unitVolume(totals, unit),
    average: values.length === 0 ? 0 : sum / values.length,
    max,
    p95: quantileCont(values, 0.95),
  };
}
