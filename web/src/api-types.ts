/**
 * The HTTP API's JSON shapes (`/api/v1/...`), as the dashboard reads them. The server's own
 * types live in `src/storage/store.ts`; the dashboard is a separate package and only sees JSON,
 * so these mirror the wire contract rather than import the server's modules.
 */

export const DIRECTIONS = ["ingress", "egress", "internal", "transit"] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const METRICS = ["bytes", "packets", "flows"] as const;
export type Metric = (typeof METRICS)[number];

/** Dimensions a top-N can group by; tag dimensions (`src.tag.<key>`) are typed in freely. */
export const FIXED_DIMENSIONS = [
  "src.addr",
  "dst.addr",
  "src.port",
  "dst.port",
  "proto",
  "exporter",
  "in.if",
  "out.if",
  "src.net",
  "dst.net",
  "direction",
  "direction.source",
  "locality",
  "ip.version",
  "src.as",
  "dst.as",
  "source",
  "observed.action",
  "cloud.provider",
  "cloud.account",
  "cloud.region",
  "cloud.zone",
  "cloud.vpc",
  "cloud.subnet",
  "cloud.instance",
  "cloud.interface",
] as const;

export const TAG_DIMENSION = /^(src|dst)\.tag\.[A-Za-z0-9_-]{1,64}$/;

export function isDimension(value: string): boolean {
  return (FIXED_DIMENSIONS as readonly string[]).includes(value) || TAG_DIMENSION.test(value);
}

export interface Totals {
  bytes: number;
  packets: number;
  flows: number;
}

/** The range a query covered; null when nothing is stored and no bound was given. */
export interface ApiRange {
  fromMs: number;
  toMs: number;
  from: string;
  to: string;
}

export interface SummaryResponse extends Record<Direction, Totals> {
  range: ApiRange | null;
  total: Totals;
}

export interface TopRow extends Totals {
  key: string;
}

export interface TopResponse {
  by: string;
  metric: Metric;
  range: ApiRange | null;
  rows: TopRow[];
  other: Totals;
  total: Totals;
}

export interface TimeseriesPoint {
  timeMs: number;
  byDirection: Record<Direction, number>;
}

export interface TimeseriesResponse {
  range: ApiRange | null;
  stepMs: number;
  metric: Metric;
  points: TimeseriesPoint[];
}

export interface Listener {
  kind: string;
  protocol: string;
  address: string;
}

export interface StatusResponse {
  version: string;
  startedMs: number;
  listeners: Listener[];
  collector: { datagrams: number; records: number; decodeIssues: number; stored: number };
}

/** RFC 9457 problem details, as the server sends them with `application/problem+json`. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
}
