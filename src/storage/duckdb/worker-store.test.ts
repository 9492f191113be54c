import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, describe, expect, it } from "vitest";
import { isAppError, type FlowBatch } from "../../core/index.ts";
import { contractFlows } from "../contract/index.ts";
import { batchOfRecords } from "../records.ts";
import { extraText } from "./columns.ts";
import { createDuckDbWorkerStore } from "./index.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newStore() {
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-worker-store-"));
  dirs.push(dir);
  const filePath = path.join(dir, "flows.duckdb");
  return {
    filePath,
    store: createDuckDbWorkerStore({ path: filePath, readOnly: false, threads: 1 }),
  };
}

/** The low 64 bits of an address, as the `_lo` column holds them. */
function low64(words: Uint32Array, row: number): bigint {
  return (BigInt(words[row * 4 + 1] ?? 0) << 32n) | BigInt(words[row * 4] ?? 0);
}

/** Each row's stored columns of every width as text, in the order STORED_SQL selects them. */
function expectedRows(batch: FlowBatch): string[] {
  return Array.from({ length: batch.length }, (_, row) =>
    [
      batch.startMs[row],
      batch.endMs[row],
      batch.srcPort[row],
      batch.dstPort[row],
      batch.protocol[row],
      batch.tcpFlags[row],
      batch.tos[row],
      batch.srcMaskLen[row],
      batch.dstMaskLen[row],
      batch.inIf[row],
      batch.outIf[row],
      batch.sampledBytes[row],
      batch.sampledPackets[row],
      batch.bytes[row],
      batch.packets[row],
      batch.srcAs[row],
      batch.dstAs[row],
      low64(batch.srcAddr, row),
      low64(batch.dstAddr, row),
      low64(batch.nextHop, row),
      extraText(batch, row) ?? null,
    ].join("|"),
  );
}

const STORED_SQL = `SELECT start_ms, end_ms, src_port, dst_port, protocol, tcp_flags, tos,
  src_mask_len, dst_mask_len, in_if, out_if, coalesce(sampled_bytes, bytes),
  coalesce(sampled_packets, packets), bytes, packets, src_as, dst_as, src_addr_lo, dst_addr_lo,
  next_hop_lo, extra FROM flows`;

/** The rows in the closed file, as STORED_SQL selects them, in the form of `expectedRows`. */
async function storedRows(filePath: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(filePath, { access_mode: "READ_ONLY" });
  try {
    const connection = await instance.connect();
    const rows = (await connection.runAndReadAll(STORED_SQL)).getRows();
    connection.closeSync();
    return rows.map((values) =>
      values.map((value) => (value === null ? "" : String(value))).join("|"),
    );
  } finally {
    instance.closeSync();
  }
}

describe("duckdb store thread: batches in slabs shared with it", () => {
  it("stores every row exactly across appends that reuse the slabs it handed back", async () => {
    const { store, filePath } = newStore();
    await store.start();
    const expected: string[] = [];
    try {
      // Sizes that span several 2048-row chunks and grow, so later appends both reuse
      // slabs handed back and need bigger ones. The flows mix sampled and unsampled
      // counters, NAT fields and extra text.
      let seed = 3;
      for (const size of [5_000, 3_000, 9_000]) {
        const { batch, networks } = batchOfRecords(contractFlows(size, seed++, 3 * 3_600_000));
        const before = expectedRows(batch);
        await store.append(batch, networks);
        // The caller's batch is untouched: copies crossed, not its own arrays.
        expect(expectedRows(batch)).toEqual(before);
        expected.push(...before);
      }
    } finally {
      await store.stop();
    }
    const stored = await storedRows(filePath);
    expect(stored.length).toBe(17_000);
    expect(stored.sort()).toEqual(expected.sort());
  });

  it("keeps the one row that differs in a column otherwise equal on every row", async () => {
    const { store, filePath } = newStore();
    await store.start();
    // Equal columns are read in sequence rather than in append order: a value that differs
    // anywhere in the batch, first and last rows included, must still land on its row. Each
    // column below differs on one row only.
    const odd = 4_321;
    const last = 4_999;
    const records = contractFlows(5_000, 12).map((record, row) => {
      const same = {
        ...record,
        tos: 0,
        srcMaskLen: 24,
        dstMaskLen: 24,
        nextHop: "0.0.0.0",
        samplingRate: 1,
      };
      Object.assign(same, { sampledBytes: record.bytes, sampledPackets: record.packets });
      if (row === 0) return { ...same, tos: 46 };
      if (row === last) return { ...same, dstMaskLen: 32 };
      if (row !== odd) return same;
      return { ...same, srcMaskLen: 16, nextHop: "192.0.2.254", sampledBytes: 1 };
    });
    const { batch, networks } = batchOfRecords(records);
    const expected = expectedRows(batch);
    try {
      await store.append(batch, networks);
    } finally {
      await store.stop();
    }
    const stored = await storedRows(filePath);
    expect(stored.sort()).toEqual(expected.sort());
  });

  it("leaves the caller's batch whole when an append fails, and appends it once fixed", async () => {
    const { store } = newStore();
    await store.start();
    try {
      const { batch, networks } = batchOfRecords(contractFlows(3_000, 8));
      const good = batch.bytes[2_500] ?? 0;
      batch.bytes[2_500] = Number.NaN;
      const failed = await store.append(batch, networks).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isAppError(failed) && failed.code).toBe("ERR_STORE_WRITE");
      expect((failed as Error).message).toMatch(/column bytes: NaN is not a whole/);
      expect(batch.length).toBe(3_000);
      batch.bytes[2_500] = good;
      await store.append(batch, networks);
      expect(await store.countFlows()).toBe(3_000);
    } finally {
      await store.stop();
    }
  });
});
