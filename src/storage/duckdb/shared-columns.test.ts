import { describe, expect, it } from "vitest";
import { contractFlows } from "../contract/index.ts";
import { batchOfRecords } from "../records.ts";
import { SlabCache, SlabPool, type SlabBatch } from "./shared-columns.ts";

function batchOf(rows: number, seed: number) {
  return batchOfRecords(contractFlows(rows, seed, 3_600_000)).batch;
}

describe("batches crossing to the store thread in shared slabs", () => {
  it("unpacks to the same rows, the slab crossing only the first time it is used", () => {
    const pool = new SlabPool();
    const cache = new SlabCache();
    const first = batchOf(3_000, 1);
    const packed = pool.pack(first);
    expect(packed.slab).toBeInstanceOf(SharedArrayBuffer);
    expect(cache.unpack(packed).decodedRows()).toEqual(first.decodedRows());

    expect(pool.give(packed.slabId)).toEqual([]);
    // A smaller batch fits the slab just given back: same slab, not sent again, and its rows
    // (not the larger batch's left in the slab) are what the store thread reads.
    const second = batchOf(1_000, 2);
    const again = pool.pack(second);
    expect(again.slabId).toBe(packed.slabId);
    expect(again.slab).toBeUndefined();
    expect(cache.unpack(again).decodedRows()).toEqual(second.decodedRows());
  });

  it("never hands out a slab that is still out with a batch", () => {
    const pool = new SlabPool();
    const a = pool.pack(batchOf(500, 3));
    const b = pool.pack(batchOf(500, 4));
    expect(b.slabId).not.toBe(a.slabId);
    expect(b.slab).toBeInstanceOf(SharedArrayBuffer);
    expect(pool.size()).toMatchObject({ slabs: 0, out: 2 });
  });

  it("lets go of free slabs beyond its bound, smallest first, and names them", () => {
    const small = batchOf(100, 5);
    const large = batchOf(2_000, 6);
    const bound = large.columnBytes(8) + small.columnBytes(8) / 2;
    const pool = new SlabPool(bound);
    const a = pool.pack(small);
    const b = pool.pack(large);
    expect(pool.give(b.slabId)).toEqual([]);
    expect(pool.give(a.slabId)).toEqual([a.slabId]);
    expect(pool.size()).toEqual({ slabs: 1, bytes: large.columnBytes(8), out: 0 });
    // The large slab stays free and takes the next batch without crossing again.
    const c = pool.pack(small);
    expect(c.slabId).toBe(b.slabId);
    expect(c.slab).toBeUndefined();
  });

  it("refuses a batch in a slab the store thread never received, or forgot", () => {
    const pool = new SlabPool();
    const cache = new SlabCache();
    const packed = pool.pack(batchOf(10, 7));
    const withoutSlab: SlabBatch = { ...packed };
    delete withoutSlab.slab;
    expect(() => cache.unpack(withoutSlab)).toThrow(/never sent/);
    cache.unpack(packed);
    expect(cache.size()).toBe(1);
    cache.forget([packed.slabId]);
    expect(cache.size()).toBe(0);
    expect(() => cache.unpack(withoutSlab)).toThrow(/never sent/);
  });

  it("gives back nothing for a slab it does not have out", () => {
    expect(new SlabPool().give(42)).toEqual([]);
  });
});
