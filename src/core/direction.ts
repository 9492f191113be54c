/**
 * Direction of a flow relative to the declared networks ("ours"); see DESIGN.md.
 * `ingress` outside → ours, `egress` ours → outside, `internal` ours → ours,
 * `transit` outside → outside (seen by one of our exporters).
 */
export const DIRECTIONS = ["ingress", "egress", "internal", "transit"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * Why a record got its direction: from the exporter's boundary interfaces, from the declared
 * networks, from the exporter's own statement (IPFIX IE 61, cloud logs), or not decided.
 */
export const DIRECTION_SOURCES = ["interface", "networks", "exporter", "unknown"] as const;
export type DirectionSource = (typeof DIRECTION_SOURCES)[number];

export function isDirection(value: string): value is Direction {
  return (DIRECTIONS as readonly string[]).includes(value);
}

/** The direction of the reverse flow (dst → src): ingress and egress swap, the others stay. */
export function reverseDirection(direction: Direction): Direction {
  switch (direction) {
    case "ingress":
      return "egress";
    case "egress":
      return "ingress";
    case "internal":
    case "transit":
      return direction;
  }
}
