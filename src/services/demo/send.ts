import dgram from "node:dgram";
import { AppError } from "../../core/index.ts";
import { encodeNetflow5 } from "../../decoders/index.ts";
import type { DecodedFlow } from "../../core/index.ts";
import { parseHostPort } from "../../config/index.ts";
import { createRandom, generateFlows } from "./traffic.ts";

export interface DemoOptions {
  target: string;
  backfillHours: number;
  durationSeconds: number;
  flowsPerSecond: number;
  seed: number;
  /** Peak flows per minute of history during backfill. */
  backfillFlowsPerMinute?: number;
  onProgress?: (sent: { datagrams: number; records: number; phase: "backfill" | "live" }) => void;
  signal?: AbortSignal;
}

export interface DemoReport {
  datagrams: number;
  records: number;
}

/** Backfill is paced so that a collector on the same two cores keeps up without loss. */
const BACKFILL_DATAGRAMS_PER_SECOND = 2000;

/**
 * Sends the demo model as NetFlow v5 to a collector: first `backfillHours` of history (flows
 * with past timestamps, so the dashboard shows a day's rhythm at once), then live traffic for
 * `durationSeconds`. Only loopback targets are accepted: the demo is for a local collector.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const target = parseHostPort(options.target);
  if (typeof target === "string") throw new AppError("ERR_USAGE", `--target ${target}`);
  const isLoopback =
    target.host === "localhost" || target.host === "::1" || target.host.startsWith("127.");
  if (!isLoopback) {
    throw new AppError(
      "ERR_USAGE",
      `--target ${options.target}: the demo sends only to a collector on this machine (127.0.0.1, ::1 or localhost)`,
    );
  }
  const socket = dgram.createSocket(target.host.includes(":") ? "udp6" : "udp4");
  const random = createRandom(options.seed);
  const bootMs = Date.now() - options.backfillHours * 3_600_000 - 3_600_000;
  let sequence = 0;
  const report: DemoReport = { datagrams: 0, records: 0 };

  const send = async (flows: readonly DecodedFlow[], exportMs: number): Promise<void> => {
    const datagrams = encodeNetflow5(flows, {
      sysUptimeMs: exportMs - bootMs,
      unixSecs: Math.floor(exportMs / 1000),
      unixNsecs: (exportMs % 1000) * 1_000_000,
      flowSequence: sequence,
      engineType: 0,
      engineId: 1,
      // Mode 1 (deterministic), 1-in-1: unsampled, and said so.
      samplingMode: 1,
      samplingInterval: 1,
    });
    sequence = (sequence + flows.length) >>> 0;
    for (const datagram of datagrams) {
      await new Promise<void>((resolve, reject) => {
        socket.send(datagram, target.port, target.host, (error) => {
          if (error === null) resolve();
          else
            reject(
              new AppError("ERR_USAGE", `cannot send to ${options.target}: ${error.message}`, {
                cause: error,
              }),
            );
        });
      });
      report.datagrams++;
    }
    report.records += flows.length;
  };

  try {
    const stepMs = 60_000;
    const nowMs = Date.now();
    let windowStartMs = Date.now();
    let sentInWindow = 0;
    for (let fromMs = nowMs - options.backfillHours * 3_600_000; fromMs < nowMs; fromMs += stepMs) {
      if (options.signal?.aborted === true) return report;
      const flows = generateFlows(
        random,
        fromMs,
        Math.min(stepMs, nowMs - fromMs),
        options.backfillFlowsPerMinute ?? 60,
      );
      await send(flows, Math.min(fromMs + stepMs, nowMs));
      sentInWindow += Math.ceil(flows.length / 30);
      if (sentInWindow >= BACKFILL_DATAGRAMS_PER_SECOND / 10) {
        const elapsedMs = Date.now() - windowStartMs;
        if (elapsedMs < 100) await sleep(100 - elapsedMs);
        windowStartMs = Date.now();
        sentInWindow = 0;
      }
      options.onProgress?.({ ...report, phase: "backfill" });
    }
    const endMs = Date.now() + options.durationSeconds * 1000;
    while (Date.now() < endMs && options.signal?.aborted !== true) {
      const tickStartMs = Date.now();
      const flows = generateFlows(random, tickStartMs - 1000, 1000, options.flowsPerSecond * 60);
      await send(flows, tickStartMs);
      options.onProgress?.({ ...report, phase: "live" });
      await sleep(Math.max(0, 1000 - (Date.now() - tickStartMs)), options.signal);
    }
    return report;
  } finally {
    socket.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    // The listener goes when the timer fires: one per tick would pile up on a long demo
    // (Node warns past 10: MaxListenersExceededWarning).
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
