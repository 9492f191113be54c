/**
 * Append throughput of the DuckDB flow store: realistic FlowRecords (33 columns: 4 addresses,
 * 4 enums, 2 network names, 2 tag maps) handed to a DuckDB appender as data chunks (the path
 * the store uses) against one typed appender call per value (the baseline), in the same run,
 * on the same file, each batch one transaction. Conversion (address parsing, tag maps) is
 * included, record generation is not. Also times `store.append()` end to end.
 *
 *   npx tsx bench/duckdb-append.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { FlowRecord } from "../src/core/index.ts";
import {
  appenderColumnTypes,
  createDuckDbStore,
  FLOWS_TABLE,
  MIGRATIONS,
  writeChunks,
  writeRows,
} from "../src/storage/duckdb/index.ts";
import { createFlowGenerator } from "../src/storage/duckdb/testdata/flows.ts";

const RUNS = 3;
// The row path runs about ten times slower: it is measured on the smaller batches only, to
// keep the whole benchmark near a minute.
const CASES: { batchRows: number; rowPath: boolean }[] = [
  { batchRows: 10_000, rowPath: true },
  { batchRows: 30_000, rowPath: true },
  { batchRows: 100_000, rowPath: false },
];

type Writer = typeof writeChunks;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timeBatch(
  connection: DuckDBConnection,
  write: Writer,
  records: readonly FlowRecord[],
): Promise<{ wall: number; cpu: number }> {
  const startedMs = performance.now();
  const startedCpu = process.cpuUsage();
  await connection.run("BEGIN TRANSACTION");
  const appender = await connection.createAppender(FLOWS_TABLE);
  write(appender, appenderColumnTypes(appender), records);
  appender.closeSync();
  await connection.run("COMMIT");
  const cpu = process.cpuUsage(startedCpu);
  return {
    wall: records.length / ((performance.now() - startedMs) / 1000),
    cpu: records.length / ((cpu.user + cpu.system) / 1e6),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-append-"));
  const generate = createFlowGenerator({ seed: 1, startMs: Date.UTC(2026, 10, 22), meanGapMs: 5 });
  try {
    const instance = await DuckDBInstance.create(path.join(dir, "paths.duckdb"), { threads: "2" });
    const connection = await instance.connect();
    for (const statement of MIGRATIONS.flatMap((migration) => migration.statements)) {
      await connection.run(statement);
    }
    // Warm up both paths (JIT, file growth) before measuring.
    await timeBatch(connection, writeChunks, generate(20_000));
    await timeBatch(connection, writeRows, generate(2_000));

    console.log(`node ${process.version}, ${RUNS} runs per case, median rows/s`);
    console.log(
      "rows/s of wall time, and per second of process CPU time (steadier on a busy machine)",
    );
    console.log("batch rows   data chunks (cpu)     row appender (cpu)    ratio (cpu)");
    for (const { batchRows, rowPath } of CASES) {
      const chunkRates: { wall: number; cpu: number }[] = [];
      const rowRates: { wall: number; cpu: number }[] = [];
      for (let run = 0; run < RUNS; run++) {
        // Alternate the paths so drift in machine load hits both alike.
        chunkRates.push(await timeBatch(connection, writeChunks, generate(batchRows)));
        if (rowPath) rowRates.push(await timeBatch(connection, writeRows, generate(batchRows)));
      }
      const chunk = median(chunkRates.map((rate) => rate.wall));
      const chunkCpu = median(chunkRates.map((rate) => rate.cpu));
      const row = median(rowRates.map((rate) => rate.wall));
      const rowCpu = median(rowRates.map((rate) => rate.cpu));
      const cell = (wall: number, cpu: number): string =>
        Number.isNaN(wall)
          ? "(not run)".padStart(20)
          : `${Math.round(wall)} (${Math.round(cpu)})`.padStart(20);
      console.log(
        `${String(batchRows).padStart(10)}   ${cell(chunk, chunkCpu)}  ${cell(row, rowCpu)}    ${
          rowPath ? `${(chunk / row).toFixed(1)}x (${(chunkCpu / rowCpu).toFixed(1)}x)` : "-"
        }`,
      );
    }
    connection.closeSync();
    instance.closeSync();

    const store = createDuckDbStore({
      path: path.join(dir, "store.duckdb"),
      readOnly: false,
      threads: 2,
    });
    await store.start();
    await store.append(generate(20_000));
    const storeRates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const records = generate(100_000);
      const startedMs = performance.now();
      await store.append(records);
      storeRates.push(records.length / ((performance.now() - startedMs) / 1000));
    }
    await store.stop();
    console.log(`store.append(), 100000-row batches: ${Math.round(median(storeRates))} rows/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
