import path from "node:path";
import { AppError, type ImportCheckpoint } from "../../core/index.ts";
import type { TollgateConfig } from "../../config/index.ts";
import { createProgressBar } from "../../cli/index.ts";
import {
  createAwsVpcDecoder,
  createAzureFlowDecoder,
  createCaptureReader,
  createFlowLogTally,
  createGcpVpcDecoder,
  mergeTally,
  parseAwsLogFormat,
  SNIFF_BYTES,
  sniffFileFormat,
  type FileFormat,
  type FlowLogProblem,
} from "../../decoders/index.ts";
import type { Pipeline } from "../../pipeline/index.ts";
import { createMetrics, silentLogger, type Logger } from "../../platform/index.ts";
import { ensureWritableDataDir, lockDataDir } from "../data-dir.ts";
import { createIngest } from "../ingest.ts";
import { HEAD_BYTES, openDecoded, peekChunks, readHead, type FileHead } from "./file-source.ts";
import { expandImportPaths, type ImportFile } from "./files.ts";
import { readFlowLogFile, type CheckpointBase, type FlowLogFileOptions } from "./flow-log-file.ts";

export type ImportStatus =
  "imported" | "resumed" | "already-imported" | "duplicate" | "not-flow-log" | "stopped";

export interface ImportFileReport {
  path: string;
  /** Named on the command line (not found by walking a directory or glob). */
  named: boolean;
  format: FileFormat | "unknown";
  status: ImportStatus;
  /** Why a file was skipped or not read (not a flow log, same content as another file…). */
  detail: string;
  /** Rows stored from this file by this run. */
  records: number;
  /** Lines, JSON values or datagrams read by this run. */
  units: number;
  skipped: Record<string, number>;
  problems: FlowLogProblem[];
  /** Rows the log gave no time, dated by the file instead (see `fileTimeMs`). */
  undatedRows: number;
}

export interface ImportReport {
  files: ImportFileReport[];
  /** Capture datagrams read (pcap files). */
  datagrams: number;
  /** Flow records decoded, of every file. */
  records: number;
  stored: number;
  /** Lines and values skipped in flow-log files, by reason (see decoders/flow-log/tally.ts). */
  skipped: Record<string, number>;
  /** Decode issues of capture datagrams, by code. */
  issuesByCode: Record<string, number>;
  /** Problems of the capture files themselves (truncated frames…), by code. */
  captureIssuesByCode: Record<string, number>;
}

export interface ImportOptions {
  progress: boolean;
  stderr: NodeJS.WriteStream;
  logger: Logger;
  /** Keep watching the paths for new and growing files until `signal` aborts. */
  follow?: boolean;
  /** Read every file as this format instead of recognising it. */
  format?: FileFormat;
  /** Called as each file is done (what `--follow` prints as it goes). */
  onFile?: (report: ImportFileReport) => void;
  /** Overrides `sources.awsVpc.logFormat`. */
  awsLogFormat?: string;
  signal?: AbortSignal;
  /** How often `follow` looks at the paths again. */
  followIntervalMs?: number;
  /**
   * How long a followed file must be unchanged before its unterminated last line is taken as
   * complete (a writer may be in the middle of it).
   */
  quietMs?: number;
}

/** Sealed batches an import lets wait for the store before it pauses reading. */
const IMPORT_MAX_PENDING_BATCHES = 2;
const FOLLOW_INTERVAL_MS = 1000;
const QUIET_MS = 2000;

function awsLogFormat(
  config: Readonly<TollgateConfig>,
  override: string | undefined,
): readonly string[] | undefined {
  const text = (override ?? config.sources.awsVpc.logFormat).trim();
  if (text === "") return undefined;
  const parsed = parseAwsLogFormat(text);
  if ("error" in parsed) {
    throw new AppError(
      "ERR_CONFIG_INVALID",
      `${override === undefined ? "sources.awsVpc.logFormat" : "--aws-log-format"}: ${parsed.error}`,
    );
  }
  return parsed.fields;
}

function decoderFor(
  format: Exclude<FileFormat, "pcap">,
  awsFormat: readonly string[] | undefined,
): FlowLogFileOptions["decoder"] {
  const awsOptions = awsFormat === undefined ? {} : { format: awsFormat };
  switch (format) {
    case "aws-vpc":
      return { kind: "lines", lines: createAwsVpcDecoder(awsOptions) };
    case "aws-cloudwatch":
      return { kind: "json", entries: createAwsVpcDecoder(awsOptions) };
    case "gcp-vpc":
      return { kind: "json", entries: createGcpVpcDecoder() };
    case "azure-flow":
      return { kind: "json", entries: createAzureFlowDecoder() };
    case "azure-tuples":
      return { kind: "lines", lines: createAzureFlowDecoder() };
  }
}

/** Is `file` the file a checkpoint was taken of (same first bytes), possibly grown since? */
function sameFile(file: ImportFile, head: FileHead, known: ImportCheckpoint): boolean {
  if (file.sizeBytes < known.sizeBytes) return false;
  if (known.headBytes === head.bytes) return known.headSha256 === head.sha256;
  return readHead(file.path, known.headBytes).sha256 === known.headSha256;
}

/**
 * `tollgate import PATH…`: AWS, GCP and Azure flow logs (plain or gzip, files, directory trees,
 * globs) and pcap/pcapng captures of NetFlow/IPFIX/sFlow, through the same classify → store
 * path as live traffic. Streamed: memory does not grow with file size.
 *
 * Exactly once: each batch carries the position it reaches in its file, committed with its
 * rows, so an import killed at any point resumes where its last batch ended, and a file already
 * imported (or a copy of it under another name) is skipped. `follow` keeps watching for new and
 * growing files.
 */
export async function runImport(
  config: Readonly<TollgateConfig>,
  paths: readonly string[],
  options: ImportOptions,
): Promise<ImportReport> {
  const awsFormat = awsLogFormat(config, options.awsLogFormat);
  let files = expandImportPaths(paths);
  const dataDir = await ensureWritableDataDir(config.dataDir);
  const lock = lockDataDir(dataDir, process.pid);
  const metrics = createMetrics({ defaultMetrics: false });
  const { inventory, asNames, store, pipeline, decoderState, expireHeld } = createIngest(
    config,
    dataDir,
    {
      metrics,
      storeLogger: options.logger,
      storeLogLevel: "warn",
      pipelineLogger: silentLogger,
      reportIssue: () => undefined,
    },
  );
  const reports: ImportFileReport[] = [];
  const skipped = createFlowLogTally();
  const captureIssuesByCode: Record<string, number> = {};
  let datagrams = 0;
  const progress = createProgressBar({
    stream: options.stderr,
    enabled: options.progress && options.stderr.isTTY,
    nowMs: () => Date.now(),
  });
  try {
    await store.start();
    await decoderState.start();
    // Imported flows get the same enrichment as live ones: wait for the registry and ranges.
    await inventory.ready;
    // The registry's AS names, so `top --by dst.as.name` names what this import stored.
    await asNames.start();
    await pipeline.start();
    const byKey = new Map<string, ImportCheckpoint>();
    const byContent = new Map<string, ImportCheckpoint>();
    const remember = (checkpoint: ImportCheckpoint): void => {
      byKey.set(checkpoint.fileKey, checkpoint);
      if (checkpoint.complete) {
        byContent.set(
          `${checkpoint.headSha256}/${checkpoint.headBytes}/${checkpoint.sizeBytes}`,
          checkpoint,
        );
      }
    };
    for (const checkpoint of await store.importCheckpoints()) remember(checkpoint);

    const importOne = async (file: ImportFile, leavePartialTail: boolean) => {
      const report: ImportFileReport = {
        path: file.path,
        named: !file.found,
        format: "unknown",
        status: "imported",
        detail: "",
        records: 0,
        units: 0,
        skipped: {},
        problems: [],
        undatedRows: 0,
      };
      const head = readHead(file.path, HEAD_BYTES);
      const known = byKey.get(file.key);
      let resume = { offsetBytes: 0, line: 1, records: 0 };
      if (known !== undefined && sameFile(file, head, known)) {
        if (known.complete && known.sizeBytes === file.sizeBytes) {
          report.status = "already-imported";
          report.format = known.format as FileFormat;
          report.detail = `${known.records} records stored before`;
          return report;
        }
        resume = { offsetBytes: known.offsetBytes, line: known.line, records: known.records };
        if (known.offsetBytes > 0 || known.line > 1) report.status = "resumed";
      } else if (known === undefined) {
        const copy = byContent.get(`${head.sha256}/${head.bytes}/${file.sizeBytes}`);
        if (copy !== undefined) {
          report.status = "duplicate";
          report.format = copy.format as FileFormat;
          report.detail = `same content as ${copy.fileKey}, already imported`;
          return report;
        }
      } else {
        report.detail = "changed since it was last imported: read again from the start";
        options.logger.warn("file replaced since its last import, reading it again", {
          file: file.path,
        });
      }
      const source = openDecoded(file.path, head.gzip);
      try {
        const peeked = await peekChunks(source.chunks, SNIFF_BYTES);
        const sniffed: ReturnType<typeof sniffFileFormat> =
          options.format === undefined ? sniffFileFormat(peeked.head) : { format: options.format };
        if (sniffed.format === "unknown") {
          report.status = "not-flow-log";
          report.detail = sniffed.reason;
          return report;
        }
        const format = sniffed.format;
        report.format = format;
        const base: CheckpointBase = {
          fileKey: file.key,
          headSha256: head.sha256,
          headBytes: head.bytes,
          sizeBytes: file.sizeBytes,
          mtimeMs: file.mtimeMs,
          format,
        };
        progress.startFile(path.basename(file.path));
        if (format === "pcap") {
          const read = await readCaptureFile(
            file,
            peeked.chunks,
            source.rawBytesRead,
            pipeline,
            base,
            resume,
            (units) => {
              progress.update(
                file.sizeBytes,
                source.rawBytesRead(),
                units,
                pipeline.stats().records,
              );
            },
          );
          datagrams += read.units;
          report.units = read.units;
          report.records = read.records;
          for (const [code, count] of Object.entries(read.issuesByCode)) {
            captureIssuesByCode[code] = (captureIssuesByCode[code] ?? 0) + count;
          }
          if (read.format === "unknown") {
            report.status = "not-flow-log";
            report.detail = "not a pcap or pcapng capture";
          }
          remember({
            ...base,
            offsetBytes: file.sizeBytes,
            line: resume.line + read.units,
            records: resume.records + read.records,
            complete: true,
          });
          return report;
        }
        const read = await readFlowLogFile({
          chunks: peeked.chunks,
          decoder: decoderFor(format, awsFormat),
          format,
          pipeline,
          batchMaxRecords: config.storage.batchMaxRecords,
          maxPendingBatches: IMPORT_MAX_PENDING_BATCHES,
          base,
          resume,
          leavePartialTail,
          fallbackMs: fileTimeMs(file),
          onProgress: (units, records) => {
            progress.update(file.sizeBytes, source.rawBytesRead(), units, records);
          },
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        report.units = read.units;
        report.records = read.tally.records;
        report.skipped = { ...read.tally.skipped };
        report.problems = read.tally.examples;
        report.undatedRows = read.undatedRows;
        mergeTally(skipped, read.tally);
        if (options.signal?.aborted === true && !read.complete) report.status = "stopped";
        if (
          read.tally.records === 0 &&
          read.units > 0 &&
          Object.keys(read.tally.skipped).length > 0
        ) {
          const codes = Object.keys(read.tally.skipped);
          if (codes.every((code) => code === "not-flow-log" || code === "bad-json")) {
            report.status = "not-flow-log";
            report.detail = "no entry in it is a flow record";
          }
        }
        remember({
          ...base,
          offsetBytes: read.offsetBytes,
          line: read.line,
          records: resume.records + read.tally.records,
          complete: read.complete,
        });
        return report;
      } finally {
        source.close();
        progress.endFile(file.sizeBytes);
      }
    };

    progress.setTotalBytes(files.reduce((sum, file) => sum + file.sizeBytes, 0));
    const lastSeen = new Map<string, { sizeBytes: number; mtimeMs: number; complete: boolean }>();
    for (;;) {
      for (const file of files) {
        if (options.signal?.aborted === true) break;
        const seen = lastSeen.get(file.key);
        if (
          seen !== undefined &&
          seen.complete &&
          seen.sizeBytes === file.sizeBytes &&
          seen.mtimeMs === file.mtimeMs
        ) {
          continue;
        }
        const quiet = Date.now() - file.mtimeMs >= (options.quietMs ?? QUIET_MS);
        const report = await importOne(file, options.follow === true && !quiet);
        const checkpoint = byKey.get(file.key);
        lastSeen.set(file.key, {
          sizeBytes: file.sizeBytes,
          mtimeMs: file.mtimeMs,
          complete: checkpoint?.complete ?? true,
        });
        // In follow mode a file already stored is not news; everything else is reported.
        if (!(options.follow === true && seen !== undefined && report.records === 0)) {
          reports.push(report);
          options.onFile?.(report);
        }
      }
      if (options.follow !== true || options.signal?.aborted === true) break;
      await pipeline.flush();
      await sleep(options.followIntervalMs ?? FOLLOW_INTERVAL_MS, options.signal);
      if (aborted(options.signal)) break;
      try {
        files = expandImportPaths(paths);
      } catch (error) {
        options.logger.warn("followed path unreadable, trying again", { error });
      }
    }
    progress.finish();
    // Data sets still waiting for a template that no file held are now template-missing.
    expireHeld(Number.POSITIVE_INFINITY);
    await pipeline.flush();
  } finally {
    progress.finish();
    try {
      inventory.stop();
      await pipeline.stop();
      await decoderState.stop();
      await asNames.stop();
      await store.stop();
    } finally {
      lock.release();
    }
  }
  const issuesByCode: Record<string, number> = {};
  for (const value of (await metrics.decodeIssues.get()).values) {
    const code = String(value.labels.code ?? "unknown");
    issuesByCode[code] = (issuesByCode[code] ?? 0) + value.value;
  }
  const stats = pipeline.stats();
  return {
    files: reports,
    datagrams,
    records: stats.records,
    stored: stats.stored,
    skipped: skipped.skipped,
    issuesByCode,
    captureIssuesByCode,
  };
}

/** AWS S3 object names end `_<YYYYMMDDTHHmmZ>_<hash>.log.gz`: the delivery time. */
const S3_DELIVERY_TIME = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[0-9a-f]+\.log(\.gz)?$/;

/** The time of a file's records when they carry none: its S3 delivery time, else its mtime. */
export function fileTimeMs(file: Pick<ImportFile, "path" | "mtimeMs">): number {
  const match = S3_DELIVERY_TIME.exec(path.basename(file.path));
  if (match !== null) {
    const [, year = 1970, month = 1, day = 1, hour = 0, minute = 0] = match.map(Number);
    return Date.UTC(year, month - 1, day, hour, minute);
  }
  return Math.floor(file.mtimeMs);
}

/** A function, so that TypeScript does not narrow the flag across awaits. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Every UDP datagram of a capture (pcap or pcapng, any port) through the live decode path,
 * with the capture time as the receive time. The checkpoint position is the datagram count:
 * on resume the datagrams already stored are decoded again only for the templates and
 * sampling options they carry (`replayDatagram`), then discarded.
 */
async function readCaptureFile(
  file: ImportFile,
  chunks: AsyncIterable<Buffer>,
  rawBytesRead: () => number,
  pipeline: Pipeline,
  base: CheckpointBase,
  resume: { offsetBytes: number; line: number; records: number },
  onProgress: (units: number) => void,
): Promise<{
  units: number;
  records: number;
  issuesByCode: Record<string, number>;
  format: string;
}> {
  const reader = createCaptureReader();
  const issuesByCode: Record<string, number> = {};
  const recordsBefore = pipeline.stats().records;
  const alreadyStored = resume.line - 1;
  let index = 0;
  let units = 0;
  const count = (issues: readonly { code: string }[]) => {
    for (const issue of issues) issuesByCode[issue.code] = (issuesByCode[issue.code] ?? 0) + 1;
  };
  for await (const chunk of chunks) {
    const result = reader.push(chunk);
    count(result.issues);
    for (const datagram of result.records) {
      index++;
      if (index <= alreadyStored) {
        pipeline.replayDatagram(datagram.payload, datagram.srcAddr, datagram.timestampMs);
        continue;
      }
      units++;
      // Attached before the datagram's rows: if they fill the batch, it is sealed with them.
      pipeline.openBatch().addCheckpoint({
        ...base,
        offsetBytes: rawBytesRead(),
        line: index + 1,
        records: resume.records + pipeline.stats().records - recordsBefore,
        complete: false,
      });
      pipeline.ingestDatagram(datagram.payload, datagram.srcAddr, datagram.timestampMs);
    }
    onProgress(units);
    while (pipeline.stats().pendingBatches >= IMPORT_MAX_PENDING_BATCHES) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  const summary = reader.finish();
  count(summary.issues);
  const records = pipeline.stats().records - recordsBefore;
  if (summary.format !== "unknown") {
    pipeline.openBatch().addCheckpoint({
      ...base,
      offsetBytes: file.sizeBytes,
      line: index + 1,
      records: resume.records + records,
      complete: true,
    });
    // Sealed now, so that the file's completion is committed even when it had no flow.
    await pipeline.flush();
  }
  return { units, records, issuesByCode, format: summary.format };
}
