/**
 * What decoding a flow log produced besides rows: lines or entries skipped, by reason, with
 * the first few examples and their line numbers for the import summary. Skips are values,
 * never exceptions: one bad line never aborts an import.
 *
 * Reason codes (stable, shown to users):
 * - `header`       a format header line (AWS): not a record, sets the format
 * - `blank`        an empty line
 * - `nodata`       AWS NODATA: no traffic in the capture window
 * - `skipdata`     AWS SKIPDATA: records the cloud itself skipped
 * - `field-count`  a line with more or fewer fields than its format
 * - `bad-field`    a field that does not parse (address, number, time, protocol…)
 * - `bad-json`     a JSON value that does not parse
 * - `not-flow-log` a well-formed entry that is not a flow record (other log types)
 * - `no-format`    an AWS line without a header or configured format to read it by
 */
export interface FlowLogTally {
  /** Rows added to batches. */
  records: number;
  /** Units (lines, JSON entries) seen. */
  units: number;
  skipped: Record<string, number>;
  /** The first problems (not `header`/`blank`/`nodata`/`skipdata`), bounded. */
  examples: FlowLogProblem[];
}

export interface FlowLogProblem {
  /** 1-based line number in the file (the line a JSON value starts on). */
  line: number;
  code: string;
  detail: string;
}

/** Examples kept per tally: enough to diagnose, bounded however bad the file is. */
export const FLOW_LOG_EXAMPLES_MAX = 20;

/** Skips that are part of a normal log, not problems. */
const EXPECTED_SKIPS = new Set(["header", "blank", "nodata", "skipdata"]);

export function createFlowLogTally(): FlowLogTally {
  return { records: 0, units: 0, skipped: {}, examples: [] };
}

export function noteSkip(tally: FlowLogTally, code: string, line: number, detail: string): void {
  tally.skipped[code] = (tally.skipped[code] ?? 0) + 1;
  if (!EXPECTED_SKIPS.has(code) && tally.examples.length < FLOW_LOG_EXAMPLES_MAX) {
    tally.examples.push({ line, code, detail });
  }
}

/** Adds `from` into `into` (per-file tallies into an import's total). */
export function mergeTally(into: FlowLogTally, from: Readonly<FlowLogTally>): void {
  into.records += from.records;
  into.units += from.units;
  for (const [code, count] of Object.entries(from.skipped)) {
    into.skipped[code] = (into.skipped[code] ?? 0) + count;
  }
  for (const example of from.examples) {
    if (into.examples.length >= FLOW_LOG_EXAMPLES_MAX) break;
    into.examples.push(example);
  }
}
