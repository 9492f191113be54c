import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AppError,
  canonicalIp,
  DIRECTIONS,
  type Direction,
  FlowBatch,
  type FlowRecord,
} from "../../core/index.ts";
import type { Dimension, FlowStore, Metric, Totals } from "../store.ts";
import { createDuckDbStore, type DuckDbStore } from "./index.ts";
import { appendRecords } from "../records.ts";
import { enumColumnsToWiden, FLOW_COLUMN_SPECS, MIGRATIONS } from "./schema.ts";
import { createFlowGenerator } from "./testdata/flows.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

let tempDir = "";
const stores: FlowStore[] = [];

beforeAll(() => {
  tempDir = mkdtempSync(path.join(tmpdir(), "tollgate-duckdb-"));
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.stop()));
});
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

let fileCounter = 0;
function newPath(): string {
  fileCounter++;
  return path.join(tempDir, `store-${fileCounter}`, "flows.duckdb");
}

async function openStore(filePath = newPath(), readOnly = false): Promise<DuckDbStore> {
  const store = createDuckDbStore({ path: filePath, readOnly, threads: 2 });
  await store.start();
  stores.push(store);
  return store;
}

function generate(count: number, seed = 7): FlowRecord[] {
  return createFlowGenerator({ seed, startMs: T0, meanGapMs: 50 })(count);
}

// Independent reference computations over the generated records.
function add(totals: Totals, record: FlowRecord): void {
  totals.bytes += record.bytes;
  totals.packets += record.packets;
  totals.flows += 1;
}
function zero(): Totals {
  return { bytes: 0, packets: 0, flows: 0 };
}
function totalsBy(
  records: readonly FlowRecord[],
  key: (r: FlowRecord) => string,
): Map<string, Totals> {
  const groups = new Map<string, Totals>();
  for (const record of records) {
    const k = key(record);
    let totals = groups.get(k);
    if (totals === undefined) {
      totals = zero();
      groups.set(k, totals);
    }
    add(totals, record);
  }
  return groups;
}
function sumOf(records: readonly FlowRecord[]): Totals {
  const totals = zero();
  for (const record of records) add(totals, record);
  return totals;
}

async function expectAppError(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  const appError = error as AppError;
  expect(appError.code).toBe(code);
  if (message !== undefined) expect(appError.message).toMatch(message);
  return appError;
}

describe("schema", () => {
  it("fills every flows column from a FlowBatch column that exists", () => {
    const batch = new FlowBatch(1);
    for (const spec of FLOW_COLUMN_SPECS) {
      expect(spec.field in batch, `${spec.name} reads batch.${spec.field}`).toBe(true);
    }
  });

  it("widens an enum column only by values core added", () => {
    const stored = new Map([["source", ["netflow5", "netflow9"]]]);
    const { statements, refused } = enumColumnsToWiden(stored);
    expect(refused).toEqual([]);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/ALTER TABLE flows ALTER source SET DATA TYPE ENUM\('netflow5'/);
    expect(enumColumnsToWiden(new Map([["source", ["gone"]]])).refused).toEqual([
      "source holds gone",
    ]);
  });
});

describe("duckdb store: appends and queries", () => {
  it("answers summary, top and timeseries with the totals of the appended records", async () => {
    const store = await openStore();
    const records = generate(30_000);
    // Three batches appended without waiting: the store must serialize them.
    await Promise.all([
      appendRecords(store, records.slice(0, 10_000)),
      appendRecords(store, records.slice(10_000, 25_000)),
      appendRecords(store, records.slice(25_000)),
    ]);
    expect(await store.countFlows()).toBe(records.length);

    const endTimes = records.map((r) => r.endMs);
    const dataRange = { fromMs: Math.min(...endTimes), toMs: Math.max(...endTimes) + 1 };
    expect(await store.dataRange()).toEqual(dataRange);

    const summary = await store.summary({ range: {} });
    expect(summary.range).toEqual(dataRange);
    expect(summary.total).toEqual(sumOf(records));
    const byDirection = totalsBy(records, (r) => r.direction);
    for (const direction of DIRECTIONS) {
      expect(summary.directions[direction]).toEqual(byDirection.get(direction) ?? zero());
    }

    // A requested range is half-open on the end time.
    const fromMs = T0 + 200_000;
    const toMs = T0 + 500_000;
    const inRange = records.filter((r) => r.endMs >= fromMs && r.endMs < toMs);
    const ranged = await store.summary({
      range: { fromMs, toMs },
      filter: { direction: "egress" },
    });
    expect(ranged.range).toEqual({ fromMs, toMs });
    expect(ranged.total).toEqual(sumOf(inRange.filter((r) => r.direction === "egress")));
  });

  it("ranks top-N by each metric and folds the rest into other", async () => {
    const store = await openStore();
    const records = generate(20_000, 11);
    await appendRecords(store, records);
    const egress = records.filter((r) => r.direction === "egress");
    const cases: { by: Dimension; metric: Metric; key: (r: FlowRecord) => string }[] = [
      { by: "dst.addr", metric: "bytes", key: (r) => canonicalIp(r.dstAddr) ?? "?" },
      { by: "dst.port", metric: "flows", key: (r) => String(r.dstPort) },
      { by: "proto", metric: "packets", key: (r) => String(r.protocol) },
      { by: "src.net", metric: "bytes", key: (r) => r.srcNetwork },
      { by: "locality", metric: "flows", key: (r) => r.locality },
      { by: "exporter", metric: "bytes", key: (r) => canonicalIp(r.exporterAddr) ?? "?" },
    ];
    for (const { by, metric, key } of cases) {
      const limit = 3;
      const expected = totalsBy(egress, key);
      const result = await store.top({
        range: {},
        by,
        metric,
        limit,
        filter: { direction: "egress" },
      });
      const ranked = [...expected.values()].map((t) => t[metric]).sort((a, b) => b - a);
      expect(
        result.rows.map((row) => row[metric]),
        by,
      ).toEqual(ranked.slice(0, limit));
      for (const row of result.rows) {
        expect(
          { bytes: row.bytes, packets: row.packets, flows: row.flows },
          `${by} ${row.key}`,
        ).toEqual(expected.get(row.key));
      }
      const folded = zero();
      for (const [k, totals] of expected) {
        if (result.rows.some((row) => row.key === k)) continue;
        folded.bytes += totals.bytes;
        folded.packets += totals.packets;
        folded.flows += totals.flows;
      }
      expect(result.other, by).toEqual(folded);
      expect(result.total, by).toEqual(sumOf(egress));
    }
  });

  it("round-trips IPv4 and IPv6 addresses as canonical text", async () => {
    const store = await openStore();
    const records = generate(5_000, 3);
    // A non-canonical IPv6 spelling must come back in RFC 5952 form.
    const odd = {
      ...(records[0] as FlowRecord),
      srcAddr: "2001:DB8:0:0:0:0:0:0001",
      ipVersion: 6 as const,
    };
    await appendRecords(store, [...records, odd]);
    const all = [...records, odd];
    const expected = totalsBy(all, (r) => canonicalIp(r.srcAddr) ?? "?");
    const result = await store.top({ range: {}, by: "src.addr", metric: "flows", limit: 10_000 });
    expect(result.other).toEqual(zero());
    expect(
      new Map(
        result.rows.map((row) => [
          row.key,
          { bytes: row.bytes, packets: row.packets, flows: row.flows },
        ]),
      ),
    ).toEqual(expected);
    const keys = result.rows.map((row) => row.key);
    expect(keys).toContain("2001:db8::1");
    expect(keys.some((k) => /^10\.1\.\d+\.\d+$/.test(k))).toBe(true);
    expect(keys.some((k) => k.startsWith("2001:db8:1:"))).toBe(true);
  });

  it("groups by a tag key, with flows lacking the tag under the empty key", async () => {
    const store = await openStore();
    const records = generate(8_000, 5);
    const quoted = {
      ...(records[0] as FlowRecord),
      srcTags: { team: "o'brien; DROP TABLE flows" },
    };
    const all = [...records.slice(1), quoted];
    await appendRecords(store, all);
    const expected = totalsBy(all, (r) => r.srcTags["team"] ?? "");
    const result = await store.top({ range: {}, by: "src.tag.team", metric: "bytes", limit: 100 });
    expect(new Set(result.rows.map((row) => row.key))).toEqual(new Set(expected.keys()));
    for (const row of result.rows) {
      expect({ bytes: row.bytes, packets: row.packets, flows: row.flows }).toEqual(
        expected.get(row.key),
      );
    }
    const missing = await store.top({
      range: {},
      by: "dst.tag.no-such-key",
      metric: "flows",
      limit: 5,
    });
    expect(missing.rows).toEqual([{ key: "", ...sumOf(all) }]);
  });

  it("returns every bucket of a time series, aligned and zero-filled", async () => {
    const store = await openStore();
    const records = generate(6_000, 9);
    await appendRecords(store, records);
    const stepMs = 60_000;
    // Start mid-bucket and run past the data so leading and trailing buckets are empty.
    const fromMs = T0 - 90_000;
    const toMs = Math.max(...records.map((r) => r.endMs)) + 3 * stepMs;
    const result = await store.timeseries({ range: { fromMs, toMs }, stepMs, metric: "bytes" });
    const firstMs = Math.floor(fromMs / stepMs) * stepMs;
    const count = Math.floor((toMs - 1) / stepMs) - Math.floor(fromMs / stepMs) + 1;
    expect(result.points.map((p) => p.timeMs)).toEqual(
      Array.from({ length: count }, (_, index) => firstMs + index * stepMs),
    );
    const expected = new Map<number, Record<Direction, number>>();
    for (const record of records) {
      const bucket = Math.floor(record.endMs / stepMs) * stepMs;
      const values = expected.get(bucket) ?? { ingress: 0, egress: 0, internal: 0, transit: 0 };
      values[record.direction] += record.bytes;
      expected.set(bucket, values);
    }
    for (const point of result.points) {
      expect(point.byDirection, String(point.timeMs)).toEqual(
        expected.get(point.timeMs) ?? { ingress: 0, egress: 0, internal: 0, transit: 0 },
      );
    }
    const flows = await store.timeseries({
      range: {},
      stepMs: 3_600_000,
      metric: "flows",
      filter: { direction: "ingress" },
    });
    const ingress = records.filter((r) => r.direction === "ingress").length;
    expect(flows.points.reduce((sum, p) => sum + p.byDirection.ingress, 0)).toBe(ingress);
    expect(flows.points.every((p) => p.byDirection.egress === 0)).toBe(true);
  });

  it("answers an empty store with empty results", async () => {
    const store = await openStore();
    expect(await store.dataRange()).toBeNull();
    const summary = await store.summary({ range: {} });
    expect(summary.range).toBeNull();
    expect(summary.total).toEqual(zero());
    expect(summary.directions.egress).toEqual(zero());
    const top = await store.top({ range: {}, by: "dst.addr", metric: "bytes", limit: 10 });
    expect(top).toMatchObject({ range: null, rows: [], other: zero(), total: zero() });
    expect((await store.timeseries({ range: {}, stepMs: 60_000, metric: "bytes" })).points).toEqual(
      [],
    );
    const explicit = await store.timeseries({
      range: { fromMs: 0, toMs: 180_000 },
      stepMs: 60_000,
      metric: "flows",
    });
    expect(explicit.points.map((p) => p.timeMs)).toEqual([0, 60_000, 120_000]);
    expect(explicit.points.every((p) => Object.values(p.byDirection).every((v) => v === 0))).toBe(
      true,
    );
    await appendRecords(store, []);
    expect(await store.countFlows()).toBe(0);
  });

  it("shows a query running beside an append either none or all of the batch", async () => {
    const store = await openStore();
    const first = generate(5_000, 21);
    await appendRecords(store, first);
    const second = createFlowGenerator({ seed: 22, startMs: T0 + 10_000_000, meanGapMs: 50 })(
      40_000,
    );
    const appending = appendRecords(store, second);
    const seen = await Promise.all([store.summary({ range: {} }), store.summary({ range: {} })]);
    await appending;
    for (const summary of seen) {
      expect([first.length, first.length + second.length]).toContain(summary.total.flows);
    }
    expect((await store.summary({ range: {} })).total.flows).toBe(first.length + second.length);
  });

  it("rejects a batch with a bad record as a whole and keeps writing afterwards", async () => {
    const store = await openStore();
    const records = generate(3_000, 4);
    const bad = [...records];
    bad[2500] = { ...(records[2500] as FlowRecord), dstAddr: "not-an-address" };
    await expectAppError(
      appendRecords(store, bad),
      "ERR_STORE_WRITE",
      /record 2500, column dst_addr: "not-an-address"/,
    );
    expect(await store.countFlows()).toBe(0);
    await appendRecords(store, records);
    expect(await store.countFlows()).toBe(records.length);
  });

  it("refuses dimensions, metrics, filters and ranges that are not in the port's lists", async () => {
    const store = await openStore();
    await appendRecords(store, generate(100));
    // Thunks: each query starts only when awaited, so none rejects unobserved.
    const attempts: (() => Promise<unknown>)[] = [
      () =>
        store.top({
          range: {},
          by: "src.tag.x'] OR 1=1; DROP TABLE flows; --",
          metric: "bytes",
          limit: 5,
        }),
      () =>
        store.top({
          range: {},
          by: "src_addr); DROP TABLE flows; --" as Dimension,
          metric: "bytes",
          limit: 5,
        }),
      () =>
        store.top({
          range: {},
          by: "dst.addr",
          metric: "bytes DESC; DROP TABLE flows" as Metric,
          limit: 5,
        }),
      () => store.top({ range: {}, by: "dst.addr", metric: "bytes", limit: -1 }),
      () => store.summary({ range: {}, filter: { direction: "egress' OR '1'='1" as Direction } }),
      () => store.summary({ range: { fromMs: 10, toMs: 5 } }),
      () => store.summary({ range: { fromMs: 1.5 } }),
      () =>
        store.timeseries({
          range: { fromMs: 0, toMs: 10_000_000_000 },
          stepMs: 1,
          metric: "flows",
        }),
      () => store.timeseries({ range: {}, stepMs: 0, metric: "flows" }),
    ];
    for (const attempt of attempts) await expectAppError(attempt(), "ERR_QUERY_INVALID");
    expect(await store.countFlows()).toBe(100);
  });
});

describe("duckdb store: files", () => {
  it("keeps the data across a stop and a reopen", async () => {
    const filePath = newPath();
    const records = generate(12_000, 31);
    const writer = createDuckDbStore({ path: filePath, readOnly: false });
    await writer.start();
    await appendRecords(writer, records);
    const before = await writer.summary({ range: {} });
    await writer.stop();
    const reopened = await openStore(filePath);
    expect(await reopened.summary({ range: {} })).toEqual(before);
    expect(before.total).toEqual(sumOf(records));
  });

  it("opens read-only when no writer holds the file, and refuses appends", async () => {
    const filePath = newPath();
    const writer = createDuckDbStore({ path: filePath, readOnly: false });
    await writer.start();
    const records = generate(2_000, 41);
    await appendRecords(writer, records);
    await writer.stop();
    const reader = await openStore(filePath, true);
    expect((await reader.summary({ range: {} })).total).toEqual(sumOf(records));
    await expectAppError(
      appendRecords(reader, records.slice(0, 1)),
      "ERR_STORE_WRITE",
      /read-only/,
    );
  });

  it("says so when a read-only open finds no store", async () => {
    const store = createDuckDbStore({ path: newPath(), readOnly: true });
    await expectAppError(store.start(), "ERR_STORE_OPEN", /no flow store exists there yet/);
  });

  it("refuses a file that is not a DuckDB database", async () => {
    const filePath = newPath();
    await openStore(filePath).then((store) => store.stop());
    writeFileSync(filePath, "this is a text file, not a database\n".repeat(200));
    const store = createDuckDbStore({ path: filePath, readOnly: false });
    await expectAppError(store.start(), "ERR_STORE_OPEN", /not a DuckDB database/);
  });

  it("refuses a second open of the same file in this process", async () => {
    const filePath = newPath();
    await openStore(filePath);
    const second = createDuckDbStore({ path: filePath, readOnly: true });
    await expectAppError(second.start(), "ERR_STORE_OPEN", /already open in this process/);
  });

  it("fails with a readable message when another process holds the file", async () => {
    const filePath = newPath();
    await openStore(filePath).then((store) => store.stop());
    const holder = await holdFile(filePath);
    try {
      const writer = createDuckDbStore({ path: filePath, readOnly: false });
      const error = await expectAppError(
        writer.start(),
        "ERR_STORE_OPEN",
        /another process \(pid \d+\) holds it, most likely another Tollgate process/,
      );
      expect(error.message).toContain(filePath);
      const reader = createDuckDbStore({ path: filePath, readOnly: true });
      await expectAppError(
        reader.start(),
        "ERR_STORE_OPEN",
        /another process \(pid \d+\) holds it/,
      );
    } finally {
      holder.kill();
    }
  });

  it("widens an enum column written before core gained a value", async () => {
    const filePath = newPath();
    await openStore(filePath).then((store) => store.stop());
    // Rebuild the file as an older version would have: without the "demo" source.
    rmSync(filePath);
    const old = await DuckDBInstance.create(filePath);
    const connection = await old.connect();
    const ddl = (MIGRATIONS[0]?.statements[0] ?? "").replace(", 'demo'", "");
    expect(ddl).not.toContain("'demo'");
    await connection.run(ddl);
    await connection.run(
      "CREATE TABLE schema_version (version INTEGER NOT NULL, description VARCHAR NOT NULL, applied_at_ms BIGINT NOT NULL)",
    );
    await connection.run("INSERT INTO schema_version VALUES (1, 'flows table', 0)");
    connection.closeSync();
    old.closeSync();
    const store = await openStore(filePath);
    const record = { ...(generate(1)[0] as FlowRecord), source: "demo" as const };
    await appendRecords(store, [record]);
    expect(
      (await store.top({ range: {}, by: "src.addr", metric: "flows", limit: 1 })).total.flows,
    ).toBe(1);
  });

  it("migrates a schema 1 file with its flows, networks and tags", async () => {
    const filePath = newPath();
    mkdirSync(path.dirname(filePath), { recursive: true });
    const old = await DuckDBInstance.create(filePath);
    const connection = await old.connect();
    await connection.run(MIGRATIONS[0]?.statements[0] ?? "");
    await connection.run(
      "CREATE TABLE schema_version (version INTEGER NOT NULL, description VARCHAR NOT NULL, applied_at_ms BIGINT NOT NULL)",
    );
    await connection.run("INSERT INTO schema_version VALUES (1, 'flows table', 0)");
    // 10.0.0.1 → 192.0.2.1 as schema 1 stored it: IPv4-mapped UHUGEINTs, names and tag maps.
    await connection.run(`INSERT INTO flows VALUES (1000, 2000, 2000, 281470849515521, 'netflow5',
      1, 2, 4, 281470849515521, 281473902969345, 1234, 80, 6, 2, 0, 0, 0, 24, 24, NULL, 100, 2, 1,
      true, 100, 2, 'egress', 'networks', 'internet', 'office', NULL, MAP {'team': 'web'}, NULL)`);
    connection.closeSync();
    old.closeSync();
    const store = await openStore(filePath);
    const byTeam = await store.top({ range: {}, by: "src.tag.team", metric: "bytes", limit: 5 });
    expect(byTeam.rows).toEqual([{ key: "web", bytes: 100, packets: 2, flows: 1 }]);
    const byNet = await store.top({ range: {}, by: "src.net", metric: "bytes", limit: 5 });
    expect(byNet.rows[0]?.key).toBe("office");
    const byDst = await store.top({ range: {}, by: "dst.addr", metric: "bytes", limit: 5 });
    expect(byDst.rows[0]?.key).toBe("192.0.2.1");
    // New flows of the same network reuse its id.
    const record = {
      ...(generate(1)[0] as FlowRecord),
      srcNetwork: "office",
      srcTags: { team: "web" },
    };
    await appendRecords(store, [record]);
    const after = await store.top({ range: {}, by: "src.net", metric: "flows", limit: 5 });
    expect(after.rows.find((row) => row.key === "office")?.flows).toBe(2);
  });

  it("stores a sampled counter only where it differs from the scaled one; readers see both", async () => {
    const filePath = newPath();
    const store = await openStore(filePath);
    const [first, second] = generate(2);
    const unsampled = { ...(first as FlowRecord), bytes: 700, packets: 7 };
    Object.assign(unsampled, { sampledBytes: 700, sampledPackets: 7, samplingRate: 1 });
    const sampled = { ...(second as FlowRecord), bytes: 1_000, packets: 10 };
    Object.assign(sampled, { sampledBytes: 100, sampledPackets: 1, samplingRate: 10 });
    await appendRecords(store, [unsampled, sampled]);
    const chunks = await store.planChunks({ range: {} });
    const chunk = chunks[0];
    if (chunk === undefined) throw new Error("no chunk");
    const read = await store.readChunk({ range: {} }, chunk);
    const counters = Array.from({ length: read.batch.length }, (_, row) =>
      [read.batch.sampledBytes[row], read.batch.sampledPackets[row], read.batch.bytes[row]].join(),
    ).sort();
    expect(counters).toEqual(["100,1,1000", "700,7,700"]);
    await store.stop();
    const instance = await DuckDBInstance.create(filePath, { access_mode: "READ_ONLY" });
    const connection = await instance.connect();
    const stored = await connection.runAndReadAll(
      "SELECT bytes, sampled_bytes, sampled_packets FROM flows ORDER BY bytes",
    );
    expect(stored.getRows()).toEqual([
      [700n, null, null],
      [1_000n, 100n, 1n],
    ]);
    const rolled = await connection.runAndReadAll(
      "SELECT sum(sampled_bytes)::DOUBLE, sum(sampled_packets)::DOUBLE FROM flows_1m",
    );
    expect(rolled.getRows()).toEqual([[800, 8]]);
    connection.closeSync();
    instance.closeSync();
  });
});

/** Starts a separate process that opens the file for writing and keeps it until killed. */
function holdFile(filePath: string): Promise<ChildProcess> {
  const script = `
    import { DuckDBInstance } from "@duckdb/node-api";
    const instance = await DuckDBInstance.create(process.argv[1]);
    await instance.connect();
    process.stdout.write("ready\\n");
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, filePath], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      reject(new Error(`the holder process exited early with ${code}`));
    });
    child.stdout.on("data", (data: Buffer) => {
      if (data.toString().includes("ready")) resolve(child);
    });
  });
}

describe("duckdb store: cloud flow logs and import progress", () => {
  const cloudA = {
    provider: "aws",
    account: "123456789012",
    region: "eu-west-1",
    zone: "euw1-az1",
    vpc: "vpc-1",
    subnet: "subnet-1",
    instance: "i-1",
    interface: "eni-1",
  } as const;
  const cloudB = { ...cloudA, provider: "gcp", account: "proj", interface: "" } as const;

  function cloudBatch(): FlowBatch {
    const batch = new FlowBatch(4);
    const base = generate(4);
    base.forEach((record, index) => {
      const row = batch.appendDecoded({
        ...record,
        exporterAddr: "::",
        source: index < 2 ? "aws-vpc" : "gcp-vpc",
        cloud: index < 2 ? { ...cloudA } : { ...cloudB },
        observedAction: index === 1 ? "reject" : "accept",
      });
      batch.bytes[row] = 1000 * (index + 1);
      batch.packets[row] = index + 1;
    });
    return batch;
  }

  it("groups by cloud context, source and observed action", async () => {
    const store = await openStore();
    await store.append(cloudBatch(), []);
    const range = { fromMs: 0, toMs: T0 * 2 };
    const byProvider = await store.top({ range, by: "cloud.provider", metric: "bytes", limit: 5 });
    expect(byProvider.rows.map((row) => [row.key, row.bytes])).toEqual([
      ["gcp", 7000],
      ["aws", 3000],
    ]);
    const byAction = await store.top({ range, by: "observed.action", metric: "flows", limit: 5 });
    expect(byAction.rows.map((row) => [row.key, row.flows])).toEqual([
      ["accept", 3],
      ["reject", 1],
    ]);
    const bySource = await store.top({ range, by: "source", metric: "flows", limit: 5 });
    expect(bySource.rows.map((row) => row.key).sort()).toEqual(["aws-vpc", "gcp-vpc"]);
    const byInterface = await store.top({
      range,
      by: "cloud.interface",
      metric: "bytes",
      limit: 5,
    });
    expect(byInterface.rows.map((row) => [row.key, row.bytes])).toEqual([
      ["", 7000],
      ["eni-1", 3000],
    ]);
  });

  it("commits import checkpoints with their batch, and alone", async () => {
    const filePath = newPath();
    const store = await openStore(filePath);
    const checkpoint = {
      fileKey: "/logs/a.log",
      headSha256: "ab".repeat(32),
      headBytes: 4096,
      sizeBytes: 10_000,
      mtimeMs: 1.5,
      format: "aws-vpc",
      offsetBytes: 5000,
      line: 40,
      records: 4,
      complete: false,
    };
    const batch = cloudBatch();
    batch.addCheckpoint(checkpoint);
    await store.append(batch, []);
    const only = new FlowBatch(1);
    only.addCheckpoint({ ...checkpoint, offsetBytes: 10_000, line: 80, complete: true });
    only.addCheckpoint({ ...checkpoint, fileKey: "/logs/b.log", records: 0 });
    await store.append(only, []);
    await store.stop();
    stores.splice(stores.indexOf(store), 1);
    const reopened = await openStore(filePath);
    expect(await reopened.countFlows()).toBe(4);
    const saved = (await reopened.importCheckpoints()).sort((a, b) =>
      a.fileKey.localeCompare(b.fileKey),
    );
    expect(saved).toEqual([
      { ...checkpoint, offsetBytes: 10_000, line: 80, complete: true },
      { ...checkpoint, fileKey: "/logs/b.log", records: 0 },
    ]);
  });

  it("rolls the checkpoint back with a batch that fails", async () => {
    const store = await openStore();
    const batch = cloudBatch();
    batch.addCheckpoint({
      fileKey: "/logs/c.log",
      headSha256: "",
      headBytes: 0,
      sizeBytes: 1,
      mtimeMs: 0,
      format: "aws-vpc",
      offsetBytes: 1,
      line: 2,
      records: 4,
      complete: true,
    });
    // A byte count beyond UBIGINT's range cannot be stored: the whole transaction fails.
    batch.bytes[2] = -1;
    await expect(store.append(batch, [])).rejects.toThrow(AppError);
    expect(await store.importCheckpoints()).toEqual([]);
    expect(await store.countFlows()).toBe(0);
  });
});
