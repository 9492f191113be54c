import { DIRECTIONS } from "../core/index.ts";
import type { Direction } from "../core/index.ts";
import type { PresentedRange } from "../query/index.ts";

/** Volume of a set of flows as printed (same shape as the API's). */
export interface PrintedTotals {
  bytes: number;
  packets: number;
  flows: number;
}

/** Which table answered (absent from stores without tiers). */
export interface PrintedSource {
  table: string;
  tier: string;
}

export type SummaryOutput = Record<Direction, PrintedTotals> & {
  range: PresentedRange | null;
  source?: PrintedSource;
  total: PrintedTotals;
};

export interface TopOutput {
  by: string;
  metric: string;
  range: PresentedRange | null;
  rows: (PrintedTotals & { key: string })[];
  other: PrintedTotals;
  total: PrintedTotals;
  source?: PrintedSource;
}

/** 1536 → "1.5 KiB"; binary units, as `ls -h` and nfdump print them. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit] ?? ""}`;
}

/** 1234567 → "1.2 M" for packets and flows. */
export function formatCount(count: number): string {
  if (Math.abs(count) < 10_000) return String(count);
  const units = ["", "k", "M", "G", "T"];
  let value = count;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit] ?? ""}`;
}

export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number>,
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        rightAligned.has(column)
          ? cell.padStart(widths[column] ?? 0)
          : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((width) => "─".repeat(width))), ...rows.map(line)].join(
    "\n",
  );
}

export function rangeLine(range: PresentedRange | null, source?: PrintedSource): string {
  if (range === null) return "no flows stored yet";
  const answered =
    source === undefined
      ? ""
      : source.tier === "raw"
        ? " (answered from raw flows)"
        : ` (answered from ${source.tier} rollup)`;
  return `${range.from} → ${range.to}${answered}`;
}

export function renderSummary(summary: SummaryOutput, format: "table" | "json" | "csv"): string {
  if (format === "json") return JSON.stringify(summary, null, 2);
  const rows = [...DIRECTIONS, "total" as const].map((name) => {
    const totals = name === "total" ? summary.total : summary[name];
    return [name, String(totals.bytes), String(totals.packets), String(totals.flows)];
  });
  if (format === "csv") {
    return ["direction,bytes,packets,flows", ...rows.map((row) => row.join(","))].join("\n");
  }
  const total = summary.total;
  const share = (bytes: number): string =>
    total.bytes === 0 ? "" : `${((bytes / total.bytes) * 100).toFixed(1)}%`;
  const human = [...DIRECTIONS, "total" as const].map((name) => {
    const totals = name === "total" ? summary.total : summary[name];
    return [
      name,
      formatBytes(totals.bytes),
      name === "total" ? "" : share(totals.bytes),
      formatCount(totals.packets),
      formatCount(totals.flows),
    ];
  });
  return `${rangeLine(summary.range, summary.source)}\n\n${table(["direction", "bytes", "share", "packets", "flows"], human, new Set([1, 2, 3, 4]))}`;
}

export function renderTop(top: TopOutput, format: "table" | "json" | "csv"): string {
  if (format === "json") return JSON.stringify(top, null, 2);
  if (format === "csv") {
    const escape = (value: string): string =>
      /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
    return [
      `${top.by},bytes,packets,flows`,
      ...top.rows.map((row) => [escape(row.key), row.bytes, row.packets, row.flows].join(",")),
      ...(top.other.flows > 0
        ? [["(other)", top.other.bytes, top.other.packets, top.other.flows].join(",")]
        : []),
    ].join("\n");
  }
  const metricValue = (totals: PrintedTotals): number =>
    top.metric === "packets"
      ? totals.packets
      : top.metric === "flows"
        ? totals.flows
        : totals.bytes;
  const totalValue = metricValue(top.total);
  const share = (totals: PrintedTotals): string =>
    totalValue === 0 ? "" : `${((metricValue(totals) / totalValue) * 100).toFixed(1)}%`;
  const rows = top.rows.map((row, index) => [
    String(index + 1),
    row.key === "" ? "(none)" : row.key,
    formatBytes(row.bytes),
    formatCount(row.packets),
    formatCount(row.flows),
    share(row),
  ]);
  if (top.other.flows > 0) {
    rows.push([
      "",
      "(other)",
      formatBytes(top.other.bytes),
      formatCount(top.other.packets),
      formatCount(top.other.flows),
      share(top.other),
    ]);
  }
  const body =
    top.rows.length === 0
      ? "no flows in this range"
      : table(
          ["#", top.by, "bytes", "packets", "flows", `% ${top.metric}`],
          rows,
          new Set([0, 2, 3, 4, 5]),
        );
  return `${rangeLine(top.range, top.source)}\n\n${body}`;
}
