import { AppError, parseDurationMs } from "../../core/index.ts";
import {
  EXPLORE_DIMENSIONS_MAX,
  EXPLORE_LIMIT_MAX,
  EXPLORE_UNITS,
  type Dimension,
  type ExploreQuery,
  type ExploreUnit,
} from "../../storage/index.ts";
import { parseDimension, parseFilter, parseRange, type RawQueryParams } from "../params.ts";

/** The explorer's parameters as the CLI and the HTTP API both take them (text). */
export interface RawExploreParams extends Omit<RawQueryParams, "by" | "metric"> {
  /** Repeated, or comma-separated: `src.net,dst.port`. */
  dimension?: string | readonly string[] | undefined;
  unit?: string | undefined;
  series?: string | boolean | undefined;
  previous?: string | boolean | undefined;
}

/** The dimensions in order: repeated parameters, each possibly a comma-separated list. */
export function parseDimensions(raw: RawExploreParams["dimension"]): Dimension[] {
  const texts = raw === undefined ? [] : typeof raw === "string" ? [raw] : raw;
  const names = texts.flatMap((text) => text.split(",")).map((name) => name.trim());
  const dimensions = names.filter((name) => name !== "").map((by) => parseDimension({ by }));
  if (dimensions.length > EXPLORE_DIMENSIONS_MAX) {
    throw invalid(`give at most ${EXPLORE_DIMENSIONS_MAX} dimensions, got ${dimensions.length}`);
  }
  return dimensions;
}

export function parseUnit(raw: string | undefined): ExploreUnit {
  const unit = raw === undefined || raw === "" ? "bytes" : raw;
  if (!(EXPLORE_UNITS as readonly string[]).includes(unit)) {
    throw invalid(`unit "${unit}" is not one of ${EXPLORE_UNITS.join(", ")}`);
  }
  return unit as ExploreUnit;
}

/** `true`/`1`/`yes` or a bare flag; absent: false. */
export function parseFlag(raw: string | boolean | undefined, name: string): boolean {
  if (raw === undefined || typeof raw === "boolean") return raw ?? false;
  if (["", "true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw invalid(`${name} "${raw}" must be true or false`);
}

export function parseExploreParams(params: RawExploreParams, nowMs: number): ExploreQuery {
  const query: ExploreQuery = {
    range: parseRange(params, nowMs),
    filter: parseFilter(params),
    dimensions: parseDimensions(params.dimension),
    limit: parseExploreLimit(params.limit),
    unit: parseUnit(params.unit),
    series: parseFlag(params.series, "series"),
    comparePrevious: parseFlag(params.previous, "previous"),
  };
  if (params.step !== undefined && params.step !== "" && params.step !== "auto") {
    const stepMs = parseDurationMs(params.step);
    if (stepMs === undefined || stepMs < 1000) {
      throw invalid(
        `step "${params.step}" must be a duration of at least 1s (10s, 1m, 5m, 1h) or auto`,
      );
    }
    query.stepMs = stepMs;
  }
  return query;
}

function parseExploreLimit(raw: string | number | undefined): number {
  if (raw === undefined || raw === "") return 10;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > EXPLORE_LIMIT_MAX) {
    throw invalid(`limit "${raw}" must be a whole number from 1 to ${EXPLORE_LIMIT_MAX}`);
  }
  return limit;
}

function invalid(message: string): AppError {
  return new AppError("ERR_QUERY_INVALID", message);
}
