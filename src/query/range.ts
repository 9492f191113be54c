import type { TimeRange } from "../storage/index.ts";

/** A range as the API and the CLI print it: epoch ms for programs, ISO text for people. */
export interface PresentedRange {
  fromMs: number;
  toMs: number;
  from: string;
  to: string;
}

export function presentRange(range: TimeRange | null): PresentedRange | null {
  return range === null
    ? null
    : {
        fromMs: range.fromMs,
        toMs: range.toMs,
        from: new Date(range.fromMs).toISOString(),
        to: new Date(range.toMs).toISOString(),
      };
}
