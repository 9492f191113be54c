import { formatBytes, formatCount } from "./render.ts";

/** `GET /api/v1/storage/stats` as printed (storage/tiers.ts StorageStats). */
export interface StorageStatsOutput {
  backend: string;
  tiers: {
    tier: string;
    table: string;
    rows: number;
    bytesOnDisk: number;
    flows: number;
    bytesPerFlow: number | null;
    range: { fromMs: number; toMs: number } | null;
    retentionMs: number | null;
  }[];
  databaseBytes: number;
  fileBytes: number;
  method: string;
}

const DAY_MS = 86_400_000;

function retentionText(ms: number | null): string {
  if (ms === null) return "forever";
  if (ms % (365 * DAY_MS) === 0) return `${ms / (365 * DAY_MS)}y`;
  if (ms % DAY_MS === 0) return `${ms / DAY_MS}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.round(ms / 60_000)}m`;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** `tollgate storage stats`: one line per tier, then the database as the engine counts it. */
export function renderStorageStats(stats: StorageStatsOutput, json: boolean): string {
  if (json) return JSON.stringify(stats, null, 2);
  const header = ["tier", "table", "rows", "on disk", "flows", "bytes/flow", "covers", "keep"];
  const rows = stats.tiers.map((tier) => [
    tier.tier,
    tier.table,
    formatCount(tier.rows),
    formatBytes(tier.bytesOnDisk),
    formatCount(tier.flows),
    tier.bytesPerFlow === null ? "" : tier.bytesPerFlow.toFixed(tier.bytesPerFlow < 10 ? 2 : 1),
    tier.range === null ? "(empty)" : `${day(tier.range.fromMs)} → ${day(tier.range.toMs)}`,
    retentionText(tier.retentionMs),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const right = new Set([2, 3, 4, 5]);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        right.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [
    line(header),
    ...rows.map(line),
    "",
    stats.backend === "clickhouse"
      ? `${stats.backend}: ${formatBytes(stats.databaseBytes)} in the active parts of every table (all shards)`
      : `${stats.backend}: ${formatBytes(stats.databaseBytes)} in use, ${formatBytes(stats.fileBytes)} of files (database and WAL)`,
    `on disk per tier: ${stats.method}; bytes/flow of a rollup is its size over the raw flows it sums`,
  ].join("\n");
}
