/**
 * Locality of a flow's far end (DESIGN.md: what prices a byte): from what the inventory says
 * about both ends and, for a far end outside the inventory, from the cloud providers' published
 * ranges. The rules follow how the clouds bill (cost-anchors.md §1):
 * - same provider, same region, same zone: `same-zone` (free on AWS and GCP internal IPs);
 * - same provider and region, zones differ: `cross-zone` ($0.01/GB each way on AWS, GCP);
 *   a zone unknown on either side is taken as `cross-zone`, the billed case, and `explain`
 *   says it was assumed;
 * - same provider, regions differ: `cross-region`;
 * - a declared network that is not in a cloud: `on-prem`;
 * - the provider's own services (S3, Google APIs, Azure Storage) in the near end's region:
 *   `cloud-service`, in another region `cross-region`; its CDN edges: `cdn`;
 * - another customer's addresses in the near end's cloud: as a far end in that region
 *   (`cross-zone`, AWS bills public-IP traffic within a region as regional transfer) or
 *   `cross-region`;
 * - any other public address: `internet`; anything else (undeclared private space): `unknown`.
 */
import type { Locality } from "../core/index.ts";
import { isCloudProvider } from "./attributes.ts";

/** Where the near end is: from its network's attributes, or a cloud flow log's context. */
export interface Place {
  readonly provider: string;
  readonly region: string;
  readonly zone: string;
}

/** What locality needs of a cloud range (inventory/cloud-ranges' CloudRange satisfies it). */
export interface CloudRangeLike {
  readonly provider: string;
  readonly service: string;
  readonly region: string;
  readonly kind: string;
}

export interface FarEnd {
  /** Where the far end's declared network is, when it is in the inventory. */
  readonly network: Place | undefined;
  /** The cloud range holding the far address, when not declared. */
  readonly cloud: CloudRangeLike | undefined;
  /** Whether the far address is global unicast (not private, loopback, link-local…). */
  readonly global: boolean;
}

export interface LocalityDecision {
  readonly locality: Locality;
  /** One sentence for `explain`. */
  readonly reason: string;
}

const decision = (locality: Locality, reason: string): LocalityDecision => ({ locality, reason });

function comparePlaces(near: Place, far: Place, farWhat: string): LocalityDecision {
  if (near.region === "" || far.region === "") {
    return decision(
      "unknown",
      `${farWhat} is in ${near.provider} too, but a region is not declared on ${near.region === "" ? "the near" : "the far"} end`,
    );
  }
  if (near.region !== far.region) {
    return decision(
      "cross-region",
      `${farWhat} is in ${far.region}, the near end in ${near.region}`,
    );
  }
  if (near.zone !== "" && far.zone !== "") {
    return near.zone === far.zone
      ? decision("same-zone", `both ends are in zone ${near.zone}`)
      : decision("cross-zone", `${farWhat} is in zone ${far.zone}, the near end in ${near.zone}`);
  }
  return decision(
    "cross-zone",
    `both ends are in ${near.region}; a zone is not declared, so cross-zone (the billed case) is assumed`,
  );
}

/** The far end's locality seen from the near end (undefined: the near end is not placed). */
export function decideLocality(near: Place | undefined, far: FarEnd): LocalityDecision {
  const nearProvider = near?.provider ?? "";
  if (far.network !== undefined) {
    const provider = far.network.provider;
    if (!isCloudProvider(provider)) {
      return decision(
        "on-prem",
        `the far end is a declared network${provider === "" ? "" : ` run by ${provider}`}, not in a cloud`,
      );
    }
    if (near === undefined || nearProvider !== provider) {
      return decision(
        "internet",
        `the far end is in ${provider}, the near end ${nearProvider === "" ? "is not in a cloud" : `in ${nearProvider}`}: traffic between them is internet traffic`,
      );
    }
    return comparePlaces(near, far.network, "the far end");
  }
  const cloud = far.cloud;
  if (cloud !== undefined) {
    const what = `${cloud.provider} ${cloud.service}${cloud.region === "" ? "" : ` (${cloud.region})`}`;
    if (cloud.kind === "cdn") return decision("cdn", `the far end is ${what}, a CDN edge`);
    if (near !== undefined && nearProvider === cloud.provider) {
      if (cloud.kind === "service") {
        if (cloud.region === "" || near.region === "" || cloud.region === near.region) {
          return decision(
            "cloud-service",
            `the far end is ${what}, a service of the near end's cloud`,
          );
        }
        return decision("cross-region", `the far end is ${what}, the near end in ${near.region}`);
      }
      return comparePlaces(
        near,
        { provider: cloud.provider, region: cloud.region, zone: "" },
        `the far end (${what})`,
      );
    }
    return decision("internet", `the far end is ${what}, outside the near end's cloud`);
  }
  return far.global
    ? decision(
        "internet",
        "the far end is a public address outside the inventory and the cloud ranges",
      )
    : decision("unknown", "the far end is a non-public address outside the inventory");
}
