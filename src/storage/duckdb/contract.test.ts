import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  describeExploreContract,
  describeFlowStoreContract,
  describeTieredContract,
} from "../contract/index.ts";
import { createDuckDbStore } from "./index.ts";

let counter = 0;

async function open() {
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-contract-duckdb-"));
  counter++;
  const store = createDuckDbStore({
    path: path.join(dir, `flows-${counter}.duckdb`),
    readOnly: false,
    threads: 1,
  });
  await store.start();
  return {
    store,
    dispose: async () => {
      await store.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeFlowStoreContract("duckdb", open, { atomicCheckpoints: true });
describeExploreContract("duckdb", open);
describeTieredContract("duckdb", open, { bytesOnDiskAtOnce: false });
