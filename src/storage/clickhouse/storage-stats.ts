import {
  ROLLUP_TIERS,
  TIERS,
  type RetentionPolicy,
  type StorageStats,
  type Tier,
  type TierStats,
} from "../tiers.ts";
import { sqlString } from "./literals.ts";
import { toNumber, type RunQuery } from "./queries.ts";
import type { RollupNode } from "./rollups.ts";
import type { Tables } from "./schema.ts";

/**
 * `tollgate storage stats` for ClickHouse: rows and bytes per tier from `system.parts` (active
 * parts of the tier's local table, summed over every shard), so the figures are the server's
 * own accounting, not an estimate: `bytes_on_disk` is every file of the parts (columns, marks,
 * primary index, checksums), `data_compressed_bytes` the compressed column data alone. Rows
 * are as stored: a rollup's parts not yet merged hold several rows per bucket and key, which
 * the next merges fold. The flows a rollup sums, and each tier's time range, are read from
 * the tier (through the Distributed table on a cluster).
 */

const METHOD =
  "system.parts bytes_on_disk of the active parts (every file: columns, marks, primary index), summed over the shards";

interface PartsTotals {
  rows: number;
  bytesOnDisk: number;
}

function bareName(qualified: string): string {
  return qualified.split(".")[1]?.replaceAll("`", "") ?? "";
}

/**
 * `withRollups` false: the store does not own the flows table (a `flowsTable` made elsewhere),
 * so there are no rollup tables, and their tiers report nothing.
 */
export async function clickHouseStorageStats(
  nodes: readonly RollupNode[],
  run: RunQuery,
  tables: Tables,
  retention: RetentionPolicy,
  withRollups: boolean,
): Promise<StorageStats> {
  const database = tables.database.replaceAll("`", "");
  const byTable = new Map<string, PartsTotals>();
  let databaseBytes = 0;
  for (const node of nodes) {
    const { data } = await node.run(
      `SELECT table, sum(rows), sum(bytes_on_disk) FROM system.parts WHERE active AND database = ${sqlString(database)} GROUP BY table`,
    );
    for (const [table, rows, bytes] of data) {
      const totals = byTable.get(String(table)) ?? { rows: 0, bytesOnDisk: 0 };
      totals.rows += toNumber(rows);
      totals.bytesOnDisk += toNumber(bytes);
      databaseBytes += toNumber(bytes);
      byTable.set(String(table), totals);
    }
  }
  const tierTables: Record<Tier, { query: string; local: string; name: string }> = {
    raw: { query: tables.flows, local: tables.flowsLocal, name: tables.flowsName },
    ...(Object.fromEntries(
      ROLLUP_TIERS.map((tier) => [
        tier,
        {
          query: tables.rollups[tier].table,
          local: tables.rollups[tier].local,
          name: tables.rollups[tier].name,
        },
      ]),
    ) as Record<Exclude<Tier, "raw">, { query: string; local: string; name: string }>),
  };
  const tiers: TierStats[] = [];
  for (const tier of TIERS) {
    const table = tierTables[tier];
    const parts = byTable.get(bareName(table.local)) ?? { rows: 0, bytesOnDisk: 0 };
    if (tier !== "raw" && !withRollups) {
      tiers.push({
        tier,
        table: table.name,
        rows: 0,
        bytesOnDisk: 0,
        flows: 0,
        bytesPerFlow: null,
        range: null,
        retentionMs: retention[tier],
      });
      continue;
    }
    const sql =
      tier === "raw"
        ? `SELECT count(), min(end_ms), max(end_ms) FROM ${table.query}`
        : `SELECT sum(flows), min(bucket_ms), max(bucket_ms), count() FROM ${table.query}`;
    const { data } = await run(sql);
    const [flowsValue, first, last, rowsValue] = data[0] ?? [];
    const flows = toNumber(flowsValue);
    const stored = tier === "raw" ? flows : toNumber(rowsValue);
    tiers.push({
      tier,
      table: table.name,
      rows: parts.rows,
      bytesOnDisk: parts.bytesOnDisk,
      flows,
      bytesPerFlow: flows > 0 ? parts.bytesOnDisk / flows : null,
      range: stored > 0 ? { fromMs: toNumber(first), toMs: toNumber(last) } : null,
      retentionMs: retention[tier],
    });
  }
  return { backend: "clickhouse", tiers, databaseBytes, fileBytes: databaseBytes, method: METHOD };
}
