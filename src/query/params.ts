import { AppError, isDirection, parseDurationMs, parseTimeBoundMs } from "../core/index.ts";
import { parseFilterExpression } from "./filter/index.ts";
import type { Direction } from "../core/index.ts";
import {
  FIXED_DIMENSIONS,
  METRICS,
  isDimension,
  type Dimension,
  type FlowFilter,
  type Metric,
  type TimeRange,
} from "../storage/index.ts";

/**
 * Query parameters as the CLI and the HTTP API both take them (text), turned into the store's
 * typed queries with one set of rules and one set of error messages.
 */
export interface RawQueryParams {
  since?: string | undefined;
  until?: string | undefined;
  direction?: string | undefined;
  by?: string | undefined;
  metric?: string | undefined;
  limit?: string | number | undefined;
  step?: string | undefined;
  /** A filter expression (docs/33-filter-language.md). */
  filter?: string | undefined;
}

export function parseRange(params: RawQueryParams, nowMs: number): Partial<TimeRange> {
  const range: Partial<TimeRange> = {};
  if (params.since !== undefined && params.since !== "") {
    range.fromMs = parseTimeBoundMs(params.since, nowMs, "since");
  }
  if (params.until !== undefined && params.until !== "") {
    range.toMs = parseTimeBoundMs(params.until, nowMs, "until");
  }
  if (range.fromMs !== undefined && range.toMs !== undefined && range.fromMs >= range.toMs) {
    throw new AppError(
      "ERR_QUERY_INVALID",
      `since (${new Date(range.fromMs).toISOString()}) must be before until (${new Date(range.toMs).toISOString()})`,
    );
  }
  return range;
}

/** `direction` and `filter` as a FlowFilter; both apply when both are given. */
export function parseFilter(params: RawQueryParams): FlowFilter {
  const filter: FlowFilter = parseDirection(params);
  const text = params.filter;
  if (text !== undefined && text.trim() !== "") {
    filter.where = parseFilterExpression(text);
    filter.whereText = text;
  }
  return filter;
}

function parseDirection(params: RawQueryParams): FlowFilter {
  if (params.direction === undefined || params.direction === "" || params.direction === "all") {
    return {};
  }
  if (!isDirection(params.direction)) {
    throw new AppError(
      "ERR_QUERY_INVALID",
      `direction "${params.direction}" is not one of ingress, egress, internal, transit`,
    );
  }
  const direction: Direction = params.direction;
  return { direction };
}

export function parseMetric(params: RawQueryParams): Metric {
  const metric = params.metric ?? "bytes";
  if (!(METRICS as readonly string[]).includes(metric)) {
    throw new AppError(
      "ERR_QUERY_INVALID",
      `metric "${metric}" is not one of ${METRICS.join(", ")}`,
    );
  }
  return metric as Metric;
}

export function parseDimension(params: RawQueryParams): Dimension {
  const by = params.by;
  if (by === undefined || by === "") {
    throw new AppError(
      "ERR_QUERY_INVALID",
      `a dimension is required (--by / by=): one of ${FIXED_DIMENSIONS.join(", ")}, src.tag.<key>, dst.tag.<key>`,
    );
  }
  if (!isDimension(by)) {
    throw new AppError(
      "ERR_QUERY_INVALID",
      `"${by}" is not a dimension: use one of ${FIXED_DIMENSIONS.join(", ")}, src.tag.<key>, dst.tag.<key>`,
    );
  }
  return by;
}

export function parseLimit(params: RawQueryParams, fallback = 10): number {
  if (params.limit === undefined || params.limit === "") return fallback;
  const limit = Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new AppError(
      "ERR_QUERY_INVALID",
      `limit "${params.limit}" must be a whole number from 1 to 10000`,
    );
  }
  return limit;
}

/** Steps a time series snaps to when none is given: round, human-friendly widths. */
const NICE_STEPS_MS = [
  1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 10_800_000,
  21_600_000, 43_200_000, 86_400_000, 604_800_000,
];

/** The explicit step, or the smallest nice step giving at most `maxPoints` buckets. */
export function parseStepMs(
  params: RawQueryParams,
  range: TimeRange | null,
  maxPoints = 300,
): number {
  if (params.step !== undefined && params.step !== "") {
    const stepMs = parseDurationMs(params.step);
    if (stepMs === undefined || stepMs < 1000) {
      throw new AppError(
        "ERR_QUERY_INVALID",
        `step "${params.step}" must be a duration of at least 1s (10s, 1m, 5m, 1h)`,
      );
    }
    if (range !== null && (range.toMs - range.fromMs) / stepMs > 100_000) {
      throw new AppError(
        "ERR_QUERY_INVALID",
        `step "${params.step}" gives more than 100000 points over this range: use a larger step`,
      );
    }
    return stepMs;
  }
  const spanMs = range === null ? 3_600_000 : Math.max(1, range.toMs - range.fromMs);
  return NICE_STEPS_MS.find((stepMs) => spanMs / stepMs <= maxPoints) ?? 604_800_000;
}
