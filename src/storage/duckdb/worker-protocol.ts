import type { FlowBatchColumns, InterfaceCounters } from "../../core/index.ts";
import type { ErrorCode } from "../../core/index.ts";
import type { NetworkRef, SummaryQuery, TimeseriesQuery, TopQuery } from "../store.ts";

/** A store call sent to the store thread. */
export type StoreRequest = { id: number } & (
  | {
      op:
        | "start"
        | "stop"
        | "countFlows"
        | "countInterfaceCounters"
        | "dataRange"
        | "importCheckpoints";
    }
  | { op: "append"; batch: FlowBatchColumns; newNetworks: NetworkRef[] }
  | { op: "appendCounters"; counters: InterfaceCounters[] }
  | { op: "summary"; query: SummaryQuery }
  | { op: "top"; query: TopQuery }
  | { op: "timeseries"; query: TimeseriesQuery }
);

/** Its answer: the method's result, or its error (AppError code kept). */
export type StoreResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: ErrorCode | undefined; message: string } };
