import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbWorkerStore } from "./index.ts";

/**
 * `putAsNames` through the store thread (the store `serve` and `import` use): the map crosses
 * to the worker, and the `as_names` table holds exactly the last map put.
 */
describe("DuckDB AS names table", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-as-names-table-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function stored(filePath: string): Promise<unknown[][]> {
    const instance = await DuckDBInstance.create(filePath, { access_mode: "READ_ONLY" });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        "SELECT count(*)::INTEGER, max(asn)::DOUBLE, min(name) FROM as_names",
      );
      return reader.getRows();
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  it("replaces the whole map at each put", async () => {
    const filePath = path.join(dir, "flows.duckdb");
    const store = createDuckDbWorkerStore({ path: filePath, readOnly: false });
    await store.start();
    const full = new Map(Array.from({ length: 80_000 }, (_, i) => [i + 1, `AS-${i + 1}, Inc.`]));
    await store.putAsNames(full);
    await store.putAsNames(new Map([[4_200_000_000, "PRIVATE 'USE'"]]));
    await store.stop();
    expect(await stored(filePath)).toEqual([[1, 4_200_000_000, "PRIVATE 'USE'"]]);

    await store.start();
    await store.putAsNames(full);
    await store.stop();
    expect(await stored(filePath)).toEqual([[80_000, 80_000, "AS-1, Inc."]]);
  });
});
