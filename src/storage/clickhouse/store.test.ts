import { createServer, type Server, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  clickhouseAvailable,
  freePort,
  startClickHouse,
} from "../../../test/helpers/clickhouse.ts";
import { AppError, FlowBatch } from "../../core/index.ts";
import { batchOfRecords } from "../records.ts";
import { contractFlows } from "../contract/index.ts";
import { defaultRollupSettings } from "../tiers.ts";
import { createClickHouseStore, defaultClickHouseStoreConfig, flowsTableSql } from "./index.ts";
import { sqlString } from "./literals.ts";

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("literal encoder", () => {
  it("escapes quotes, backslashes and line breaks", () => {
    expect(sqlString("a'b\\c\nd")).toBe("'a\\'b\\\\c\\nd'");
  });
});

describe("ClickHouse store errors", () => {
  const sockets: Socket[] = [];
  let blackHole: Server | undefined;
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    blackHole?.close();
  });

  it("start() fails with ERR_STORE_OPEN naming the URL when nothing listens", async () => {
    const port = await freePort();
    const store = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: `http://127.0.0.1:${port}`,
    });
    const error = await failure(store.start());
    expect(error.code).toBe("ERR_STORE_OPEN");
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(error.message).toContain("storage.clickhouse.url");
  });

  it("start() gives up after requestTimeoutMs when the server never answers", async () => {
    // Accepts connections and never answers: a hung server, not a refused one.
    blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole?.listen(0, "127.0.0.1", resolve));
    const address = blackHole.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const store = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: `http://127.0.0.1:${port}`,
      requestTimeoutMs: 300,
    });
    const error = await failure(store.start());
    expect(error.code).toBe("ERR_STORE_OPEN");
    expect(error.message).toMatch(/did not answer/);
  });

  it.runIf(clickhouseAvailable())(
    "append rejects with ERR_STORE_WRITE once the server is gone",
    async () => {
      const server = await startClickHouse();
      const store = createClickHouseStore({
        ...defaultClickHouseStoreConfig,
        url: server.url,
        requestTimeoutMs: 2000,
      });
      try {
        await store.start();
        const { batch, networks } = batchOfRecords(contractFlows(50));
        await store.append(batch, networks);
        expect(await store.countFlows()).toBe(50);
        await server.stop();
        const next = batchOfRecords(contractFlows(50, 12));
        const error = await failure(store.append(next.batch, next.networks));
        expect(error.code).toBe("ERR_STORE_WRITE");
        expect(error.message).toContain(server.url);
        // Checkpoint-only batches go to the server too.
        const onlyCheckpoint = new FlowBatch(1);
        onlyCheckpoint.addCheckpoint({
          fileKey: "/x",
          headSha256: "",
          headBytes: 0,
          sizeBytes: 0,
          mtimeMs: 0,
          format: "aws-vpc",
          offsetBytes: 0,
          line: 1,
          records: 0,
          complete: true,
        });
        expect((await failure(store.append(onlyCheckpoint, []))).code).toBe("ERR_STORE_WRITE");
      } finally {
        await store.stop();
        await server.stop();
      }
    },
    90_000,
  );
});

describe.skipIf(!clickhouseAvailable())("ClickHouse store on a flows table made elsewhere", () => {
  it("keeps no rollups there: queries read it, storage stats report its tier only", async () => {
    const server = await startClickHouse();
    const sql = async (query: string): Promise<string> => {
      const response = await fetch(`${server.url}/`, { method: "POST", body: query });
      const text = await response.text();
      if (!response.ok) throw new Error(`${query}: ${text}`);
      return text.trim();
    };
    try {
      await sql("CREATE DATABASE other");
      await sql(flowsTableSql("other.mine"));
      const store = createClickHouseStore({
        ...defaultClickHouseStoreConfig,
        url: server.url,
        database: "other",
        flowsTable: "mine",
        rollups: defaultRollupSettings,
      });
      await store.start();
      try {
        const records = contractFlows(500);
        const { batch, networks } = batchOfRecords(records);
        await store.append(batch, networks);
        const dayMs = 86_400_000;
        const fromMs = Math.floor((records[0]?.endMs ?? 0) / dayMs) * dayMs;
        const summary = await store.summary({ range: { fromMs, toMs: fromMs + 2 * dayMs } });
        expect(summary.source).toEqual({ table: "mine", tier: "raw" });
        expect(summary.total.flows).toBe(500);
        const stats = await store.storageStats({ raw: null, "1m": null, "1h": null, "1d": null });
        expect(stats.tiers.map((tier) => [tier.tier, tier.flows])).toEqual([
          ["raw", 500],
          ["1m", 0],
          ["1h", 0],
          ["1d", 0],
        ]);
        expect(
          await sql(
            "SELECT count() FROM system.tables WHERE database = 'other' AND name LIKE 'mine_%'",
          ),
        ).toBe("0");
      } finally {
        await store.stop();
      }
    } finally {
      await server.stop();
    }
  }, 90_000);
});
