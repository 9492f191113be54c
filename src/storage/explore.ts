import type { Dimension, FlowFilter, TimeRange, Totals } from "./store.ts";
import type { QuerySource } from "./tiers.ts";

/**
 * The explorer's query (issue 6): top groups over zero to four dimensions with the rest
 * folded into `other`, each group's values per time step, and its total, average, maximum and
 * 95th percentile in one unit; optionally the preceding period of equal length for the same
 * groups. Both stores answer it (`FlowStore.explore`) and the contract suite holds them to the
 * same answer; the time series, statistics and rates are computed by `query/explore` from the
 * per-step sums each store returns.
 */

export const EXPLORE_UNITS = ["bytes", "bits/s", "packets", "packets/s", "flows"] as const;
export type ExploreUnit = (typeof EXPLORE_UNITS)[number];

/** At most this many dimensions in one explorer query. */
export const EXPLORE_DIMENSIONS_MAX = 4;
/** At most this many top groups; the rest is folded into `other`. */
export const EXPLORE_LIMIT_MAX = 1_000;
/** At most this many time steps in a range. */
export const EXPLORE_POINTS_MAX = 10_000;
/** At most this many values (groups × steps) in one answer. */
export const EXPLORE_VALUES_MAX = 1_000_000;

export interface ExploreQuery {
  /** Omitted bounds default to the first / last stored flow, as for `summary`. */
  range: Partial<TimeRange>;
  filter?: FlowFilter;
  /** Group by these, in this order (0 to 4); none: one group, the whole traffic. */
  dimensions: readonly Dimension[];
  /** Groups kept, largest first by the unit's measure; the rest is folded into `other`. */
  limit: number;
  unit: ExploreUnit;
  /** Step of the time series; absent: chosen for the range (`autoStepMs`, 100–300 steps). */
  stepMs?: number;
  /** Return each group's values per step (`points`); statistics are computed either way. */
  series: boolean;
  /** Also answer the preceding range of the same length, for the same groups. */
  comparePrevious?: boolean;
}

/**
 * A group's numbers in the query's unit. `total` is the volume over the range: bytes, bits
 * (bytes × 8) for bits/s, packets, flows. `average`, `max` and `p95` are over the per-step
 * values, empty steps counted as 0; for bits/s and packets/s a step's value is its volume
 * divided by the step in seconds, so `average` is `total` over the steps' whole duration.
 */
export interface ExploreStats {
  total: number;
  average: number;
  max: number;
  p95: number;
}

/** One series: its sums, its statistics, and, when asked, its value at each step. */
export interface ExploreSeries {
  totals: Totals;
  stats: ExploreStats;
  /** Aligned with the period's `timesMs`, zero-filled; present when the query asked `series`. */
  points?: number[];
}

export interface ExploreGroup extends ExploreSeries {
  /** One key per dimension, as text (the same text `top` gives). */
  keys: string[];
}

/** The numbers of one period: the query's range or the preceding one. */
export interface ExplorePeriod {
  range: TimeRange | null;
  /** Start of each step (epoch ms, multiples of the step), when the query asked `series`. */
  timesMs?: number[];
  /** Largest first; in `previous`, the current period's groups in the same order. */
  groups: ExploreGroup[];
  /** Every flow of the period outside `groups`. */
  other: ExploreSeries;
  total: ExploreSeries;
}

export interface ExploreResult extends ExplorePeriod {
  dimensions: Dimension[];
  unit: ExploreUnit;
  limit: number;
  stepMs: number;
  /** The preceding range of the same length, for the current period's groups. */
  previous?: ExplorePeriod;
  /** Which table answered the current period (stores with rollup tiers). */
  source?: QuerySource;
}
