import { describe, expect, it } from "vitest";
import { createSeededRandom, FlowBatch, isIpv4Words, setIpv4Words } from "../../core/index.ts";
import { appendOrder } from "./row-order.ts";

function compareRows(batch: FlowBatch, a: number, b: number): number {
  const words = batch.dstAddr;
  const classOf = (row: number): number => (isIpv4Words(words, row) ? 0 : 1);
  if (classOf(a) !== classOf(b)) return classOf(a) - classOf(b);
  const left = words[a * 4] ?? 0;
  const right = words[b * 4] ?? 0;
  if (left !== right) return left - right;
  return a - b;
}

/** Few distinct values per word, so equal digits, equal words and equal addresses all occur. */
function randomBatch(seed: number, rows: number): FlowBatch {
  const random = createSeededRandom(seed);
  const batch = new FlowBatch(rows);
  const pick = (): number =>
    [0, 1, 0xffff, 0x10000, 0xffff0000, 0xffffffff, Math.floor(random() * 2 ** 32)][
      Math.floor(random() * 7)
    ] ?? 0;
  for (let index = 0; index < rows; index++) {
    const row = batch.addRow();
    for (const words of [batch.srcAddr, batch.dstAddr]) {
      if (random() < 0.5) {
        setIpv4Words(words, row, Math.floor(random() * 16) * 0x01010101);
      } else {
        for (let word = 0; word < 4; word++) words[row * 4 + word] = pick();
      }
    }
  }
  return batch;
}

describe("appendOrder", () => {
  it("puts IPv4 destinations first in address order, then the others by their low 32 bits, stably (many seeds)", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const batch = randomBatch(seed, 1 + ((seed * 37) % 900));
      const order = Array.from(appendOrder(batch));
      const expected = Array.from({ length: batch.length }, (_, row) => row).sort((a, b) =>
        compareRows(batch, a, b),
      );
      expect(order, `seed ${seed}`).toEqual(expected);
    }
  });

  it("keeps arrival order when every address is the same, and handles an empty batch", () => {
    const batch = new FlowBatch(4);
    for (let index = 0; index < 5; index++) {
      const row = batch.addRow();
      setIpv4Words(batch.srcAddr, row, 0x0a000001);
      setIpv4Words(batch.dstAddr, row, 0x08080808);
    }
    expect(Array.from(appendOrder(batch))).toEqual([0, 1, 2, 3, 4]);
    expect(appendOrder(new FlowBatch(1)).length).toBe(0);
  });
});
