import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFilterExpression } from "../../query/filter/index.ts";
import { CONTRACT_T0_MS, contractBatch, contractFlows } from "../contract/index.ts";
import { TIER_BUCKET_MS } from "../tiers.ts";
import { createDuckDbStore, type DuckDbStore } from "./index.ts";

/**
 * AS names from a rollup tier: a tier keeping `dst.as` answers `dst.as.name` through the same
 * `as_names` join as the raw flows, with the raw answer.
 */

const DAY_MS = TIER_BUCKET_MS["1d"];
const T0_MS = Math.floor(CONTRACT_T0_MS / DAY_MS) * DAY_MS;

describe("AS names over rollups (DuckDB)", () => {
  let dir: string;
  let store: DuckDbStore;
  const records = contractFlows(2000, 5, DAY_MS).map((record) => ({
    ...record,
    endMs: record.endMs - CONTRACT_T0_MS + T0_MS,
    startMs: record.startMs - CONTRACT_T0_MS + T0_MS,
  }));
  const names = new Map([
    [64500, "EXAMPLE"],
    [64502, "EXAMPLE"],
  ]);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tollgate-as-names-"));
    store = createDuckDbStore({
      path: path.join(dir, "flows.duckdb"),
      readOnly: false,
      threads: 1,
      rollups: { enabled: true, dimensions: ["dst.as", "proto"] },
    });
    await store.start();
    const { batch, networks } = contractBatch(records);
    await store.append(batch, networks);
    await store.putAsNames(names);
  });

  afterAll(async () => {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("groups and filters by dst.as.name from the day tier, src.as.name from raw flows", async () => {
    const range = { fromMs: T0_MS, toMs: T0_MS + DAY_MS };
    const top = await store.top({ range, by: "dst.as.name", metric: "flows", limit: 10 });
    expect(top.source?.tier).toBe("1d");
    const named = records.filter((r) => names.has(r.dstAs)).length;
    expect(top.rows).toEqual([
      expect.objectContaining({ key: "EXAMPLE", flows: named }),
      expect.objectContaining({ key: "", flows: records.length - named }),
    ]);
    const text = "dst.as.name = EXAMPLE and proto = tcp";
    const summary = await store.summary({
      range,
      filter: { where: parseFilterExpression(text), whereText: text },
    });
    expect(summary.source?.tier).toBe("1d");
    expect(summary.total.flows).toBe(
      records.filter((r) => names.has(r.dstAs) && r.protocol === 6).length,
    );
    const bySource = await store.top({ range, by: "src.as.name", metric: "flows", limit: 10 });
    expect(bySource.source?.tier).toBe("raw");
  });

  it("keeps the names across a reopen, and a read-only open reads them", async () => {
    await store.stop();
    const reader = createDuckDbStore({ path: path.join(dir, "flows.duckdb"), readOnly: true });
    await reader.start();
    const top = await reader.top({ range: {}, by: "dst.as.name", metric: "flows", limit: 10 });
    expect(top.rows.map((row) => row.key).sort()).toEqual(["", "EXAMPLE"]);
    await reader.stop();
    await store.start();
  });
});
