/**
 * Which kind of address each provider name stands for, and how strongly it claims a prefix that
 * another list also claims. The tables are the reasons; change a row, change its reason.
 */
import type { CloudRange, CloudRangeKind } from "./cloud-range.ts";

/**
 * Specificity, used when two lists name the very same prefix (a longer prefix always wins first,
 * see `table.ts`):
 *
 * - `CATCH_ALL` (0): lists of "everything the provider owns": AWS `AMAZON` (every Amazon prefix,
 *   each also listed again under its service when it has one), Azure `AzureCloud` and
 *   `AzureCloud.<region>` (every public Azure address of the region), Google `goog.json`.
 * - `POOL` (1): the customers' general pool: AWS `EC2` (instances, Elastic IPs, NAT gateways, load
 *   balancers), Google `cloud.json`. Services carve their own lists out of it (AWS lists
 *   `CODEBUILD`, `EC2_INSTANCE_CONNECT`, `ROUTE53_HEALTHCHECKS` inside `EC2` space), and the
 *   carved-out name tells more.
 * - `SPECIFIC` (2): a named service or edge.
 */
export const RANK_CATCH_ALL = 0;
export const RANK_POOL = 1;
export const RANK_SPECIFIC = 2;

interface KindRow {
  readonly kind: CloudRangeKind;
  readonly rank: number;
}

/**
 * AWS `service` values (ip-ranges.json; the same names as flow logs' `pkt-src-aws-service`).
 * Names not listed here are future services: kind `other`, rank `SPECIFIC` (AWS only adds a
 * service name for a carved-out list).
 */
const AWS_SERVICES: Readonly<Record<string, KindRow>> = {
  // Every Amazon prefix, retail and unlisted AWS services included: only "Amazon", not what.
  AMAZON: { kind: "other", rank: RANK_CATCH_ALL },
  // Public addresses customers get (instances, Elastic IPs, NAT gateways, ELB).
  EC2: { kind: "compute", rank: RANK_POOL },
  // The CloudFront edge; origin-facing are the addresses CloudFront fetches from origins with:
  // both are CloudFront traffic, priced as CDN (origin fetches to AWS origins are free).
  CLOUDFRONT: { kind: "cdn", rank: RANK_SPECIFIC },
  CLOUDFRONT_ORIGIN_FACING: { kind: "cdn", rank: RANK_SPECIFIC },
  // Anycast edge in front of customers' endpoints, but no cache and billed as a data-transfer
  // premium on top of normal egress, unlike CloudFront: a service, not a CDN.
  GLOBALACCELERATOR: { kind: "service", rank: RANK_SPECIFIC },
  // Managed services reached over public endpoints.
  S3: { kind: "service", rank: RANK_SPECIFIC },
  DYNAMODB: { kind: "service", rank: RANK_SPECIFIC },
  API_GATEWAY: { kind: "service", rank: RANK_SPECIFIC },
  ROUTE53: { kind: "service", rank: RANK_SPECIFIC },
  ROUTE53_HEALTHCHECKS: { kind: "service", rank: RANK_SPECIFIC },
  ROUTE53_HEALTHCHECKS_PUBLISHING: { kind: "service", rank: RANK_SPECIFIC },
  ROUTE53_RESOLVER: { kind: "service", rank: RANK_SPECIFIC },
  EBS: { kind: "service", rank: RANK_SPECIFIC },
  CODEBUILD: { kind: "service", rank: RANK_SPECIFIC },
  CLOUD9: { kind: "service", rank: RANK_SPECIFIC },
  EC2_INSTANCE_CONNECT: { kind: "service", rank: RANK_SPECIFIC },
  AMAZON_CONNECT: { kind: "service", rank: RANK_SPECIFIC },
  AMAZON_APPFLOW: { kind: "service", rank: RANK_SPECIFIC },
  CHIME_MEETINGS: { kind: "service", rank: RANK_SPECIFIC },
  CHIME_VOICECONNECTOR: { kind: "service", rank: RANK_SPECIFIC },
  KINESIS_VIDEO_STREAMS: { kind: "service", rank: RANK_SPECIFIC },
  WORKSPACES_GATEWAYS: { kind: "service", rank: RANK_SPECIFIC },
  IVS_REALTIME: { kind: "service", rank: RANK_SPECIFIC },
  MEDIA_PACKAGE_V2: { kind: "service", rank: RANK_SPECIFIC },
};

const AWS_UNKNOWN: KindRow = { kind: "other", rank: RANK_SPECIFIC };

/** Kind and rank of an AWS service name. */
export function awsServiceKind(service: string): KindRow {
  return AWS_SERVICES[service] ?? AWS_UNKNOWN;
}

/**
 * Google: `cloud.json` lists the addresses Google Cloud customers get (VMs, load balancers,
 * Cloud NAT) by region; `goog.json` minus `cloud.json` is Google's own services and APIs
 * (storage.googleapis.com, BigQuery, but also Search and YouTube), which is what Google documents
 * the two files for (https://support.google.com/a/answer/10026322).
 */
export const GCP_CLOUD_SERVICE = "Google Cloud";
export const GCP_GOOG_SERVICE = "Google";
export const GCP_CLOUD_KIND: KindRow = { kind: "compute", rank: RANK_POOL };
export const GCP_GOOG_KIND: KindRow = { kind: "service", rank: RANK_CATCH_ALL };

/**
 * Azure service tags:
 *
 * - `AzureCloud`, `AzureCloud.<region>`: all public Azure addresses (of the region). What no
 *   service tag claims is customers' VMs and load balancers: `compute`, rank `CATCH_ALL`.
 * - `AzureFrontDoor.Frontend` (the edge clients reach), `.Backend` (addresses Front Door uses
 *   towards origins), `.FirstParty` (Microsoft's own sites on Front Door), and any `AzureCDN…`:
 *   Azure CDN from Microsoft runs on the Front Door edge, so both are `cdn`.
 * - Every other tag (`Storage`, `Sql`, `AzureMonitor`, `EventHub`…) names a managed service:
 *   `service`.
 */
export function azureTagKind(base: string, systemService: string): KindRow {
  if (base === "AzureCloud") return { kind: "compute", rank: RANK_CATCH_ALL };
  const lower = `${base.toLowerCase()} ${systemService.toLowerCase()}`;
  if (lower.includes("azurefrontdoor") || lower.includes("azurecdn")) {
    return { kind: "cdn", rank: RANK_SPECIFIC };
  }
  return { kind: "service", rank: RANK_SPECIFIC };
}

/** The specificity rank of a parsed range (see `RANK_CATCH_ALL`). */
export function cloudRangeRank(range: CloudRange): number {
  switch (range.source) {
    case "aws":
      return awsServiceKind(range.service).rank;
    case "gcp-cloud":
      return GCP_CLOUD_KIND.rank;
    case "gcp-goog":
      return GCP_GOOG_KIND.rank;
    case "azure":
      return range.service === "AzureCloud" ? RANK_CATCH_ALL : RANK_SPECIFIC;
  }
}
