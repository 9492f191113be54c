import { existsSync } from "node:fs";
import { AppError } from "../core/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import {
  fetchFromServer,
  renderSummary,
  renderTop,
  type QueryOptions,
  type SummaryOutput,
  type TopOutput,
} from "../cli/index.ts";
import {
  parseDimension,
  parseFilter,
  parseLimit,
  parseMetric,
  parseRange,
  presentRange,
} from "../query/index.ts";
import { createClickHouseStore } from "../storage/clickhouse/index.ts";
import { createDuckDbStore } from "../storage/duckdb/index.ts";
import type { FlowStore } from "../storage/index.ts";
import { silentLogger } from "../platform/index.ts";
import { liveLockHolder } from "./data-dir.ts";
import { flowStorePath } from "./ingest.ts";
import path from "node:path";

/**
 * Runs a query against a running server when one answers at --server, else against the data
 * directory opened read-only. The same parameter rules apply both ways (query/params.ts).
 */
export async function withLocalStore<T>(
  config: Readonly<TollgateConfig>,
  query: QueryOptions,
  run: (store: FlowStore) => Promise<T>,
): Promise<T> {
  if (config.storage.backend === "clickhouse") {
    // The server is shared: query it directly, whether or not a Tollgate answers.
    const store = createClickHouseStore(config.storage.clickhouse, { logger: silentLogger });
    await store.start();
    try {
      return await run(store);
    } finally {
      await store.stop();
    }
  }
  const dataDir = path.resolve(config.dataDir);
  const file = flowStorePath(dataDir);
  if (!existsSync(file)) {
    throw new AppError(
      "ERR_SERVER_UNREACHABLE",
      `no Tollgate answers at ${query.server} and ${dataDir} holds no flows yet: start one with \`tollgate serve\` (or pass --server URL / --data-dir DIR)`,
    );
  }
  const holder = liveLockHolder(dataDir);
  if (holder !== undefined) {
    throw new AppError(
      "ERR_SERVER_UNREACHABLE",
      `the data directory ${dataDir} is in use by tollgate serve (pid ${holder}) but nothing answers at ${query.server}: pass that server's address with --server URL`,
    );
  }
  const store = createDuckDbStore({ path: file, readOnly: true }, { logger: silentLogger });
  await store.start();
  try {
    return await run(store);
  } finally {
    await store.stop();
  }
}

export async function runSummary(
  config: Readonly<TollgateConfig>,
  query: QueryOptions,
): Promise<string> {
  const params = {
    since: query.since,
    until: query.until,
    direction: query.direction,
    filter: query.filter,
  };
  // Validate locally first so a mistake gets the same sentence (and caret) either way.
  parseFilter(params);
  const remote = await fetchFromServer<SummaryOutput>(query.server, "api/v1/summary", params);
  let summary = remote;
  if (summary === undefined) {
    if (query.serverExplicit) throw unreachable(query.server);
    summary = await withLocalStore(config, query, async (store) => {
      const result = await store.summary({
        range: parseRange(params, Date.now()),
        filter: parseFilter(params),
      });
      return {
        range: presentRange(result.range),
        ...(result.source === undefined ? {} : { source: result.source }),
        ...result.directions,
        total: result.total,
      };
    });
  }
  return renderSummary(summary, query.format);
}

export async function runTop(
  config: Readonly<TollgateConfig>,
  query: QueryOptions,
  options: { by: string; metric: string; limit: string },
): Promise<string> {
  const params = {
    since: query.since,
    until: query.until,
    direction: query.direction,
    filter: query.filter,
    by: options.by,
    metric: options.metric,
    limit: options.limit,
  };
  // Validate locally first so a typo gets the same sentence whether or not a server runs.
  parseDimension(params);
  parseMetric(params);
  parseLimit(params);
  parseFilter(params);
  let top = await fetchFromServer<TopOutput>(query.server, "api/v1/top", params);
  if (top === undefined) {
    if (query.serverExplicit) throw unreachable(query.server);
    top = await withLocalStore(config, query, async (store) => {
      const result = await store.top({
        range: parseRange(params, Date.now()),
        by: parseDimension(params),
        metric: parseMetric(params),
        limit: parseLimit(params),
        filter: parseFilter(params),
      });
      return { ...result, range: presentRange(result.range) };
    });
  }
  return renderTop(top, query.format);
}

export function unreachable(server: string): AppError {
  return new AppError(
    "ERR_SERVER_UNREACHABLE",
    `no Tollgate answers at ${server}: start \`tollgate serve\` there, or drop --server to read the local data directory`,
  );
}
