import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeRewritableContract } from "../contract/index.ts";
import { createDuckDbStore, createDuckDbWorkerStore } from "./index.ts";

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
