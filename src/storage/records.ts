import {
  AppError,
  DIRECTIONS,
  DIRECTION_SOURCES,
  FlowBatch,
  LOCALITIES,
  type Direction,
  type DirectionSource,
  type FlowRecord,
  type Locality,
  type Tags,
} from "../core/index.ts";
import type { FlowStore, NetworkRef } from "./store.ts";

/**
 * FlowRecord objects as a batch plus the network list its indexes refer to: for tests, the
 * demo and anything else that builds records one by one. The hot path never makes records.
 */
export function batchOfRecords(records: readonly FlowRecord[]): {
  batch: FlowBatch;
  networks: NetworkRef[];
} {
  const batch = new FlowBatch(Math.max(1, records.length));
  const networks: NetworkRef[] = [];
  const indexByKey = new Map<string, number>();
  const indexOf = (name: string, tags: Tags): number => {
    if (name === "" && Object.keys(tags).length === 0) return 0;
    const key = JSON.stringify([name, tags]);
    let index = indexByKey.get(key);
    if (index === undefined) {
      networks.push({ name, tags });
      index = networks.length;
      indexByKey.set(key, index);
    }
    return index;
  };
  for (const [index, record] of records.entries()) {
    let row: number;
    try {
      row = batch.appendDecoded(record);
    } catch (cause) {
      throw new AppError("ERR_STORE_WRITE", `record ${index}, ${(cause as Error).message}`, {
        cause,
      });
    }
    batch.receivedMs[row] = record.receivedMs;
    batch.bytes[row] = record.bytes;
    batch.packets[row] = record.packets;
    batch.direction[row] = DIRECTION_INDEX[record.direction];
    batch.directionSource[row] = DIRECTION_SOURCE_INDEX[record.directionSource];
    batch.locality[row] = LOCALITY_INDEX[record.locality];
    batch.srcNetwork[row] = indexOf(record.srcNetwork, record.srcTags);
    batch.dstNetwork[row] = indexOf(record.dstNetwork, record.dstTags);
  }
  return { batch, networks };
}

export async function appendRecords(
  store: FlowStore,
  records: readonly FlowRecord[],
): Promise<void> {
  const { batch, networks } = batchOfRecords(records);
  await store.append(batch, networks);
}

function indexTable<T extends string>(values: readonly T[]): Record<T, number> {
  return Object.fromEntries(values.map((value, index) => [value, index])) as Record<T, number>;
}
const DIRECTION_INDEX: Record<Direction, number> = indexTable(DIRECTIONS);
const DIRECTION_SOURCE_INDEX: Record<DirectionSource, number> = indexTable(DIRECTION_SOURCES);
const LOCALITY_INDEX: Record<Locality, number> = indexTable(LOCALITIES);
