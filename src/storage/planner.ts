import type { Dimension, FlowFilter, TimeRange } from "./store.ts";
import { TIER_BUCKET_MS, type RollupDimension, type RollupTier } from "./tiers.ts";

/**
 * The tier choice both stores' planners make (storage/duckdb/planner.ts,
 * storage/clickhouse/planner.ts): each summary, top-N and time series is answered from the
 * coarsest tier that gives the raw answer exactly, else from the raw flows. A tier can when
 * - its rows hold every field the query groups or filters by (the configured dimensions;
 *   addresses, ports and per-flow measures are only in the raw flows),
 * - both range bounds fall on its bucket boundaries (rollup buckets are on the end time, as
 *   ranges are, so a bucket is wholly in or out), and
 * - a time series' step is a multiple of its bucket (each bucket falls in one step).
 * Whether a filter compiles against a tier is the backend's question (`filters`): each
 * compiles it with its own dialect restricted to the tier's fields.
 */

/** Coarsest first: the first tier that can answer does. */
export const PLAN_ORDER: readonly RollupTier[] = ["1d", "1h", "1m"];

/** What each rollup tier's rows hold, per tier; undefined: the tier is not kept up. */
export type RollupAvailability = ReadonlyMap<
  RollupTier,
  { dimensions: ReadonlySet<RollupDimension> | undefined }
>;

const NETWORK_FIELDS = [
  "net",
  "site",
  "provider",
  "account",
  "region",
  "zone",
  "vpc",
  "subnet",
  "egress",
  "service",
] as const;

const CLOUD_FIELDS = [
  "provider",
  "account",
  "region",
  "zone",
  "vpc",
  "subnet",
  "instance",
  "interface",
] as const;

/** The query fields a kept rollup dimension answers, besides its own name. */
export function fieldsOf(dimension: RollupDimension): string[] {
  if (dimension === "exporter") {
    return ["exporter", ...CLOUD_FIELDS.map((name) => `cloud.${name}`)];
  }
  if (dimension === "src.net" || dimension === "dst.net") {
    const side = dimension.slice(0, 3);
    return NETWORK_FIELDS.map((name) => `${side}.${name}`);
  }
  // The AS name is joined from `as_names` on the number, which the tier's rows hold.
  if (dimension === "src.as" || dimension === "dst.as") return [dimension, `${dimension}.name`];
  return [dimension];
}

/** Every query field (canonical name) a tier keeping `kept` answers; `direction` always. */
export function coveredFields(kept: ReadonlySet<RollupDimension>): Set<string> {
  return new Set<string>(["direction", ...[...kept].flatMap(fieldsOf)]);
}

export function isTagDimension(by: string): boolean {
  return by.startsWith("src.tag.") || by.startsWith("dst.tag.");
}

/** True when a tier keeping `kept` can group by `by` (a tag needs its side's network). */
export function groupsBy(kept: ReadonlySet<RollupDimension>, by: Dimension): boolean {
  if (isTagDimension(by)) return kept.has(`${by.slice(0, 3)}.net` as RollupDimension);
  return coveredFields(kept).has(by);
}

function divides(bucketMs: number, value: number): boolean {
  return ((value % bucketMs) + bucketMs) % bucketMs === 0;
}

export interface PlanRequest {
  range: TimeRange;
  stepMs?: number;
  by?: Dimension;
  /** Several dimensions (explore); every one must be held. */
  byAll?: readonly Dimension[];
  filter?: FlowFilter;
}

/**
 * The coarsest tier that answers `request` exactly, or undefined (raw flows). `filters` says
 * whether the request's filter compiles against the tier's fields (called only with a filter
 * expression; a `direction` filter is always held).
 */
export function chooseTier(
  request: PlanRequest,
  available: RollupAvailability,
  filters: (
    tier: RollupTier,
    kept: ReadonlySet<RollupDimension>,
    filter: FlowFilter & { where: NonNullable<FlowFilter["where"]> },
  ) => boolean,
): { tier: RollupTier; kept: ReadonlySet<RollupDimension> } | undefined {
  for (const tier of PLAN_ORDER) {
    const kept = available.get(tier)?.dimensions;
    if (kept === undefined) continue;
    const bucketMs = TIER_BUCKET_MS[tier];
    if (!divides(bucketMs, request.range.fromMs) || !divides(bucketMs, request.range.toMs)) {
      continue;
    }
    if (request.stepMs !== undefined && !divides(bucketMs, request.stepMs)) continue;
    const by = [...(request.by === undefined ? [] : [request.by]), ...(request.byAll ?? [])];
    if (!by.every((dimension) => groupsBy(kept, dimension))) continue;
    const filter = request.filter;
    if (filter?.where !== undefined && !filters(tier, kept, { ...filter, where: filter.where })) {
      continue;
    }
    return { tier, kept };
  }
  return undefined;
}
