import {
  ROLLUP_TIERS,
  TIER_BUCKET_MS,
  type RetentionPolicy,
  type RetentionReport,
  type Tier,
} from "../tiers.ts";
import { sqlInteger, sqlString } from "./literals.ts";
import type { RollupNode } from "./rollups.ts";
import { ROLLUP_PARTITION_FUNCTION } from "./rollup-schema.ts";
import type { Tables } from "./schema.ts";
import type { ServerCapabilities } from "./version.ts";

/**
 * Retention per tier on ClickHouse: `ALTER TABLE … DROP PARTITION` of every partition wholly
 * older than the tier's cutoff (raw: a day of end times; `flows_1m` a day, `flows_1h` a month,
 * `flows_1d` a year of buckets), on every server holding a local table. A drop is a metadata
 * change: the part directories are removed, nothing is rewritten.
 *
 * Rows past the cutoff in the partition holding it stay until that whole partition expires
 * (up to a day for raw flows, a month for the hourly tier): a tier keeps at least its
 * retention. On 18.16 the edge is not deleted row by row, because a mutation there rewrites
 * every part of the table whatever its WHERE matches. Measured on 18.16.1 (5M rows in 6 daily
 * partitions, 182 MB; load average 8.9 on 2 shared cores): `ALTER TABLE flows DELETE WHERE
 * end_ms < …` matching the rows of one day and a half rewrote all 9 parts (each got the
 * mutation's suffix and a new modification time) in 0.57 s, where `DROP PARTITION` of the
 * oldest day took 0.016 s. Hourly, that rewrite would copy the whole raw table (15 days by
 * default) every hour to remove one hour of it.
 *
 * From 19.6 (`capabilities.tableTtl`) each table also gets a `TTL` on its time column, and the
 * server deletes the edge rows itself during merges; the partitions are still dropped here.
 */

interface Target {
  tier: Tier;
  local: string;
  cutoffMs: number;
  /** The time a row of a partition wholly before `cutoffMs` is at most. */
  partitionOfMs: number;
  partitionFunction: string;
  ttlSql: string;
}

function bareName(qualified: string): string {
  return qualified.split(".")[1]?.replaceAll("`", "") ?? "";
}

function targetsOf(tables: Tables, retention: RetentionPolicy, nowMs: number): Target[] {
  const targets: Target[] = [];
  const rawMs = retention.raw;
  if (rawMs !== null) {
    const cutoffMs = nowMs - rawMs;
    targets.push({
      tier: "raw",
      local: tables.flowsLocal,
      cutoffMs,
      partitionOfMs: cutoffMs,
      partitionFunction: "toYYYYMMDD",
      ttlSql: `toDateTime(intDiv(end_ms, 1000)) + toIntervalSecond(${sqlInteger(Math.ceil(rawMs / 1000))})`,
    });
  }
  for (const tier of ROLLUP_TIERS) {
    const keepMs = retention[tier];
    if (keepMs === null) continue;
    const bucketMs = TIER_BUCKET_MS[tier];
    const cutoffMs = Math.floor((nowMs - keepMs) / bucketMs) * bucketMs;
    targets.push({
      tier,
      local: tables.rollups[tier].local,
      cutoffMs,
      // Partitions go by bucket start: one wholly before the bucket that ends at the cutoff
      // holds only buckets that end by it, whatever the server's time zone.
      partitionOfMs: cutoffMs - bucketMs,
      partitionFunction: ROLLUP_PARTITION_FUNCTION[tier],
      ttlSql: `toDateTime(intDiv(bucket_ms + ${bucketMs}, 1000)) + toIntervalSecond(${sqlInteger(Math.ceil(keepMs / 1000))})`,
    });
  }
  return targets;
}

/**
 * One retention pass on every node. `appliedTtl` remembers, per table, the TTL last set, so
 * a server with TTL gets an ALTER only when the retention changes.
 */
export async function enforceClickHouseRetention(
  nodes: readonly RollupNode[],
  tables: Tables,
  retention: RetentionPolicy,
  nowMs: number,
  capabilities: ServerCapabilities | undefined,
  appliedTtl: Map<string, string>,
): Promise<RetentionReport> {
  const report: RetentionReport = { cutoffMs: {}, deletedRows: {} };
  const database = tables.database.replaceAll("`", "");
  for (const target of targetsOf(tables, retention, nowMs)) {
    let deleted = 0;
    for (const [index, node] of nodes.entries()) {
      if (
        capabilities?.tableTtl === true &&
        appliedTtl.get(`${index}:${target.local}`) !== target.ttlSql
      ) {
        await node.exec(`ALTER TABLE ${target.local} MODIFY TTL ${target.ttlSql}`);
        appliedTtl.set(`${index}:${target.local}`, target.ttlSql);
      }
      // The partition value of the cutoff, computed by the server in its own time zone (the
      // one the partition expression used).
      const { data: edge } = await node.run(
        `SELECT ${target.partitionFunction}(toDateTime(intDiv(toInt64(${sqlInteger(target.partitionOfMs)}), 1000)))`,
      );
      const edgePartition = Number(edge[0]?.[0]);
      const { data: parts } = await node.run(
        `SELECT partition, sum(rows) FROM system.parts WHERE active AND database = ${sqlString(database)} AND table = ${sqlString(bareName(target.local))} GROUP BY partition`,
      );
      for (const [partition, rows] of parts) {
        const value = Number(partition);
        if (!Number.isFinite(value) || value >= edgePartition) continue;
        await node.exec(`ALTER TABLE ${target.local} DROP PARTITION ${sqlInteger(value)}`);
        deleted += Number(rows);
      }
    }
    report.cutoffMs[target.tier] = target.cutoffMs;
    report.deletedRows[target.tier] = deleted;
  }
  return report;
}
