/**
 * NetFlow v5 wire layout (Cisco, "NetFlow Export Datagram Format", Version 5 header and flow
 * record). Every field is big-endian. Offsets are from the start of the header or record.
 */

export const NETFLOW5_VERSION = 5;
export const NETFLOW5_HEADER_BYTES = 24;
export const NETFLOW5_RECORD_BYTES = 48;
/** Cisco's format table: "count — number of flows exported in this packet (1–30)". */
export const NETFLOW5_MAX_RECORDS = 30;

/** Header field offsets. */
export const HEADER = {
  version: 0,
  count: 2,
  sysUptimeMs: 4,
  unixSecs: 8,
  unixNsecs: 12,
  flowSequence: 16,
  engineType: 20,
  engineId: 21,
  samplingInterval: 22,
} as const;

/** Flow record field offsets. */
export const RECORD = {
  srcAddr: 0,
  dstAddr: 4,
  nextHop: 8,
  inIf: 12,
  outIf: 14,
  packets: 16,
  bytes: 20,
  firstUptimeMs: 24,
  lastUptimeMs: 28,
  srcPort: 32,
  dstPort: 34,
  // 36: pad1 (1 byte)
  tcpFlags: 37,
  protocol: 38,
  tos: 39,
  srcAs: 40,
  dstAs: 42,
  srcMaskLen: 44,
  dstMaskLen: 45,
  // 46: pad2 (2 bytes)
} as const;

/**
 * The 16-bit sampling field: the top 2 bits are the sampling mode, the low 14 bits the 1-in-N
 * interval (Cisco v5 header table; nfdump and Akvorado read it the same way).
 */
export const SAMPLING_MODE_SHIFT = 14;
export const SAMPLING_INTERVAL_MASK = 0x3fff;
