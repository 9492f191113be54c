import { describe, expect, it } from "vitest";
import type { ExploreResult } from "../../storage/index.ts";
import { csvField, exploreToCsv } from "./csv.ts";

describe("csvField (RFC 4180)", () => {
  it("quotes fields holding a comma, a quote, CR or LF, doubling inner quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(12.5)).toBe("12.5");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('r&d "x"')).toBe('"r&d ""x"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField("")).toBe("");
  });
});

const series = (points: number[]) => ({
  totals: { bytes: 10, packets: 2, flows: 1 },
  stats: { total: 10, average: 5, max: 10, p95: 9.5 },
  points,
});

const result: ExploreResult = {
  dimensions: ["src.tag.cost-center", "dst.port"],
  unit: "bytes",
  limit: 1,
  stepMs: 60_000,
  range: { fromMs: 0, toMs: 120_000 },
  timesMs: [0, 60_000],
  groups: [{ keys: ["r&d 'x', lab", "443"], ...series([10, 0]) }],
  other: series([0, 0]),
  total: series([10, 0]),
};

describe("exploreToCsv", () => {
  it("one row per group, other and total, and per step with series; CRLF; quoted keys", () => {
    const lines = exploreToCsv(result).split("\r\n");
    expect(lines[0]).toBe("period,kind,src.tag.cost-center,dst.port,time,time_ms,value,unit");
    expect(lines[1]).toBe(`current,group,"r&d 'x', lab",443,1970-01-01T00:00:00.000Z,0,10,bytes`);
    expect(lines[3]).toBe("current,other,,,1970-01-01T00:00:00.000Z,0,0,bytes");
    expect(lines).toHaveLength(1 + 3 * 2 + 1);
    expect(lines.at(-1)).toBe("");
  });

  it("without series: the statistics and sums per group, and the previous period", () => {
    const table: ExploreResult = { ...result };
    delete table.timesMs;
    const withPrevious = { ...table, previous: { ...table, range: null } };
    const lines = exploreToCsv(withPrevious).trim().split("\r\n");
    expect(lines[0]).toBe(
      "period,kind,src.tag.cost-center,dst.port,total,average,max,p95,unit,bytes,packets,flows",
    );
    expect(lines[1]).toBe(`current,group,"r&d 'x', lab",443,10,5,10,9.5,bytes,10,2,1`);
    expect(lines.filter((line) => line.startsWith("previous,"))).toHaveLength(3);
  });
});
