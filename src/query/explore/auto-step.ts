import type { TimeRange } from "../../storage/index.ts";

/**
 * Steps the explorer picks from when none is given: the round widths people read a chart in
 * (1 min, 5 min, 15 min, 1 h, 6 h, 1 day). Steps align on multiples of themselves since the
 * epoch, so a day is a UTC day.
 */
export const EXPLORE_AUTO_STEPS_MS = [
  60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000,
] as const;

/** The number of steps an automatic step aims for: enough to see a shape, few enough to draw. */
export const AUTO_POINTS_MIN = 100;
export const AUTO_POINTS_MAX = 300;

/** The steps (aligned buckets) a range covers at `stepMs`: the first holds fromMs, the last toMs - 1. */
export function stepCount(range: TimeRange, stepMs: number): number {
  if (range.toMs <= range.fromMs) return 0;
  return (floorToStep(range.toMs - 1, stepMs) - floorToStep(range.fromMs, stepMs)) / stepMs + 1;
}

/** The start of the step holding `ms` (floors negative times too). */
export function floorToStep(ms: number, stepMs: number): number {
  return ms - (((ms % stepMs) + stepMs) % stepMs);
}

/**
 * The nice step whose number of steps over `range` is closest to 100–300: inside the band
 * when one is, else the nearest on a log scale (ties to the finer step). The nice steps grow
 * by up to 6 times, so "the smallest step giving at most 300" could give as few as 50; this
 * keeps a 301-step answer at 1 h rather than dropping to 50 steps of 6 h. A range shorter
 * than 100 minutes gets 1-minute steps (finer would be noise for flows exported every minute).
 */
export function autoStepMs(range: TimeRange): number {
  let best: number = EXPLORE_AUTO_STEPS_MS[0];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const stepMs of EXPLORE_AUTO_STEPS_MS) {
    const count = Math.max(1, stepCount(range, stepMs));
    const distance =
      count < AUTO_POINTS_MIN
        ? Math.log(AUTO_POINTS_MIN / count)
        : count > AUTO_POINTS_MAX
          ? Math.log(count / AUTO_POINTS_MAX)
          : 0;
    if (distance < bestDistance) {
      best = stepMs;
      bestDistance = distance;
    }
  }
  return best;
}
