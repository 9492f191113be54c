import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4, parseIpv4ToU32 } from "./ip.ts";

describe("formatIpv4", () => {
  it("formats like plain number conversion and parses back", () => {
    expect(formatIpv4(0)).toBe("0.0.0.0");
    expect(formatIpv4(0xffffffff)).toBe("255.255.255.255");
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (value) => {
        const reference = `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
        expect(formatIpv4(value)).toBe(reference);
        expect(parseIpv4ToU32(formatIpv4(value))).toBe(value);
      }),
      { numRuns: 5000 },
    );
  });
});
