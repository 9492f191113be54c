import type { FlowBatch } from "../../core/index.ts";
import type { NetworkRef } from "../store.ts";

const keyOf = (ref: NetworkRef): string =>
  JSON.stringify([ref.name, ref.kind ?? "inventory", ref.service ?? "", ref.tags, ref.attributes]);

/**
 * Points a replayed batch's network indexes (1-based, into the list it was spooled with) at the
 * live list the store is fed with. Within one run both lists are the same and nothing moves;
 * after a restart with an edited inventory, a network that is gone becomes 0 (no declared
 * network) for its rows. Returns how many row ends lost their network that way.
 */
export function remapNetworks(
  batch: FlowBatch,
  spooled: readonly NetworkRef[],
  live: readonly NetworkRef[],
  liveIndex: () => ReadonlyMap<string, number>,
): number {
  const same = spooled.every((ref, at) => {
    const current = live[at];
    return current !== undefined && keyOf(current) === keyOf(ref);
  });
  if (same) return 0;
  const index = liveIndex();
  const map = new Uint32Array(spooled.length + 1);
  spooled.forEach((ref, at) => {
    map[at + 1] = index.get(keyOf(ref)) ?? 0;
  });
  let lost = 0;
  for (const column of [batch.srcNetwork, batch.dstNetwork, batch.boundary]) {
    for (let row = 0; row < batch.length; row++) {
      const old = column[row] ?? 0;
      if (old === 0) continue;
      const next = map[old] ?? 0;
      if (next === 0) lost += 1;
      column[row] = next;
    }
  }
  return lost;
}

/** Key → 1-based index of a live network list (rebuilt by the caller when it grows). */
export function networkIndex(live: readonly NetworkRef[]): Map<string, number> {
  const index = new Map<string, number>();
  live.forEach((ref, at) => {
    if (!index.has(keyOf(ref))) index.set(keyOf(ref), at + 1);
  });
  return index;
}
