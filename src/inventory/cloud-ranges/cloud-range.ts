/**
 * The vocabulary of cloud provider IP ranges: what a far-end address is when it belongs to AWS,
 * Google or Azure (DESIGN.md "Locality": `cloud-service`, `cdn`), as the providers publish it.
 */
import type { CloudProvider, Prefix } from "../../core/index.ts";

/**
 * What the addresses of a range are used for, which decides how a byte to them is priced:
 *
 * - `service`: provider-managed services reached over public addresses (S3, DynamoDB, Google
 *   APIs, Azure Storage/Sql…): the "cloud-service" locality.
 * - `cdn`: the provider's content delivery edge (CloudFront, Azure Front Door): the "cdn"
 *   locality, priced per edge and often free from origin.
 * - `compute`: addresses customers get for their own machines and load balancers (EC2, Google
 *   Cloud `cloud.json`, AzureCloud): another customer's VM, or one of ours not declared.
 * - `other`: the provider's space without a more precise list (AWS AMAZON, unknown service names).
 *
 * The mapping of each provider's names to kinds is in `kinds.ts`, with the reasons.
 */
export const CLOUD_RANGE_KINDS = ["service", "cdn", "compute", "other"] as const;
export type CloudRangeKind = (typeof CLOUD_RANGE_KINDS)[number];

/**
 * The published files Tollgate reads, one per source. Google publishes two lists: `cloud.json`
 * (ranges customers can use) and `goog.json` (all of Google); Google's own services are the
 * second minus the first (https://support.google.com/a/answer/10026322).
 */
export const CLOUD_RANGE_SOURCES = ["aws", "gcp-cloud", "gcp-goog", "azure"] as const;
export type CloudRangeSource = (typeof CLOUD_RANGE_SOURCES)[number];

/** The provider of each source. */
export const CLOUD_RANGE_SOURCE_PROVIDER: Readonly<Record<CloudRangeSource, CloudProvider>> = {
  aws: "aws",
  "gcp-cloud": "gcp",
  "gcp-goog": "gcp",
  azure: "azure",
};

/** File names of each source in a cloud-ranges directory (what `updateCloudRanges` writes). */
export const CLOUD_RANGE_FILE_NAMES: Readonly<Record<CloudRangeSource, string>> = {
  aws: "aws-ip-ranges.json",
  "gcp-cloud": "gcp-cloud.json",
  "gcp-goog": "gcp-goog.json",
  azure: "azure-service-tags.json",
};

/**
 * One published range. Lookups return these objects frozen and shared: the same object for every
 * address of the range, nothing allocated per lookup.
 */
export interface CloudRange {
  readonly prefix: Prefix;
  readonly provider: CloudProvider;
  /**
   * The provider's own name: AWS `service` (`S3`, `EC2`, `AMAZON`…), Google `Google Cloud`
   * (cloud.json) or `Google` (goog.json), Azure service tag without its region (`Storage`,
   * `AzureCloud`, `AzureFrontDoor.Frontend`).
   */
  readonly service: string;
  /**
   * Region in the spelling the provider's flow logs use (AWS `us-east-1`, GCP `us-central1`,
   * Azure `eastus`); "" for global ranges (AWS `GLOBAL`, Azure tags without a region).
   */
  readonly region: string;
  /** AWS `network_border_group` (`us-west-2-lax-1` for a Local Zone); "" elsewhere or GLOBAL. */
  readonly borderGroup: string;
  readonly kind: CloudRangeKind;
  /** The file that listed it. */
  readonly source: CloudRangeSource;
}

/**
 * A problem with one entry of a file: the entry is skipped (missing field, not a prefix), or,
 * for a prefix with host bits set, used masked. The rest of the file is used either way.
 */
export interface CloudRangeProblem {
  readonly source: CloudRangeSource;
  /** JSON path of the entry, e.g. `prefixes[12].ip_prefix`, `values[3].properties.addressPrefixes[0]`. */
  readonly path: string;
  readonly message: string;
}

/** What a file says about itself. */
export interface CloudRangeFileInfo {
  readonly source: CloudRangeSource;
  readonly provider: CloudProvider;
  /** Where it was read from; "" when parsed from memory. */
  readonly file: string;
  /** AWS and GCP `syncToken`, Azure `changeNumber`, as text; "" when absent. */
  readonly version: string;
  /**
   * When the provider generated it, ISO 8601 UTC (`2024-05-30T20:13:10Z`), from AWS
   * `createDate` or GCP `creationTime`; "" for Azure, whose file carries no date.
   */
  readonly createdAt: string;
  /** Ranges parsed (skipped entries excluded). */
  readonly count: number;
}

/** A parsed file: its ranges, its problems and what it says about itself. */
export interface ParsedCloudRanges {
  readonly info: CloudRangeFileInfo;
  readonly ranges: readonly CloudRange[];
  readonly problems: readonly CloudRangeProblem[];
}
