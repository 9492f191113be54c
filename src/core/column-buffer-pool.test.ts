import { describe, expect, it } from "vitest";
import { ColumnBufferPool } from "./column-buffer-pool.ts";

describe("ColumnBufferPool", () => {
  it("hands out the smallest kept buffer that fits, and a new one when none does", () => {
    const pool = new ColumnBufferPool();
    const small = new ArrayBuffer(100);
    const large = new ArrayBuffer(1000);
    const middle = new ArrayBuffer(400);
    pool.give([small, large, middle]);
    expect(pool.take(300)).toBe(middle);
    expect(pool.take(50)).toBe(small);
    const fresh = pool.take(2000);
    expect(fresh).not.toBe(large);
    expect(fresh.byteLength).toBe(2000);
    expect(pool.take(1000)).toBe(large);
    expect(pool.size()).toEqual({ buffers: 0, bytes: 0 });
  });

  it("keeps no more buffers or bytes than its bounds, and skips empty (detached) ones", () => {
    const pool = new ColumnBufferPool(2, 250);
    pool.give([
      new ArrayBuffer(0),
      new ArrayBuffer(100),
      new ArrayBuffer(200),
      new ArrayBuffer(100),
    ]);
    expect(pool.size()).toEqual({ buffers: 2, bytes: 200 });
    pool.give([new ArrayBuffer(10)]);
    expect(pool.size()).toEqual({ buffers: 2, bytes: 200 });
  });
});
