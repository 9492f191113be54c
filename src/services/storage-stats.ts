import { existsSync } from "node:fs";
import path from "node:path";
import { AppError } from "../core/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import { fetchFromServer, type StorageStatsOutput } from "../cli/index.ts";
import { createClickHouseStore } from "../storage/clickhouse/index.ts";
import { createDuckDbStore } from "../storage/duckdb/index.ts";
import { retentionPolicy } from "../storage/index.ts";
import { silentLogger } from "../platform/index.ts";
import { liveLockHolder } from "./data-dir.ts";
import { flowStorePath } from "./ingest.ts";

/**
 * `tollgate storage stats`: asks the server at `server` when one answers, else opens the
 * data directory's DuckDB file read-only, or the configured ClickHouse database.
 */
export async function runStorageStats(
  config: Readonly<TollgateConfig>,
  options: { server: string; serverExplicit: boolean },
): Promise<StorageStatsOutput> {
  const remote = await fetchFromServer<StorageStatsOutput>(
    options.server,
    "api/v1/storage/stats",
    {},
  );
  if (remote !== undefined) return remote;
  if (options.serverExplicit) {
    throw new AppError("ERR_SERVER_UNREACHABLE", `no Tollgate answers at ${options.server}`);
  }
  if (config.storage.backend === "clickhouse") {
    // A reading store: no `rollups`, so it reports the tiers as they are, rebuilding nothing.
    const store = createClickHouseStore(config.storage.clickhouse, { logger: silentLogger });
    await store.start();
    try {
      return await store.storageStats(retentionPolicy(config.storage.retention));
    } finally {
      await store.stop();
    }
  }
  const dataDir = path.resolve(config.dataDir);
  const file = flowStorePath(dataDir);
  if (!existsSync(file)) {
    throw new AppError("ERR_STORE_OPEN", `${dataDir} holds no flow store yet`);
  }
  const holder = liveLockHolder(dataDir);
  if (holder !== undefined) {
    throw new AppError(
      "ERR_SERVER_UNREACHABLE",
      `the data directory ${dataDir} is in use by tollgate serve (pid ${holder}) but nothing answers at ${options.server}: pass that server's address with --server URL`,
    );
  }
  const store = createDuckDbStore({ path: file, readOnly: true }, { logger: silentLogger });
  await store.start();
  try {
    return await store.storageStats(retentionPolicy(config.storage.retention));
  } finally {
    await store.stop();
  }
}
