import type { Direction } from "../../core/index.ts";

/**
 * Direction from the declared networks (DESIGN.md "Direction"): ours → ours is internal,
 * ours → outside egress, outside → ours ingress, outside → outside transit.
 */
export function directionFromNetworks(srcIsOurs: boolean, dstIsOurs: boolean): Direction {
  if (srcIsOurs) return dstIsOurs ? "internal" : "egress";
  return dstIsOurs ? "ingress" : "transit";
}

/**
 * Whether the far end of a flow (the end whose locality prices the bytes) is its source: only
 * for ingress, where the bytes come from outside. For egress, internal and transit it is the
 * destination.
 */
export function farEndIsSource(direction: Direction): boolean {
  return direction === "ingress";
}
