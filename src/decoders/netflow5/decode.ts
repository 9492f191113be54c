import type { DecodeIssue, DecodeResult, DecodedFlow } from "../../core/index.ts";
import {
  copyWords,
  FlowBatch,
  flowSourceIndex,
  setIpv4Words,
  textToWords,
} from "../../core/index.ts";
import type { Netflow5Header } from "./header.ts";
import {
  HEADER,
  NETFLOW5_HEADER_BYTES,
  NETFLOW5_MAX_RECORDS,
  NETFLOW5_RECORD_BYTES,
  NETFLOW5_VERSION,
  RECORD,
  SAMPLING_INTERVAL_MASK,
  SAMPLING_MODE_SHIFT,
} from "./layout.ts";

/** Issue codes this decoder reports; each is a metric label, so the list is closed. */
export const NETFLOW5_ISSUE_CODES = [
  /** Fewer than 24 bytes: not even a header. */
  "truncated-header",
  /** The first 16 bits are not 5. */
  "bad-version",
  /** Header count is 0 or more than 30 (Cisco: 1–30). */
  "bad-count",
  /** Header count is more than the whole records the datagram holds. */
  "count-mismatch",
  /** The datagram ends inside a record. */
  "truncated-record",
  /** Bytes after the announced records that are not another v5 message. */
  "trailing-bytes",
  /** Informational: the datagram holds several v5 messages back to back; all were decoded. */
  "concatenated-messages",
  /** unix_secs is 0: the receive time stands in for the export time. */
  "missing-export-time",
  /** unix_nsecs is 10^9 or more: not a residual of one second. */
  "bad-export-time",
] as const;
export type Netflow5IssueCode = (typeof NETFLOW5_ISSUE_CODES)[number];

/** What the pipeline knows about the datagram it hands the decoder. */
export interface Netflow5Context {
  /** UDP source address of the datagram, canonical text. */
  exporterAddr: string;
  /** When the collector received the datagram, epoch milliseconds. */
  receivedMs: number;
}

/** Decoded records and issues, plus every v5 header seen (for sequence-gap detection). */
export interface Netflow5Result extends DecodeResult<DecodedFlow> {
  headers: Netflow5Header[];
}

function issue(issues: DecodeIssue[], code: Netflow5IssueCode, detail: string): void {
  issues.push({ code, detail });
}

/**
 * True when the bytes from `offset` to the end are whole v5 messages: each a version-5 header
 * with a count of 1–30 whose records fit, the last one ending exactly at the end. This tells a
 * capture of several concatenated exports (netcat, see corpus MANIFEST) from trailing garbage.
 */
function isMessageChain(view: DataView, offset: number, length: number): boolean {
  let cursor = offset;
  // Each step advances by at least one header and one record, so the loop is bounded.
  while (cursor < length) {
    if (length - cursor < NETFLOW5_HEADER_BYTES) return false;
    if (view.getUint16(cursor + HEADER.version) !== NETFLOW5_VERSION) return false;
    const count = view.getUint16(cursor + HEADER.count);
    if (count === 0 || count > NETFLOW5_MAX_RECORDS) return false;
    cursor += NETFLOW5_HEADER_BYTES + count * NETFLOW5_RECORD_BYTES;
  }
  return cursor === length;
}

/**
 * Decodes one NetFlow v5 datagram. Never throws: every problem is an issue, and every whole
 * record that fits is decoded (a header count larger than the payload, as exporters with broken
 * counters send, still yields the records present).
 *
 * Record times: First and Last are exporter uptime in milliseconds; the record's epoch time is
 * the export time (unix_secs, unix_nsecs) minus (sysUptime − First). The difference is taken
 * modulo 2^32 and read as signed, which handles the uptime wrap after ~49.7 days (First just
 * before the wrap, sysUptime just after) and the small negative ages some exporters emit
 * (softflowd writes First = 0xFFFFFFFF for a flow that began 1 ms before it started).
 */
export function decodeNetflow5(datagram: Uint8Array, context: Netflow5Context): Netflow5Result {
  const batch = new FlowBatch(32);
  const exporterWords = new Uint32Array(4);
  textToWords(context.exporterAddr, exporterWords, 0);
  const issues: DecodeIssue[] = [];
  const headers = decodeNetflow5Into(
    datagram,
    { exporterWords, receivedMs: context.receivedMs },
    batch,
    issues,
  );
  return { records: batch.decodedRows(), issues, headers };
}

/**
 * The hot-path form of `decodeNetflow5`: appends the records to `out` (no object per record)
 * and the problems to `issues`, and returns the v5 headers seen.
 */
export function decodeNetflow5Into(
  datagram: Uint8Array,
  context: { exporterWords: Uint32Array; receivedMs: number },
  out: FlowBatch,
  issues: DecodeIssue[],
): Netflow5Header[] {
  const headers: Netflow5Header[] = [];
  const result = headers;
  const firstRow = out.length;
  const length = datagram.byteLength;
  const view = new DataView(datagram.buffer, datagram.byteOffset, length);

  if (length >= 2 && view.getUint16(HEADER.version) !== NETFLOW5_VERSION) {
    issue(issues, "bad-version", `version ${view.getUint16(HEADER.version)}, expected 5`);
    return result;
  }
  if (length < NETFLOW5_HEADER_BYTES) {
    issue(issues, "truncated-header", `${length} bytes, a v5 header needs 24`);
    return result;
  }

  const exporterWords = context.exporterWords;
  const source = flowSourceIndex("netflow5");
  let offset = 0;
  // Each pass consumes a header (24 bytes) at least, so at most length / 24 passes.
  for (;;) {
    const count = view.getUint16(offset + HEADER.count);
    const sysUptimeMs = view.getUint32(offset + HEADER.sysUptimeMs);
    const unixSecs = view.getUint32(offset + HEADER.unixSecs);
    const unixNsecs = view.getUint32(offset + HEADER.unixNsecs);
    const sampling = view.getUint16(offset + HEADER.samplingInterval);
    const samplingInterval = sampling & SAMPLING_INTERVAL_MASK;
    headers.push({
      version: NETFLOW5_VERSION,
      count,
      sysUptimeMs,
      unixSecs,
      unixNsecs,
      flowSequence: view.getUint32(offset + HEADER.flowSequence),
      engineType: view.getUint8(offset + HEADER.engineType),
      engineId: view.getUint8(offset + HEADER.engineId),
      samplingMode: sampling >>> SAMPLING_MODE_SHIFT,
      samplingInterval,
    });

    if (count === 0 || count > NETFLOW5_MAX_RECORDS) {
      issue(issues, "bad-count", `header count ${count} at offset ${offset}, expected 1-30`);
    }
    if (unixNsecs > 999_999_999) {
      issue(issues, "bad-export-time", `unix_nsecs ${unixNsecs} at offset ${offset}`);
    }
    let exportMs = unixSecs * 1000 + Math.floor(unixNsecs / 1_000_000);
    if (unixSecs === 0) {
      issue(issues, "missing-export-time", `unix_secs 0 at offset ${offset}, used receive time`);
      exportMs = context.receivedMs;
    }
    // Header sampling interval 0 means "not said": store 1 and flag it, never drop the record.
    const samplingRate = samplingInterval > 0 ? samplingInterval : 1;
    const samplingRateKnown = samplingInterval > 0;

    const recordsStart = offset + NETFLOW5_HEADER_BYTES;
    const recordBytesAvailable = length - recordsStart;
    const wholeRecords = Math.floor(recordBytesAvailable / NETFLOW5_RECORD_BYTES);
    const decodeCount = count < wholeRecords ? count : wholeRecords;

    for (let index = 0; index < decodeCount; index++) {
      const at = recordsStart + index * NETFLOW5_RECORD_BYTES;
      const firstUptimeMs = view.getUint32(at + RECORD.firstUptimeMs);
      const lastUptimeMs = view.getUint32(at + RECORD.lastUptimeMs);
      const row = out.addRow();
      out.startMs[row] = exportMs - ((sysUptimeMs - firstUptimeMs) | 0);
      out.endMs[row] = exportMs - ((sysUptimeMs - lastUptimeMs) | 0);
      copyWords(exporterWords, 0, out.exporter, row);
      out.source[row] = source;
      out.inIf[row] = view.getUint16(at + RECORD.inIf);
      out.outIf[row] = view.getUint16(at + RECORD.outIf);
      out.ipVersion[row] = 4;
      setIpv4Words(out.srcAddr, row, view.getUint32(at + RECORD.srcAddr));
      setIpv4Words(out.dstAddr, row, view.getUint32(at + RECORD.dstAddr));
      out.srcPort[row] = view.getUint16(at + RECORD.srcPort);
      out.dstPort[row] = view.getUint16(at + RECORD.dstPort);
      out.protocol[row] = view.getUint8(at + RECORD.protocol);
      out.tcpFlags[row] = view.getUint8(at + RECORD.tcpFlags);
      out.tos[row] = view.getUint8(at + RECORD.tos);
      out.srcAs[row] = view.getUint16(at + RECORD.srcAs);
      out.dstAs[row] = view.getUint16(at + RECORD.dstAs);
      out.srcMaskLen[row] = view.getUint8(at + RECORD.srcMaskLen);
      out.dstMaskLen[row] = view.getUint8(at + RECORD.dstMaskLen);
      // v5 always carries a next hop field; 0.0.0.0 (no next hop) is kept as tshark shows it.
      setIpv4Words(out.nextHop, row, view.getUint32(at + RECORD.nextHop));
      out.sampledBytes[row] = view.getUint32(at + RECORD.bytes);
      out.sampledPackets[row] = view.getUint32(at + RECORD.packets);
      out.samplingRate[row] = samplingRate;
      out.samplingRateKnown[row] = samplingRateKnown ? 1 : 0;
    }

    const end = recordsStart + decodeCount * NETFLOW5_RECORD_BYTES;
    if (count > wholeRecords) {
      issue(
        issues,
        "count-mismatch",
        `header count ${count} at offset ${offset}, payload holds ${wholeRecords} whole records`,
      );
      const partialBytes = recordBytesAvailable - wholeRecords * NETFLOW5_RECORD_BYTES;
      if (partialBytes > 0) {
        issue(issues, "truncated-record", `${partialBytes} bytes of a record at offset ${end}`);
      }
      break;
    }
    if (end === length) break;
    if (isMessageChain(view, end, length)) {
      offset = end;
      continue;
    }
    issue(issues, "trailing-bytes", `${length - end} bytes after ${count} records`);
    break;
  }
  if (headers.length > 1) {
    issue(
      issues,
      "concatenated-messages",
      `${headers.length} v5 messages in one datagram, ${out.length - firstRow} records decoded`,
    );
  }
  return result;
}
