import type { DuckDBConnection } from "@duckdb/node-api";
import type { Logger } from "../../platform/index.ts";
import {
  ROLLUP_TIERS,
  TIER_BUCKET_MS,
  type RollupDimension,
  type RollupSettings,
  type RollupTier,
} from "../tiers.ts";
import {
  dimensionsKey,
  insertFromFinerSql,
  insertFromRawSql,
  NONZERO_SQL,
  ROLLUP_DIMENSION_COLUMNS,
  ROLLUP_STATE_TABLE,
  ROLLUP_SUM_COLUMNS,
  ROLLUP_TABLES,
  TRANSACTION_LOCAL_ROWID,
} from "./rollup-schema.ts";

/**
 * Keeping the rollup tiers exact. Rollups are written in the transaction that changes the raw
 * rows, from those rows, so a rollup holds a flow exactly when `flows` does, whatever wrote it
 * (the collector, an import, the spool's replay) and across restarts, with no watermark to
 * lose: an import of last month's files lands in last month's buckets.
 *
 * - Append: `INSERT INTO flows_1m … SELECT … GROUP BY` over the rows the transaction just
 *   appended (DuckDB numbers a transaction's own rows from MAX_ROW_ID, so `rowid >=` that
 *   selects exactly them, and the filter prunes the committed row groups), then `flows_1h`
 *   from the new `flows_1m` rows and `flows_1d` from the new `flows_1h` rows. Pre-aggregating
 *   in JS would have to repeat the writer's id and ENUM translations; SQL reads them as stored.
 * - Rewrite (`reclassify`): `rollupRewrite` subtracts the rows' old contribution, runs the
 *   UPDATE, and adds the new one: O(chunk), not a rebuild of every bucket a chunk touches.
 * - Each of these adds partial rows (one per batch, bucket and key); `compactRollups` folds the
 *   buckets touched since the last compaction, recorded in `rollup_state` in the same
 *   transaction so that a restart does not forget them.
 */

export interface RollupState {
  /** The dimensions the tier's rows hold, or undefined when rollups are off (rows are stale). */
  dimensions: ReadonlySet<RollupDimension> | undefined;
}

const DISABLED = "disabled";

export async function readRollupState(
  connection: DuckDBConnection,
): Promise<Map<RollupTier, RollupState>> {
  const reader = await connection.runAndReadAll(
    `SELECT tier, dimensions FROM ${ROLLUP_STATE_TABLE}`,
  );
  const state = new Map<RollupTier, RollupState>();
  for (const [tier, dimensions] of reader.getRows()) {
    if (!(ROLLUP_TIERS as readonly unknown[]).includes(tier)) continue;
    const text = String(dimensions);
    state.set(tier as RollupTier, {
      dimensions:
        text === DISABLED
          ? undefined
          : new Set(text === "" ? [] : (text.split(",") as RollupDimension[])),
    });
  }
  return state;
}

/**
 * At start (read-write): makes the rollups hold `settings.dimensions`. When they hold others
 * (the configuration changed) or were off, every tier is rebuilt from the raw rows: buckets
 * older than the raw retention are lost, which the log says. Runs in the caller's transaction.
 */
export async function syncRollupDimensions(
  connection: DuckDBConnection,
  flowsTable: string,
  settings: RollupSettings,
  logger: Logger,
): Promise<void> {
  const state = await readRollupState(connection);
  const wanted = settings.enabled ? dimensionsKey(settings.dimensions) : DISABLED;
  const stored = [...state.values()].map((tier) =>
    tier.dimensions === undefined ? DISABLED : dimensionsKey([...tier.dimensions]),
  );
  if (stored.length === ROLLUP_TIERS.length && stored.every((key) => key === wanted)) return;
  if (!settings.enabled) {
    // The rows stay (a later start with rollups on rebuilds them) but are no longer kept up.
    await connection.run(`UPDATE ${ROLLUP_STATE_TABLE} SET dimensions = '${DISABLED}'`);
    logger.info("rollups disabled: queries read raw flows only");
    return;
  }
  const kept = new Set(settings.dimensions);
  const before = await connection.runAndReadAll(
    `SELECT min(bucket_ms)::DOUBLE FROM ${ROLLUP_TABLES["1d"]}`,
  );
  for (const tier of ROLLUP_TIERS) await connection.run(`DELETE FROM ${ROLLUP_TABLES[tier]}`);
  await connection.run(insertFromRawSql(flowsTable, "true", kept, 1));
  await connection.run(insertFromFinerSql("1m", "1h", "true", kept));
  await connection.run(insertFromFinerSql("1h", "1d", "true", kept));
  await connection.run(`DELETE FROM ${ROLLUP_STATE_TABLE}`);
  for (const tier of ROLLUP_TIERS) {
    await connection.run(
      `INSERT INTO ${ROLLUP_STATE_TABLE} VALUES ($tier, $dimensions, NULL, NULL)`,
      { tier, dimensions: wanted },
    );
  }
  // A warning only when rolled-up history older than the raw flows may be gone; rebuilding
  // empty tables (a new store, an empty one) loses nothing.
  const oldestRollupBeforeMs = before.getRows()[0]?.[0] ?? null;
  const fields = { dimensions: wanted, previous: stored.join(" / "), oldestRollupBeforeMs };
  if (oldestRollupBeforeMs === null) {
    logger.info("rollups rebuilt from raw flows for new dimensions", fields);
  } else {
    logger.warn("rollups rebuilt from raw flows for new dimensions", fields);
  }
}

/** Adds new `flows_1m` rows' buckets to every tier's dirty range (for `compactRollups`). */
async function markDirty(
  connection: DuckDBConnection,
  range: AppendedEndMs | undefined,
): Promise<void> {
  await connection.run(
    `UPDATE ${ROLLUP_STATE_TABLE} SET
       dirty_from_ms = CASE WHEN dirty_from_ms IS NULL THEN n.lo ELSE least(dirty_from_ms, n.lo) END,
       dirty_to_ms = CASE WHEN dirty_to_ms IS NULL THEN n.hi ELSE greatest(dirty_to_ms, n.hi) END
     FROM (SELECT min(bucket_ms) AS lo, max(bucket_ms) + 1 AS hi FROM ${ROLLUP_TABLES["1m"]}
           WHERE ${localRowsSql("bucket_ms", range, TIER_BUCKET_MS["1m"])}) n
     WHERE n.lo IS NOT NULL`,
  );
}

/** The least and greatest `end_ms` of the rows a transaction appended. */
export interface AppendedEndMs {
  minMs: number;
  maxMs: number;
}

/**
 * The rows of the current transaction in a table whose `column` holds end times floored to
 * `bucketMs`. `rowid` alone selects them, but DuckDB evaluates a rowid filter over every row
 * of the table (75–110 ms a query on 100 M stored flows, growing with the table), where a
 * bound on the time column first skips every row group outside the appended time range by its
 * zone map (2–5 ms on the same table). The bounds hold every appended row, so the rows chosen
 * are the same.
 */
function localRowsSql(column: string, range: AppendedEndMs | undefined, bucketMs: number): string {
  const local = `rowid >= ${TRANSACTION_LOCAL_ROWID}`;
  if (range === undefined) return local;
  const floor = (ms: number) => Math.floor(ms / bucketMs) * bucketMs;
  return `${column} >= ${floor(range.minMs)}::BIGINT AND ${column} <= ${floor(range.maxMs)}::BIGINT AND ${local}`;
}

/**
 * Derives the coarser tiers from the `flows_1m` rows this transaction wrote; `range`, when
 * known, bounds the end times of the rows behind them.
 */
async function propagate(
  connection: DuckDBConnection,
  kept: ReadonlySet<RollupDimension>,
  range?: AppendedEndMs,
): Promise<void> {
  const minute = localRowsSql("bucket_ms", range, TIER_BUCKET_MS["1m"]);
  await connection.run(insertFromFinerSql("1m", "1h", minute, kept));
  const hour = localRowsSql("bucket_ms", range, TIER_BUCKET_MS["1h"]);
  await connection.run(insertFromFinerSql("1h", "1d", hour, kept));
  await markDirty(connection, range);
}

/**
 * Rolls up the `flows` rows the current transaction appended, whose end times lie in `range`.
 * Call it in the append's transaction, after the appender is closed.
 */
export async function rollupAppended(
  connection: DuckDBConnection,
  flowsTable: string,
  kept: ReadonlySet<RollupDimension>,
  range: AppendedEndMs,
): Promise<void> {
  await connection.run(insertFromRawSql(flowsTable, localRowsSql("end_ms", range, 1), kept, 1));
  await propagate(connection, kept, range);
}

/**
 * For code that rewrites stored flows in place (`reclassify`): call it in the rewrite's
 * transaction with the SQL condition selecting the rewritten `flows` rows (it must select the
 * same rows before and after `update`) and the UPDATE as `update`. The rows' old contribution
 * is subtracted from every tier and their new one added, so each tier's buckets stay equal to
 * the raw rows. `kept` undefined (rollups off) runs `update` alone.
 */
export async function rollupRewrite(
  connection: DuckDBConnection,
  flowsTable: string,
  rowsWhere: string,
  kept: ReadonlySet<RollupDimension> | undefined,
  update: () => Promise<void>,
): Promise<void> {
  if (kept === undefined) {
    await update();
    return;
  }
  await connection.run(insertFromRawSql(flowsTable, rowsWhere, kept, -1));
  await update();
  await connection.run(insertFromRawSql(flowsTable, rowsWhere, kept, 1));
  await propagate(connection, kept);
}

const COMPACT_STAGE = "rollup_compact_stage";

/**
 * Folds each tier's dirty buckets into one row per bucket and key, dropping rows that sum to
 * zero (a reclassified pair), in one transaction per tier the caller opens. Returns the rows
 * removed.
 */
export async function compactTier(connection: DuckDBConnection, tier: RollupTier): Promise<number> {
  const table = ROLLUP_TABLES[tier];
  const reader = await connection.runAndReadAll(
    `SELECT dirty_from_ms::DOUBLE, dirty_to_ms::DOUBLE FROM ${ROLLUP_STATE_TABLE} WHERE tier = $tier`,
    { tier },
  );
  const [fromValue, toValue] = reader.getRows()[0] ?? [];
  if (typeof fromValue !== "number" || typeof toValue !== "number") return 0;
  const bucketMs = TIER_BUCKET_MS[tier];
  const fromMs = Math.floor(fromValue / bucketMs) * bucketMs;
  const where = `bucket_ms >= ${fromMs}::BIGINT AND bucket_ms < ${toValue}::BIGINT`;
  const dimensions = ROLLUP_DIMENSION_COLUMNS.map((spec) => spec.name).join(", ");
  const sums = ROLLUP_SUM_COLUMNS.map(([name]) => `sum(${name})::BIGINT AS ${name}`).join(", ");
  const counted = await connection.runAndReadAll(
    `SELECT count(*)::DOUBLE FROM ${table} WHERE ${where}`,
  );
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${COMPACT_STAGE} AS
       SELECT bucket_ms, ${dimensions}, ${sums} FROM ${table} WHERE ${where}
       GROUP BY ALL HAVING ${NONZERO_SQL} ORDER BY bucket_ms`,
  );
  await connection.run(`DELETE FROM ${table} WHERE ${where}`);
  await connection.run(`INSERT INTO ${table} SELECT * FROM temp.main.${COMPACT_STAGE}`);
  const kept = await connection.runAndReadAll(
    `SELECT count(*)::DOUBLE FROM temp.main.${COMPACT_STAGE}`,
  );
  await connection.run(`DROP TABLE temp.main.${COMPACT_STAGE}`);
  await connection.run(
    `UPDATE ${ROLLUP_STATE_TABLE} SET dirty_from_ms = NULL, dirty_to_ms = NULL WHERE tier = $tier`,
    { tier },
  );
  return Number(counted.getRows()[0]?.[0] ?? 0) - Number(kept.getRows()[0]?.[0] ?? 0);
}
