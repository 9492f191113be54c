/**
 * Append throughput and bytes per stored flow of the ClickHouse flow store, against the DuckDB
 * store measured in the same run on the same batches: `store.append()` of FlowBatches (RowBinary
 * over HTTP into a real clickhouse-server started here, loopback) vs DuckDB's appender. Then the
 * on-disk size per flow (`system.parts`, data_compressed_bytes / rows, after OPTIMIZE FINAL) of
 * the store's layout and of variants filled from the same rows by INSERT … SELECT: addresses as
 * FixedString(16) instead of two UInt64 halves, other sorting keys, and the same layout on a
 * server whose config compresses with zstd instead of lz4 (18.16 has no per-column CODEC).
 * Building the batches is not timed.
 *
 *   npx tsx bench/clickhouse-append.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startClickHouse, type ClickHouseServer } from "../test/helpers/clickhouse.ts";
import {
  createClickHouseStore,
  defaultClickHouseStoreConfig,
  flowsTableSql,
} from "../src/storage/clickhouse/index.ts";
import { createDuckDbStore } from "../src/storage/duckdb/index.ts";
import { createFlowGenerator } from "../src/storage/duckdb/testdata/flows.ts";
import { batchOfRecords, type FlowStore } from "../src/storage/index.ts";
import { createSeededRandom } from "../src/core/index.ts";
// Deep imports (bench only): both writers timed alone, without the server.
import { createNativeEncoder } from "../src/storage/clickhouse/native.ts";
import { createRowBinaryEncoder } from "../src/storage/clickhouse/row-binary.ts";
import { FLOW_COLUMN_SPECS } from "../src/storage/clickhouse/schema.ts";

const RUNS = 3;
const BATCH_ROWS = 245_760;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function sql(server: ClickHouseServer, query: string): Promise<string> {
  const response = await fetch(`${server.url}/`, { method: "POST", body: query });
  const text = await response.text();
  if (!response.ok) throw new Error(`${query.slice(0, 80)}: ${text}`);
  return text.trim();
}

async function bytesPerFlow(
  server: ClickHouseServer,
  database: string,
  table: string,
): Promise<string> {
  await sql(server, `OPTIMIZE TABLE ${database}.${table} FINAL`);
  const text = await sql(
    server,
    `SELECT sum(data_compressed_bytes), sum(rows), sum(data_uncompressed_bytes) FROM system.parts WHERE active AND database = '${database}' AND table = '${table}'`,
  );
  const [compressed = 0, rows = 1, uncompressed = 0] = text.split("\t").map(Number);
  return `${(compressed / rows).toFixed(1)} B/flow compressed (${(uncompressed / rows).toFixed(1)} uncompressed)`;
}

async function appendRates(
  store: FlowStore,
  batches: ReturnType<typeof batchOfRecords>[],
): Promise<number[]> {
  const rates: number[] = [];
  for (const { batch, networks } of batches) {
    const t0 = performance.now();
    await store.append(batch, networks);
    rates.push(batch.length / ((performance.now() - t0) / 1000));
  }
  return rates;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-ch-"));
  const servers: ClickHouseServer[] = [];
  try {
    const server = await startClickHouse();
    servers.push(server);
    const generate = createFlowGenerator({ seed: 7, startMs: Date.UTC(2026, 0, 1), meanGapMs: 1 });
    const batches = Array.from({ length: RUNS + 1 }, () => batchOfRecords(generate(BATCH_ROWS)));
    // Countries as the registry fills them: most flows have both ends known, few countries.
    const random = createSeededRandom(3);
    const countries = ["US", "DE", "FR", "GB", "JP", "NL", "IE", "SG", "BR", "IN"].map(
      (code) => (code.charCodeAt(0) << 8) | code.charCodeAt(1),
    );
    for (const { batch } of batches) {
      for (let row = 0; row < batch.length; row++) {
        batch.srcCountry[row] =
          random() < 0.1 ? 0 : (countries[Math.floor(random() ** 2 * 10)] ?? 0);
        batch.dstCountry[row] =
          random() < 0.1 ? 0 : (countries[Math.floor(random() ** 2 * 10)] ?? 0);
      }
    }
    console.log(
      `node ${process.version}; clickhouse-server ${server.version}; ${BATCH_ROWS}-row batches; median of ${RUNS}`,
    );

    const clickhouse = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: server.url,
      database: "bench",
    });
    await clickhouse.start();
    const duckdb = createDuckDbStore({ path: path.join(dir, "flows.duckdb"), readOnly: false });
    await duckdb.start();
    // The writers alone: the first round's RowBinary (writeUInt32LE per value at a row stride)
    // and the Native block (columnar copies and loops), same batches, ids as the store makes.
    const rowBinary = createRowBinaryEncoder();
    const native = createNativeEncoder();
    const exporterIds = new Uint32Array(BATCH_ROWS * 2).fill(0x01020304);
    const networkIds = new Uint32Array(64).fill(0x0a0b0c0d);
    const encodeRates = { rowBinary: [] as number[], native: [] as number[] };
    let rowBinaryBody = Buffer.alloc(0);
    let nativeBody = new Uint8Array(0);
    for (let round = 0; round < 5; round++) {
      for (const { batch } of batches) {
        let t0 = performance.now();
        rowBinaryBody = Buffer.from(rowBinary.encode(batch, networkIds, exporterIds));
        encodeRates.rowBinary.push(batch.length / ((performance.now() - t0) / 1000));
        t0 = performance.now();
        nativeBody = native.encode(batch, networkIds, exporterIds).slice();
        encodeRates.native.push(batch.length / ((performance.now() - t0) / 1000));
      }
    }
    const rbRate = median(encodeRates.rowBinary);
    const nativeRate = median(encodeRates.native);
    console.log(
      `encode rows/s: rowbinary ${Math.round(rbRate)}, native ${Math.round(nativeRate)}, ratio ${(nativeRate / rbRate).toFixed(2)}x`,
    );
    // The server side alone: the last batch's body POSTed as is, each format into its own table.
    const columns = FLOW_COLUMN_SPECS.map((spec) => spec.name).join(", ");
    const postRates = { RowBinary: [] as number[], Native: [] as number[] };
    for (const format of ["RowBinary", "Native"] as const) {
      await sql(server, "CREATE DATABASE IF NOT EXISTS raw");
      await sql(server, flowsTableSql(`raw.${format.toLowerCase()}`));
      for (let round = 0; round < RUNS; round++) {
        const body = format === "Native" ? nativeBody : rowBinaryBody;
        const t0 = performance.now();
        const response = await fetch(
          `${server.url}/?query=${encodeURIComponent(`INSERT INTO raw.${format.toLowerCase()} (${columns}) FORMAT ${format}`)}`,
          { method: "POST", body },
        );
        if (!response.ok) throw new Error(await response.text());
        postRates[format].push(BATCH_ROWS / ((performance.now() - t0) / 1000));
      }
    }
    console.log(
      `server insert rows/s (body ready): RowBinary ${Math.round(median(postRates.RowBinary))}, Native ${Math.round(median(postRates.Native))}; bodies ${(rowBinaryBody.length / BATCH_ROWS).toFixed(1)} and ${(nativeBody.length / BATCH_ROWS).toFixed(1)} B/row`,
    );

    const [warm, ...timed] = batches;
    if (warm !== undefined) {
      await clickhouse.append(warm.batch, warm.networks);
      await duckdb.append(warm.batch, warm.networks);
    }
    const chRate = median(await appendRates(clickhouse, timed));
    const duckRate = median(await appendRates(duckdb, timed));
    await duckdb.stop();
    console.log(
      `append rows/s: clickhouse ${Math.round(chRate)}, duckdb ${Math.round(duckRate)}, ratio ${(chRate / duckRate).toFixed(2)}x`,
    );

    // Encoding alone (no server): what the RowBinary writer costs in JavaScript.
    const rows = (RUNS + 1) * BATCH_ROWS;
    console.log(`\nbytes per stored flow (${rows} generated flows, after OPTIMIZE FINAL):`);
    console.log(
      `  store layout (UInt64 halves, lz4):           ${await bytesPerFlow(server, "bench", "flows")}`,
    );
    const variants: [string, string, string][] = [
      [
        "addresses as FixedString(16)",
        flowsTableSql("bench.v_fixed")
          .replace(/src_addr_hi UInt64, src_addr_lo UInt64/, "src_addr FixedString(16)")
          .replace(/dst_addr_hi UInt64, dst_addr_lo UInt64/, "dst_addr FixedString(16)")
          .replace(/next_hop_hi UInt64, next_hop_lo UInt64/, "next_hop FixedString(16)"),
        "INSERT INTO bench.v_fixed SELECT start_ms, end_ms, exporter_id, source, in_if, out_if, reverse(reinterpretAsString(src_addr_lo) || reinterpretAsString(src_addr_hi)), reverse(reinterpretAsString(dst_addr_lo) || reinterpretAsString(dst_addr_hi)), src_port, dst_port, protocol, tcp_flags, tos, src_as, dst_as, src_mask_len, dst_mask_len, reverse(reinterpretAsString(next_hop_lo) || reinterpretAsString(next_hop_hi)), flow_direction, sampled_bytes, sampled_packets, sampling_rate, sampling_rate_known, bytes, packets, direction, direction_source, locality, src_network_id, dst_network_id, extra, observed_action, src_country, dst_country FROM bench.flows",
      ],
      [
        "ORDER BY end_ms only",
        flowsTableSql("bench.v_time").replace(/ORDER BY \(.*\)$/, "ORDER BY end_ms"),
        "INSERT INTO bench.v_time SELECT * FROM bench.flows",
      ],
      [
        "ORDER BY (hour, exporter, src addr, dst addr)",
        flowsTableSql("bench.v_addr").replace(
          /ORDER BY \(.*\)$/,
          "ORDER BY (intDiv(end_ms, 3600000), exporter_id, src_addr_lo, dst_addr_lo, end_ms)",
        ),
        "INSERT INTO bench.v_addr SELECT * FROM bench.flows",
      ],
    ];
    for (const [label, create, fill] of variants) {
      await sql(server, create);
      await sql(server, fill);
      const table = /bench\.(\w+)/.exec(create)?.[1] ?? "";
      console.log(`  ${label.padEnd(44)} ${await bytesPerFlow(server, "bench", table)}`);
    }
    await clickhouse.stop();

    // zstd, set server-wide (18.16: <compression> in config.xml; per-column CODEC is 19.1+).
    const zstd = await startClickHouse({
      extraConfigXml:
        "<compression><case><min_part_size>0</min_part_size><min_part_size_ratio>0</min_part_size_ratio><method>zstd</method></case></compression>",
    });
    servers.push(zstd);
    const zstdStore = createClickHouseStore({
      ...defaultClickHouseStoreConfig,
      url: zstd.url,
      database: "bench",
    });
    await zstdStore.start();
    const zstdRate = median(await appendRates(zstdStore, batches));
    await zstdStore.stop();
    console.log(
      `  store layout, server compression zstd:       ${await bytesPerFlow(zstd, "bench", "flows")}`,
    );
    console.log(
      `append rows/s with zstd: ${Math.round(zstdRate)} (${(zstdRate / duckRate).toFixed(2)}x duckdb)`,
    );
  } finally {
    for (const server of servers) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
