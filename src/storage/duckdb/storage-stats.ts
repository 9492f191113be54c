import { statSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  ROLLUP_TIERS,
  TIER_BUCKET_MS,
  type RetentionPolicy,
  type StorageStats,
  type Tier,
  type TierStats,
} from "../tiers.ts";
import { ROLLUP_TABLES } from "./rollup-schema.ts";
import { FLOWS_TABLE } from "./schema.ts";

/**
 * What each tier costs on disk. DuckDB 1.5 reports no size per table: `duckdb_tables()` has an
 * estimated row count only, `PRAGMA database_size` the used blocks of the whole file, and
 * `pragma_storage_info(table)` each column segment's block and offset but not its length.
 * Segments are packed into shared 256 KiB blocks, so a segment's length is estimated as the
 * distance to the next segment's offset in its block (any table's), the last one in a block
 * running to the block's end, plus one block per extra block it spans. The estimate is an
 * upper bound by the free tail of partly filled blocks; the sum over every table is printed
 * beside `database_size` so the reader sees the gap. Rows still only in the write-ahead log
 * (not checkpointed) have no segment yet and count 0 here, and the WAL's size is in
 * `fileBytes`.
 */

const METHOD =
  "DuckDB pragma_storage_info segment offsets within blocks (upper bound; data still in the WAL not counted)";

interface Segment {
  table: string;
  blockId: number;
  offset: number;
  extraBlocks: number;
}

async function segments(
  connection: DuckDBConnection,
  tables: readonly string[],
): Promise<Segment[]> {
  const found: Segment[] = [];
  for (const table of tables) {
    const reader = await connection.runAndReadAll(
      `SELECT block_id::DOUBLE, block_offset::DOUBLE, len(additional_block_ids)::DOUBLE
       FROM pragma_storage_info($table::VARCHAR) WHERE persistent AND block_id >= 0`,
      { table },
    );
    for (const [blockId, offset, extra] of reader.getRows()) {
      found.push({
        table,
        blockId: Number(blockId),
        offset: Number(offset),
        extraBlocks: Number(extra ?? 0),
      });
    }
  }
  return found;
}

function bytesPerTable(all: readonly Segment[], blockBytes: number): Map<string, number> {
  const byBlock = new Map<number, Segment[]>();
  for (const segment of all) {
    const list = byBlock.get(segment.blockId) ?? [];
    list.push(segment);
    byBlock.set(segment.blockId, list);
  }
  const totals = new Map<string, number>();
  for (const list of byBlock.values()) {
    list.sort((a, b) => a.offset - b.offset);
    list.forEach((segment, index) => {
      const end = list[index + 1]?.offset ?? blockBytes;
      const bytes = end - segment.offset + segment.extraBlocks * blockBytes;
      totals.set(segment.table, (totals.get(segment.table) ?? 0) + bytes);
    });
  }
  return totals;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    // No WAL (everything checkpointed) or no file: nothing on disk.
    return 0;
  }
}

export async function queryStorageStats(
  connection: DuckDBConnection,
  filePath: string,
  retention: RetentionPolicy,
): Promise<StorageStats> {
  const sizeReader = await connection.runAndReadAll(
    "SELECT block_size::DOUBLE, used_blocks::DOUBLE FROM pragma_database_size() LIMIT 1",
  );
  const [blockSize, usedBlocks] = (sizeReader.getRows()[0] ?? []).map(Number);
  const blockBytes = blockSize ?? 262_144;
  const tableNames = await connection.runAndReadAll(
    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary",
  );
  const allTables = tableNames.getRows().map(([name]) => String(name));
  const sizes = bytesPerTable(await segments(connection, allTables), blockBytes);
  const tiers: { tier: Tier; table: string; time: string; flows: string; widthMs: number }[] = [
    { tier: "raw", table: FLOWS_TABLE, time: "end_ms", flows: "count(*)", widthMs: 1 },
    ...ROLLUP_TIERS.map((tier) => ({
      tier,
      table: ROLLUP_TABLES[tier],
      time: "bucket_ms",
      flows: "sum(flows)",
      widthMs: TIER_BUCKET_MS[tier],
    })),
  ];
  const stats: TierStats[] = [];
  for (const tier of tiers) {
    if (!allTables.includes(tier.table)) continue;
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::DOUBLE, coalesce(${tier.flows}, 0)::DOUBLE, min(${tier.time})::DOUBLE, max(${tier.time})::DOUBLE FROM ${tier.table}`,
    );
    const [rows, flows, first, last] = reader.getRows()[0] ?? [];
    const bytesOnDisk = sizes.get(tier.table) ?? 0;
    const flowCount = Number(flows ?? 0);
    stats.push({
      tier: tier.tier,
      table: tier.table,
      rows: Number(rows ?? 0),
      bytesOnDisk,
      flows: flowCount,
      bytesPerFlow: flowCount > 0 ? bytesOnDisk / flowCount : null,
      range:
        typeof first === "number" && typeof last === "number"
          ? { fromMs: first, toMs: last + tier.widthMs }
          : null,
      retentionMs: retention[tier.tier],
    });
  }
  return {
    backend: "duckdb",
    tiers: stats,
    databaseBytes: (usedBlocks ?? 0) * blockBytes,
    fileBytes: fileSize(filePath) + fileSize(`${filePath}.wal`),
    method: METHOD,
  };
}
