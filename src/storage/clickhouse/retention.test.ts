import { describe, expect, it } from "vitest";
import { TIER_BUCKET_MS } from "../tiers.ts";
import { enforceClickHouseRetention } from "./retention.ts";
import type { RollupNode } from "./rollups.ts";
import { tablesOf } from "./schema.ts";
import { capabilitiesOf } from "./version.ts";

/**
 * The TTL path of retention (servers from 19.6). Only 18.16 is installed here, where `MODIFY
 * TTL` is a syntax error, so this checks the statements sent, through a node that records
 * them and answers the two reads as a server with no parts would. The partition drops are
 * tested against the real 18.16 server (rollups.test.ts, the tiers contract, the cluster e2e).
 */

function recordingNode(): RollupNode & { statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    exec: (sql) => {
      statements.push(sql);
      return Promise.resolve();
    },
    run: (sql) => Promise.resolve({ data: sql.includes("system.parts") ? [] : [[20_261_120]] }),
  };
}

const DAY_MS = TIER_BUCKET_MS["1d"];
const NOW_MS = Date.UTC(2026, 10, 22, 12);

describe("ClickHouse retention TTL (19.6+)", () => {
  const tables = tablesOf("tollgate");

  it("sets a TTL per table once, and again only when the retention changes", async () => {
    const node = recordingNode();
    const applied = new Map<string, string>();
    const policy = { raw: 15 * DAY_MS, "1m": 90 * DAY_MS, "1h": null, "1d": null } as const;
    const v19 = capabilitiesOf("19.6.1");
    await enforceClickHouseRetention([node], tables, policy, NOW_MS, v19, applied);
    expect(node.statements).toEqual([
      "ALTER TABLE `tollgate`.`flows` MODIFY TTL toDateTime(intDiv(end_ms, 1000)) + toIntervalSecond(1296000)",
      "ALTER TABLE `tollgate`.`flows_1m` MODIFY TTL toDateTime(intDiv(bucket_ms + 60000, 1000)) + toIntervalSecond(7776000)",
    ]);
    await enforceClickHouseRetention([node], tables, policy, NOW_MS + 3_600_000, v19, applied);
    expect(node.statements).toHaveLength(2);
    await enforceClickHouseRetention(
      [node],
      tables,
      { ...policy, raw: 7 * DAY_MS },
      NOW_MS,
      v19,
      applied,
    );
    expect(node.statements.slice(2)).toEqual([
      "ALTER TABLE `tollgate`.`flows` MODIFY TTL toDateTime(intDiv(end_ms, 1000)) + toIntervalSecond(604800)",
    ]);
  });

  it("sends no TTL to 18.16", async () => {
    const node = recordingNode();
    await enforceClickHouseRetention(
      [node],
      tables,
      { raw: DAY_MS, "1m": DAY_MS, "1h": DAY_MS, "1d": DAY_MS },
      NOW_MS,
      capabilitiesOf("18.16.1"),
      new Map(),
    );
    expect(node.statements).toEqual([]);
  });
});
