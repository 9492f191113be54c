/**
 * Append throughput of the DuckDB flow store: FlowBatches (the columnar form the pipeline
 * hands over, 48 columns) appended with `store.append()`, each batch one transaction, against
 * DuckDB's own insertion speed for the same table measured in the same run: an
 * `INSERT INTO flows SELECT * FROM <copy>` of the same rows, which involves no JavaScript at
 * all. The ratio says how close the column hand-over gets to what DuckDB itself can ingest on
 * this machine. Building the batches (record generation, address parsing) is not timed.
 * Also DuckDB's appender alone: the same rows as ready DuckDB vectors (no JavaScript
 * conversion), appended a batch a transaction, which is the most any writer through the
 * appender can get. Also printed: what `appendOrder` (the per-batch sort by destination then source address
 * that store.append() does before handing the columns over, row-order.ts) costs per row.
 *
 *   npx tsx bench/duckdb-append.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { withAppender } from "../src/storage/duckdb/appender.ts";
import { createDuckDbStore, FLOWS_TABLE } from "../src/storage/duckdb/index.ts";
import { appendOrder } from "../src/storage/duckdb/row-order.ts";
import { createFlowGenerator } from "../src/storage/duckdb/testdata/flows.ts";
import { batchOfRecords } from "../src/storage/index.ts";

const RUNS = 3;
const BATCH_SIZES = [10_000, 50_000, 131_072, 245_760];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-append-"));
  try {
    const generate = createFlowGenerator({ seed: 7, startMs: Date.UTC(2026, 0, 1), meanGapMs: 1 });
    console.log(
      `node ${process.version}; median of ${RUNS} runs; rows/s wall (rows per CPU-second)`,
    );
    console.log(
      "batch rows   store.append()        DuckDB INSERT…SELECT  DuckDB appender alone  ratio   sort per row, CPU (share of append CPU)",
    );
    for (const batchRows of BATCH_SIZES) {
      const filePath = path.join(dir, `store-${batchRows}.duckdb`);
      const store = createDuckDbStore({ path: filePath, readOnly: false });
      await store.start();
      const prepared = Array.from({ length: RUNS + 1 }, () => batchOfRecords(generate(batchRows)));
      const warm = prepared[0];
      if (warm !== undefined) await store.append(warm.batch, warm.networks);
      const ours: { wall: number; cpu: number }[] = [];
      for (const { batch, networks } of prepared.slice(1)) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await store.append(batch, networks);
        const seconds = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        ours.push({ wall: batchRows / seconds, cpu: batchRows / ((cpu.user + cpu.system) / 1e6) });
      }
      await store.stop();
      // The sort alone, on the same batches (its share of store.append()'s CPU time).
      const sortCpuNs: number[] = [];
      for (const { batch } of prepared.slice(1)) {
        const cpu0 = process.cpuUsage();
        for (let repeat = 0; repeat < 5; repeat++) appendOrder(batch);
        const cpu = process.cpuUsage(cpu0);
        sortCpuNs.push(((cpu.user + cpu.system) * 1000) / (5 * batchRows));
      }

      // DuckDB alone: copy the rows just written into an identical table, same batch size.
      const instance = await DuckDBInstance.create(filePath);
      const connection = await instance.connect();
      await connection.run(`CREATE TABLE copy_target AS SELECT * FROM ${FLOWS_TABLE} LIMIT 0`);
      const duck: { wall: number; cpu: number }[] = [];
      for (let run = 0; run < RUNS; run++) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await connection.run(
          `INSERT INTO copy_target SELECT * FROM ${FLOWS_TABLE} LIMIT ${batchRows} OFFSET ${run * batchRows}`,
        );
        const seconds = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        duck.push({ wall: batchRows / seconds, cpu: batchRows / ((cpu.user + cpu.system) / 1e6) });
      }
      // DuckDB's appender alone: the same rows as DuckDB's own vectors (fetched from a query,
      // untimed), appended chunk by chunk into a third identical table, a transaction a batch.
      // This is the ceiling for any writer that hands DuckDB ready columns.
      await connection.run(`CREATE TABLE append_target AS SELECT * FROM ${FLOWS_TABLE} LIMIT 0`);
      const appended: { wall: number; cpu: number }[] = [];
      for (let run = 0; run < RUNS; run++) {
        const chunks = await (
          await connection.run(
            `SELECT * FROM ${FLOWS_TABLE} LIMIT ${batchRows} OFFSET ${run * batchRows}`,
          )
        ).fetchAllChunks();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await connection.run("BEGIN TRANSACTION");
        await withAppender(connection, "append_target", (appender) => {
          for (const chunk of chunks) appender.appendDataChunk(chunk);
        });
        await connection.run("COMMIT");
        const seconds = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        appended.push({
          wall: batchRows / seconds,
          cpu: batchRows / ((cpu.user + cpu.system) / 1e6),
        });
      }
      connection.closeSync();
      instance.closeSync();
      const cell = (rates: { wall: number; cpu: number }[]): string =>
        `${Math.round(median(rates.map((r) => r.wall)))} (${Math.round(median(rates.map((r) => r.cpu)))})`.padEnd(
          22,
        );
      console.log(
        `${String(batchRows).padStart(10)}   ${cell(ours)}${cell(duck)}${cell(appended)}${(median(ours.map((r) => r.wall)) / median(duck.map((r) => r.wall))).toFixed(2)}×   ${median(sortCpuNs).toFixed(0)} ns (${((median(sortCpuNs) * median(ours.map((r) => r.cpu))) / 1e7).toFixed(1)} %)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
