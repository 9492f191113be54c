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
