import type { FlowBatchColumns, InterfaceCounters } from "../../core/index.ts";
import type { ErrorCode } from "../../core/index.ts";
import type { StoredChunk } from "../chunked-rewrite.ts";
import type {
  FlowScanQuery,
  NetworkRef,
  SummaryQuery,
  TimeseriesQuery,
  TopQuery,
} from "../store.ts";
import type { ExploreQuery } from "../store.ts";
import type { RetentionPolicy } from "../tiers.ts";
import type { SlabBatch } from "./shared-columns.ts";

/** A store call sent to the store thread. */
export type StoreRequest = { id: number } & (
  | {
      op:
        | "start"
        | "stop"
        | "countFlows"
        | "countInterfaceCounters"
        | "dataRange"
        | "importCheckpoints"
        | "compactRollups";
    }
  | { op: "storageStats"; retention: RetentionPolicy }
  | { op: "enforceRetention"; retention: RetentionPolicy; nowMs: number }
  | { op: "append"; batch: SlabBatch; listId: number; newNetworks: NetworkRef[] }
  | { op: "forgetSlabs"; slabIds: number[] }
  | { op: "appendCounters"; counters: InterfaceCounters[] }
  | { op: "putAsNames"; names: Map<number, string> }
  | { op: "summary"; query: SummaryQuery }
  | { op: "top"; query: TopQuery }
  | { op: "timeseries"; query: TimeseriesQuery }
  | { op: "explore"; query: ExploreQuery }
  | { op: "planChunks"; query: FlowScanQuery }
  | { op: "readChunk"; query: FlowScanQuery; chunk: StoredChunk }
  | {
      op: "rewriteChunk";
      batch: FlowBatchColumns;
      rowIds: Float64Array;
      listId: number;
      newNetworks: NetworkRef[];
    }
);

/** A chunk read by the store thread, as it crosses back (see `FlowBatch.toColumns`). */
export interface ReadChunkColumns {
  batch: FlowBatchColumns;
  rowIds: Float64Array;
}

/**
 * Its answer: the method's result, or its error (AppError code kept). An append's answer also
 * hands its batch's slab back (`returnedSlab`, see shared-columns.ts), whether it worked or not.
 */
export type StoreResponse = { id: number; returnedSlab?: number } & (
  | { ok: true; value: unknown }
  | { ok: false; error: { code: ErrorCode | undefined; message: string } }
);
