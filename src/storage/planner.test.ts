import { describe, expect, it } from "vitest";
import { coveredFields, groupsBy } from "./planner.ts";

describe("rollup coverage", () => {
  it("covers an AS name exactly when the tier keeps that end's AS number", () => {
    const kept = coveredFields(new Set(["dst.as", "proto"]));
    expect(kept.has("dst.as.name")).toBe(true);
    expect(kept.has("src.as.name")).toBe(false);
    expect(groupsBy(new Set(["src.as"]), "src.as.name")).toBe(true);
    expect(groupsBy(new Set(["src.net"]), "src.as.name")).toBe(false);
  });
});
