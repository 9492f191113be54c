import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clickhouseAvailable,
  startClickHouse,
  type ClickHouseServer,
} from "../../../test/helpers/clickhouse.ts";
import { contractBatch, contractFlows, CONTRACT_T0_MS } from "../contract/contract-flows.ts";
import { defaultRollupSettings, ROLLUP_TIERS, TIER_BUCKET_MS } from "../tiers.ts";
import { createClickHouseStore, defaultClickHouseStoreConfig } from "./index.ts";
import { contentId, networkKey } from "./ids.ts";
import { EXPORTER_CLOUD_COLUMNS, FLOW_COLUMN_SPECS } from "./schema.ts";

/**
 * Schema 1 (the first round, commit 56761f0) to 2: a database made by the first round's DDL,
 * holding one flow and one network, is opened by this store, which adds the columns and keeps
 * what was there (old rows read the DEFAULTs: country "", attributes "").
 */
const V1_FLOW_COLUMNS = FLOW_COLUMN_SPECS.filter(
  (spec) => spec.name !== "src_country" && spec.name !== "dst_country",
);

async function sql(url: string, query: string): Promise<string> {
  const response = await fetch(`${url}/`, { method: "POST", body: query });
  const text = await response.text();
  if (!response.ok) throw new Error(`${query}: ${text}`);
  return text;
}

describe.skipIf(!clickhouseAvailable())("ClickHouse schema migration", () => {
  let server: ClickHouseServer | undefined;
  beforeAll(async () => {
    server = await startClickHouse();
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("migrates a schema 1 database to 3 and keeps its rows and network ids", async () => {
    const url = server?.url ?? "";
    const db = "migrate_v1";
    const office = { name: "office", tags: { team: "it" } };
    const officeId = contentId(networkKey(office)).value;
    await sql(url, `CREATE DATABASE ${db}`);
    await sql(
      url,
      `CREATE TABLE ${db}.schema_version (version UInt32, description String, applied_at_ms Int64) ENGINE = MergeTree() ORDER BY version`,
    );
    await sql(url, `INSERT INTO ${db}.schema_version VALUES (1, 'first round', 0)`);
    await sql(
      url,
      `CREATE TABLE ${db}.flows (${V1_FLOW_COLUMNS.map((spec) => `${spec.name} ${spec.type}`).join(", ")}) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(toDateTime(intDiv(end_ms, 1000))) ORDER BY (intDiv(end_ms, 3600000), direction, exporter_id, src_network_id, dst_network_id, end_ms)`,
    );
    await sql(
      url,
      `CREATE TABLE ${db}.networks (id UInt64, name String, tag_keys Array(String), tag_values Array(String)) ENGINE = ReplacingMergeTree() ORDER BY id`,
    );
    await sql(
      url,
      `CREATE TABLE ${db}.exporters (id UInt64, address_hi UInt64, address_lo UInt64, observation_domain UInt32, ${EXPORTER_CLOUD_COLUMNS.map(([name]) => `${name} String`).join(", ")}) ENGINE = ReplacingMergeTree() ORDER BY id`,
    );
    await sql(
      url,
      `INSERT INTO ${db}.networks VALUES (${officeId.toString()}, 'office', ['team'], ['it'])`,
    );
    await sql(
      url,
      `INSERT INTO ${db}.flows (end_ms, start_ms, bytes, packets, direction, src_network_id) VALUES (${CONTRACT_T0_MS}, ${CONTRACT_T0_MS}, 1000, 1, 'egress', ${officeId.toString()})`,
    );

    const store = createClickHouseStore({ ...defaultClickHouseStoreConfig, url, database: db });
    await store.start();
    try {
      const columns = await sql(
        url,
        `SELECT table, name FROM system.columns WHERE database = '${db}' AND table IN ('flows', 'networks') AND name IN ('src_country', 'dst_country', 'kind', 'service', 'site', 'egress') ORDER BY table, name FORMAT TSV`,
      );
      expect(columns.trim().split("\n")).toEqual([
        "flows\tdst_country",
        "flows\tsrc_country",
        "networks\tegress",
        "networks\tkind",
        "networks\tservice",
        "networks\tsite",
      ]);
      expect((await sql(url, `SELECT max(version) FROM ${db}.schema_version`)).trim()).toBe("3");
      const range = { fromMs: CONTRACT_T0_MS - 1, toMs: CONTRACT_T0_MS + 4 * 3_600_000 };
      // The old row is there, under its network (same id: a plain network keeps its key).
      const byNet = await store.top({ range, by: "src.net", metric: "bytes", limit: 5 });
      expect(byNet.rows).toEqual([{ key: "office", bytes: 1000, packets: 1, flows: 1 }]);
      const byCountry = await store.top({ range, by: "src.country", metric: "flows", limit: 5 });
      expect(byCountry.rows).toEqual([{ key: "", bytes: 1000, packets: 1, flows: 1 }]);
      // New rows with countries and attributes go in after it.
      const records = contractFlows(200);
      const { batch, networks } = contractBatch(records);
      await store.append(batch, networks);
      const all = await store.summary({ range });
      expect(all.total.flows).toBe(201);
      const sites = await store.top({ range, by: "src.site", metric: "flows", limit: 10 });
      expect(sites.total.flows).toBe(201);
      expect(sites.rows.map((row) => row.key).sort()).toContain("fra1");
    } finally {
      await store.stop();
    }
    // A second start finds nothing to do.
    const again = createClickHouseStore({ ...defaultClickHouseStoreConfig, url, database: db });
    await again.start();
    await again.stop();
    expect((await sql(url, `SELECT count() FROM ${db}.schema_version`)).trim()).toBe("2");
  }, 60_000);

  it("migrates a schema 2 database to 3: the rollups are filled from the stored flows", async () => {
    const url = server?.url ?? "";
    const db = "migrate_v2";
    const hourMs = TIER_BUCKET_MS["1h"];
    const t0Ms = Math.floor(CONTRACT_T0_MS / TIER_BUCKET_MS["1d"]) * TIER_BUCKET_MS["1d"];
    const records = contractFlows(3000, 11, 2 * TIER_BUCKET_MS["1d"]).map((record) => ({
      ...record,
      endMs: record.endMs - CONTRACT_T0_MS + t0Ms,
      startMs: record.startMs - CONTRACT_T0_MS + t0Ms,
    }));
    // A schema 2 database: what this store writes, without the rollup tables and state.
    const old = createClickHouseStore({ ...defaultClickHouseStoreConfig, url, database: db });
    await old.start();
    const { batch, networks } = contractBatch(records);
    await old.append(batch, networks);
    await old.stop();
    for (const tier of ROLLUP_TIERS) await sql(url, `DROP TABLE ${db}.flows_${tier}`);
    await sql(url, `DROP TABLE ${db}.rollup_state`);
    await sql(url, `TRUNCATE TABLE ${db}.schema_version`);
    await sql(url, `INSERT INTO ${db}.schema_version VALUES (2, 'schema 2', 0)`);

    const store = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url,
      database: db,
      rollups: defaultRollupSettings,
    });
    await store.start();
    try {
      expect((await sql(url, `SELECT max(version) FROM ${db}.schema_version`)).trim()).toBe("3");
      for (const tier of ROLLUP_TIERS) {
        const flows = await sql(url, `SELECT sum(flows) FROM ${db}.flows_${tier}`);
        expect(Number(flows.trim())).toBe(records.length);
      }
      const range = { fromMs: t0Ms, toMs: t0Ms + 30 * hourMs };
      const top = await store.top({ range, by: "src.net", metric: "bytes", limit: 5 });
      expect(top.source).toEqual({ table: "flows_1h", tier: "1h" });
      // The same question off the hour reads raw flows and gives the same answer.
      const raw = await store.top({
        range: { fromMs: range.fromMs - 1, toMs: range.toMs },
        by: "src.net",
        metric: "bytes",
        limit: 5,
      });
      expect(raw.source?.tier).toBe("raw");
      expect(top.rows).toEqual(raw.rows);
      expect(top.total).toEqual(raw.total);
      // Appends after the migration reach the rollups through the views.
      const more = contractBatch(records.slice(0, 100));
      await store.append(more.batch, more.networks);
      const day = await store.summary({ range: { fromMs: t0Ms, toMs: t0Ms + 3 * 24 * hourMs } });
      expect(day.source?.tier).toBe("1d");
      expect(day.total.flows).toBe(records.length + 100);
    } finally {
      await store.stop();
    }
    // A second start finds the rollups as configured and rebuilds nothing.
    const again = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url,
      database: db,
      rollups: defaultRollupSettings,
    });
    await again.start();
    await again.stop();
    const flows = await sql(url, `SELECT sum(flows) FROM ${db}.flows_1d`);
    expect(Number(flows.trim())).toBe(records.length + 100);
  }, 60_000);
});
