import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, type FlowRecord } from "../../src/core/index.ts";
import { parseFilterExpression } from "../../src/query/filter/index.ts";
import {
  createClickHouseStore,
  defaultClickHouseStoreConfig,
  type ClickHouseStore,
} from "../../src/storage/clickhouse/index.ts";
import { contractBatch, contractFlows, CONTRACT_T0_MS } from "../../src/storage/contract/index.ts";
import { defaultRollupSettings, type Totals } from "../../src/storage/index.ts";
import {
  clickhouseAvailable,
  startClickHouseCluster,
  type ClickHouseCluster,
} from "../helpers/clickhouse.ts";

/**
 * Two clickhouse-server processes on loopback, one shard each, and two stores standing for two
 * stateless collectors, each talking to a different server. They create the tables on every
 * shard at the same time, then insert through the Distributed table concurrently; totals and
 * top-N must read back exact from either server, and each shard must hold part of the rows.
 */

function sumOf(records: readonly FlowRecord[]): Totals {
  const totals = { bytes: 0, packets: 0, flows: 0 };
  for (const record of records) {
    totals.bytes += record.bytes;
    totals.packets += record.packets;
    totals.flows += 1;
  }
  return totals;
}

async function sql(url: string, query: string): Promise<string> {
  const response = await fetch(`${url}/`, { method: "POST", body: query });
  const text = await response.text();
  if (!response.ok) throw new Error(`${query}: ${text}`);
  return text.trim();
}

describe.skipIf(!clickhouseAvailable())("ClickHouse cluster (2 shards, Distributed flows)", () => {
  let cluster: ClickHouseCluster | undefined;
  const stores: ClickHouseStore[] = [];
  const database = "tollgate_cluster";
  const records = contractFlows(24_000, 29);
  const range = { fromMs: CONTRACT_T0_MS, toMs: CONTRACT_T0_MS + 3 * 3_600_000 };

  beforeAll(async () => {
    cluster = await startClickHouseCluster({ shards: 2 });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.stop()));
    await cluster?.stop();
  });

  function storeOn(shard: number, shardUrls?: string[]): ClickHouseStore {
    if (cluster === undefined) throw new Error("the cluster did not start");
    const urls = cluster.shards.map((server) => server.url);
    return createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: urls[shard] ?? "",
      database,
      cluster: cluster.name,
      shardUrls: shardUrls ?? urls,
      rollups: defaultRollupSettings,
    });
  }

  it("refuses a cluster it does not know, or shardUrls that miss a shard", async () => {
    const wrong = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: cluster?.shards[0]?.url ?? "",
      database,
      cluster: "nope",
      shardUrls: [cluster?.shards[0]?.url ?? ""],
    });
    const unknown = await wrong.start().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(unknown).toBeInstanceOf(AppError);
    expect((unknown as AppError).message).toMatch(/no cluster "nope"/);
    const short = storeOn(0, [cluster?.shards[0]?.url ?? ""]);
    const missing = await short.start().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect((missing as AppError).message).toMatch(/has 2 shards but .*shardUrls names 1/);
  });

  it("two collectors insert concurrently; every answer is exact; both shards hold rows", async () => {
    const a = storeOn(0);
    const b = storeOn(1);
    stores.push(a, b);
    // Both create the tables on both shards at once (IF NOT EXISTS everywhere).
    await Promise.all([a.start(), b.start()]);
    const chunks: FlowRecord[][] = [];
    for (let at = 0; at < records.length; at += 2000) chunks.push(records.slice(at, at + 2000));
    await Promise.all(
      [a, b].map(async (store, which) => {
        for (const [index, chunk] of chunks.entries()) {
          if (index % 2 !== which) continue;
          const { batch, networks } = contractBatch(chunk);
          await store.append(batch, networks);
        }
      }),
    );
    const expected = sumOf(records);
    for (const store of [a, b]) {
      expect((await store.summary({ range })).total).toEqual(expected);
      // Each shard's views filled its local rollups; the Distributed rollup tables answer.
      const hourly = await store.summary({ range });
      expect(hourly.source).toEqual({ table: "flows_1h", tier: "1h" });
      const raw = await store.summary({ range: { ...range, fromMs: range.fromMs - 1 } });
      expect(raw.source?.tier).toBe("raw");
      expect(raw.total).toEqual(expected);
      const byNetHourly = await store.top({ range, by: "src.net", metric: "bytes", limit: 10 });
      const byNetRaw = await store.top({
        range: { ...range, toMs: range.toMs + 1 },
        by: "src.net",
        metric: "bytes",
        limit: 10,
      });
      expect(byNetHourly.source?.tier).toBe("1h");
      expect(byNetHourly.rows).toEqual(byNetRaw.rows);
      const top = await store.top({ range, by: "src.addr", metric: "bytes", limit: 3 });
      const bySrc = new Map<string, Totals>();
      for (const record of records) {
        const totals = bySrc.get(record.srcAddr) ?? { bytes: 0, packets: 0, flows: 0 };
        totals.bytes += record.bytes;
        totals.packets += record.packets;
        totals.flows += 1;
        bySrc.set(record.srcAddr, totals);
      }
      const ranked = [...bySrc.entries()].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, 3);
      expect(top.rows).toEqual(ranked.map(([key, totals]) => ({ key, ...totals })));
      expect(top.total).toEqual(expected);
      // A side-table field in a filter is evaluated on each shard against its own copy.
      const filter = "src.site = fra1 and dst.tag.team != platform";
      const filtered = await store.summary({
        range,
        filter: { where: parseFilterExpression(filter), whereText: filter },
      });
      expect(filtered.total).toEqual(
        sumOf(
          records.filter(
            (r) =>
              (r.srcNetwork === "dc-a" || r.srcNetwork === "dc-b") &&
              r.dstTags["team"] !== "platform",
          ),
        ),
      );
      const byNet = await store.top({ range, by: "dst.net", metric: "flows", limit: 100 });
      expect(byNet.other).toEqual({ bytes: 0, packets: 0, flows: 0 });
      expect(byNet.rows.reduce((sum, row) => sum + row.flows, 0)).toBe(records.length);
    }
    const perShard: number[] = [];
    for (const server of cluster?.shards ?? []) {
      const local = Number(await sql(server.url, `SELECT count() FROM ${database}.flows_local`));
      perShard.push(local);
      for (const tier of ["1m", "1h", "1d"]) {
        const summed = await sql(
          server.url,
          `SELECT sum(flows) FROM ${database}.flows_${tier}_local`,
        );
        expect(Number(summed), `shard ${server.url} ${tier}`).toBe(local);
      }
      // Every shard holds every network (written to each), so joins and filters stay local.
      expect(Number(await sql(server.url, `SELECT uniqExact(id) FROM ${database}.networks`))).toBe(
        5,
      );
    }
    console.log(`rows per shard: ${perShard.join(", ")} of ${records.length}`);
    expect(perShard.reduce((sum, count) => sum + count, 0)).toBe(records.length);
    for (const count of perShard) expect(count).toBeGreaterThan(0);
    const stats = await a.storageStats({ raw: null, "1m": null, "1h": null, "1d": null });
    expect(stats.tiers.find((tier) => tier.tier === "raw")?.rows).toBe(records.length);
    for (const tier of stats.tiers) expect(tier.flows, tier.tier).toBe(records.length);
    // Retention drops the expired day on every shard; the day tier still answers that day.
    const dayMs = 86_400_000;
    const dayStartMs = Math.floor(CONTRACT_T0_MS / dayMs) * dayMs;
    const report = await a.enforceRetention(
      { raw: dayMs, "1m": null, "1h": null, "1d": null },
      dayStartMs + 3 * dayMs,
    );
    expect(report.deletedRows.raw).toBe(records.length);
    for (const server of cluster?.shards ?? []) {
      expect(await sql(server.url, `SELECT count() FROM ${database}.flows_local`)).toBe("0");
    }
    const day = await b.summary({ range: { fromMs: dayStartMs, toMs: dayStartMs + dayMs } });
    expect(day.source?.tier).toBe("1d");
    expect(day.total).toEqual(expected);
  }, 180_000);
});
