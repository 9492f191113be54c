import { AppError, CLOUD_PROVIDERS, FlowBatch, type CloudContext } from "../../core/index.ts";
import type { FlowScanQuery, ScanProgress } from "../store.ts";
import type { RunQuery } from "./queries.ts";
import { EXPORTER_CLOUD_COLUMNS, type Tables } from "./schema.ts";

/**
 * Stored cloud flow-log records read back from ClickHouse for `tollgate inventory suggest`, a
 * day partition at a time (the table is partitioned by day, so each query reads one).
 *
 * Only what suggestions read comes back: times, addresses, flow direction (IE 61), bytes,
 * packets and the cloud context. That is why only `cloudOnly` scans are offered here, and why
 * `reclassify` is not (see docs/36-reclassify-and-suggest.md: ClickHouse 18.16 can rewrite rows
 * only by mutations that cannot address a row, or by replacing whole partitions).
 */
const DAY_MS = 86_400_000;

function bigintOf(value: unknown): bigint {
  return typeof value === "string" || typeof value === "number" ? BigInt(value) : 0n;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function setWords(words: Uint32Array, row: number, hi: bigint, lo: bigint): void {
  words[row * 4] = Number(lo & 0xffffffffn);
  words[row * 4 + 1] = Number(lo >> 32n);
  words[row * 4 + 2] = Number(hi & 0xffffffffn);
  words[row * 4 + 3] = Number(hi >> 32n);
}

export async function scanCloudFlows(
  run: RunQuery,
  tables: Tables,
  query: FlowScanQuery,
  visit: (batch: FlowBatch, progress: ScanProgress) => void | Promise<void>,
): Promise<ScanProgress> {
  if (query.cloudOnly !== true) {
    throw new AppError(
      "ERR_STORE_UNSUPPORTED",
      "the ClickHouse store reads back only cloud flow-log records (for inventory suggest)",
    );
  }
  const cloudColumns = EXPORTER_CLOUD_COLUMNS.map(([name]) => name);
  const cloudExporters = `(SELECT id AS exporter_id, ${cloudColumns.join(", ")} FROM ${tables.exporters} WHERE cloud_provider != '')`;
  let { fromMs, toMs } = query.range;
  if (fromMs === undefined || toMs === undefined) {
    const bounds = await run(
      `SELECT toString(min(end_ms)), toString(max(end_ms)), count() FROM ${tables.flows} WHERE exporter_id IN (SELECT exporter_id FROM ${cloudExporters})`,
    );
    const [first, last, rows] = bounds.data[0] ?? [];
    if (Number(rows ?? 0) === 0) return { chunks: 0, chunksDone: 0, rows: 0 };
    fromMs ??= Number(first);
    toMs ??= Number(last) + 1;
  }
  const firstDayMs = Math.floor(fromMs / DAY_MS) * DAY_MS;
  const progress: ScanProgress = {
    chunks: Math.max(0, Math.ceil((toMs - firstDayMs) / DAY_MS)),
    chunksDone: 0,
    rows: 0,
  };
  const contexts = new Map<string, CloudContext>();
  for (let dayMs = firstDayMs; dayMs < toMs; dayMs += DAY_MS) {
    const from = Math.max(fromMs, dayMs);
    const to = Math.min(toMs, dayMs + DAY_MS);
    const result = await run(
      `SELECT toString(f.end_ms), toString(f.start_ms), toString(f.src_addr_hi), toString(f.src_addr_lo),
         toString(f.dst_addr_hi), toString(f.dst_addr_lo), f.flow_direction, toString(f.bytes),
         toString(f.packets), ${cloudColumns.map((name) => `e.${name}`).join(", ")}
       FROM ${tables.flows} AS f ANY INNER JOIN ${cloudExporters} AS e USING exporter_id
       WHERE f.end_ms >= ${String(Math.trunc(from))} AND f.end_ms < ${String(Math.trunc(to))}`,
    );
    progress.chunksDone++;
    if (result.data.length === 0) continue;
    const batch = new FlowBatch(result.data.length);
    for (const values of result.data) {
      const [endMs, startMs, srcHi, srcLo, dstHi, dstLo, direction, bytes, packets, ...cloud] =
        values;
      const provider = text(cloud[0]);
      if (!(CLOUD_PROVIDERS as readonly string[]).includes(provider)) continue;
      const key = JSON.stringify(cloud);
      let context = contexts.get(key);
      if (context === undefined) {
        context = Object.freeze(
          Object.fromEntries(
            EXPORTER_CLOUD_COLUMNS.map(([, field], index) => [field, text(cloud[index])]),
          ) as unknown as CloudContext,
        );
        contexts.set(key, context);
      }
      const row = batch.addRow();
      batch.endMs[row] = Number(endMs);
      batch.startMs[row] = Number(startMs);
      setWords(batch.srcAddr, row, bigintOf(srcHi), bigintOf(srcLo));
      setWords(batch.dstAddr, row, bigintOf(dstHi), bigintOf(dstLo));
      batch.flowDirection[row] = Number(direction);
      batch.bytes[row] = Number(bytes);
      batch.packets[row] = Number(packets);
      batch.cloud[row] = batch.internCloud(context);
      batch.ipVersion[row] = batch.isIpv4Source(row) ? 4 : 6;
    }
    progress.rows += batch.length;
    await visit(batch, { ...progress });
  }
  return progress;
}
