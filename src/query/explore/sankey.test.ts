import { describe, expect, it } from "vitest";
import type { ExploreGroup, ExploreResult } from "../../storage/index.ts";
import { toSankey } from "./sankey.ts";

function group(keys: string[], total: number): ExploreGroup {
  return {
    keys,
    totals: { bytes: total, packets: 0, flows: 0 },
    stats: { total, average: total / 60, max: 0, p95: 0 },
  };
}

function result(unit: ExploreResult["unit"], groups: ExploreGroup[]) {
  return {
    dimensions: ["src.net", "dst.port", "dst.net"] as ExploreResult["dimensions"],
    unit,
    groups,
    other: group([], 7),
  };
}

describe("toSankey", () => {
  it("links consecutive dimensions, adding groups that share a pair", () => {
    const sankey = toSankey(
      result("bytes", [
        group(["office", "443", "dc-a"], 100),
        group(["office", "443", "lab"], 50),
        group(["lab", "22", "dc-a"], 10),
      ]),
    );
    expect(sankey.links).toEqual([
      { source: "src.net=office", target: "dst.port=443", value: 150 },
      { source: "dst.port=443", target: "dst.net=dc-a", value: 100 },
      { source: "dst.port=443", target: "dst.net=lab", value: 50 },
      { source: "src.net=lab", target: "dst.port=22", value: 10 },
      { source: "dst.port=22", target: "dst.net=dc-a", value: 10 },
    ]);
    // The same text at two levels is two nodes.
    expect(sankey.nodes.map((node) => node.id)).toContain("src.net=lab");
    expect(sankey.nodes.map((node) => node.id)).toContain("dst.net=lab");
    expect(sankey.other).toBe(7);
  });

  it("weighs links by average rate for a rate unit", () => {
    const sankey = toSankey(result("bits/s", [group(["a", "1", "b"], 600)]));
    expect(sankey.links[0]?.value).toBe(10);
    expect(sankey.other).toBeCloseTo(7 / 60, 10);
  });
});
