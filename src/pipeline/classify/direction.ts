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

/** What direction needs of a boundary interface (inventory's BoundaryInterface). */
interface BoundarySide {
  readonly boundary: "external" | "internal";
}

/**
 * Direction from an exporter's boundary interfaces (DESIGN.md "Direction"; the Akvorado and
 * Kentik model): in from outside and out to ours is ingress, the reverse egress, outside to
 * outside transit, ours to ours internal. With one side unknown (ifIndex 0: sFlow's "unknown"
 * output, a dropped flow), an external input still means ingress and an external output egress;
 * an internal side alone decides nothing and the networks do. Swapping the interfaces of a flow
 * (its reverse) gives the opposite direction.
 */
export function directionFromInterfaces(
  input: BoundarySide | undefined,
  output: BoundarySide | undefined,
): Direction | undefined {
  if (input !== undefined && output !== undefined) {
    if (input.boundary === "external")
      return output.boundary === "external" ? "transit" : "ingress";
    return output.boundary === "external" ? "egress" : "internal";
  }
  if (input?.boundary === "external") return "ingress";
  if (output?.boundary === "external") return "egress";
  return undefined;
}
