import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/peers.ts";
import { runCli } from "../helpers/tollgate.ts";

/** `tollgate query` through the real binary, on a data directory filled by `tollgate import`. */

const fixture = path.join(repoRoot, "src/decoders/netflow5/testdata/softflowd-v5.pcap");
let scratch = "";
let dataDir = "";

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "tollgate-explore-"));
  dataDir = path.join(scratch, "data");
  const imported = await runCli(["import", fixture, "--data-dir", dataDir]);
  expect(imported.code).toBe(0);
}, 120_000);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

interface Output {
  dimensions: string[];
  stepMs: number;
  groups: { keys: string[]; totals: { bytes: number; flows: number }; points?: number[] }[];
  other: { totals: { bytes: number; flows: number } };
  total: { totals: { bytes: number; flows: number }; stats: { total: number } };
  timesMs?: number[];
  previous?: { groups: unknown[] };
  sankey?: { links: { source: string; target: string; value: number }[] };
}

describe("tollgate query", () => {
  it("groups by two dimensions with other folded, series, previous and sankey (JSON)", async () => {
    const result = await runCli([
      "query",
      ...["--by", "src.addr", "--by", "dst.port", "--unit", "bits/s", "--limit", "3"],
      ...["--series", "--previous", "--sankey", "--json", "--data-dir", dataDir],
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as Output;
    expect(output.dimensions).toEqual(["src.addr", "dst.port"]);
    expect(output.groups).toHaveLength(3);
    // The groups and other add up to the whole capture (132 records, as `summary` counts).
    const flows =
      output.groups.reduce((sum, group) => sum + group.totals.flows, 0) + output.other.totals.flows;
    expect(flows).toBe(132);
    expect(output.total.totals.flows).toBe(132);
    expect(output.total.stats.total).toBe(output.total.totals.bytes * 8);
    expect(output.groups[0]?.points).toHaveLength(output.timesMs?.length ?? -1);
    expect(output.previous?.groups).toHaveLength(3);
    expect(output.sankey?.links.length).toBeGreaterThan(0);
    expect(output.sankey?.links[0]?.source).toMatch(/^src\.addr=/);
  });

  it("prints a table with total, average, max and p95 per group, and the change", async () => {
    const result = await runCli([
      "query",
      ...["--by", "proto", "--unit", "packets", "--previous", "--data-dir", dataDir],
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.find((line) => line.startsWith("#"))).toMatch(
      /#\s+proto\s+total\s+average\s+max\s+p95\s+previous\s+change/,
    );
    expect(result.stdout).toContain("(other)");
    expect(result.stdout).toContain("(total)");
    expect(result.stdout).toContain("previous period:");
  });

  it("exports CSV with a header row, one row per group and step with --series", async () => {
    const result = await runCli([
      "query",
      ...["--by", "dst.port", "--limit", "2", "--step", "1m", "--series", "--csv"],
      ...["--data-dir", dataDir],
    ]);
    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split("\r\n");
    expect(rows[0]).toBe("period,kind,dst.port,time,time_ms,value,unit");
    // Two groups, other and total, each on every step.
    const steps = rows.filter((row) => row.startsWith("current,total,")).length;
    expect(steps).toBeGreaterThan(0);
    expect(rows).toHaveLength(1 + 4 * steps);
  });

  it("refuses a sankey of one dimension and an unknown unit, in one sentence", async () => {
    const sankey = await runCli(["query", "--by", "proto", "--sankey", "--data-dir", dataDir]);
    expect(sankey.code).toBe(2);
    expect(sankey.stderr).toMatch(/^tollgate: .*two --by/);
    const unit = await runCli(["query", "--unit", "bytes/h", "--data-dir", dataDir]);
    expect(unit.code).toBe(2);
    expect(unit.stderr).toContain("bits/s");
  });
});
