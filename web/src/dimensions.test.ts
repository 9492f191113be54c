import { describe, expect, it } from "vitest";
import { FIXED_DIMENSIONS } from "./api-types.ts";
import { DIMENSION_GROUPS, dimensionLabel } from "./dimensions.ts";

describe("dimensions", () => {
  it("shows every fixed dimension in exactly one picker group", () => {
    const grouped = DIMENSION_GROUPS.flatMap((group) => group.dimensions);
    expect([...grouped].sort()).toEqual([...FIXED_DIMENSIONS].sort());
    expect(new Set(grouped).size).toBe(grouped.length);
  });

  it("labels fixed and tag dimensions", () => {
    expect(dimensionLabel("dst.country")).toBe("Destination country");
    expect(dimensionLabel("src.tag.team")).toBe("Source tag team");
    expect(dimensionLabel("nonsense")).toBe("nonsense");
  });
});
