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
  "src.as.name",
  "dst.as.name",
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
  // Enrichment: each end's country, and its network's attributes (or, outside the inventory,
  // the provider, region and service of the published cloud range it falls in).
  "src.country",
  "dst.country",
  "src.site",
  "dst.site",
  "src.provider",
  "dst.provider",
  "src.account",
  "dst.account",
  "src.region",
  "dst.region",
  "src.zone",
  "dst.zone",
  "src.vpc",
  "dst.vpc",
  "src.subnet",
  "dst.subnet",
  "src.egress",
  "dst.egress",
  "src.service",
  "dst.service",
  // The boundary interface a flow crossed, when direction comes from interfaces.
  "connectivity",
  "boundary.provider",
  "boundary.interface",
] as const;
export type FixedDimension = (typeof FIXED_DIMENSIONS)[number];

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

/**
 * Where a filter expression went wrong (`ERR_QUERY_INVALID`): the text the server read, the
 * 1-based column (in UTF-16 code units, as JavaScript strings count) and length of the mistake,
 * and what would have been accepted there.
 */
export interface FilterErrorDetails {
  filter: string;
  column: number;
  length: number;
  expected: string[];
}

/** RFC 9457 problem details, as the server sends them with `application/problem+json`. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  /** Present on an invalid filter; other errors may carry other details. */
  details?: unknown;
}

/** `/api/v1/explain`, one address: what the inventory and the registries make of it. */
export interface NetworkExplanation {
  name: string;
  prefix: string;
  /** The file (or config section) that declared the network; empty for built-in defaults. */
  origin: string;
  attributes: Record<string, string>;
  /** Each tag with the network it comes from (this one or an enclosing one). */
  tags: { key: string; value: string; from: string }[];
  /** Enclosing declared networks, nearest first. */
  enclosing: { name: string; prefix: string; origin: string }[];
}

export interface AddressExplanation {
  address: string;
  /** In a declared network. */
  ours: boolean;
  network?: NetworkExplanation;
  asn?: { number: number; name: string; range?: string; source: string };
  country?: { code: string; range?: string; source: string };
  cloud?: {
    provider: string;
    service: string;
    region: string;
    kind: string;
    prefix: string;
    source: string;
  };
  /** Global unicast (public) or not. */
  global: boolean;
}

export interface InterfaceExplanation {
  ifIndex: number;
  boundary: string;
  declared: boolean;
  connectivity: string;
  provider: string;
  name: string;
  origin: string;
}

/** `/api/v1/explain`, two addresses: the flow from the first to the second. */
export interface FlowExplanation {
  src: AddressExplanation;
  dst: AddressExplanation;
  direction: Direction;
  directionSource: "interface" | "networks";
  directionReason: string;
  farEnd: "src" | "dst";
  locality: string;
  localityReason: string;
  exporter?: {
    address: string;
    name: string;
    origin: string;
    input?: InterfaceExplanation;
    output?: InterfaceExplanation;
  };
}

export type ExplainResponse =
  { kind: "address"; address: AddressExplanation } | { kind: "flow"; flow: FlowExplanation };
