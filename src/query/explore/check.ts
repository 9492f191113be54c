import { AppError } from "../../core/index.ts";
import {
  EXPLORE_DIMENSIONS_MAX,
  EXPLORE_LIMIT_MAX,
  EXPLORE_POINTS_MAX,
  EXPLORE_UNITS,
  EXPLORE_VALUES_MAX,
  isDimension,
  type ExploreQuery,
  type Metric,
  type TimeRange,
} from "../../storage/index.ts";
import { autoStepMs, stepCount } from "./auto-step.ts";

/**
 * The checks every store makes on an explorer query before it reads anything, with one set
 * of messages (range and filter are checked by the store with its other queries' rules).
 */
export function checkExploreQuery(query: ExploreQuery): void {
  // Typed, but the query may come from JSON or a worker message: check it all the same.
  const dimensions: readonly unknown[] = query.dimensions;
  if (!Array.isArray(dimensions) || dimensions.length > EXPLORE_DIMENSIONS_MAX) {
    throw invalid(`give at most ${EXPLORE_DIMENSIONS_MAX} dimensions`);
  }
  for (const dimension of dimensions) {
    if (typeof dimension !== "string" || !isDimension(dimension)) {
      throw invalid(
        `"${String(dimension)}" is not a dimension: use src.addr, dst.addr, proto… or src.tag.<key> / dst.tag.<key> with a key of letters, digits, _ and -`,
      );
    }
  }
  if (new Set(dimensions).size !== dimensions.length) {
    throw invalid(`dimension ${dimensions.join(", ")}: each dimension at most once`);
  }
  if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > EXPLORE_LIMIT_MAX) {
    throw invalid(
      `limit must be a whole number from 1 to ${EXPLORE_LIMIT_MAX}, got ${query.limit}`,
    );
  }
  if (!(EXPLORE_UNITS as readonly string[]).includes(query.unit)) {
    throw invalid(`unit "${query.unit}" is not one of ${EXPLORE_UNITS.join(", ")}`);
  }
  const { stepMs } = query;
  if (stepMs !== undefined && (!Number.isSafeInteger(stepMs) || stepMs <= 0)) {
    throw invalid(`step must be a positive whole number of milliseconds, got ${stepMs}`);
  }
}

/** The measure groups are ranked by: the one the unit counts. */
export function rankMetric(query: ExploreQuery): Metric {
  switch (query.unit) {
    case "bytes":
    case "bits/s":
      return "bytes";
    case "packets":
    case "packets/s":
      return "packets";
    case "flows":
      return "flows";
  }
}

/**
 * The step of the answer: the query's, or one chosen for the range. Refuses a step giving
 * more steps than one answer can carry (per series, and over every group's series).
 */
export function exploreStepMs(query: ExploreQuery, range: TimeRange | null): number {
  const stepMs = query.stepMs ?? (range === null ? 60_000 : autoStepMs(range));
  if (range === null) return stepMs;
  const count = stepCount(range, stepMs);
  if (count > EXPLORE_POINTS_MAX) {
    throw invalid(
      `the range holds ${count} steps of ${stepMs} ms, more than ${EXPLORE_POINTS_MAX}: use a larger step or a shorter range`,
    );
  }
  // Groups, other and total, in this period and the previous one.
  const series =
    (query.dimensions.length === 0 ? 1 : query.limit + 2) *
    (query.comparePrevious === true ? 2 : 1);
  if (query.series && count * series > EXPLORE_VALUES_MAX) {
    throw invalid(
      `${series} series of ${count} steps is more than ${EXPLORE_VALUES_MAX} values: use a larger step, a shorter range or a lower limit`,
    );
  }
  return stepMs;
}

/** The range of the same length just before `range` (whose end is `range`'s start). */
export function previousRange(range: TimeRange): TimeRange {
  return { fromMs: range.fromMs - (range.toMs - range.fromMs), toMs: range.fromMs };
}

function invalid(message: string): AppError {
  return new AppError("ERR_QUERY_INVALID", message);
}
