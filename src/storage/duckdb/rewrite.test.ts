import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { CONTRACT_T0_MS, contractFlows, describeRewritableContract } from "../contract/index.ts";
import { batchOfRecords } from "../records.ts";
import { createDuckDbStore, createDuckDbWorkerStore } from "./index.ts";
import { planChunks, readChunk, rewriteChunk } from "./rewrite.ts";

// Both ways the store runs: in this thread (the CLI) and on its own thread (serve, import).
for (const [name, create] of [
  ["duckdb", createDuckDbStore],
  ["duckdb worker thread", createDuckDbWorkerStore],
] as const) {
  describeRewritableContract(name, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tollgate-rewrite-duckdb-"));
    const store = create({ path: path.join(dir, "flows.duckdb"), readOnly: false, threads: 1 });
    await store.start();
    return {
      store,
      dispose: async () => {
        await store.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

describe("DuckDB rewrite guard", () => {
  it("refuses a chunk whose rows moved (retention vacuumed) and changes nothing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tollgate-rewrite-guard-"));
    try {
      const file = path.join(dir, "flows.duckdb");
      const store = createDuckDbStore({ path: file, readOnly: false, threads: 1 });
      await store.start();
      const records = contractFlows(4000, 5, 4 * 3_600_000);
      const { batch, networks } = batchOfRecords(records);
      await store.append(batch, networks);
      await store.stop();

      const instance = await DuckDBInstance.create(file);
      const connection = await instance.connect();
      try {
        const query = { range: {} };
        const [chunk] = await planChunks(connection, query);
        if (chunk === undefined) throw new Error("no chunk");
        const read = await readChunk(connection, query, chunk, new Map());
        expect(read.batch.length).toBe(records.length);
        read.batch.srcNetwork.fill(0);
        read.batch.dstNetwork.fill(0);
        const before = (
          await connection.runAndReadAll(
            "SELECT count(*) FILTER (WHERE src_network_id = 0) FROM flows",
          )
        ).getRows();
        // Retention deletes the oldest quarter; the checkpoint renumbers the rest.
        const cutoff = CONTRACT_T0_MS + 3_600_000;
        await connection.run(`DELETE FROM flows WHERE end_ms < ${cutoff}`);
        await connection.run("CHECKPOINT");
        await connection.run("BEGIN TRANSACTION");
        await expect(rewriteChunk(connection, read, new Uint32Array(0))).rejects.toThrow(
          /moved before they could be rewritten/,
        );
        await connection.run("ROLLBACK");
        const after = (
          await connection.runAndReadAll(
            "SELECT count(*) FILTER (WHERE src_network_id = 0) FROM flows",
          )
        ).getRows();
        const kept = records.filter((record) => record.endMs >= cutoff);
        expect(after).toEqual([
          [
            BigInt(
              kept.filter(
                (record) => record.srcNetwork === "" && Object.keys(record.srcTags).length === 0,
              ).length,
            ),
          ],
        ]);
        expect(before[0]?.[0]).toBeGreaterThanOrEqual(after[0]?.[0] as bigint);

        // Read again after the move: the same rewrite goes through.
        const [fresh] = await planChunks(connection, query);
        if (fresh === undefined) throw new Error("no chunk");
        const again = await readChunk(connection, query, fresh, new Map());
        again.batch.srcNetwork.fill(0);
        again.batch.dstNetwork.fill(0);
        const counts = await rewriteChunk(connection, again, new Uint32Array(0));
        expect(counts.rows).toBe(kept.length);
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("retention and reclassify", () => {
  for (const [name, create] of [
    ["in thread", createDuckDbStore],
    ["worker thread", createDuckDbWorkerStore],
  ] as const) {
    it(`retention waits for a running reclassification (${name})`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "tollgate-rewrite-retention-"));
      const store = create({ path: path.join(dir, "flows.duckdb"), readOnly: false, threads: 1 });
      try {
        await store.start();
        const records = contractFlows(3000, 9, 3 * 3_600_000);
        const { batch, networks } = batchOfRecords(records);
        await store.append(batch, networks);
        const order: string[] = [];
        const reclassified = store
          .reclassify({ range: {} }, (read) => {
            order.push("rewrite");
            return emptyNetworks(read);
          })
          .then((result) => {
            order.push("reclassify done");
            return result;
          });
        // Everything older than an hour after the first flow goes, once the rewrite is done.
        const retained = store
          .enforceRetention(
            { raw: 1, "1m": null, "1h": null, "1d": null },
            CONTRACT_T0_MS + 3_600_000 + 1,
          )
          .then((report) => {
            order.push("retention done");
            return report;
          });
        const [result] = await Promise.all([reclassified, retained]);
        expect(result.rows).toBe(records.length);
        expect(order).toEqual(["rewrite", "reclassify done", "retention done"]);
        const left = await store.summary({ range: {} });
        expect(left.total.flows).toBe(
          records.filter((r) => r.endMs >= CONTRACT_T0_MS + 3_600_000).length,
        );
      } finally {
        await store.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/** A rewrite that points every row at no network (what it writes is not the point here). */
function emptyNetworks(batch: { srcNetwork: Uint32Array; dstNetwork: Uint32Array }): never[] {
  batch.srcNetwork.fill(0);
  batch.dstNetwork.fill(0);
  return [];
}
