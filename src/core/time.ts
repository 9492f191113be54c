import { AppError } from "./errors.ts";

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses `90s`, `15m`, `1h`, `7d`, `2w` (or a sum like `1h30m`) into milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let totalMs = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(pattern)) {
    const amount = Number(match[1]);
    const unitMs = DURATION_UNITS_MS[match[2] ?? ""];
    if (unitMs === undefined) return undefined;
    totalMs += amount * unitMs;
    consumed += match[0].length;
  }
  return consumed === trimmed.length && consumed > 0 ? totalMs : undefined;
}

/**
 * Parses a time bound as the CLI and API accept it: a duration back from `nowMs` (`1h`, `7d`),
 * an ISO 8601 time (`2026-11-22T10:00:00Z`, `2026-11-22`), `now`, or epoch milliseconds.
 */
export function parseTimeBoundMs(text: string, nowMs: number, optionName: string): number {
  const trimmed = text.trim();
  if (trimmed === "now") return nowMs;
  const durationMs = parseDurationMs(trimmed);
  if (durationMs !== undefined) return nowMs - durationMs;
  if (/^\d{12,}$/.test(trimmed)) return Number(trimmed);
  const parsedMs = Date.parse(trimmed);
  if (!Number.isNaN(parsedMs)) return parsedMs;
  throw new AppError(
    "ERR_QUERY_INVALID",
    `${optionName} "${text}" is not a time: use a duration back from now (1h, 7d), an ISO time (2026-11-22T10:00:00Z) or "now"`,
  );
}
