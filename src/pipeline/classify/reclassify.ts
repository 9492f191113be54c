import { AppError } from "../../core/index.ts";
import type {
  FlowScanQuery,
  ReclassifyProgress,
  RewritableFlowStore,
} from "../../storage/index.ts";
import type { Classifier } from "./classifier.ts";

/**
 * `tollgate reclassify` and `POST /api/v1/reclassify`: stored flows of a range classified
 * again against the classifier's inventory now, and written back (see the port's
 * `RewritableFlowStore.reclassify` for which columns). One at a time per job: a second call
 * while one runs is refused (ERR_RECLASSIFY_RUNNING) rather than queued, since both would
 * rewrite the same rows.
 *
 * AS numbers: the classifier fills `src_as`/`dst_as` from the registry only where the exporter
 * gave 0, and after a first classification a stored AS no longer says which of the two it came
 * from. So a stored non-zero AS is kept as is, and only a 0 (no AS from the exporter, none from
 * the registry then) is filled from the registry now. Countries are rewritten when a registry
 * is loaded, and kept as stored otherwise.
 */
export interface ReclassifyJob {
  /** Whether a reclassification is running now. */
  readonly running: boolean;
  run(
    query: FlowScanQuery,
    onProgress?: (progress: ReclassifyProgress) => void,
  ): Promise<ReclassifyProgress>;
}

export function createReclassifyJob(deps: {
  store: RewritableFlowStore;
  classifier: Classifier;
  nowMs: () => number;
}): ReclassifyJob {
  let running = false;
  return {
    get running() {
      return running;
    },
    async run(query, onProgress) {
      if (running) {
        throw new AppError(
          "ERR_RECLASSIFY_RUNNING",
          "a reclassification is already running on this server: wait for it to finish, then run this one",
        );
      }
      running = true;
      try {
        return await deps.store.reclassify(
          query,
          (batch) => {
            // receivedMs is not stored; the classifier sets it, the rewrite ignores it.
            deps.classifier.classifyRows(batch, 0, batch.length, deps.nowMs());
            return deps.classifier.networks;
          },
          onProgress,
        );
      } finally {
        running = false;
      }
    },
  };
}
