import { AppError, DIRECTIONS, isDirection, type Direction } from "../core/index.ts";
import { METRICS, type FlowFilter, type Metric, type TimeRange, type Totals } from "./store.ts";

/**
 * The checks every store makes on a query before it builds SQL, with one wording of their
 * errors, and the zero values results start from: shared so that DuckDB and ClickHouse refuse
 * and answer alike (the contract suite holds them to it).
 */

export function invalid(message: string): AppError {
  return new AppError("ERR_QUERY_INVALID", message);
}

export function checkMetric(metric: string): Metric {
  if (!(METRICS as readonly string[]).includes(metric)) {
    throw invalid(`metric "${metric}" is not one of ${METRICS.join(", ")}`);
  }
  return metric as Metric;
}

export function checkBound(value: number | undefined, name: string): void {
  if (value !== undefined && !Number.isSafeInteger(value)) {
    throw invalid(`${name} must be a whole number of epoch milliseconds, got ${value}`);
  }
}

export function zeroTotals(): Totals {
  return { bytes: 0, packets: 0, flows: 0 };
}

export function zeroByDirection<T>(make: () => T): Record<Direction, T> {
  return { ingress: make(), egress: make(), internal: make(), transit: make() };
}

export function checkCommon(range: Partial<TimeRange>, filter: FlowFilter | undefined): void {
  checkBound(range.fromMs, "from");
  checkBound(range.toMs, "to");
  if (range.fromMs !== undefined && range.toMs !== undefined && range.fromMs > range.toMs) {
    throw invalid(`the range starts (${range.fromMs}) after it ends (${range.toMs})`);
  }
  const direction = filter?.direction;
  if (direction !== undefined && !isDirection(direction)) {
    throw invalid(`direction "${String(direction)}" is not one of ${DIRECTIONS.join(", ")}`);
  }
}

/**
 * The zero-filled buckets of a time series: they start on multiples of the step since the
 * epoch, the first holds `fromMs` and the last `toMs - 1` (the range is half-open). Refuses
 * more than `maxPoints` buckets.
 */
export function timeseriesPoints(
  range: TimeRange,
  stepMs: number,
  maxPoints: number,
): {
  firstMs: number;
  count: number;
  points: { timeMs: number; byDirection: Record<Direction, number> }[];
} {
  const floorToStep = (ms: number): number => ms - (((ms % stepMs) + stepMs) % stepMs);
  const firstMs = floorToStep(range.fromMs);
  const count =
    range.toMs > range.fromMs ? (floorToStep(range.toMs - 1) - firstMs) / stepMs + 1 : 0;
  if (count > maxPoints) {
    throw invalid(
      `the range holds ${count} steps of ${stepMs} ms, more than ${maxPoints}: use a larger step or a shorter range`,
    );
  }
  const points = Array.from({ length: count }, (_, index) => ({
    timeMs: firstMs + index * stepMs,
    byDirection: zeroByDirection(() => 0),
  }));
  return { firstMs, count, points };
}
