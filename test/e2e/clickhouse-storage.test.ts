import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createClickHouseStore,
  defaultClickHouseStoreConfig,
} from "../../src/storage/clickhouse/index.ts";
import { CONTRACT_T0_MS, contractBatch, contractFlows } from "../../src/storage/contract/index.ts";
import { defaultRollupSettings } from "../../src/storage/index.ts";
import {
  clickhouseAvailable,
  startClickHouse,
  type ClickHouseServer,
} from "../helpers/clickhouse.ts";
import { runCli } from "../helpers/tollgate.ts";

/**
 * The CLI on a ClickHouse database with rollups: `tollgate storage stats` reads the tiers from
 * the server (table and JSON), and `tollgate top` over a day-aligned range says the 1-day
 * rollup answered. The flows are written by a store configured as `serve` would be.
 */

const DAY_MS = 86_400_000;
const T0_MS = Math.floor(CONTRACT_T0_MS / DAY_MS) * DAY_MS;

describe.skipIf(!clickhouseAvailable())("CLI on ClickHouse tiers", () => {
  let server: ClickHouseServer | undefined;
  let scratch = "";
  let configPath = "";
  const records = contractFlows(3000, 5, 2 * DAY_MS).map((record) => ({
    ...record,
    endMs: record.endMs - CONTRACT_T0_MS + T0_MS,
    startMs: record.startMs - CONTRACT_T0_MS + T0_MS,
  }));

  beforeAll(async () => {
    server = await startClickHouse();
    scratch = mkdtempSync(path.join(os.tmpdir(), "tollgate-ch-cli-"));
    configPath = path.join(scratch, "tollgate.yaml");
    writeFileSync(
      configPath,
      `storage:\n  backend: clickhouse\n  clickhouse:\n    url: ${server.url}\n    database: cli\n`,
    );
    const store = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: server.url,
      database: "cli",
      rollups: defaultRollupSettings,
    });
    await store.start();
    const { batch, networks } = contractBatch(records);
    await store.append(batch, networks);
    await store.stop();
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("storage stats: every tier's rows, bytes on disk and flows", async () => {
    const json = await runCli(["storage", "stats", "--json", "--config", configPath], {
      timeoutMs: 60_000,
    });
    expect(json.code, json.stderr).toBe(0);
    const stats = JSON.parse(json.stdout) as {
      backend: string;
      tiers: { tier: string; rows: number; bytesOnDisk: number; flows: number }[];
    };
    expect(stats.backend).toBe("clickhouse");
    expect(stats.tiers.map((tier) => [tier.tier, tier.flows])).toEqual([
      ["raw", 3000],
      ["1m", 3000],
      ["1h", 3000],
      ["1d", 3000],
    ]);
    for (const tier of stats.tiers) expect(tier.bytesOnDisk).toBeGreaterThan(0);
    const table = await runCli(["storage", "stats", "--config", configPath], {
      timeoutMs: 60_000,
    });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^1d\s+flows_1d\s/m);
    expect(table.stdout).toContain("clickhouse:");
  }, 120_000);

  it("top over whole days is answered from the 1-day rollup, and says so", async () => {
    const since = new Date(T0_MS).toISOString();
    const until = new Date(T0_MS + 2 * DAY_MS).toISOString();
    const top = await runCli(
      ["top", "--by", "src.net", "--since", since, "--until", until, "--config", configPath],
      { timeoutMs: 60_000 },
    );
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toContain("(answered from 1d rollup)");
  }, 120_000);
});
