import path from "node:path";
import type { TollgateConfig } from "../config/index.ts";
import { createFlowDecoder } from "../decoders/index.ts";
import { createClassifier } from "../pipeline/classify/index.ts";
import { createPipeline, type Pipeline, type PipelineDeps } from "../pipeline/index.ts";
import type { Logger, Metrics } from "../platform/index.ts";
import { createDuckDbStore } from "../storage/duckdb/index.ts";
import type { FlowStore } from "../storage/index.ts";
import { networkTableOf } from "./networks.ts";

/** The DuckDB file inside a data directory. */
export function flowStorePath(dataDir: string): string {
  return path.join(dataDir, "flows.duckdb");
}

/**
 * The path every flow takes into storage, shared by `serve` (live datagrams) and `import`
 * (datagrams from captures): the data directory's store, classification by the configured
 * networks, and the decode → classify → batch pipeline. Inert until the caller starts them
 * (store first).
 */
export function createIngest(
  config: Readonly<TollgateConfig>,
  dataDir: string,
  deps: {
    metrics: Metrics;
    storeLogger: Logger;
    pipelineLogger: Logger;
    reportIssue: PipelineDeps["reportIssue"];
  },
): { store: FlowStore; pipeline: Pipeline } {
  const store = createDuckDbStore(
    { path: flowStorePath(dataDir), readOnly: false },
    { logger: deps.storeLogger },
  );
  const classifier = createClassifier(networkTableOf(config));
  const pipeline = createPipeline(config.storage, {
    decoder: createFlowDecoder(),
    classifier,
    store,
    metrics: deps.metrics,
    logger: deps.pipelineLogger,
    reportIssue: deps.reportIssue,
  });
  return { store, pipeline };
}
