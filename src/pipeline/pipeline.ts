import { FlowBatch, textToWords, type DecodeIssue, type InterfaceCounters } from "../core/index.ts";
import type { DatagramContext, DecodeOutput, FlowDecoder } from "../decoders/index.ts";
import type { Component, Logger, Metrics } from "../platform/index.ts";
import type { FlowStore } from "../storage/index.ts";
import { createBatchWriter, type BatchWriterConfig } from "./batch/batch-writer.ts";
import type { Classifier } from "./classify/index.ts";

export type PipelineConfig = BatchWriterConfig;

export interface PipelineDeps {
  decoder: FlowDecoder;
  classifier: Classifier;
  store: FlowStore;
  metrics: Metrics;
  logger: Logger;
  /** Sampled logging of decode issues (never per record). */
  reportIssue: (key: string, message: string, fields: Record<string, unknown>) => void;
  /** sFlow counter samples, when a consumer wants them. */
  onCounters?: (counters: readonly InterfaceCounters[]) => void;
}

export interface PipelineStats {
  datagrams: number;
  records: number;
  decodeIssues: number;
  stored: number;
  dropped: number;
  pendingBatches: number;
}

/** Decode issues of one exporter, by code. */
export interface ExporterIssues {
  exporterAddr: string;
  byCode: Record<string, number>;
}

export interface Pipeline extends Component {
  ingestDatagram(payload: Uint8Array, exporterAddr: string, receivedMs: number): void;
  /**
   * Decodes a datagram for its side effects only (templates, sampling options) and discards
   * its rows: an import resuming a capture replays the datagrams it already stored.
   */
  replayDatagram(payload: Uint8Array, exporterAddr: string, receivedMs: number): void;
  /**
   * For sources that decode into the batch themselves (cloud flow-log importers): the batch
   * rows go to now. Add rows, then call `rowsDecoded` with the length the batch had before.
   */
  openBatch(): FlowBatch;
  /**
   * Classifies rows `[from, length)` of the open batch and hands it to the store when full. An
   * importer attaches its checkpoint to the batch before this call: the batch may be sealed
   * here, and then by age until the next rows arrive.
   */
  rowsDecoded(from: number, protocol: string): void;
  /** Waits until everything ingested so far is committed to the store. */
  flush(): Promise<void>;
  stats(): PipelineStats;
  /** Decode issues per exporter and code (bounded: the first exporters seen, see below). */
  issuesByExporter(): ExporterIssues[];
}

/** Exporter addresses as words, cached: a collector hears from few exporters. */
const EXPORTER_CACHE_MAX = 10_000;
/**
 * Exporters whose issues are counted one by one. Garbage from many spoofed sources must not
 * grow memory: beyond this, issues still count in the totals and metrics, under "other".
 */
const ISSUE_EXPORTERS_MAX = 1_000;

/**
 * decode → classify → batch → store. Synchronous up to the batch: a datagram is decoded
 * straight into the open batch and its rows classified in place in the receive callback, so
 * the only queue is the batch writer's and no record is copied or allocated on the way.
 */
export function createPipeline(config: PipelineConfig, deps: PipelineDeps): Pipeline {
  const writer = createBatchWriter(config, { ...deps, networks: deps.classifier.networks });
  const exporterWords = new Map<string, Uint32Array>();
  const issues: DecodeIssue[] = [];
  const counters: InterfaceCounters[] = [];
  const replay = new FlowBatch(64);
  let datagrams = 0;
  let records = 0;
  let issueCount = 0;

  const wordsOf = (exporterAddr: string): Uint32Array => {
    let words = exporterWords.get(exporterAddr);
    if (words === undefined) {
      words = new Uint32Array(4);
      textToWords(exporterAddr, words, 0);
      if (exporterWords.size >= EXPORTER_CACHE_MAX) exporterWords.clear();
      exporterWords.set(exporterAddr, words);
    }
    return words;
  };

  // prom-client's `inc({ protocol })` builds and hashes a label key on every call, twice per
  // datagram: about 5 % of the receive thread at 44k v9 datagrams/s (CPU profile of serve,
  // 2026-11-22). Its per-protocol children (a handful of protocols) skip that.
  type ProtocolCounter = ReturnType<Metrics["datagramsReceived"]["labels"]>;
  const protocolCounters = new Map<
    string,
    { datagrams: ProtocolCounter; records: ProtocolCounter }
  >();
  const countersOf = (protocol: string) => {
    let found = protocolCounters.get(protocol);
    if (found === undefined) {
      found = {
        datagrams: deps.metrics.datagramsReceived.labels({ protocol }),
        records: deps.metrics.recordsDecoded.labels({ protocol }),
      };
      protocolCounters.set(protocol, found);
    }
    return found;
  };

  const byExporter = new Map<string, Record<string, number>>();
  const countIssues = (protocol: string, exporterAddr: string): void => {
    let codes = byExporter.get(exporterAddr);
    if (codes === undefined) {
      const key = byExporter.size < ISSUE_EXPORTERS_MAX ? exporterAddr : "other";
      codes = byExporter.get(key) ?? {};
      byExporter.set(key, codes);
    }
    for (const issue of issues) {
      issueCount++;
      codes[issue.code] = (codes[issue.code] ?? 0) + 1;
      deps.metrics.decodeIssues.inc({ protocol, code: issue.code });
      deps.reportIssue(`${exporterAddr}/${issue.code}`, "decode issue", {
        exporter: exporterAddr,
        protocol,
        code: issue.code,
        detail: issue.detail,
      });
    }
    issues.length = 0;
  };

  return {
    start: () => writer.start(),
    stop: () => writer.stop(),
    ingestDatagram(payload, exporterAddr, receivedMs) {
      datagrams++;
      deps.metrics.datagramBytesReceived.inc(payload.length);
      const batch = writer.openBatch();
      const before = batch.length;
      const context: DatagramContext = {
        exporterAddr,
        exporterWords: wordsOf(exporterAddr),
        receivedMs,
      };
      const out: DecodeOutput = { flows: batch, counters, issues };
      let protocol = "unknown";
      try {
        protocol = deps.decoder.decode(payload, context, out).protocol;
      } catch (error) {
        // Decoders never throw by contract; if one does, it is a bug, counted, not a crash.
        batch.truncate(before);
        issues.push({ code: "decoder-exception", detail: String(error) });
      }
      const protocolCounter = countersOf(protocol);
      protocolCounter.datagrams.inc();
      if (issues.length > 0) countIssues(protocol, exporterAddr);
      if (counters.length > 0) {
        deps.onCounters?.(counters);
        counters.length = 0;
      }
      const added = batch.length - before;
      if (added === 0) return;
      records += added;
      protocolCounter.records.inc(added);
      deps.classifier.classifyRows(batch, before, batch.length, receivedMs);
      writer.rowsAdded();
    },
    replayDatagram(payload, exporterAddr, receivedMs) {
      replay.clear();
      const context: DatagramContext = {
        exporterAddr,
        exporterWords: wordsOf(exporterAddr),
        receivedMs,
      };
      try {
        deps.decoder.decode(payload, context, { flows: replay, counters: [], issues: [] });
      } catch {
        // Counted when the datagram was first ingested.
      }
      replay.clear();
    },
    openBatch: () => writer.openBatch(),
    rowsDecoded(from, protocol) {
      const batch = writer.openBatch();
      const added = batch.length - from;
      if (added > 0) {
        records += added;
        deps.metrics.recordsDecoded.inc({ protocol }, added);
        // The receive time of an imported record is when the importer read it.
        deps.classifier.classifyRows(batch, from, batch.length, Date.now());
      }
      writer.rowsAdded();
    },
    flush: () => writer.flush(),
    stats: () => ({
      datagrams,
      records,
      decodeIssues: issueCount,
      stored: writer.storedRecords(),
      dropped: writer.droppedRecords(),
      pendingBatches: writer.pendingBatches(),
    }),
    issuesByExporter: () =>
      [...byExporter].map(([exporterAddr, byCode]) => ({ exporterAddr, byCode: { ...byCode } })),
  };
}
