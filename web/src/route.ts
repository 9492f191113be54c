import { DIRECTIONS, METRICS, isDimension } from "./api-types.ts";
import type { Params } from "./api-client.ts";
import type { Direction, Metric } from "./api-types.ts";

/**
 * The page's state lives in the URL hash (`#/explore?by=dst.port&range=24h`), so a view can be
 * bookmarked, shared and restored by the back button without a server-side router.
 */

export const PAGES = ["overview", "explore"] as const;
export type Page = (typeof PAGES)[number];

/** Time ranges offered by the picker; `all` spans every stored flow. */
export const RANGES = ["15m", "1h", "6h", "24h", "7d", "all"] as const;
export type RangeChoice = (typeof RANGES)[number];

export const RANGE_LABELS: Readonly<Record<RangeChoice, string>> = {
  "15m": "15 min",
  "1h": "1 hour",
  "6h": "6 hours",
  "24h": "24 hours",
  "7d": "7 days",
  all: "All",
};

export const LIMITS = [10, 25, 50] as const;

export interface Route {
  page: Page;
  range: RangeChoice;
  metric: Metric;
  /** Chart values as a rate (bits/s for bytes) instead of a total per bucket. */
  rate: boolean;
  /** Explore: the dimension to group by, an optional direction, and the number of rows. */
  by: string;
  direction: Direction | undefined;
  limit: number;
  /**
   * A filter expression (docs/33-filter-language.md), shared by every page and sent as the
   * API's `filter=`; empty for none. Kept as typed, even when the server refuses it, so the
   * link reproduces what the user saw and the box keeps their text.
   */
  filter: string;
}

export const defaultRoute: Route = {
  page: "overview",
  range: "1h",
  metric: "bytes",
  rate: true,
  by: "dst.port",
  direction: undefined,
  limit: 10,
  filter: "",
};

function oneOf<T extends string>(choices: readonly T[], value: string | null): T | undefined {
  return (choices as readonly (string | null)[]).includes(value) ? (value as T) : undefined;
}

/** Reads a hash such as `#/explore?by=src.addr`; anything unknown falls back to the default. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const queryAt = text.indexOf("?");
  const path = queryAt === -1 ? text : text.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? "" : text.slice(queryAt + 1));
  const by = query.get("by");
  const limit = Number(query.get("limit"));
  return {
    page: oneOf(PAGES, path === "" ? "overview" : path) ?? defaultRoute.page,
    range: oneOf(RANGES, query.get("range")) ?? defaultRoute.range,
    metric: oneOf(METRICS, query.get("metric")) ?? defaultRoute.metric,
    rate: query.get("as") !== "total",
    by: by !== null && isDimension(by) ? by : defaultRoute.by,
    direction: oneOf(DIRECTIONS, query.get("direction")),
    limit: (LIMITS as readonly number[]).includes(limit) ? limit : defaultRoute.limit,
    filter: query.get("filter")?.trim() ?? defaultRoute.filter,
  };
}

/** Writes a route back as a hash, leaving defaults out to keep URLs short. */
export function formatRoute(route: Route): string {
  const query = new URLSearchParams();
  if (route.range !== defaultRoute.range) query.set("range", route.range);
  if (route.metric !== defaultRoute.metric) query.set("metric", route.metric);
  if (!route.rate) query.set("as", "total");
  if (route.filter !== "") query.set("filter", route.filter);
  if (route.page === "explore") {
    if (route.by !== defaultRoute.by) query.set("by", route.by);
    if (route.direction !== undefined) query.set("direction", route.direction);
    if (route.limit !== defaultRoute.limit) query.set("limit", String(route.limit));
  }
  const search = query.toString();
  const path = route.page === "overview" ? "/" : `/${route.page}`;
  return `#${path}${search === "" ? "" : `?${search}`}`;
}

/** The API's time bounds for a range choice: `all` leaves both open (first to last flow). */
export function rangeParams(range: RangeChoice): Params {
  return range === "all" ? {} : { since: range, until: "now" };
}

/** The API parameters every query of a page shares: the time bounds and the filter. */
export function queryParams(route: Route): Params {
  return { ...rangeParams(route.range), filter: route.filter === "" ? undefined : route.filter };
}
