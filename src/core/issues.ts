/**
 * A data problem found while decoding: a value, never an exception (DESIGN.md "Components and
 * errors"). The pipeline counts issues by code and logs them sampled.
 */
export interface DecodeIssue {
  /** Stable, kebab-case code used as a metric label (`truncated-record`, `bad-version`…). */
  code: string;
  /** Human detail for a sampled log line: offsets, counts, what was expected. */
  detail: string;
}

/** What every decoder returns for one unit of input (a datagram, a line, a file chunk). */
export interface DecodeResult<T> {
  records: T[];
  issues: DecodeIssue[];
}
