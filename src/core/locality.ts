/** Where the far end of a flow is, which is what prices a byte (DESIGN.md). */
export const LOCALITIES = [
  "same-zone",
  "cross-zone",
  "cross-region",
  "on-prem",
  "internet",
  "cloud-service",
  "cdn",
  "unknown",
] as const;
export type Locality = (typeof LOCALITIES)[number];
