import type { Metric } from "./api-types.ts";

/**
 * Human-readable numbers. Sizes and rates use decimal SI prefixes (1 kB = 1000 B,
 * 1 Mbit/s = 10^6 bit/s), as link speeds and provider bills do; the page says so in its footer.
 */

const SI_PREFIXES = ["", "k", "M", "G", "T", "P", "E"] as const;

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** Three significant digits, without trailing zeros beyond what the magnitude needs. */
function significant(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Scales `value` to the largest SI prefix keeping it at or above 1, then appends `unit`. */
export function formatSi(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "–";
  const sign = value < 0 ? "-" : "";
  let scaled = Math.abs(value);
  let index = 0;
  while (scaled >= 999.5 && index < SI_PREFIXES.length - 1) {
    scaled /= 1000;
    index += 1;
  }
  const prefix = SI_PREFIXES[index] ?? "";
  // Below 1000 an integer (bytes, packets) stays exact; a fractional rate keeps its digits.
  const digits =
    index === 0 && Number.isInteger(scaled) ? grouped.format(scaled) : significant(scaled);
  return `${sign}${digits} ${prefix}${unit}`;
}

/** `1234567` → `1.23 MB` (decimal). */
export function formatBytes(bytes: number): string {
  return formatSi(bytes, "B");
}

/** `1500000` → `1.50 Mbit/s` (decimal). */
export function formatBitsPerSecond(bitsPerSecond: number): string {
  return formatSi(bitsPerSecond, "bit/s");
}

/** Counts stay exact up to a million, then take an SI prefix: `12,345`, `1.23 M`. */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return "–";
  if (Math.abs(count) < 1_000_000) return grouped.format(count);
  return formatSi(count, "").trimEnd();
}

/** The exact integer with digit grouping, for tooltips and titles: `1,234,567`. */
export function formatExact(value: number): string {
  return grouped.format(value);
}

/** The unit word of a metric, singular or plural. */
export function metricUnit(metric: Metric, value: number): string {
  const one = value === 1;
  switch (metric) {
    case "bytes":
      return one ? "byte" : "bytes";
    case "packets":
      return one ? "packet" : "packets";
    case "flows":
      return one ? "flow" : "flows";
  }
}

/** A metric's value under a column that names the unit: `1.23 MB`, `12,345`, `1.23 M`. */
export function formatValue(metric: Metric, value: number): string {
  return metric === "bytes" ? formatBytes(value) : formatCount(value);
}

/** A metric's value standing alone: `1.23 MB`, `12,345 packets`, `1.23 M flows`. */
export function formatMetric(metric: Metric, value: number): string {
  if (metric === "bytes") return formatBytes(value);
  return `${formatCount(value)} ${metricUnit(metric, value)}`;
}

/** The exact value with its unit, for a tooltip: `1,234,567 bytes`. */
export function formatExactMetric(metric: Metric, value: number): string {
  return `${formatExact(value)} ${metricUnit(metric, value)}`;
}

/** The rate of a metric over `seconds`: bytes become bits per second (×8), as links are sold. */
export function formatRate(metric: Metric, perSecond: number): string {
  switch (metric) {
    case "bytes":
      return formatBitsPerSecond(perSecond * 8);
    case "packets":
      return formatSi(perSecond, "pkt/s");
    case "flows":
      return formatSi(perSecond, "flows/s");
  }
}

/** A share in percent with one decimal, `<0.1 %` for a tiny non-zero share. */
export function formatShare(part: number, whole: number): string {
  if (whole <= 0) return "–";
  const percent = (part / whole) * 100;
  if (part > 0 && percent < 0.1) return "<0.1 %";
  return `${percent.toFixed(1)} %`;
}

/** A step width for labels: `5 min`, `1 h`, `30 s`, `1 d`. */
export function formatStep(stepMs: number): string {
  const seconds = stepMs / 1000;
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** Wall-clock time for "updated at": `14:03:22`. */
export function formatClock(date: Date): string {
  return date.toLocaleTimeString("en-GB", { hour12: false });
}

/** IANA protocol numbers worth a name in a table; others show as their number. */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  "1": "ICMP",
  "2": "IGMP",
  "6": "TCP",
  "17": "UDP",
  "47": "GRE",
  "50": "ESP",
  "51": "AH",
  "58": "ICMPv6",
  "132": "SCTP",
};

const REGION_NAMES = new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });

/**
 * An ISO 3166-1 alpha-2 code with its English name: `United States (US)`. No flag emoji: the
 * regional-indicator pairs draw as empty boxes without an emoji font (Debian's Chromium here)
 * and as bare letters on Windows, so the name carries it.
 */
export function formatCountry(code: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return code;
  const upper = code.toUpperCase();
  let name: string;
  try {
    name = REGION_NAMES.of(upper) ?? upper;
  } catch {
    // Some engines throw a RangeError for a well-formed but unassigned code: show the code.
    name = upper;
  }
  return name === upper ? upper : `${name} (${upper})`;
}

/** How a top-N key reads in a table: protocol names, countries, `(none)` for an empty key. */
export function formatKey(dimension: string, key: string): string {
  if (key === "") return dimension.endsWith(".country") ? "(unknown)" : "(none)";
  if (dimension.endsWith(".country")) return formatCountry(key);
  if (dimension === "proto") {
    const name = PROTOCOL_NAMES[key];
    return name === undefined ? key : `${name} (${key})`;
  }
  return key;
}
