import { AppError } from "../../core/index.ts";

/**
 * Where a filter is wrong and what would have been right: enough for the CLI to print the
 * expression with a caret under the mistake, and for the API to return in its error body.
 */
export interface FilterErrorDetails {
  /** The filter text as given. */
  readonly filter: string;
  /** 1-based column (UTF-16 code unit) of the first character of the mistake. */
  readonly column: number;
  /** Characters the mistake spans, at least 1 (a caret under end of input spans 1). */
  readonly length: number;
  /** What would have been accepted there: "a value", "and", "a direction"… */
  readonly expected: readonly string[];
}

/** `ERR_QUERY_INVALID` for a filter, carrying where the mistake is. */
export class FilterError extends AppError {
  readonly details: FilterErrorDetails;

  constructor(details: FilterErrorDetails, message: string) {
    super("ERR_QUERY_INVALID", `invalid filter at column ${details.column}: ${message}`);
    this.name = "FilterError";
    this.details = details;
  }
}

/**
 * The details of a filter error, also when it crossed a boundary that kept only its own
 * properties (a structured clone, a JSON body): anything with a `details` object of this shape.
 */
export function filterErrorDetails(error: unknown): FilterErrorDetails | undefined {
  if (typeof error !== "object" || error === null || !("details" in error)) return undefined;
  const details: unknown = error.details;
  if (typeof details !== "object" || details === null) return undefined;
  const { filter, column, length, expected } = details as Record<string, unknown>;
  if (
    typeof filter !== "string" ||
    typeof column !== "number" ||
    typeof length !== "number" ||
    !Array.isArray(expected) ||
    !expected.every((item) => typeof item === "string")
  ) {
    return undefined;
  }
  return { filter, column, length, expected };
}

/**
 * The filter and a caret line under the mistake, for a terminal:
 *
 * ```
 *   direction = egrss and bytes > 10MB
 *               ^^^^^
 * ```
 * Tabs and other control characters are shown as spaces so the caret stays aligned.
 */
export function renderFilterCaret(details: FilterErrorDetails, indent = "  "): string {
  let shown = "";
  for (let index = 0; index < details.filter.length; index++) {
    const code = details.filter.charCodeAt(index);
    shown += code < 0x20 || code === 0x7f ? " " : details.filter.charAt(index);
  }
  const start = Math.max(0, Math.min(details.column - 1, shown.length));
  const width = Math.max(1, details.length);
  return `${indent}${shown}\n${indent}${" ".repeat(start)}${"^".repeat(width)}`;
}

/**
 * Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours
 * as one edit (optimal string alignment), so "tpc" is one edit from "tcp".
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/**
 * The candidate closest to `given` when it is close enough to be a typo (at most 2 edits, and
 * fewer than half the word's length), else undefined.
 */
export function closest(given: string, candidates: Iterable<string>): string | undefined {
  const needle = given.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined || bestDistance > 2 || bestDistance * 2 >= Math.max(needle.length, 2)) {
    return undefined;
  }
  return best;
}
