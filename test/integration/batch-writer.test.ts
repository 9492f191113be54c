import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { FlowBatch } from "../../src/core/index.ts";
import { createBatchWriter, type BatchWriter } from "../../src/pipeline/batch/batch-writer.ts";
import { createMetrics, silentLogger } from "../../src/platform/index.ts";
import { createDuckDbStore } from "../../src/storage/duckdb/index.ts";
import type { FlowStore, NetworkRef } from "../../src/storage/index.ts";

/**
 * The batch writer in front of a real DuckDB store, whose appends a test can hold (a gate,
 * not a mock: every append reaches the real store once released). What is checked is when
 * batches are sealed: by age while the store is idle, by size or by the store becoming free
 * while it is busy.
 */

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const networks: NetworkRef[] = [];
const DELAY_MS = 40;

let root = "";
const running: { stop(): Promise<void> }[] = [];
const gates: { release(): void }[] = [];
afterEach(async () => {
  // A failed case may leave an append held: let it through so that stop() can flush.
  for (const gate of gates.splice(0)) gate.release();
  for (const component of running.splice(0).reverse()) await component.stop();
});
afterAll(() => {
  if (root !== "") rmSync(root, { recursive: true, force: true });
});

function heldStore(inner: FlowStore) {
  const gate = {
    held: false,
    release: (): void => undefined,
    /** Row counts of the batches appended, in order. */
    appended: [] as number[],
    store: {
      ...inner,
      async append(batch: FlowBatch, refs: readonly NetworkRef[]) {
        gate.appended.push(batch.length);
        if (gate.held) {
          await new Promise<void>((resolve) => {
            gate.release = () => {
              gate.held = false;
              resolve();
            };
          });
        }
        await inner.append(batch, refs);
      },
    } satisfies FlowStore,
  };
  return gate;
}

let cases = 0;
async function setup(batchMaxRecords = 1000) {
  root ||= mkdtempSync(path.join(tmpdir(), "tollgate-batch-writer-"));
  const real = createDuckDbStore({
    path: path.join(root, `case-${++cases}.duckdb`),
    readOnly: false,
    threads: 1,
  });
  await real.start();
  running.push(real);
  const gate = heldStore(real);
  gates.push(gate);
  const writer: BatchWriter = createBatchWriter(
    { batchMaxRecords, batchMaxDelayMs: DELAY_MS, maxPendingBatches: 4 },
    {
      store: gate.store,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: silentLogger,
      networks,
    },
  );
  running.push(writer);
  return { gate, writer, real };
}

function addRows(writer: BatchWriter, rows: number): void {
  const batch = writer.openBatch();
  for (let row = 0; row < rows; row++) {
    batch.appendDecoded({
      startMs: T0 + row,
      endMs: T0 + row + 1,
      exporterAddr: "192.0.2.1",
      source: "netflow9",
      inIf: 1,
      outIf: 2,
      ipVersion: 4,
      srcAddr: "10.0.0.1",
      dstAddr: "198.51.100.1",
      srcPort: 1000 + (row % 50_000),
      dstPort: 443,
      protocol: 6,
      tcpFlags: 0,
      tos: 0,
      srcAs: 0,
      dstAs: 0,
      srcMaskLen: 0,
      dstMaskLen: 0,
      nextHop: "",
      sampledBytes: 100,
      sampledPackets: 1,
      samplingRate: 1,
      samplingRateKnown: false,
    });
  }
  writer.rowsAdded();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

describe("batch writer", () => {
  it("seals a batch by age while the store is idle", async () => {
    const { gate, writer, real } = await setup();
    addRows(writer, 10);
    await until(() => writer.storedRecords() === 10);
    expect(gate.appended).toEqual([10]);
    expect((await real.summary({ range: {} })).total.flows).toBe(10);
  });

  // While the store writes (or retries, or waits on a server that is away), a batch reaching
  // its age is sealed and handed on: the spooling store makes sealed batches durable, an open
  // batch is lost with the process (test/e2e/spool.test.ts caught a version that held it).
  it("seals the open batch by age while the store writes", async () => {
    const { gate, writer, real } = await setup();
    gate.held = true;
    addRows(writer, 10);
    await until(() => gate.appended.length === 1);
    addRows(writer, 20);
    await until(() => writer.pendingBatches() === 2);
    addRows(writer, 30);
    await until(() => writer.pendingBatches() === 3);
    expect(gate.appended).toEqual([10]);
    gate.release();
    await until(() => writer.storedRecords() === 60);
    expect(gate.appended).toEqual([10, 20, 30]);
    expect((await real.summary({ range: {} })).total.flows).toBe(60);
  });

  it("still seals a full batch while the store is busy, and the rest when the store is done", async () => {
    const { gate, writer } = await setup(100);
    gate.held = true;
    addRows(writer, 10);
    await until(() => gate.appended.length === 1);
    addRows(writer, 100);
    expect(writer.pendingBatches()).toBe(2);
    addRows(writer, 5);
    await sleep(DELAY_MS * 3);
    gate.release();
    await until(() => writer.storedRecords() === 115);
    expect(gate.appended).toEqual([10, 100, 5]);
  });

  it("flush seals the open batch whatever its age", async () => {
    const { gate, writer } = await setup();
    gate.held = true;
    addRows(writer, 10);
    await until(() => gate.appended.length === 1);
    addRows(writer, 7);
    const flushed = writer.flush();
    gate.release();
    await flushed;
    expect(gate.appended).toEqual([10, 7]);
    expect(writer.storedRecords()).toBe(17);
  });
});
