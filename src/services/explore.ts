import type { TollgateConfig } from "../config/index.ts";
import { AppError } from "../core/index.ts";
import {
  fetchFromServer,
  renderExplore,
  type ExploreOutput,
  type QueryOptions,
} from "../cli/index.ts";
import { parseExploreParams, presentExplore, toSankey } from "../query/index.ts";
import { unreachable, withLocalStore } from "./query.ts";

export interface ExploreOptions {
  dimensions: readonly string[];
  unit: string;
  step?: string | undefined;
  limit: string;
  series: boolean;
  previous: boolean;
  sankey: boolean;
}

/**
 * `tollgate query`: the explorer query against a running server (`GET /api/v1/explore`) when
 * one answers at --server, else against the data directory, like `tollgate top`. The answer
 * travels as JSON either way; tables and CSV are rendered here.
 */
export async function runExplore(
  config: Readonly<TollgateConfig>,
  query: QueryOptions,
  options: ExploreOptions,
): Promise<string> {
  const params = {
    since: query.since,
    until: query.until,
    direction: query.direction,
    filter: query.filter,
    // Comma-separated: dimension names hold no comma, and the client sends one value per key.
    dimension: options.dimensions.join(","),
    unit: options.unit,
    step: options.step,
    limit: options.limit,
    series: String(options.series),
    previous: String(options.previous),
  };
  // Validate locally first so a mistake gets the same sentence whether or not a server runs.
  const parsed = parseExploreParams(params, Date.now());
  if (options.sankey && parsed.dimensions.length < 2) {
    throw new AppError("ERR_QUERY_INVALID", "--sankey needs at least two --by dimensions");
  }
  let output = await fetchFromServer<ExploreOutput>(query.server, "api/v1/explore", {
    ...params,
    view: options.sankey ? "sankey" : "table",
  });
  if (output === undefined) {
    if (query.serverExplicit) throw unreachable(query.server);
    output = await withLocalStore(config, query, async (store) => {
      const result = await store.explore(parseExploreParams(params, Date.now()));
      const presented: ExploreOutput = presentExplore(result);
      if (options.sankey) presented.sankey = toSankey(result);
      return presented;
    });
  }
  return renderExplore(output, query.format);
}
