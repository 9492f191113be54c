import { describe, expect, it } from "vitest";
import { EMPTY_ATTRIBUTES, type NetworkAttributes } from "./attributes.ts";
import { decideLocality, type CloudRangeLike, type Place } from "./locality.ts";

const place = (provider: string, region: string, zone: string): Place => ({
  provider,
  region,
  zone,
});
const network = (values: Partial<NetworkAttributes>): NetworkAttributes => ({
  ...EMPTY_ATTRIBUTES,
  ...values,
});
const range = (values: Partial<CloudRangeLike>): CloudRangeLike => ({
  provider: "aws",
  service: "S3",
  region: "us-east-1",
  kind: "service",
  ...values,
});
const useast1a = place("aws", "us-east-1", "us-east-1a");

describe("decideLocality", () => {
  it("compares zones and regions of two declared networks of one cloud", () => {
    const far = (zone: string, region = "us-east-1") =>
      decideLocality(useast1a, {
        network: network({ provider: "aws", region, zone }),
        cloud: undefined,
        global: false,
      }).locality;
    expect(far("us-east-1a")).toBe("same-zone");
    expect(far("us-east-1b")).toBe("cross-zone");
    expect(far("eu-west-1a", "eu-west-1")).toBe("cross-region");
    // A zone not declared: the billed case, and the reason says it was assumed.
    const assumed = decideLocality(useast1a, {
      network: network({ provider: "aws", region: "us-east-1" }),
      cloud: undefined,
      global: false,
    });
    expect(assumed.locality).toBe("cross-zone");
    expect(assumed.reason).toMatch(/assumed/);
    // No region on the far end: cannot tell.
    expect(far("", "")).toBe("unknown");
  });

  it("calls declared networks outside any cloud on-prem, and another cloud internet", () => {
    const onPrem = network({ provider: "on-prem", site: "paris" });
    expect(
      decideLocality(useast1a, { network: onPrem, cloud: undefined, global: false }).locality,
    ).toBe("on-prem");
    expect(
      decideLocality(undefined, { network: EMPTY_ATTRIBUTES, cloud: undefined, global: false })
        .locality,
    ).toBe("on-prem");
    const gcp = network({ provider: "gcp", region: "us-east1" });
    expect(
      decideLocality(useast1a, { network: gcp, cloud: undefined, global: true }).locality,
    ).toBe("internet");
  });

  it("prices a far end in the provider's ranges by service and region", () => {
    const far = (cloud: CloudRangeLike) =>
      decideLocality(useast1a, { network: undefined, cloud, global: true }).locality;
    expect(far(range({}))).toBe("cloud-service");
    expect(far(range({ region: "" }))).toBe("cloud-service");
    expect(far(range({ region: "eu-west-1" }))).toBe("cross-region");
    expect(far(range({ service: "CLOUDFRONT", region: "", kind: "cdn" }))).toBe("cdn");
    expect(far(range({ service: "EC2", kind: "compute" }))).toBe("cross-zone");
    expect(far(range({ service: "EC2", kind: "compute", region: "us-west-2" }))).toBe(
      "cross-region",
    );
    // Another cloud's service, or any service seen from outside the cloud: internet.
    expect(far(range({ provider: "gcp", service: "Google", region: "" }))).toBe("internet");
    const outside = (cloud: CloudRangeLike) =>
      decideLocality(undefined, { network: undefined, cloud, global: true }).locality;
    expect(outside(range({}))).toBe("internet");
    // A CDN edge is a CDN whoever looks at it.
    expect(outside(range({ kind: "cdn", service: "CLOUDFRONT" }))).toBe("cdn");
  });

  it("falls back to internet for public addresses and unknown for the rest", () => {
    expect(
      decideLocality(useast1a, { network: undefined, cloud: undefined, global: true }).locality,
    ).toBe("internet");
    expect(
      decideLocality(undefined, { network: undefined, cloud: undefined, global: false }).locality,
    ).toBe("unknown");
  });
});
