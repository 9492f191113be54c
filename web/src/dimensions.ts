import type { FixedDimension } from "./api-types.ts";

/**
 * How the dimensions a top-N can group by read on the page: a label each, and the groups the
 * picker shows them in. The server's names (`dst.country`) stay visible beside the labels, since
 * they are also what the filter language takes.
 */

export const DIMENSION_LABELS: Readonly<Record<FixedDimension, string>> = {
  "src.addr": "Source address",
  "dst.addr": "Destination address",
  "src.port": "Source port",
  "dst.port": "Destination port",
  proto: "Protocol",
  "ip.version": "IP version",
  "src.net": "Source network",
  "dst.net": "Destination network",
  "src.as": "Source AS",
  "dst.as": "Destination AS",
  "src.as.name": "Source AS name",
  "dst.as.name": "Destination AS name",
  "src.country": "Source country",
  "dst.country": "Destination country",
  "src.site": "Source site",
  "dst.site": "Destination site",
  "src.region": "Source region",
  "dst.region": "Destination region",
  "src.zone": "Source zone",
  "dst.zone": "Destination zone",
  "cloud.provider": "Cloud provider (flow log)",
  "cloud.account": "Cloud account / project / subscription",
  "cloud.region": "Cloud region (flow log)",
  "cloud.zone": "Cloud zone (flow log)",
  "cloud.vpc": "VPC / VNet (flow log)",
  "cloud.subnet": "Subnet (flow log)",
  "cloud.instance": "Instance",
  "cloud.interface": "Cloud interface",
  "src.provider": "Source provider",
  "dst.provider": "Destination provider",
  "src.account": "Source account",
  "dst.account": "Destination account",
  "src.vpc": "Source VPC",
  "dst.vpc": "Destination VPC",
  "src.subnet": "Source subnet",
  "dst.subnet": "Destination subnet",
  "src.egress": "Source egress path",
  "dst.egress": "Destination egress path",
  "src.service": "Source cloud service",
  "dst.service": "Destination cloud service",
  exporter: "Exporter",
  "in.if": "Input interface",
  "out.if": "Output interface",
  connectivity: "Boundary connectivity",
  "boundary.provider": "Boundary provider (other side)",
  "boundary.interface": "Boundary interface",
  direction: "Direction",
  "direction.source": "Direction decided by",
  locality: "Locality",
  source: "Source protocol or log",
  "observed.action": "Cloud action (accept/reject)",
};

export interface DimensionGroup {
  label: string;
  dimensions: readonly FixedDimension[];
  /** The free-form tag choice (`src.tag.<key>`) sits at the end of this group. */
  withTags?: boolean;
}

/** The picker's optgroups, in order; every fixed dimension is in exactly one (a unit test checks). */
export const DIMENSION_GROUPS: readonly DimensionGroup[] = [
  {
    label: "Addresses & ports",
    dimensions: ["src.addr", "dst.addr", "src.port", "dst.port", "proto", "ip.version"],
  },
  {
    label: "Networks & tags",
    dimensions: ["src.net", "dst.net", "src.as", "dst.as", "src.as.name", "dst.as.name"],
    withTags: true,
  },
  {
    label: "Location",
    dimensions: [
      "src.country",
      "dst.country",
      "src.site",
      "dst.site",
      "src.region",
      "dst.region",
      "src.zone",
      "dst.zone",
    ],
  },
  {
    label: "Cloud",
    dimensions: [
      "src.provider",
      "dst.provider",
      "src.service",
      "dst.service",
      "src.account",
      "dst.account",
      "src.vpc",
      "dst.vpc",
      "src.subnet",
      "dst.subnet",
      "src.egress",
      "dst.egress",
      "cloud.provider",
      "cloud.account",
      "cloud.region",
      "cloud.zone",
      "cloud.vpc",
      "cloud.subnet",
      "cloud.instance",
      "cloud.interface",
    ],
  },
  {
    label: "Boundary",
    dimensions: [
      "exporter",
      "in.if",
      "out.if",
      "connectivity",
      "boundary.provider",
      "boundary.interface",
    ],
  },
  {
    label: "Flow",
    dimensions: ["direction", "direction.source", "locality", "source", "observed.action"],
  },
];

/** A label for any dimension, tag dimensions included (`src.tag.team` → "Source tag team"). */
export function dimensionLabel(dimension: string): string {
  const fixed = (DIMENSION_LABELS as Readonly<Record<string, string>>)[dimension];
  if (fixed !== undefined) return fixed;
  const tag = /^(src|dst)\.tag\.(.+)$/.exec(dimension);
  if (tag === null) return dimension;
  return `${tag[1] === "src" ? "Source" : "Destination"} tag ${tag[2] ?? ""}`;
}

/** Dimensions whose keys are single addresses, which `/api/v1/explain` can explain. */
export const ADDRESS_DIMENSIONS = ["src.addr", "dst.addr"] as const;
export type AddressDimension = (typeof ADDRESS_DIMENSIONS)[number];

export function isAddressDimension(dimension: string): dimension is AddressDimension {
  return (ADDRESS_DIMENSIONS as readonly string[]).includes(dimension);
}

export function isCountryDimension(dimension: string): boolean {
  return dimension === "src.country" || dimension === "dst.country";
}
