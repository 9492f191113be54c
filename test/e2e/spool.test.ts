import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeNetflow5 } from "../../src/decoders/index.ts";
import { createRandom, generateFlows } from "../../src/services/demo/traffic.ts";
import { createDuckDbStore } from "../../src/storage/duckdb/index.ts";
import {
  CLICKHOUSE_SERVER_BINARY,
  clickhouseAvailable,
  startClickHouse,
  type ClickHouseServer,
} from "../helpers/clickhouse.ts";
import { startTollgate, waitFor, type RunningTollgate } from "../helpers/tollgate.ts";

// "Nothing acknowledged is lost" end to end: a real `tollgate serve` fed NetFlow v5 on
// loopback, its store (a real clickhouse-server, or DuckDB) killed under it, the collector
// itself killed with SIGKILL; every record sent must be stored exactly once (count and bytes).

interface Sent {
  records: number;
  bytes: number;
}

/**
 * Sends `records` flows as NetFlow v5 (30 a datagram) with known bytes (100..1099 each), paced
 * (2 ms between datagrams, about 15 k records/s) so loopback UDP drops none. Bounded by count.
 */
async function sendFlows(port: number, records: number, seed: number): Promise<Sent> {
  const random = createRandom(seed);
  const nowMs = Date.now();
  const flows = [];
  while (flows.length < records)
    flows.push(...generateFlows(random, nowMs - 600_000, 600_000, 600));
  flows.length = records;
  let bytes = 0;
  flows.forEach((flow, i) => {
    flow.sampledBytes = 100 + ((seed * 7919 + i) % 1000);
    flow.sampledPackets = 1 + (i % 7);
    bytes += flow.sampledBytes;
  });
  const datagrams = encodeNetflow5(flows, {
    sysUptimeMs: 10 * 86_400_000,
    unixSecs: Math.floor(nowMs / 1000),
    unixNsecs: 0,
    flowSequence: seed * 1_000_000,
    engineType: 0,
    engineId: 0,
    samplingMode: 0,
    samplingInterval: 0,
  });
  const socket = dgram.createSocket("udp4");
  try {
    for (const datagram of datagrams) {
      await new Promise<void>((resolve, reject) => {
        socket.send(datagram, port, "127.0.0.1", (error) => {
          if (error === null) resolve();
          else reject(error);
        });
      });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    socket.close();
  }
  return { records, bytes };
}

const plus = (a: Sent, b: Sent): Sent => ({
  records: a.records + b.records,
  bytes: a.bytes + b.bytes,
});

/** The sum of every sample of a metric in a /metrics text (labels summed). */
async function metric(tollgate: RunningTollgate, name: string): Promise<number> {
  const text = await (await fetch(`${tollgate.httpUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** Waits until the collector decoded `records` and holds nothing in memory. */
async function waitReceived(tollgate: RunningTollgate, records: number): Promise<void> {
  await waitFor(
    async () =>
      (await metric(tollgate, "tollgate_collector_records_total")) >= records &&
      (await metric(tollgate, "tollgate_pipeline_pending_batches")) === 0,
    60_000,
  );
}

async function clickhouseTotals(server: { url: string }): Promise<Sent> {
  const query = "SELECT count(), sum(bytes) FROM tollgate.flows FORMAT TSV";
  const response = await fetch(`${server.url}/?query=${encodeURIComponent(query)}`);
  const [records, bytes] = (await response.text()).trim().split("\t").map(Number);
  return { records: records ?? -1, bytes: bytes ?? -1 };
}

/**
 * Kills the test's clickhouse-server by PID and restarts it on the same config (ports, data
 * directory); the helper's `stop()` later removes the directory.
 */
function createClickHouseCycler(server: ClickHouseServer) {
  let current: ChildProcess | undefined;
  let pid = server.pid;
  const killCurrent = async (): Promise<void> => {
    process.kill(pid, "SIGKILL");
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return Promise.resolve(false);
      } catch {
        return Promise.resolve(true);
      }
    }, 30_000);
  };
  return {
    kill: killCurrent,
    async restart(): Promise<void> {
      current = spawn(CLICKHOUSE_SERVER_BINARY, [`--config-file=${server.dir}/config.xml`], {
        cwd: server.dir,
        stdio: "ignore",
      });
      pid = current.pid ?? 0;
      await waitFor(async () => {
        try {
          return (await fetch(`${server.url}/ping`)).ok;
        } catch {
          return false;
        }
      }, 60_000);
    },
    async stop(): Promise<void> {
      if (current !== undefined && current.exitCode === null) await killCurrent();
      await server.stop();
    },
  };
}

const clickhouseConfig = (url: string): string => `
storage:
  backend: clickhouse
  batchMaxDelayMs: 200
  clickhouse:
    url: ${url}
    requestTimeoutMs: 15000
  spool:
    retryMinMs: 100
    retryMaxMs: 1000
`;

const hasClickHouse = clickhouseAvailable();
if (!hasClickHouse)
  console.warn("spool e2e: clickhouse-server absent, ClickHouse scenarios skipped");

describe.skipIf(!hasClickHouse)("spool with a real ClickHouse server", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it("stores every record exactly once across a ClickHouse outage", async () => {
    const server = await startClickHouse();
    const cycler = createClickHouseCycler(server);
    cleanups.push(() => cycler.stop());
    const tollgate = await startTollgate({ config: clickhouseConfig(server.url) });
    cleanups.push(() => tollgate.stop());

    let sent = await sendFlows(tollgate.netflowPort, 1500, 1);
    // Stored and acknowledged: the rows are visible before the INSERT returns (the rollup views
    // run after the flows part is written), and a kill in between would have the batch
    // spooled and stored again: the crash window docs/34 describes, not what this tests.
    await waitFor(
      async () =>
        (await clickhouseTotals(server)).records === sent.records &&
        (await metric(tollgate, "tollgate_store_records_total")) >= sent.records,
      60_000,
    );

    await cycler.kill();
    sent = plus(sent, await sendFlows(tollgate.netflowPort, 3000, 2));
    await waitReceived(tollgate, sent.records);
    expect(await metric(tollgate, "tollgate_spool_batches")).toBeGreaterThan(0);
    expect(await metric(tollgate, "tollgate_spool_spooled_records_total")).toBeGreaterThan(0);

    await cycler.restart();
    sent = plus(sent, await sendFlows(tollgate.netflowPort, 1500, 3));
    await waitReceived(tollgate, sent.records);
    await waitFor(
      async () =>
        (await metric(tollgate, "tollgate_spool_batches")) === 0 &&
        (await clickhouseTotals(server)).records >= sent.records,
      120_000,
    );
    const stored = await clickhouseTotals(server);
    if (stored.records !== sent.records) console.error(tollgate.output());
    expect(stored).toEqual(sent);
    expect(await metric(tollgate, "tollgate_spool_dropped_records_total")).toBe(0);
    expect(await metric(tollgate, "tollgate_spool_drained_records_total")).toBe(
      await metric(tollgate, "tollgate_spool_spooled_records_total"),
    );
  }, 300_000);

  it("drains the spool of a collector killed with SIGKILL while ClickHouse was down", async () => {
    const server = await startClickHouse();
    const cycler = createClickHouseCycler(server);
    cleanups.push(() => cycler.stop());
    const dataDir = mkdtempSync(path.join(tmpdir(), "tollgate-spool-e2e-"));
    cleanups.push(() => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    });
    const first = await startTollgate({ config: clickhouseConfig(server.url), dataDir });

    let sent = await sendFlows(first.netflowPort, 1200, 4);
    await waitFor(
      async () =>
        (await clickhouseTotals(server)).records === sent.records &&
        (await metric(first, "tollgate_store_records_total")) >= sent.records,
      60_000,
    );
    await cycler.kill();
    sent = plus(sent, await sendFlows(first.netflowPort, 3000, 5));
    await waitReceived(first, sent.records);
    // Received is not yet spooled: the last rows sit in the open batch until its age seal
    // (200 ms here) and the failed append that hands it to the spool. The kill must come after
    // every record sent was acknowledged, i.e. spooled (reading the metric at once raced that:
    // 2610 of 3000 on a loaded CI run).
    await waitFor(
      async () => (await metric(first, "tollgate_spool_spooled_records_total")) >= 3000,
      30_000,
    );
    expect(await metric(first, "tollgate_spool_spooled_records_total")).toBe(3000);
    first.process.kill("SIGKILL");
    await first.stop({ keepDataDir: true });

    // Restarted while ClickHouse is still away: it must start and collect on the spool.
    const second = await startTollgate({ config: clickhouseConfig(server.url), dataDir });
    cleanups.push(() => second.stop({ keepDataDir: true }));
    expect(await metric(second, "tollgate_spool_batches")).toBeGreaterThan(0);
    const more = await sendFlows(second.netflowPort, 900, 6);
    sent = plus(sent, more);
    await waitReceived(second, more.records);
    await cycler.restart();
    await waitFor(
      async () =>
        (await metric(second, "tollgate_spool_batches")) === 0 &&
        (await clickhouseTotals(server)).records >= sent.records,
      120_000,
    );
    expect(await clickhouseTotals(server)).toEqual(sent);
  }, 300_000);
});

describe("spool with DuckDB", () => {
  it("keeps every acknowledged record of a collector killed with SIGKILL mid-stream", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tollgate-spool-e2e-"));
    try {
      const config = "storage:\n  batchMaxDelayMs: 100\n";
      const first = await startTollgate({ config, dataDir });
      // Acknowledged = in a sealed batch whose append resolved (committed to DuckDB, or fsynced
      // in the spool): tollgate_store_records_total. Read while the stream runs, then killed.
      const stream = sendFlows(first.netflowPort, 6000, 7);
      await waitFor(
        async () => (await metric(first, "tollgate_store_records_total")) >= 1500,
        60_000,
      );
      const acknowledged = await metric(first, "tollgate_store_records_total");
      first.process.kill("SIGKILL");
      const sent = await stream;
      await first.stop({ keepDataDir: true });

      const second = await startTollgate({ config, dataDir });
      await second.stop({ keepDataDir: true });
      const store = createDuckDbStore({
        path: path.join(dataDir, "flows.duckdb"),
        readOnly: true,
      });
      await store.start();
      try {
        const { total } = await store.summary({ range: {} });
        expect(total.flows).toBeGreaterThanOrEqual(acknowledged);
        expect(total.flows).toBeLessThanOrEqual(sent.records);
        expect(total.bytes).toBeLessThanOrEqual(sent.bytes);
      } finally {
        await store.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
