import { describe, expect, it } from "vitest";
import { autoStepMs, stepCount } from "./auto-step.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);

function over(lengthMs: number, offsetMs = 0) {
  return { fromMs: T0 + offsetMs, toMs: T0 + offsetMs + lengthMs };
}

describe("autoStepMs", () => {
  it.each([
    [HOUR, MINUTE], // 60 steps: nothing finer than a minute
    [3 * HOUR, MINUTE], // 180
    [DAY, 5 * MINUTE], // 288
    [2 * DAY, 15 * MINUTE], // 192
    [7 * DAY, HOUR], // 168
    [30 * DAY, 6 * HOUR], // 120
    [365 * DAY, DAY], // 365: the largest step
  ])("a range of %d ms gets a step of %d ms", (lengthMs, stepMs) => {
    expect(autoStepMs(over(lengthMs))).toBe(stepMs);
  });

  it("keeps a count just above 300 rather than dropping below 100", () => {
    // 301 steps of 1 h against 51 steps of 6 h: 301 is nearer the band.
    expect(autoStepMs(over(301 * HOUR - 1))).toBe(HOUR);
  });

  it("stays near 100–300 steps (never under 50 or over 450) from 2 h to 200 days", () => {
    for (let lengthMs = 2 * HOUR; lengthMs <= 200 * DAY; lengthMs = Math.round(lengthMs * 1.37)) {
      const range = over(lengthMs, 7 * MINUTE + 13);
      const count = stepCount(range, autoStepMs(range));
      expect(count, `${lengthMs} ms`).toBeGreaterThanOrEqual(50);
      expect(count, `${lengthMs} ms`).toBeLessThanOrEqual(450);
    }
  });
});

describe("stepCount", () => {
  it("counts the aligned steps holding the first and the last millisecond", () => {
    expect(stepCount({ fromMs: T0, toMs: T0 + HOUR }, MINUTE)).toBe(60);
    expect(stepCount({ fromMs: T0 + 1, toMs: T0 + HOUR + 1 }, MINUTE)).toBe(61);
    expect(stepCount({ fromMs: T0, toMs: T0 }, MINUTE)).toBe(0);
  });
});
