import { describe, expect, it } from "vitest";
import {
  formatBitsPerSecond,
  formatBytes,
  formatCount,
  formatCountry,
  formatKey,
  formatMetric,
  formatRate,
  formatShare,
  formatStep,
} from "./format.ts";

describe("format", () => {
  it("scales bytes with decimal prefixes and three significant digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1000)).toBe("1.00 kB");
    expect(formatBytes(1_234_567)).toBe("1.23 MB");
    expect(formatBytes(98_765_432_100)).toBe("98.8 GB");
    // 999,600 rounds to 1,000 kB at three digits: it must move up to the next prefix.
    expect(formatBytes(999_600)).toBe("1.00 MB");
  });

  it("turns bytes per second into bits per second", () => {
    expect(formatBitsPerSecond(1_500_000)).toBe("1.50 Mbit/s");
    expect(formatRate("bytes", 125_000)).toBe("1.00 Mbit/s");
    expect(formatRate("packets", 12)).toBe("12 pkt/s");
  });

  it("keeps counts exact below a million", () => {
    expect(formatCount(12_345)).toBe("12,345");
    expect(formatCount(1_234_567)).toBe("1.23 M");
    expect(formatMetric("packets", 1)).toBe("1 packet");
    expect(formatMetric("flows", 2500)).toBe("2,500 flows");
  });

  it("shows shares, steps and keys", () => {
    expect(formatShare(1, 3)).toBe("33.3 %");
    expect(formatShare(1, 100_000)).toBe("<0.1 %");
    expect(formatShare(0, 0)).toBe("–");
    expect(formatStep(300_000)).toBe("5 min");
    expect(formatStep(3_600_000)).toBe("1 h");
    expect(formatKey("proto", "6")).toBe("TCP (6)");
    expect(formatKey("src.addr", "")).toBe("(none)");
  });

  it("names countries with their code, and says when a country is unknown", () => {
    expect(formatCountry("US")).toBe("United States (US)");
    expect(formatCountry("se")).toBe("Sweden (SE)");
    expect(formatKey("dst.country", "AU")).toBe("Australia (AU)");
    expect(formatKey("src.country", "")).toBe("(unknown)");
    expect(formatKey("src.site", "")).toBe("(none)");
  });
});
