/** The parsed NetFlow v5 header of one export message. */
export interface Netflow5Header {
  version: number;
  /** Records the header announces (1–30 when valid). */
  count: number;
  /** Exporter uptime when the message was sent, milliseconds (wraps at 2^32). */
  sysUptimeMs: number;
  /** Export time: seconds and residual nanoseconds since the epoch. */
  unixSecs: number;
  unixNsecs: number;
  /** Total flows the exporter had sent before this message: the pipeline detects gaps with it. */
  flowSequence: number;
  engineType: number;
  engineId: number;
  /** Top 2 bits of the sampling field. */
  samplingMode: number;
  /** Low 14 bits of the sampling field: 1-in-N, 0 when the exporter did not say. */
  samplingInterval: number;
}
