import { createReadStream, statSync } from "node:fs";
import path from "node:path";
import { AppError } from "../core/index.ts";
import type { TollgateConfig } from "../config/index.ts";
import { createProgressBar } from "../cli/index.ts";
import { createCaptureReader } from "../decoders/index.ts";
import { createMetrics, silentLogger, type Logger } from "../platform/index.ts";
import { ensureWritableDataDir, lockDataDir } from "./data-dir.ts";
import { createIngest } from "./ingest.ts";

export interface ImportReport {
  files: number;
  datagrams: number;
  records: number;
  stored: number;
  issuesByCode: Record<string, number>;
  captureIssuesByCode: Record<string, number>;
}

/**
 * `tollgate import FILE…`: every UDP datagram of each capture (pcap or pcapng, any port) goes
 * through the same decode → classify → store path as live traffic, with the capture time as
 * the receive time. Files are streamed: memory does not grow with file size.
 */
export async function runImport(
  config: Readonly<TollgateConfig>,
  files: readonly string[],
  options: { progress: boolean; stderr: NodeJS.WriteStream; logger: Logger },
): Promise<ImportReport> {
  const sizes = new Map<string, number>();
  for (const file of files) {
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error("not a regular file");
      sizes.set(file, stat.size);
    } catch (error) {
      throw new AppError(
        "ERR_IMPORT_READ",
        `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the path`,
        {
          cause: error,
        },
      );
    }
  }
  const dataDir = await ensureWritableDataDir(config.dataDir);
  const lock = lockDataDir(dataDir, process.pid);
  const metrics = createMetrics({ defaultMetrics: false });
  const { store, pipeline, decoderState, expireHeld } = createIngest(config, dataDir, {
    metrics,
    storeLogger: options.logger,
    storeLogLevel: "warn",
    pipelineLogger: silentLogger,
    reportIssue: () => undefined,
  });
  const captureIssuesByCode: Record<string, number> = {};
  try {
    await store.start();
    await decoderState.start();
    await pipeline.start();
    for (const file of files) {
      const totalBytes = sizes.get(file) ?? 0;
      const progress = createProgressBar({
        label: path.basename(file),
        totalBytes,
        stream: options.stderr,
        enabled: options.progress && options.stderr.isTTY,
        nowMs: () => Date.now(),
      });
      const reader = createCaptureReader();
      let doneBytes = 0;
      const recordsBefore = pipeline.stats().records;
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        const bytes = chunk as Buffer;
        doneBytes += bytes.length;
        const result = reader.push(bytes);
        for (const issue of result.issues) {
          captureIssuesByCode[issue.code] = (captureIssuesByCode[issue.code] ?? 0) + 1;
        }
        for (const datagram of result.records) {
          pipeline.ingestDatagram(datagram.payload, datagram.srcAddr, datagram.timestampMs);
        }
        progress.update(doneBytes, pipeline.stats().records - recordsBefore);
      }
      const summary = reader.finish();
      progress.finish();
      for (const issue of summary.issues) {
        captureIssuesByCode[issue.code] = (captureIssuesByCode[issue.code] ?? 0) + 1;
      }
      if (summary.format === "unknown") {
        throw new AppError(
          "ERR_IMPORT_FORMAT",
          `${file} is not a pcap or pcapng capture: convert it (editcap -F pcap) or import a capture file`,
        );
      }
    }
    // Data sets still waiting for a template that no file held are now template-missing.
    expireHeld(Number.POSITIVE_INFINITY);
    await pipeline.flush();
  } finally {
    try {
      await pipeline.stop();
      await decoderState.stop();
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
    files: files.length,
    datagrams: stats.datagrams,
    records: stats.records,
    stored: stats.stored,
    issuesByCode,
    captureIssuesByCode,
  };
}
