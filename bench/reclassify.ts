/**
 * Reclassification throughput of the DuckDB flow store (`tollgate reclassify`): 1.2 M stored
 * flows read back chunk by chunk as FlowBatch columns, classified against a changed inventory,
 * and written back (stage table + UPDATE … FROM per chunk, one transaction each), in this
 * thread and with the store on its worker thread as `serve` runs it. Also times a read-only
 * scan (`tollgate inventory suggest`) and, for scale, the append of the same rows.
 *
 *   npx tsx bench/reclassify.ts [rows]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildNetworkTable } from "../src/inventory/index.ts";
import { createClassifier, createReclassifyJob } from "../src/pipeline/classify/index.ts";
import { createDuckDbStore, createDuckDbWorkerStore } from "../src/storage/duckdb/index.ts";
import { createFlowGenerator } from "../src/storage/duckdb/testdata/flows.ts";
import { batchOfRecords } from "../src/storage/index.ts";

const ROWS = Number(process.argv[2] ?? 1_200_000);
const BATCH_ROWS = 100_000;

function table(networks: { name: string; cidrs: string[] }[]) {
  const built = buildNetworkTable(networks.map((network) => ({ ...network, tags: {} })));
  if (!built.ok) throw new Error("bad networks");
  return built.table;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-reclassify-"));
  try {
    const file = path.join(dir, "flows.duckdb");
    const generate = createFlowGenerator({ seed: 3, startMs: Date.UTC(2026, 0, 1), meanGapMs: 1 });
    const inventoryA = table([{ name: "private", cidrs: ["10.0.0.0/8", "192.168.0.0/16"] }]);
    const inventoryB = table([
      { name: "lan", cidrs: ["10.0.0.0/9"] },
      { name: "dmz", cidrs: ["192.168.0.0/16", "172.16.0.0/12"] },
    ]);
    const loader = createDuckDbStore({ path: file, readOnly: false });
    await loader.start();
    const classifierA = createClassifier(inventoryA);
    let appendMs = 0;
    for (let done = 0; done < ROWS; done += BATCH_ROWS) {
      const { batch } = batchOfRecords(generate(Math.min(BATCH_ROWS, ROWS - done)));
      classifierA.classifyRows(batch, 0, batch.length, 0);
      const startedMs = performance.now();
      await loader.append(batch, classifierA.networks);
      appendMs += performance.now() - startedMs;
    }
    await loader.stop();
    const rate = (rows: number, ms: number) =>
      Math.round((rows * 1000) / ms).toLocaleString("en-US");
    console.log(`node ${process.version}; ${ROWS.toLocaleString("en-US")} flows`);
    console.log(`append (for scale)             ${rate(ROWS, appendMs)} rows/s`);

    for (const [label, create] of [
      ["reclassify, store in thread   ", createDuckDbStore],
      ["reclassify, store on a worker ", createDuckDbWorkerStore],
    ] as const) {
      const store = create({ path: file, readOnly: false });
      await store.start();
      const startedMs = performance.now();
      let scanned = 0;
      await store.scanFlows({ range: {} }, (batch) => {
        scanned += batch.length;
      });
      const scanMs = performance.now() - startedMs;
      const job = createReclassifyJob({
        store,
        // Alternate inventories so that every pass really changes rows.
        classifier: createClassifier(label.includes("worker") ? inventoryA : inventoryB),
        nowMs: Date.now,
      });
      const rewriteStartMs = performance.now();
      const result = await job.run({ range: {} });
      const rewriteMs = performance.now() - rewriteStartMs;
      await store.stop();
      console.log(`scan, ${label.slice(12)}${rate(scanned, scanMs)} rows/s`);
      console.log(
        `${label}${rate(result.rows, rewriteMs)} rows/s (${result.chunks} chunks; direction changed ${result.directionChanged}, network changed ${result.networkChanged})`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
