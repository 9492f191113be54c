import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AppError } from "../core/index.ts";
import {
  configBaseDir,
  configFileOf,
  expandInclude,
  loadInventoryDeclarations,
  type TollgateConfig,
} from "../config/index.ts";
import { buildNetworkTable } from "../inventory/index.ts";
import {
  createNearEndCollector,
  declaredPrefixes,
  proposeNetworks,
  type Suggestions,
} from "../inventory/suggest/index.ts";
import { silentLogger } from "../platform/index.ts";
import { parseRange } from "../query/index.ts";
import { createClickHouseStore } from "../storage/clickhouse/index.ts";
import { createDuckDbStore } from "../storage/duckdb/index.ts";
import type { FlowStore, RewritableFlowStore, ScanProgress, TimeRange } from "../storage/index.ts";
import { renderSuggestYaml } from "../cli/index.ts";
import { liveLockHolder } from "./data-dir.ts";
import { flowStorePath } from "./ingest.ts";

export interface SuggestOptions {
  since?: string | undefined;
  until?: string | undefined;
  /** Write the inventory file there (refused when it exists, unless `force`). */
  write?: string | undefined;
  force: boolean;
  nowMs?: () => number;
}

export interface SuggestReport {
  suggestions: Suggestions;
  range: Partial<TimeRange>;
  scanned: ScanProgress;
  yaml: string;
  /** When written: the file, and the line to add when the config does not include it yet. */
  written?: { file: string; included: boolean; advice?: string };
}

/**
 * `tollgate inventory suggest`: networks proposed from the cloud contexts of stored flow-log
 * records (account, VPC, subnet, zone of the interfaces that logged them), with the traffic
 * seen, minus what the inventory already declares. Reads the data directory read-only, as the
 * query commands do when no server answers, or the ClickHouse server.
 */
export async function runSuggest(
  config: Readonly<TollgateConfig>,
  options: SuggestOptions,
): Promise<SuggestReport> {
  const nowMs = options.nowMs ?? Date.now;
  const range = parseRange({ since: options.since, until: options.until }, nowMs());
  if (options.write !== undefined && existsSync(options.write) && !options.force) {
    throw new AppError(
      "ERR_USAGE",
      `${options.write} exists: pass --force to overwrite it, or choose another file`,
    );
  }
  const declaredNetworks = loadInventoryDeclarations(config, configBaseDir(config)).networks;
  const table = declaredNetworks.length === 0 ? undefined : buildNetworkTable(declaredNetworks);
  const store = openStore(config);
  await store.start();
  const collector = createNearEndCollector();
  let scanned: ScanProgress;
  try {
    scanned = await store.scanFlows({ range, cloudOnly: true }, (batch) => {
      collector.add(batch);
    });
  } finally {
    await store.stop();
  }
  const suggestions = proposeNetworks(collector.result(), {
    table: table?.ok === true ? table.table : undefined,
    prefixes: declaredPrefixes(declaredNetworks),
  });
  const bound = (ms: number | undefined, fallback: string) =>
    ms === undefined ? fallback : new Date(ms).toISOString();
  const yaml = renderSuggestYaml(suggestions, {
    generatedMs: nowMs(),
    rangeText: `from ${bound(range.fromMs, "the first")} to ${bound(range.toMs, "the last")}`,
  });
  const report: SuggestReport = { suggestions, range, scanned, yaml };
  if (options.write !== undefined) {
    const target = path.resolve(options.write);
    writeFileSync(target, yaml);
    const baseDir = configBaseDir(config);
    const included = config.inventory.include.some((entry) => {
      try {
        return expandInclude(entry, baseDir).includes(target);
      } catch {
        // A bad include entry is the config's problem, reported when it loads; not ours here.
        return false;
      }
    });
    const configPath = configFileOf(config);
    const relative = path.relative(baseDir, target);
    report.written = included
      ? { file: target, included }
      : {
          file: target,
          included,
          advice:
            configPath === undefined
              ? `no config file includes it: create tollgate.yaml with\n  inventory:\n    include: [${JSON.stringify(target)}]`
              : `${configPath} does not include it yet: add ${JSON.stringify(relative)} to inventory.include, e.g.\n  inventory:\n    include: [${JSON.stringify(relative)}]`,
        };
  }
  return report;
}

/**
 * The store to read: the ClickHouse server (shared, so whether or not a Tollgate runs), or the
 * data directory's DuckDB file opened read-only, refused while `tollgate serve` holds it.
 */
function openStore(config: Readonly<TollgateConfig>): FlowStore & RewritableFlowStore {
  if (config.storage.backend === "clickhouse") {
    return createClickHouseStore(config.storage.clickhouse, { logger: silentLogger });
  }
  const dataDir = path.resolve(config.dataDir);
  const file = flowStorePath(dataDir);
  if (!existsSync(file)) {
    throw new AppError(
      "ERR_STORE_OPEN",
      `${dataDir} holds no flows yet: import cloud flow logs first (tollgate import), or pass --data-dir DIR`,
    );
  }
  const holder = liveLockHolder(dataDir);
  if (holder !== undefined) {
    throw new AppError(
      "ERR_DATA_DIR_LOCKED",
      `the data directory ${dataDir} is in use by tollgate serve (pid ${holder}), which holds its flow store for writing: stop it first, then run inventory suggest`,
    );
  }
  return createDuckDbStore({ path: file, readOnly: true }, { logger: silentLogger });
}
