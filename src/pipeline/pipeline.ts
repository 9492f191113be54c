import type { DecodeIssue, DecodeResult, DecodedFlow, FlowRecord } from "../core/index.ts";
import type { Component, Logger, Metrics } from "../platform/index.ts";
import type { FlowStore } from "../storage/index.ts";
import { createBatchWriter, type BatchWriterConfig } from "./batch/batch-writer.ts";

export type PipelineConfig = BatchWriterConfig;

/** Decodes one datagram into flows; the pipeline does not care which protocol it held. */
export type DatagramDecoder = (
  payload: Uint8Array,
  context: { exporterAddr: string; receivedMs: number },
) => DecodeResult<DecodedFlow> & { protocol: string };

export interface PipelineDeps {
  decode: DatagramDecoder;
  /** Classification (direction, locality, networks) of one decoded flow. */
  classify: (flow: DecodedFlow, receivedMs: number) => FlowRecord;
  store: FlowStore;
  metrics: Metrics;
  logger: Logger;
  /** Sampled logging of decode issues (never per record). */
  reportIssue: (key: string, message: string, fields: Record<string, unknown>) => void;
}

export interface PipelineStats {
  datagrams: number;
  records: number;
  decodeIssues: number;
  stored: number;
  dropped: number;
  pendingBatches: number;
}

export interface Pipeline extends Component {
  ingestDatagram(payload: Uint8Array, exporterAddr: string, receivedMs: number): void;
  /** Waits until everything ingested so far is committed to the store. */
  flush(): Promise<void>;
  stats(): PipelineStats;
}

/**
 * decode → classify → batch → store. Synchronous up to the batch: a datagram is decoded and
 * classified in the receive callback, so the only queue is the batch writer's.
 */
export function createPipeline(config: PipelineConfig, deps: PipelineDeps): Pipeline {
  const writer = createBatchWriter(config, deps);
  let datagrams = 0;
  let records = 0;
  let issues = 0;

  const countIssues = (protocol: string, exporterAddr: string, found: readonly DecodeIssue[]) => {
    for (const issue of found) {
      issues++;
      deps.metrics.decodeIssues.inc({ protocol, code: issue.code });
      deps.reportIssue(`${exporterAddr}/${issue.code}`, "decode issue", {
        exporter: exporterAddr,
        protocol,
        code: issue.code,
        detail: issue.detail,
      });
    }
  };

  return {
    start: () => writer.start(),
    stop: () => writer.stop(),
    ingestDatagram(payload, exporterAddr, receivedMs) {
      datagrams++;
      deps.metrics.datagramBytesReceived.inc(payload.length);
      let result: ReturnType<DatagramDecoder>;
      try {
        result = deps.decode(payload, { exporterAddr, receivedMs });
      } catch (error) {
        // Decoders never throw by contract; if one does, it is a bug, counted, not a crash.
        countIssues("unknown", exporterAddr, [
          { code: "decoder-exception", detail: String(error) },
        ]);
        return;
      }
      deps.metrics.datagramsReceived.inc({ protocol: result.protocol });
      if (result.issues.length > 0) countIssues(result.protocol, exporterAddr, result.issues);
      if (result.records.length === 0) return;
      records += result.records.length;
      deps.metrics.recordsDecoded.inc({ protocol: result.protocol }, result.records.length);
      for (const flow of result.records) writer.add(deps.classify(flow, receivedMs));
    },
    flush: () => writer.flush(),
    stats: () => ({
      datagrams,
      records,
      decodeIssues: issues,
      stored: writer.storedRecords(),
      dropped: writer.droppedRecords(),
      pendingBatches: writer.pendingBatches(),
    }),
  };
}
