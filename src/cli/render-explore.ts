import { exploreToCsv, isRateUnit, type PresentedExplore, type Sankey } from "../query/index.ts";
import type { ExploreSeries, ExploreUnit } from "../storage/index.ts";
import { formatBytes, formatCount, rangeLine, table } from "./render.ts";

/** `tollgate query`'s answer as printed: the API's JSON, with the sankey when asked. */
export type ExploreOutput = PresentedExplore & { sankey?: Sankey };

/** A value in the unit, for people: 1.5 GiB, 12.3 Mbit/s, 4.1 k pkt/s, 1200 flows. */
export function formatUnit(value: number, unit: ExploreUnit): string {
  switch (unit) {
    case "bytes":
      return formatBytes(Math.round(value));
    case "bits/s":
      return `${formatSi(value)}bit/s`;
    case "packets":
      return formatCount(Math.round(value));
    case "packets/s":
      return `${formatSi(value)}pkt/s`;
    case "flows":
      return formatCount(Math.round(value));
  }
}

/** A total volume: bytes, bits (for bits/s), packets (for packets/s) or flows. */
export function formatTotal(value: number, unit: ExploreUnit): string {
  if (unit === "bits/s") return `${formatSi(value)}bit`;
  return formatUnit(value, unit === "packets/s" ? "packets" : unit);
}

/** 12_345_678 → "12.3 M" (decimal prefixes, as line rates are quoted). */
function formatSi(value: number): string {
  const prefixes = ["", "k", "M", "G", "T", "P"];
  let scaled = value;
  let prefix = 0;
  while (Math.abs(scaled) >= 1000 && prefix < prefixes.length - 1) {
    scaled /= 1000;
    prefix++;
  }
  const digits = prefix === 0 && Number.isInteger(scaled) ? 0 : scaled >= 100 ? 0 : 1;
  return `${scaled.toFixed(digits)} ${prefixes[prefix] ?? ""}`;
}

/** "+12.5%", "-3.0%", "new" when the previous period had none, "" when neither had any. */
export function changePercent(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? "" : "new";
  const change = ((current - previous) / previous) * 100;
  return `${change >= 0 ? "+" : ""}${change.toFixed(1)}%`;
}

function stepText(stepMs: number): string {
  if (stepMs % 86_400_000 === 0) return `${stepMs / 86_400_000}d`;
  if (stepMs % 3_600_000 === 0) return `${stepMs / 3_600_000}h`;
  if (stepMs % 60_000 === 0) return `${stepMs / 60_000}m`;
  return `${stepMs / 1000}s`;
}

export function renderExplore(output: ExploreOutput, format: "table" | "json" | "csv"): string {
  if (format === "json") return JSON.stringify(output, null, 2);
  if (format === "csv") return exploreToCsv(output).replace(/\r\n$/, "");
  const unit = output.unit;
  const previous = output.previous;
  // The statistic a rate is read by is its average; a volume's is its total.
  const headline = (series: ExploreSeries): number =>
    isRateUnit(unit) ? series.stats.average : series.stats.total;
  const headers = [
    "#",
    ...output.dimensions,
    "total",
    "average",
    "max",
    "p95",
    ...(previous === undefined ? [] : ["previous", "change"]),
  ];
  const width = output.dimensions.length;
  const rows: string[][] = [];
  const add = (label: string[], series: ExploreSeries, before?: ExploreSeries): void => {
    rows.push([
      ...label,
      formatTotal(series.stats.total, unit),
      formatUnit(series.stats.average, unit),
      formatUnit(series.stats.max, unit),
      formatUnit(series.stats.p95, unit),
      ...(before === undefined
        ? []
        : [formatUnit(headline(before), unit), changePercent(headline(series), headline(before))]),
    ]);
  };
  output.groups.forEach((group, index) => {
    add([String(index + 1), ...group.keys], group, previous?.groups[index]);
  });
  const blank = Array.from({ length: Math.max(0, width - 1) }, () => "");
  add(
    ["", width === 0 ? "" : "(other)", ...blank].slice(0, width + 1),
    output.other,
    previous?.other,
  );
  add(
    ["", width === 0 ? "" : "(total)", ...blank].slice(0, width + 1),
    output.total,
    previous?.total,
  );
  const numeric = new Set(
    headers.map((_, column) => column).filter((column) => column === 0 || column > width),
  );
  const lines = [
    `${rangeLine(output.range, output.source)}, by ${width === 0 ? "nothing" : output.dimensions.join(", ")}, in ${unit}, step ${stepText(output.stepMs)}`,
  ];
  if (previous !== undefined) {
    lines.push(
      `previous period: ${rangeLine(previous.range)} (${isRateUnit(unit) ? "average rate" : "total"} and change)`,
    );
  }
  lines.push(table(headers, rows, numeric));
  if (output.timesMs !== undefined) lines.push("", renderSeries(output));
  if (output.sankey !== undefined) lines.push("", renderSankey(output.sankey));
  return lines.join("\n");
}

/** One line per step: its time, the total, then each top group (#1, #2…). */
function renderSeries(output: ExploreOutput): string {
  const headers = ["time", "total", ...output.groups.map((_, index) => `#${index + 1}`), "other"];
  const rows = (output.timesMs ?? []).map((timeMs, step) => [
    new Date(timeMs).toISOString(),
    formatUnit(output.total.points?.[step] ?? 0, output.unit),
    ...output.groups.map((group) => formatUnit(group.points?.[step] ?? 0, output.unit)),
    formatUnit(output.other.points?.[step] ?? 0, output.unit),
  ]);
  const numeric = new Set(headers.map((_, column) => column).filter((column) => column > 0));
  return table(headers, rows, numeric);
}

function renderSankey(sankey: Sankey): string {
  const rows = sankey.links.map((link) => [
    link.source,
    link.target,
    formatUnit(link.value, sankey.unit),
  ]);
  return table(["from", "to", isRateUnit(sankey.unit) ? "average" : "total"], rows, new Set([2]));
}
