import { mkdtempSync, rmSync, statSync } from "node:fs";
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

  it("writes nothing when the table already holds the names, across a restart", async () => {
    const filePath = path.join(dir, "same.duckdb");
    const walBytes = (): number => {
      try {
        return statSync(`${filePath}.wal`).size;
      } catch {
        return 0;
      }
    };
    const names = new Map(Array.from({ length: 90_000 }, (_, i) => [i + 1, `AS-${i + 1}, Inc.`]));
    const store = createDuckDbWorkerStore({ path: filePath, readOnly: false });
    await store.start();
    await store.putAsNames(names);
    // The rewrite is a write-ahead-log commit: 90k names are megabytes of it.
    expect(walBytes()).toBeGreaterThan(1_000_000);
    await store.stop();

    await store.start();
    const before = walBytes();
    await store.putAsNames(new Map(names));
    expect(walBytes()).toBe(before);
    await store.putAsNames(new Map(names).set(90_000, "RENAMED"));
    expect(walBytes()).toBeGreaterThan(before + 1_000_000);
    await store.stop();
    expect(await stored(filePath)).toEqual([[90_000, 90_000, "AS-1, Inc."]]);
    const renamed = await DuckDBInstance.create(filePath, { access_mode: "READ_ONLY" });
    const connection = await renamed.connect();
    try {
      const reader = await connection.runAndReadAll("SELECT name FROM as_names WHERE asn = 90000");
      expect(reader.getRows()).toEqual([["RENAMED"]]);
    } finally {
      connection.closeSync();
      renamed.closeSync();
    }
  });
});
