import type { DuckDBConnection } from "@duckdb/node-api";
import {
  ROLLUP_TIERS,
  TIER_BUCKET_MS,
  type RetentionPolicy,
  type RetentionReport,
  type Tier,
} from "../tiers.ts";
import { ROLLUP_TABLES } from "./rollup-schema.ts";
import { FLOWS_TABLE } from "./schema.ts";

/**
 * Retention per tier: `DELETE … WHERE <time> < cutoff`, one transaction per tier. Raw flows go
 * by end time; a rollup bucket goes only when it ends before the cutoff, so what remains of a
 * tier still sums to the raw answer of any aligned range it covers.
 *
 * DuckDB marks deleted rows and reclaims their space at the next checkpoint (automatic once
 * the WAL passes `checkpoint_threshold`, 16 MiB by default, and when the store closes): a row
 * group left with no live row is dropped and its blocks go to the free list, which new data
 * reuses. The file does not shrink (DuckDB never truncates it; `storage stats` shows the
 * blocks in use, and the file size beside them).
 */
export async function deleteExpired(
  connection: DuckDBConnection,
  retention: RetentionPolicy,
  nowMs: number,
): Promise<RetentionReport> {
  const report: RetentionReport = { cutoffMs: {}, deletedRows: {} };
  const targets: { tier: Tier; table: string; column: string; cutoffMs: number }[] = [];
  const rawMs = retention.raw;
  if (rawMs !== null) {
    targets.push({ tier: "raw", table: FLOWS_TABLE, column: "end_ms", cutoffMs: nowMs - rawMs });
  }
  for (const tier of ROLLUP_TIERS) {
    const keepMs = retention[tier];
    if (keepMs === null) continue;
    const bucketMs = TIER_BUCKET_MS[tier];
    const cutoffMs = Math.floor((nowMs - keepMs) / bucketMs) * bucketMs;
    targets.push({ tier, table: ROLLUP_TABLES[tier], column: "bucket_ms", cutoffMs });
  }
  for (const target of targets) {
    await connection.run("BEGIN TRANSACTION");
    try {
      const reader = await connection.runAndReadAll(
        `DELETE FROM ${target.table} WHERE ${target.column} < $cutoff_ms::BIGINT`,
        { cutoff_ms: BigInt(target.cutoffMs) },
      );
      await connection.run("COMMIT");
      report.cutoffMs[target.tier] = target.cutoffMs;
      report.deletedRows[target.tier] = Number(reader.getRows()[0]?.[0] ?? 0);
    } catch (error) {
      await connection.run("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }
  return report;
}
