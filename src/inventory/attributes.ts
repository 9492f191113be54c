/**
 * What the inventory knows about a network besides its name and free tags: where it is and who
 * runs it. These decide locality (same zone, cross-region…) and so the price of a byte, and they
 * are dimensions of their own (`src.region`, `dst.site`…). Like tags, nested networks inherit
 * them from the networks enclosing them unless they set their own.
 */
export const NETWORK_ATTRIBUTES = [
  "site",
  "provider",
  "account",
  "region",
  "zone",
  "vpc",
  "subnet",
  "egress",
] as const;
export type NetworkAttribute = (typeof NETWORK_ATTRIBUTES)[number];

/** Every attribute, "" when unknown. Frozen and interned: compare with `===`. */
export type NetworkAttributes = Readonly<Record<NetworkAttribute, string>>;

export const EMPTY_ATTRIBUTES: NetworkAttributes = Object.freeze({
  site: "",
  provider: "",
  account: "",
  region: "",
  zone: "",
  vpc: "",
  subnet: "",
  egress: "",
});

/** Providers whose regions and zones are priced (cost-anchors.md §1): locality compares them. */
export const CLOUD_PROVIDERS = ["aws", "gcp", "azure"] as const;

export function isCloudProvider(provider: string): boolean {
  return (CLOUD_PROVIDERS as readonly string[]).includes(provider);
}

/**
 * The egress paths a network's traffic can take to the internet (the price differs: a NAT
 * gateway adds a per-GB processing charge, a gateway endpoint none; cost-anchors.md §1.1).
 */
export const EGRESS_PATHS = [
  "nat",
  "internet-gateway",
  "endpoint",
  "transit-gateway",
  "direct-connect",
  "vpn",
  "peering",
  "interconnect",
  "expressroute",
  "none",
] as const;
