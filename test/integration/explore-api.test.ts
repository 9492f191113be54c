import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiServer, type ApiServer } from "../../src/api/index.ts";
import type { FlowRecord } from "../../src/core/index.ts";
import { createMetrics, silentLogger } from "../../src/platform/index.ts";
import { createDuckDbStore, type DuckDbStore } from "../../src/storage/duckdb/index.ts";
import { createFlowGenerator } from "../../src/storage/duckdb/testdata/flows.ts";
import { appendRecords } from "../../src/storage/index.ts";

// GET /api/v1/explore through Fastify (inject) on a real DuckDB store: parameters, views,
// formats and errors; the numbers themselves are the storage contract's business.
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const records: FlowRecord[] = createFlowGenerator({ seed: 5, startMs: T0, meanGapMs: 10 })(3000);

let tempDir = "";
let store: DuckDbStore | undefined;
let api: ApiServer | undefined;

beforeAll(async () => {
  tempDir = mkdtempSync(path.join(tmpdir(), "tollgate-explore-api-"));
  store = createDuckDbStore({
    path: path.join(tempDir, "flows.duckdb"),
    readOnly: false,
    threads: 1,
  });
  await store.start();
  await appendRecords(store, records);
  api = createApiServer(
    { host: "127.0.0.1", port: 0, staticDir: null },
    {
      store,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: silentLogger,
      nowMs: () => T0 + 3_600_000,
      status: () => {
        throw new Error("not used");
      },
    },
  );
  await api.start();
});
afterAll(async () => {
  await api?.stop();
  await store?.stop();
  rmSync(tempDir, { recursive: true, force: true });
});

async function get(query: string) {
  const app = api?.instance();
  if (app === undefined) throw new Error("no api");
  return app.inject({ method: "GET", url: `/api/v1/explore?${query}` });
}

describe("GET /api/v1/explore", () => {
  it("takes repeated and comma-separated dimensions alike", async () => {
    const repeated = await get("dimension=proto&dimension=dst.port&limit=3&since=1h&until=now");
    const listed = await get("dimension=proto,dst.port&limit=3&since=1h&until=now");
    expect(repeated.statusCode).toBe(200);
    expect(repeated.json()).toEqual(listed.json());
    const body = repeated.json<{ dimensions: string[]; groups: { keys: string[] }[] }>();
    expect(body.dimensions).toEqual(["proto", "dst.port"]);
    expect(body.groups).toHaveLength(3);
    expect(body.groups[0]?.keys).toHaveLength(2);
  });

  it("answers series, the previous period and a sankey view", async () => {
    const response = await get(
      "dimension=proto&dimension=dst.port&unit=bits/s&step=5m&series=true&previous=true&view=sankey&since=1h&until=now",
    );
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      stepMs: number;
      timesMs: number[];
      range: { from: string };
      total: { points: number[]; stats: { p95: number } };
      previous: { range: { fromMs: number; toMs: number }; groups: unknown[] };
      sankey: { links: { source: string }[] };
    }>();
    expect(body.stepMs).toBe(300_000);
    expect(body.timesMs).toHaveLength(12);
    expect(body.total.points).toHaveLength(12);
    expect(body.range.from).toBe(new Date(T0).toISOString());
    expect(body.previous.range).toEqual({
      fromMs: T0 - 3_600_000,
      toMs: T0,
      from: new Date(T0 - 3_600_000).toISOString(),
      to: new Date(T0).toISOString(),
    });
    expect(body.sankey.links[0]?.source).toMatch(/^proto=/);
  });

  it("exports CSV (text/csv, header row, CRLF)", async () => {
    const response = await get("dimension=src.net&format=csv&since=1h&until=now");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/csv/);
    const lines = response.body.split("\r\n");
    expect(lines[0]).toBe("period,kind,src.net,total,average,max,p95,unit,bytes,packets,flows");
    expect(lines.at(-1)).toBe("");
  });

  it.each([
    ["view=sankey&dimension=proto", "two dimensions"],
    ["unit=bytes/h", "bits/s"],
    ["dimension=nope", "not a dimension"],
    ["dimension=a,b,c,d,e", "not a dimension"],
    ["dimension=proto,src.net,dst.net,src.port,dst.port", "at most 4"],
    ["limit=0", "limit"],
    ["step=1", "step"],
    ["format=xml", "format"],
    ["filter=proto%20%3D", "filter"],
  ])("refuses %s with 400 and a sentence", async (query, words) => {
    const response = await get(query);
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json())).toContain(words);
  });

  it("is in the OpenAPI document", async () => {
    const app = api?.instance();
    const response = await app?.inject({ method: "GET", url: "/api/v1/openapi.json" });
    const document = response?.json<{ paths: Record<string, unknown> }>();
    expect(document?.paths["/api/v1/explore"]).toBeDefined();
  });
});
