import type { NetworkDeclaration } from "./networks.ts";

/**
 * The networks Tollgate assumes when the user declares none: one network named `private` holding
 * the RFC 1918 ranges, the shared CGNAT range 100.64.0.0/10 (RFC 6598) and IPv6 unique local
 * addresses fc00::/7 (RFC 4193), tagged `origin: default`.
 *
 * Why: most exporters sit in front of NATed private ranges, so without any declaration these are
 * the best guess at "ours", and ingress/egress come out right on a first run instead of every
 * flow being `transit`. The tag lets a user see where the answer came from. Declaring any
 * network replaces this list entirely (no merging), so nothing private is silently "ours" once
 * the user has said what is.
 */
export const DEFAULT_NETWORKS: readonly NetworkDeclaration[] = Object.freeze([
  Object.freeze({
    name: "private",
    cidrs: Object.freeze([
      "10.0.0.0/8",
      "172.16.0.0/12",
      "192.168.0.0/16",
      "100.64.0.0/10",
      "fc00::/7",
    ]),
    tags: Object.freeze({ origin: "default" }),
  }),
]);

/** The declarations to build the network table from: the user's, or the defaults when none. */
export function networksOrDefault(
  declared: readonly NetworkDeclaration[],
): readonly NetworkDeclaration[] {
  return declared.length > 0 ? declared : DEFAULT_NETWORKS;
}
