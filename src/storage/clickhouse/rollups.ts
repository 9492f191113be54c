import type { Logger } from "../../platform/index.ts";
import type { RollupAvailability } from "../planner.ts";
import {
  ROLLUP_TIERS,
  TIER_BUCKET_MS,
  type RollupDimension,
  type RollupSettings,
  type RollupTier,
} from "../tiers.ts";
import { sqlInteger, sqlString } from "./literals.ts";
import type { RunQuery } from "./queries.ts";
import {
  dimensionsKey,
  rollupSelectSql,
  rollupViewSql,
  ROLLUPS_DISABLED,
} from "./rollup-schema.ts";
import type { Tables } from "./schema.ts";

/**
 * Keeping the ClickHouse rollups in step with their configuration. `rollup_state` records, per
 * tier, the dimensions its view keeps ("disabled": no view, the rows are stale). At start a
 * writing store (one given `storage.rollups`) compares it with the configuration and, when it
 * differs (first start on schema 3, or a changed dimension list), rebuilds the tier: drops the
 * view, empties the table, creates the view with the new dimensions, then refills the table
 * from the stored raw flows one UTC day at a time (one `INSERT … SELECT … GROUP BY` each, so
 * no single request runs for the whole table).
 *
 * The view is created before the refill so a flow inserted meanwhile is not missed; one
 * inserted by another collector between the two (this store appends only once started) is
 * counted twice. Buckets older than the raw flows still kept are lost by a rebuild, as in DuckDB.
 */

const REBUILDING = "rebuilding";
const DAY_MS = TIER_BUCKET_MS["1d"];

export interface RollupNode {
  run: RunQuery;
  exec: (sql: string) => Promise<void>;
}

async function readState(node: RollupNode, tables: Tables): Promise<Map<string, string>> {
  const { data } = await node.run(
    `SELECT tier, dimensions FROM ${tables.rollupState} FINAL ORDER BY tier`,
  );
  return new Map(data.map(([tier, dimensions]) => [String(tier), String(dimensions)]));
}

async function writeState(
  node: RollupNode,
  tables: Tables,
  tier: RollupTier,
  dimensions: string,
  writtenMs: number,
): Promise<void> {
  await node.exec(
    `INSERT INTO ${tables.rollupState} (tier, dimensions, written_ms) VALUES (${sqlString(tier)}, ${sqlString(dimensions)}, ${sqlInteger(writtenMs)})`,
  );
}

/** What each tier's rows hold, from `rollup_state`: the planner's input. */
export async function readRollupAvailability(
  node: RollupNode,
  tables: Tables,
): Promise<RollupAvailability> {
  const state = await readState(node, tables);
  const available = new Map<RollupTier, { dimensions: ReadonlySet<RollupDimension> | undefined }>();
  for (const tier of ROLLUP_TIERS) {
    const text = state.get(tier);
    const usable = text !== undefined && text !== ROLLUPS_DISABLED && text !== REBUILDING;
    available.set(tier, {
      dimensions: usable
        ? new Set(text === "" ? [] : (text.split(",") as RollupDimension[]))
        : undefined,
    });
  }
  return available;
}

async function viewNames(node: RollupNode, tables: Tables): Promise<Set<string>> {
  const database = tables.database.replaceAll("`", "");
  const { data } = await node.run(
    `SELECT name FROM system.tables WHERE database = ${sqlString(database)}`,
  );
  return new Set(data.map(([name]) => String(name)));
}

function bareName(qualified: string): string {
  return qualified.split(".")[1]?.replaceAll("`", "") ?? "";
}

/**
 * Makes one server's rollups hold `settings` (see above); `nowMs` orders `rollup_state` rows.
 * Returns the tiers it rebuilt.
 */
export async function syncRollups(
  node: RollupNode,
  tables: Tables,
  settings: RollupSettings,
  logger: Logger,
  nowMs: () => number,
): Promise<RollupTier[]> {
  const state = await readState(node, tables);
  const present = await viewNames(node, tables);
  const wanted = settings.enabled ? dimensionsKey(settings.dimensions) : ROLLUPS_DISABLED;
  const rebuilt: RollupTier[] = [];
  for (const tier of ROLLUP_TIERS) {
    const { view, local } = tables.rollups[tier];
    const hasView = present.has(bareName(view));
    if (state.get(tier) === wanted && hasView === settings.enabled) continue;
    await node.exec(`DROP TABLE IF EXISTS ${view}`);
    if (!settings.enabled) {
      await writeState(node, tables, tier, ROLLUPS_DISABLED, nowMs());
      continue;
    }
    await writeState(node, tables, tier, REBUILDING, nowMs());
    await node.exec(`TRUNCATE TABLE ${local}`);
    const kept = new Set(settings.dimensions);
    await node.exec(rollupViewSql(tables, tier, kept));
    const { data } = await node.run(
      `SELECT DISTINCT toInt64(floor(end_ms / ${DAY_MS})) AS day FROM ${tables.flowsLocal} ORDER BY day`,
    );
    for (const [day] of data) {
      const fromMs = Number(day) * DAY_MS;
      const where = `end_ms >= ${sqlInteger(fromMs)} AND end_ms < ${sqlInteger(fromMs + DAY_MS)}`;
      await node.exec(
        `INSERT INTO ${local} ${rollupSelectSql(tier, kept, tables.flowsLocal, where)}`,
      );
    }
    await writeState(node, tables, tier, wanted, nowMs());
    rebuilt.push(tier);
  }
  if (rebuilt.length > 0) {
    logger.info(settings.enabled ? "rollups rebuilt from raw flows" : "rollups turned off", {
      tiers: rebuilt.join(","),
      dimensions: wanted,
    });
  }
  return rebuilt;
}
