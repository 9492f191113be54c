import type { Dimension, ExploreResult, ExploreUnit } from "../../storage/index.ts";
import { isRateUnit } from "./stats.ts";

/** A value of one dimension: a column of the diagram holds one dimension's values. */
export interface SankeyNode {
  /** `<dimension>=<key>`: unique, since the same text can be a value of two dimensions. */
  id: string;
  dimension: Dimension;
  key: string;
}

export interface SankeyLink {
  source: string;
  target: string;
  value: number;
}

export interface Sankey {
  dimensions: Dimension[];
  unit: ExploreUnit;
  nodes: SankeyNode[];
  links: SankeyLink[];
  /** What the top groups leave out (`other`), in the links' unit: drawn apart, if at all. */
  other: number;
}

/**
 * The flows between consecutive dimensions of an explorer answer, as a sankey diagram reads
 * them: each top group adds its value to the link from its first key to its second, from its
 * second to its third, and so on; groups sharing a pair of keys add up. Links come from the
 * top groups only (the rest is folded into `other`), so the diagram and the table agree. A
 * link's value is the group's total volume (bytes, packets, flows) or, for a rate unit, its
 * average rate over the range. Nodes and links keep the groups' order (largest first).
 */
export function toSankey(
  result: Pick<ExploreResult, "dimensions" | "unit" | "groups" | "other">,
): Sankey {
  const rate = isRateUnit(result.unit);
  const nodes = new Map<string, SankeyNode>();
  const links = new Map<string, SankeyLink>();
  const node = (level: number, key: string): string => {
    const dimension = result.dimensions[level] as Dimension;
    const id = `${dimension}=${key}`;
    if (!nodes.has(id)) nodes.set(id, { id, dimension, key });
    return id;
  };
  for (const group of result.groups) {
    const value = rate ? group.stats.average : group.stats.total;
    for (let level = 0; level + 1 < group.keys.length; level++) {
      const source = node(level, group.keys[level] ?? "");
      const target = node(level + 1, group.keys[level + 1] ?? "");
      const linkId = JSON.stringify([source, target]);
      const link = links.get(linkId);
      if (link === undefined) links.set(linkId, { source, target, value });
      else link.value += value;
    }
  }
  return {
    dimensions: [...result.dimensions],
    unit: result.unit,
    nodes: [...nodes.values()],
    links: [...links.values()],
    other: rate ? result.other.stats.average : result.other.stats.total,
  };
}
