import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiServer, type ApiServer } from "../../src/api/index.ts";
import type { FlowRecord } from "../../src/core/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createMetrics, silentLogger } from "../../src/platform/index.ts";
import { createDuckDbStore, type DuckDbStore } from "../../src/storage/duckdb/index.ts";
import { createFlowGenerator } from "../../src/storage/duckdb/testdata/flows.ts";
import { appendRecords } from "../../src/storage/index.ts";
import { main, type Io } from "../../src/services/main.ts";
import { runTop } from "../../src/services/query.ts";
import { flowStorePath } from "../../src/services/ingest.ts";

// The filter parameter end to end: the HTTP API (inject, real DuckDB store) and the CLI
// (its argument, its caret under a mistake, and a query of the data directory).
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const records: FlowRecord[] = createFlowGenerator({ seed: 3, startMs: T0, meanGapMs: 10 })(2000);

let tempDir = "";
let dataDir = "";
let store: DuckDbStore | undefined;
let api: ApiServer | undefined;

beforeAll(async () => {
  tempDir = mkdtempSync(path.join(tmpdir(), "tollgate-filter-it-"));
  dataDir = path.join(tempDir, "data");
  mkdirSync(dataDir);
  store = createDuckDbStore({ path: flowStorePath(dataDir), readOnly: false, threads: 2 });
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

/** A loopback port that was just free (bound, then closed): connections to it are refused. */
async function closedPort(): Promise<number> {
  const socket = createServer();
  await new Promise<void>((resolve) => socket.listen(0, "127.0.0.1", resolve));
  const address = socket.address();
  await new Promise<void>((resolve) =>
    socket.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function server(): ApiServer {
  if (api === undefined) throw new Error("api not started");
  return api;
}

const tcpHttps = (record: FlowRecord): boolean =>
  record.protocol === 6 && (record.dstPort === 443 || record.dstPort === 8080);

describe("API filter parameter", () => {
  it("filters top-N and summary, ANDed with direction", async () => {
    const filter = "proto = tcp and dst.port in (443, 8080)";
    const response = await server()
      .instance()
      .inject({
        method: "GET",
        url: "/api/v1/top",
        query: { by: "dst.port", filter, limit: "50" },
      });
    expect(response.statusCode).toBe(200);
    const top = response.json<{ rows: { key: string; flows: number }[] }>();
    expect(top.rows.map((row) => row.key).sort()).toEqual(["443", "8080"]);
    expect(top.rows.reduce((sum, row) => sum + row.flows, 0)).toBe(records.filter(tcpHttps).length);

    const summary = await server()
      .instance()
      .inject({ method: "GET", url: "/api/v1/summary", query: { filter, direction: "egress" } });
    expect(summary.statusCode).toBe(200);
    const body = summary.json<{ total: { flows: number; bytes: number } }>();
    const expected = records.filter((record) => tcpHttps(record) && record.direction === "egress");
    expect(body.total.flows).toBe(expected.length);
    expect(body.total.bytes).toBe(expected.reduce((sum, record) => sum + record.bytes, 0));
  });

  it("answers a mistake with 400 and where it is", async () => {
    const response = await server()
      .instance()
      .inject({
        method: "GET",
        url: "/api/v1/timeseries",
        query: { filter: "direction = egrss" },
      });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: "ERR_QUERY_INVALID",
      detail: expect.stringMatching(/column 13: .*did you mean egress\?/) as unknown,
      details: { filter: "direction = egrss", column: 13, length: 5 },
    });
  });

  it("documents the parameter in the OpenAPI document", async () => {
    const response = await server()
      .instance()
      .inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(response.body).toContain("docs/33-filter-language.md");
  });
});

describe("CLI --filter", () => {
  it("prints the filter with a caret under the mistake", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      stderr: process.stderr,
    };
    const code = await main(
      ["top", "--by", "proto", "--filter", "proto = tcp and dst.prot = 443", "--data-dir", dataDir],
      io,
    );
    expect(code).toBe(2);
    expect(err.join("\n")).toBe(
      [
        'tollgate: invalid filter at column 17: unknown field "dst.prot": did you mean dst.port? (fields: src.addr, dst.port, proto, direction, bytes… or src.tag.<key>; see docs/33-filter-language.md)',
        "  proto = tcp and dst.prot = 443\n                  ^^^^^^^^",
      ].join("\n"),
    );
  });

  it("queries the data directory with the filter and --direction", async () => {
    // The store is held open by this test; the CLI opens the file read-only, so close it first.
    await api?.stop();
    await store?.stop();
    api = undefined;
    store = undefined;
    const { config } = loadConfig({ dataDir }, {});
    const json = await runTop(
      config,
      {
        // Nothing listens there any more: the query falls back to the data directory.
        server: `http://127.0.0.1:${await closedPort()}`,
        serverExplicit: false,
        filter: "src.addr << 10.0.0.0/8 and not proto = udp",
        direction: "egress",
        format: "json",
      },
      { by: "src.net", metric: "flows", limit: "10" },
    );
    const top = JSON.parse(json) as { rows: { key: string; flows: number }[] };
    const expected = records.filter(
      (record) =>
        record.srcAddr.startsWith("10.") && record.protocol !== 17 && record.direction === "egress",
    );
    expect(top.rows.map((row) => row.key).sort()).toEqual(["dc-east", "office"]);
    expect(top.rows.reduce((sum, row) => sum + row.flows, 0)).toBe(expected.length);
  });
});
