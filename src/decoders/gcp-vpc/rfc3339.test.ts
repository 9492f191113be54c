import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRfc3339Ms } from "./rfc3339.ts";

describe("parseRfc3339Ms", () => {
  it("reads GCP's nanosecond times, truncating to the millisecond", () => {
    expect(parseRfc3339Ms("2025-09-27T21:34:39.250342106Z")).toBe(
      Date.UTC(2025, 8, 27, 21, 34, 39, 250),
    );
    expect(parseRfc3339Ms("2025-11-07T21:19:40.711999999Z")).toBe(
      Date.UTC(2025, 10, 7, 21, 19, 40, 711),
    );
  });

  it("reads whole seconds, short fractions and long fractions", () => {
    expect(parseRfc3339Ms("2025-01-01T00:00:00Z")).toBe(Date.UTC(2025, 0, 1));
    expect(parseRfc3339Ms("2025-01-01T00:00:00.5Z")).toBe(Date.UTC(2025, 0, 1, 0, 0, 0, 500));
    expect(parseRfc3339Ms("2025-01-01T00:00:00.01Z")).toBe(Date.UTC(2025, 0, 1, 0, 0, 0, 10));
    expect(parseRfc3339Ms("2025-01-01T00:00:00.123456789012Z")).toBe(
      Date.UTC(2025, 0, 1, 0, 0, 0, 123),
    );
  });

  it("applies numeric offsets (RFC 3339 §4.2: local time minus offset is UTC)", () => {
    expect(parseRfc3339Ms("2025-06-01T02:30:00+02:30")).toBe(Date.UTC(2025, 5, 1, 0, 0));
    expect(parseRfc3339Ms("2025-06-01T22:00:00.999-03:00")).toBe(
      Date.UTC(2025, 5, 2, 1, 0, 0, 999),
    );
    expect(parseRfc3339Ms("2025-06-01T00:00:00-00:00")).toBe(Date.UTC(2025, 5, 1));
  });

  it("accepts lower-case t/z, a space separator and BigQuery's ` UTC`", () => {
    const expected = Date.UTC(2025, 8, 27, 21, 34, 39, 250);
    expect(parseRfc3339Ms("2025-09-27t21:34:39.250342z")).toBe(expected);
    expect(parseRfc3339Ms("2025-09-27 21:34:39.250342 UTC")).toBe(expected);
  });

  it("knows leap years and month lengths", () => {
    expect(parseRfc3339Ms("2024-02-29T12:00:00Z")).toBe(Date.UTC(2024, 1, 29, 12));
    expect(parseRfc3339Ms("2000-02-29T00:00:00Z")).toBe(Date.UTC(2000, 1, 29));
    expect(parseRfc3339Ms("2023-02-29T00:00:00Z")).toBeUndefined();
    expect(parseRfc3339Ms("1900-02-29T00:00:00Z")).toBeUndefined();
    expect(parseRfc3339Ms("2025-04-31T00:00:00Z")).toBeUndefined();
  });

  it("reads years below 100 as themselves (no Date.UTC 1900 shift)", () => {
    const year42 = new Date(0);
    year42.setUTCFullYear(42, 0, 1);
    expect(parseRfc3339Ms("0042-01-01T00:00:00Z")).toBe(year42.getTime());
  });

  it("takes a leap second as the next second", () => {
    expect(parseRfc3339Ms("2016-12-31T23:59:60Z")).toBe(Date.UTC(2017, 0, 1));
  });

  it("rejects what is not an RFC 3339 date-time", () => {
    for (const text of [
      "",
      "2025-09-27",
      "2025-09-27T21:34:39",
      "2025-09-27T21:34:39.Z",
      "2025-13-01T00:00:00Z",
      "2025-00-01T00:00:00Z",
      "2025-01-00T00:00:00Z",
      "2025-01-01T24:00:00Z",
      "2025-01-01T00:60:00Z",
      "2025-01-01T00:00:61Z",
      "2025-01-01T00:00:00+24:00",
      "2025-01-01T00:00:00+0100",
      " 2025-01-01T00:00:00Z",
      "2025-01-01T00:00:00Z ",
      "1759008879",
      "-",
      "2025-1-01T00:00:00Z",
    ]) {
      expect(parseRfc3339Ms(text), text).toBeUndefined();
    }
  });

  it("agrees with Date for every millisecond-precision ISO time, with any sub-ms digits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
        fc.stringMatching(/^\d{0,6}$/),
        (epochMs, subMillis) => {
          const iso = new Date(epochMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
          const text = `${iso.slice(0, -1)}${subMillis}Z`;
          expect(parseRfc3339Ms(text)).toBe(epochMs);
        },
      ),
    );
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseRfc3339Ms(text);
        expect(result === undefined || Number.isFinite(result)).toBe(true);
      }),
    );
  });
});
