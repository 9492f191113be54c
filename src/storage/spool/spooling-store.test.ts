import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { AppError, FlowBatch } from "../../core/index.ts";
import { createMetrics, silentLogger, type Metrics } from "../../platform/index.ts";
import { createDuckDbStore } from "../duckdb/index.ts";
import type { FlowStore, NetworkRef } from "../store.ts";
import { spoolMarkKey } from "./spool-mark.ts";
import {
  createSpoolingStore,
  type SpoolingStore,
  type SpoolingStoreConfig,
} from "./spooling-store.ts";

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const networks: NetworkRef[] = [{ name: "ours", tags: { team: "net" } }];

/**
 * A fault injector, not a mock: it passes every call to a real DuckDB store, except that while
 * `closed` it refuses appends and reads as an unreachable server would, and with `loseNextAck`
 * it lets one append commit and then fails it (the answer lost on the way back). It records
 * which batches the real store committed, in order.
 */
function faultGate(inner: FlowStore) {
  const gate = {
    closed: false,
    loseNextAck: false,
    committed: [] as number[],
    store: {
      ...inner,
      start() {
        if (gate.closed) return Promise.reject(new AppError("ERR_STORE_OPEN", "gate closed"));
        return inner.start();
      },
      async append(batch: FlowBatch, refs: readonly NetworkRef[]) {
        if (gate.closed) throw new AppError("ERR_STORE_WRITE", "gate closed");
        const key = batch.length > 0 ? Math.floor(((batch.startMs[0] ?? 0) - T0) / 1000) : -1;
        await inner.append(batch, refs);
        gate.committed.push(key);
        if (gate.loseNextAck) {
          gate.loseNextAck = false;
          throw new AppError("ERR_STORE_WRITE", "answer lost");
        }
      },
      importCheckpoints() {
        if (gate.closed) return Promise.reject(new AppError("ERR_STORE_QUERY", "gate closed"));
        return inner.importCheckpoints();
      },
    } satisfies FlowStore,
  };
  return gate;
}

/** Batch number `k`: `rows` flows whose bytes are k * 1000 + row. */
function makeBatch(k: number, rows = 50): FlowBatch {
  const batch = new FlowBatch(rows);
  for (let row = 0; row < rows; row++) {
    const at = batch.appendDecoded({
      startMs: T0 + k * 1000 + row,
      endMs: T0 + k * 1000 + row + 1,
      exporterAddr: "192.0.2.1",
      source: "netflow5",
      inIf: 1,
      outIf: 2,
      ipVersion: 4,
      srcAddr: "10.0.0.1",
      dstAddr: "198.51.100.1",
      srcPort: 1000 + row,
      dstPort: 443,
      protocol: 6,
      tcpFlags: 0,
      tos: 0,
      srcAs: 0,
      dstAs: 0,
      srcMaskLen: 0,
      dstMaskLen: 0,
      nextHop: "",
      sampledBytes: k * 1000 + row,
      sampledPackets: 1,
      samplingRate: 1,
      samplingRateKnown: false,
    });
    batch.bytes[at] = k * 1000 + row;
    batch.packets[at] = 1;
    batch.srcNetwork[at] = 1;
  }
  return batch;
}

const bytesOf = (ks: readonly number[], rows = 50): number =>
  ks.reduce((sum, k) => sum + rows * k * 1000 + (rows * (rows - 1)) / 2, 0);

const sum = async (metric: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await metric.get()).values.reduce((total, { value }) => total + value, 0);

let root = "";
const open: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const component of open.splice(0).reverse()) await component.stop();
});
afterAll(() => {
  if (root !== "") rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function setup(overrides: Partial<SpoolingStoreConfig> = {}, existing?: { dir: string }) {
  root ||= mkdtempSync(path.join(tmpdir(), "tollgate-spooling-"));
  const dir = existing?.dir ?? path.join(root, `case-${++counter}`);
  const real = createDuckDbStore({ path: path.join(dir, "flows.duckdb"), readOnly: false });
  const gate = faultGate(real);
  const metrics: Metrics = createMetrics({ defaultMetrics: false });
  const store: SpoolingStore = createSpoolingStore(
    {
      dir: path.join(dir, "spool"),
      maxBytes: 64 * 1024 * 1024,
      whenFull: "drop-oldest",
      retryMinMs: 20,
      retryMaxMs: 100,
      waitForStore: false,
      ...overrides,
    },
    { store: gate.store, metrics, logger: silentLogger, networks },
  );
  return { dir, gate, metrics, store, real, spoolDir: path.join(dir, "spool") };
}

const spoolFiles = (spoolDir: string): string[] =>
  readdirSync(spoolDir).filter((name) => name.endsWith(".batch"));

async function totals(store: FlowStore) {
  const { total } = await store.summary({ range: {} });
  return total;
}

describe("spooling store", () => {
  it("appends straight to a working store, carrying the spool mark, and spools nothing", async () => {
    const { store, gate, spoolDir } = setup();
    await store.start();
    open.push(store);
    for (const k of [1, 2, 3]) await store.append(makeBatch(k), networks);
    expect(gate.committed).toEqual([1, 2, 3]);
    expect(spoolFiles(spoolDir)).toEqual([]);
    const marks = (await store.importCheckpoints()).filter(({ fileKey }) =>
      fileKey.startsWith("spool:"),
    );
    expect(marks).toHaveLength(1);
    expect(marks[0]?.offsetBytes).toBeGreaterThan(0);
    expect(await totals(store)).toEqual({ flows: 150, packets: 150, bytes: bytesOf([1, 2, 3]) });
  });

  it("spools while the store refuses, then drains oldest first, each batch exactly once", async () => {
    const { store, gate, metrics, spoolDir } = setup();
    await store.start();
    open.push(store);
    await store.append(makeBatch(1), networks);
    gate.closed = true;
    for (const k of [2, 3, 4, 5]) await store.append(makeBatch(k), networks);
    expect(spoolFiles(spoolDir)).toHaveLength(4);
    expect(store.stats().batches).toBe(4);
    expect(await sum(metrics.spooledRecords)).toBe(200);
    expect(await sum(metrics.spoolStoreFailures)).toBeGreaterThan(0);
    gate.closed = false;
    // The spool is not empty: this one queues behind the others, keeping the order.
    await store.append(makeBatch(6), networks);
    await store.whenDrained();
    expect(gate.committed).toEqual([1, 2, 3, 4, 5, 6]);
    expect(spoolFiles(spoolDir)).toEqual([]);
    expect(await sum(metrics.drainedRecords)).toBe(250);
    expect(await sum(metrics.spoolBytes)).toBe(0);
    expect(await totals(store)).toEqual({
      flows: 300,
      packets: 300,
      bytes: bytesOf([1, 2, 3, 4, 5, 6]),
    });
  });

  it("stores once a batch whose commit answer was lost (the mark says it is in)", async () => {
    const { store, gate } = setup();
    await store.start();
    open.push(store);
    gate.loseNextAck = true;
    await store.append(makeBatch(1), networks);
    await store.append(makeBatch(2), networks);
    await store.whenDrained();
    expect(gate.committed).toEqual([1, 2]);
    expect(await totals(store)).toEqual({ flows: 100, packets: 100, bytes: bytesOf([1, 2]) });
  });

  it("replays the spool after a restart, deleting a file already committed before the crash", async () => {
    const first = setup({ retryMinMs: 60_000, retryMaxMs: 60_000 });
    await first.store.start();
    first.gate.closed = true;
    for (const k of [1, 2]) await first.store.append(makeBatch(k), networks);
    // The drainer then waits a minute: the "crash" comes first (stop() leaves the files as a
    // kill would).
    first.gate.closed = false;
    await first.store.stop();
    expect(spoolFiles(first.spoolDir)).toHaveLength(2);
    // Commit file 1 by hand, with its mark, as a crash right after the commit would leave it.
    const { decodeSpoolFile } = await import("./spool-file.ts");
    const name = spoolFiles(first.spoolDir)[0] ?? "";
    const content = decodeSpoolFile(readFileSync(path.join(first.spoolDir, name)));
    const spoolId = (
      JSON.parse(readFileSync(path.join(first.spoolDir, "spool.json"), "utf8")) as { id: string }
    ).id;
    const { spoolMark } = await import("./spool-mark.ts");
    content.batch.checkpoints.push(spoolMark(spoolId, content.seq, T0));
    await first.real.start();
    await first.real.append(content.batch, networks);
    await first.real.stop();

    const second = setup({}, { dir: first.dir });
    await second.store.start();
    open.push(second.store);
    await second.store.whenDrained();
    expect(second.gate.committed).toEqual([2]);
    expect(spoolFiles(second.spoolDir)).toEqual([]);
    expect(await totals(second.store)).toEqual({
      flows: 100,
      packets: 100,
      bytes: bytesOf([1, 2]),
    });
    expect((await second.store.importCheckpoints()).map(({ fileKey }) => fileKey)).toEqual([
      spoolMarkKey(spoolId),
    ]);
  });

  it("quarantines a damaged file and removes half-written ones at start, storing the rest", async () => {
    const first = setup();
    await first.store.start();
    first.gate.closed = true;
    for (const k of [1, 2, 3]) await first.store.append(makeBatch(k), networks);
    first.gate.closed = false;
    await first.store.stop();
    const [, middle] = spoolFiles(first.spoolDir);
    const damaged = readFileSync(path.join(first.spoolDir, middle ?? ""));
    damaged[damaged.length - 20] = (damaged[damaged.length - 20] ?? 0) ^ 0xff;
    writeFileSync(path.join(first.spoolDir, middle ?? ""), damaged);
    writeFileSync(path.join(first.spoolDir, "0000000000999999.batch.tmp"), "torn");

    const second = setup({}, { dir: first.dir });
    await second.store.start();
    open.push(second.store);
    await second.store.whenDrained();
    expect(second.gate.committed).toEqual([1, 3]);
    expect(await sum(second.metrics.spoolQuarantinedFiles)).toBe(1);
    expect(readdirSync(path.join(second.spoolDir, "quarantine"))).toEqual([middle]);
    expect(readdirSync(second.spoolDir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(await totals(second.store)).toEqual({
      flows: 100,
      packets: 100,
      bytes: bytesOf([1, 3]),
    });
  });

  for (const whenFull of ["drop-oldest", "drop-newest"] as const) {
    it(`bounds the spool by maxBytes and counts what ${whenFull} drops`, async () => {
      // One 50-row batch file is a little over 8 KiB: room for two.
      const probe = (await import("./spool-file.ts")).encodeSpoolFile(1, makeBatch(1), networks, 0);
      const { store, gate, metrics } = setup({ maxBytes: probe.byteLength * 2 + 100, whenFull });
      await store.start();
      open.push(store);
      gate.closed = true;
      for (const k of [1, 2, 3, 4]) await store.append(makeBatch(k), networks);
      expect(store.stats().batches).toBe(2);
      expect(await sum(metrics.spoolDroppedRecords)).toBe(100);
      expect(await sum(metrics.spoolDroppedBatches)).toBe(2);
      expect((await metrics.spoolDroppedRecords.get()).values[0]?.labels).toEqual({
        policy: whenFull,
      });
      gate.closed = false;
      await store.whenDrained();
      const kept = whenFull === "drop-oldest" ? [3, 4] : [1, 2];
      expect(gate.committed).toEqual(kept);
      expect(await totals(store)).toEqual({ flows: 100, packets: 100, bytes: bytesOf(kept) });
    });
  }

  it("fails to start when the store cannot and waitForStore is off", async () => {
    const { store, gate } = setup({ waitForStore: false });
    gate.closed = true;
    await expect(store.start()).rejects.toThrow(/gate closed/);
  });

  it("keeps collecting on the spool when the store cannot start and waitForStore is on", async () => {
    const { store, gate } = setup({ waitForStore: true });
    gate.closed = true;
    await store.start();
    open.push(store);
    for (const k of [1, 2]) await store.append(makeBatch(k), networks);
    gate.closed = false;
    await store.whenDrained();
    expect(gate.committed).toEqual([1, 2]);
  });
});
