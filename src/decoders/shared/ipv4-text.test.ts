import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4 } from "../../core/index.ts";
import { ipv4Text } from "./ipv4-text.ts";

describe("ipv4Text", () => {
  it("formats like core's formatIpv4", () => {
    expect(ipv4Text(0)).toBe("0.0.0.0");
    expect(ipv4Text(0xffffffff)).toBe("255.255.255.255");
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (value) => {
        expect(ipv4Text(value)).toBe(formatIpv4(value));
      }),
      { numRuns: 5000 },
    );
  });
});
