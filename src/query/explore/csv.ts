import type { ExplorePeriod, ExploreResult, ExploreSeries } from "../../storage/index.ts";

/** What the export reads: an answer, or the API's presentation of one (ranges aside). */
export type CsvExplore = Omit<ExploreResult, "range" | "previous"> & {
  previous?: Omit<ExplorePeriod, "range"> | undefined;
};

/**
 * CSV export of an explorer answer (RFC 4180: comma-separated, CRLF line ends, a header row,
 * fields holding a comma, a quote, CR or LF quoted with inner quotes doubled).
 *
 * Without series: one row per group, then `other` and `total`, with the statistics and the
 * sums. With series: one row per group (and `other`, `total`) and step. Each row names its
 * period (`current`, or `previous` when asked) and kind (`group`, `other`, `total`).
 */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(fields: readonly (string | number)[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

interface Row {
  period: "current" | "previous";
  kind: "group" | "other" | "total";
  keys: readonly string[];
  series: ExploreSeries;
  timesMs: readonly number[];
}

function rowsOf(period: Omit<ExplorePeriod, "range">, name: Row["period"], width: number): Row[] {
  const blank = Array.from({ length: width }, () => "");
  const timesMs = period.timesMs ?? [];
  return [
    ...period.groups.map((group) => ({
      period: name,
      kind: "group" as const,
      keys: group.keys,
      series: group,
      timesMs,
    })),
    { period: name, kind: "other", keys: blank, series: period.other, timesMs },
    { period: name, kind: "total", keys: blank, series: period.total, timesMs },
  ];
}

export function exploreToCsv(result: CsvExplore): string {
  const width = result.dimensions.length;
  const rows = rowsOf(result, "current", width);
  if (result.previous !== undefined) rows.push(...rowsOf(result.previous, "previous", width));
  const series = result.timesMs !== undefined;
  const head = ["period", "kind", ...result.dimensions];
  let text = series
    ? csvLine([...head, "time", "time_ms", "value", "unit"])
    : csvLine([...head, "total", "average", "max", "p95", "unit", "bytes", "packets", "flows"]);
  for (const row of rows) {
    const lead = [row.period, row.kind, ...row.keys];
    if (series) {
      row.series.points?.forEach((value, index) => {
        const timeMs = row.timesMs[index] ?? 0;
        text += csvLine([...lead, new Date(timeMs).toISOString(), timeMs, value, result.unit]);
      });
    } else {
      const { stats, totals } = row.series;
      text += csvLine([
        ...lead,
        stats.total,
        stats.average,
        stats.max,
        stats.p95,
        result.unit,
        totals.bytes,
        totals.packets,
        totals.flows,
      ]);
    }
  }
  return text;
}
