import type { Direction } from "./api-types.ts";

/**
 * One colour per direction everywhere (cards, lines, sankey), from the Okabe–Ito palette so the
 * four stay distinguishable with the common colour-vision deficiencies.
 */
export const DIRECTION_COLORS: Readonly<Record<Direction, string>> = {
  ingress: "#0072B2",
  egress: "#D55E00",
  internal: "#009E73",
  transit: "#CC79A7",
};

export const DIRECTION_LABELS: Readonly<Record<Direction, string>> = {
  ingress: "Ingress",
  egress: "Egress",
  internal: "Internal",
  transit: "Transit",
};

/** What each direction means, shown under the card title (DESIGN.md's vocabulary). */
export const DIRECTION_HINTS: Readonly<Record<Direction, string>> = {
  ingress: "outside → ours",
  egress: "ours → outside",
  internal: "ours → ours",
  transit: "outside → outside",
};
