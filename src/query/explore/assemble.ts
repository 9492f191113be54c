import type {
  ExploreGroup,
  ExplorePeriod,
  ExploreQuery,
  ExploreResult,
  ExploreSeries,
  ExploreUnit,
  QuerySource,
  TimeRange,
  Totals,
} from "../../storage/index.ts";
import { floorToStep, stepCount } from "./auto-step.ts";
import { seriesStats, stepValue } from "./stats.ts";

/**
 * What a store reads for one period of an explorer query, before units and statistics: the
 * sums per step of each top group (in rank order) and of all flows. Steps without flows are
 * simply absent. Both stores produce this; `assemblePeriod` turns it into the answer, so
 * zero-filling, rates and statistics are the same code for both.
 */
export interface PeriodRows {
  groups: { keys: string[]; steps: Map<number, Totals> }[];
  total: Map<number, Totals>;
}

export function zeroTotals(): Totals {
  return { bytes: 0, packets: 0, flows: 0 };
}

export function addTotals(into: Totals, add: Totals): void {
  into.bytes += add.bytes;
  into.packets += add.packets;
  into.flows += add.flows;
}

/** Adds `add` to the sums of step `stepMs` in `steps`. */
export function addStep(steps: Map<number, Totals>, stepStartMs: number, add: Totals): void {
  let totals = steps.get(stepStartMs);
  if (totals === undefined) {
    totals = zeroTotals();
    steps.set(stepStartMs, totals);
  }
  addTotals(totals, add);
}

/** The start of every step of `range`, in order. */
export function stepTimes(range: TimeRange | null, stepMs: number): number[] {
  if (range === null) return [];
  const firstMs = floorToStep(range.fromMs, stepMs);
  return Array.from({ length: stepCount(range, stepMs) }, (_, index) => firstMs + index * stepMs);
}

function series(
  steps: ReadonlyMap<number, Totals>,
  timesMs: readonly number[],
  unit: ExploreUnit,
  stepMs: number,
  withPoints: boolean,
): ExploreSeries {
  const totals = zeroTotals();
  for (const sums of steps.values()) addTotals(totals, sums);
  const values = timesMs.map((timeMs) =>
    stepValue(steps.get(timeMs) ?? zeroTotals(), unit, stepMs),
  );
  const result: ExploreSeries = { totals, stats: seriesStats(totals, values, unit) };
  if (withPoints) result.points = values;
  return result;
}

/**
 * One period's answer: each group's and the total's series zero-filled on the period's
 * steps, `other` as the total minus the groups (per step, so its series is exact too).
 */
export function assemblePeriod(
  rows: PeriodRows,
  range: TimeRange | null,
  options: { unit: ExploreUnit; stepMs: number; series: boolean },
): ExplorePeriod {
  const { unit, stepMs } = options;
  const timesMs = stepTimes(range, stepMs);
  const otherSteps = new Map<number, Totals>();
  for (const [timeMs, sums] of rows.total) addStep(otherSteps, timeMs, sums);
  const groups: ExploreGroup[] = rows.groups.map((group) => {
    for (const [timeMs, sums] of group.steps) {
      addStep(otherSteps, timeMs, {
        bytes: -sums.bytes,
        packets: -sums.packets,
        flows: -sums.flows,
      });
    }
    return { keys: group.keys, ...series(group.steps, timesMs, unit, stepMs, options.series) };
  });
  for (const [timeMs, sums] of otherSteps) {
    if (sums.bytes === 0 && sums.packets === 0 && sums.flows === 0) otherSteps.delete(timeMs);
  }
  const period: ExplorePeriod = {
    range,
    groups,
    other: series(otherSteps, timesMs, unit, stepMs, options.series),
    total: series(rows.total, timesMs, unit, stepMs, options.series),
  };
  if (options.series) period.timesMs = timesMs;
  return period;
}

/** A group's keys as one map key. */
export function keyId(keys: readonly string[]): string {
  return JSON.stringify(keys);
}

/**
 * The whole answer from the periods' rows. The previous period's groups are put in the
 * current period's order, a group without flows then being all zeros.
 */
export function assembleExplore(
  query: ExploreQuery,
  stepMs: number,
  current: { range: TimeRange | null; rows: PeriodRows; source?: QuerySource },
  previous?: { range: TimeRange; rows: PeriodRows },
): ExploreResult {
  const options = { unit: query.unit, stepMs, series: query.series };
  const period = assemblePeriod(current.rows, current.range, options);
  const result: ExploreResult = {
    dimensions: [...query.dimensions],
    unit: query.unit,
    limit: query.limit,
    stepMs,
    ...period,
  };
  if (current.source !== undefined) result.source = current.source;
  if (previous !== undefined) {
    const byKey = new Map(previous.rows.groups.map((group) => [keyId(group.keys), group.steps]));
    const groups = current.rows.groups.map((group) => ({
      keys: group.keys,
      steps: byKey.get(keyId(group.keys)) ?? new Map<number, Totals>(),
    }));
    result.previous = assemblePeriod(
      { groups, total: previous.rows.total },
      previous.range,
      options,
    );
  }
  return result;
}
