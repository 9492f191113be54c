import type { DecodeIssue, DecodeResult } from "../../core/index.ts";
import { newCaptureCounters } from "./counters.ts";
import type { CaptureCounters } from "./counters.ts";
import { frameToUdp, isSupportedLinkType } from "./frame.ts";
import type { UdpDatagram } from "./udp-datagram.ts";

/** What the first bytes said: `pending` until 4 bytes arrived, `unknown` for anything else. */
export const CAPTURE_FORMATS = ["pending", "pcap", "pcapng", "unknown"] as const;
export type CaptureFormat = (typeof CAPTURE_FORMATS)[number];

/** Issue codes about the file itself (per-frame outcomes are counters, see counters.ts). */
export const CAPTURE_ISSUE_CODES = [
  /** Neither a pcap magic nor a pcapng Section Header Block: "this is not a pcap file". */
  "not-a-capture",
  /** No bytes at all. */
  "empty-file",
  /** The file ended inside a header, record or block. */
  "truncated-file",
  /** A record or block length that cannot be right; the rest of the file is not readable. */
  "bad-record-length",
  /** A pcap major version other than 2, or a pcapng major version other than 1. */
  "unsupported-version",
  /** An interface (pcap header or pcapng IDB) whose link type the reader cannot decode. */
  "unsupported-link-type",
] as const;
export type CaptureIssueCode = (typeof CAPTURE_ISSUE_CODES)[number];

/** What `finish()` reports about the whole capture. */
export interface CaptureSummary {
  format: CaptureFormat;
  counters: Readonly<CaptureCounters>;
  /** File-level issues from the whole read, `push` results included. */
  issues: readonly DecodeIssue[];
}

/** An incremental capture reader: push chunks of any size, get datagrams as frames complete. */
export interface CaptureReader {
  readonly format: CaptureFormat;
  readonly counters: Readonly<CaptureCounters>;
  /** Parses what `chunk` completes; returns its datagrams and any new file-level issues. */
  push(chunk: Uint8Array): DecodeResult<UdpDatagram>;
  /** Ends the read: reports leftover bytes as truncation, an unrecognised or empty file. */
  finish(): CaptureSummary;
}

const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
const PCAP_MAGIC_NANOS = 0xa1b23c4d;
const PCAP_MAGIC_MICROS_SWAPPED = 0xd4c3b2a1;
const PCAP_MAGIC_NANOS_SWAPPED = 0x4d3cb2a1;
const PCAP_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;

const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAPNG_IDB = 1;
const PCAPNG_PB_OBSOLETE = 2;
const PCAPNG_SPB = 3;
const PCAPNG_EPB = 6;
const PCAPNG_OPTION_END = 0;
const PCAPNG_OPTION_TSRESOL = 9;
const PCAPNG_OPTION_TSOFFSET = 14;

/**
 * Larger than any frame a capture holds (Linux caps snaplen at 256 KiB; pcapng blocks carry one
 * frame plus options). A longer length means a corrupt file, and reading on would mean buffering
 * the rest of a multi-GB file waiting for it.
 */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

interface Interface {
  linkType: number;
  /** Timestamp units per millisecond (10^-6 s resolution: 1000). */
  unitsPerMs: number;
  /** pcapng if_tsoffset, seconds, in milliseconds. */
  offsetMs: number;
}

const EMPTY = new Uint8Array(0);

function hex(bytes: Uint8Array, start: number, count: number): string {
  let text = "";
  for (let index = start; index < start + count && index < bytes.byteLength; index++) {
    text += (bytes[index] ?? 0).toString(16).padStart(2, "0");
  }
  return text;
}

/**
 * Creates a streaming reader for classic pcap (both byte orders, microsecond and nanosecond
 * magic) and pcapng (SHB, IDB, EPB, SPB and the obsolete PB; per-interface link type and
 * if_tsresol; both byte orders; several sections). Memory stays bounded by one record plus one
 * chunk. Never throws on bad bytes: problems are issues and counters.
 */
export function createCaptureReader(): CaptureReader {
  let format: CaptureFormat = "pending";
  let littleEndian = true;
  /** Set once the file cannot be read further (unknown format, corrupt length). */
  let stopped = false;
  let pending: Uint8Array = EMPTY;
  let totalBytes = 0;
  // Read through a call: the parse helpers set `stopped`, which flow analysis cannot see.
  const isStopped = (): boolean => stopped;
  const counters = newCaptureCounters();
  const allIssues: DecodeIssue[] = [];
  /** pcap: the one interface; pcapng: the current section's interfaces in IDB order. */
  let interfaces: Interface[] = [];

  function report(issues: DecodeIssue[], code: CaptureIssueCode, detail: string): void {
    const found = { code, detail };
    issues.push(found);
    allIssues.push(found);
  }

  function addInterface(issues: DecodeIssue[], face: Interface): void {
    if (!isSupportedLinkType(face.linkType)) {
      report(
        issues,
        "unsupported-link-type",
        `interface ${interfaces.length} has link type ${face.linkType}`,
      );
    }
    interfaces.push(face);
  }

  /** Reads the pcap global header at 0; returns the bytes consumed (0: need more). */
  function readPcapHeader(bytes: Uint8Array, view: DataView, issues: DecodeIssue[]): number {
    if (bytes.byteLength < PCAP_HEADER_BYTES) return 0;
    const magic = view.getUint32(0, false);
    littleEndian = magic === PCAP_MAGIC_MICROS_SWAPPED || magic === PCAP_MAGIC_NANOS_SWAPPED;
    const nanos = magic === PCAP_MAGIC_NANOS || magic === PCAP_MAGIC_NANOS_SWAPPED;
    const major = view.getUint16(4, littleEndian);
    if (major !== 2) {
      report(issues, "unsupported-version", `pcap version ${major}, expected 2`);
      stopped = true;
      return PCAP_HEADER_BYTES;
    }
    // The link type is the low 16 bits; the upper bits carry FCS information
    // (draft-ietf-opsawg-pcap §4, LinkType and additional information).
    addInterface(issues, {
      linkType: view.getUint32(20, littleEndian) & 0xffff,
      unitsPerMs: nanos ? 1_000_000 : 1000,
      offsetMs: 0,
    });
    return PCAP_HEADER_BYTES;
  }

  /** Reads one pcap record at `at`; returns the bytes consumed (0: need more). */
  function readPcapRecord(
    bytes: Uint8Array,
    view: DataView,
    at: number,
    issues: DecodeIssue[],
    datagrams: UdpDatagram[],
  ): number {
    if (bytes.byteLength - at < PCAP_RECORD_HEADER_BYTES) return 0;
    const capturedBytes = view.getUint32(at + 8, littleEndian);
    if (capturedBytes > MAX_RECORD_BYTES) {
      report(
        issues,
        "bad-record-length",
        `record at byte ${totalOffset(at)} claims ${capturedBytes} bytes`,
      );
      stopped = true;
      return 0;
    }
    const recordBytes = PCAP_RECORD_HEADER_BYTES + capturedBytes;
    if (bytes.byteLength - at < recordBytes) return 0;
    const face = interfaces[0];
    if (face !== undefined) {
      const seconds = view.getUint32(at, littleEndian);
      const fraction = view.getUint32(at + 4, littleEndian);
      const timestampMs = seconds * 1000 + Math.floor(fraction / face.unitsPerMs);
      counters.frames++;
      const datagram = frameToUdp(
        bytes,
        view,
        at + PCAP_RECORD_HEADER_BYTES,
        capturedBytes,
        face.linkType,
        timestampMs,
        counters,
      );
      if (datagram !== undefined) datagrams.push(datagram);
    }
    return recordBytes;
  }

  /** Reads one pcapng block at `at`; returns the bytes consumed (0: need more). */
  function readPcapngBlock(
    bytes: Uint8Array,
    view: DataView,
    at: number,
    issues: DecodeIssue[],
    datagrams: UdpDatagram[],
  ): number {
    if (bytes.byteLength - at < 12) return 0;
    const rawType = view.getUint32(at, false);
    if (rawType === PCAPNG_SHB) {
      // The byte-order magic decides how to read everything in the section, its length too.
      const order = view.getUint32(at + 8, false);
      if (order === PCAPNG_BYTE_ORDER_MAGIC) littleEndian = false;
      else if (order === 0x4d3c2b1a) littleEndian = true;
      else {
        report(
          issues,
          "bad-record-length",
          `section header at byte ${totalOffset(at)} has byte-order magic ${order.toString(16)}`,
        );
        stopped = true;
        return 0;
      }
    }
    const blockBytes = view.getUint32(at + 4, littleEndian);
    if (blockBytes < 12 || blockBytes % 4 !== 0 || blockBytes > MAX_RECORD_BYTES) {
      report(
        issues,
        "bad-record-length",
        `block at byte ${totalOffset(at)} claims ${blockBytes} bytes`,
      );
      stopped = true;
      return 0;
    }
    if (bytes.byteLength - at < blockBytes) return 0;
    const type = view.getUint32(at, littleEndian);
    const bodyEnd = at + blockBytes - 4;
    switch (type) {
      case PCAPNG_SHB: {
        if (blockBytes < 28) break;
        const major = view.getUint16(at + 12, littleEndian);
        if (major !== 1) {
          report(issues, "unsupported-version", `pcapng version ${major}, expected 1`);
          stopped = true;
          return 0;
        }
        interfaces = [];
        break;
      }
      case PCAPNG_IDB: {
        if (blockBytes < 20) break;
        const face: Interface = {
          linkType: view.getUint16(at + 8, littleEndian),
          unitsPerMs: 1000,
          offsetMs: 0,
        };
        readInterfaceOptions(view, at + 16, bodyEnd, face);
        addInterface(issues, face);
        break;
      }
      case PCAPNG_EPB:
      case PCAPNG_PB_OBSOLETE: {
        if (blockBytes < 32) break;
        const interfaceId =
          type === PCAPNG_EPB
            ? view.getUint32(at + 8, littleEndian)
            : view.getUint16(at + 8, littleEndian);
        const capturedBytes = view.getUint32(at + 20, littleEndian);
        const dataStart = at + 28;
        if (capturedBytes > bodyEnd - dataStart) {
          counters.frames++;
          counters.truncatedFrames++;
          break;
        }
        const face = interfaces[interfaceId];
        counters.frames++;
        if (face === undefined) {
          counters.unknownInterface++;
          break;
        }
        const high = view.getUint32(at + 12, littleEndian);
        const low = view.getUint32(at + 16, littleEndian);
        const timestampMs = Math.floor((high * 4294967296 + low) / face.unitsPerMs) + face.offsetMs;
        const datagram = frameToUdp(
          bytes,
          view,
          dataStart,
          capturedBytes,
          face.linkType,
          timestampMs,
          counters,
        );
        if (datagram !== undefined) datagrams.push(datagram);
        break;
      }
      case PCAPNG_SPB: {
        if (blockBytes < 16) break;
        // The simple block has no timestamp and belongs to interface 0 (pcapng §4.4); its
        // captured length is the smaller of the original length and the block's room.
        const originalBytes = view.getUint32(at + 8, littleEndian);
        const room = bodyEnd - (at + 12);
        const capturedBytes = originalBytes < room ? originalBytes : room;
        const face = interfaces[0];
        counters.frames++;
        if (face === undefined) {
          counters.unknownInterface++;
          break;
        }
        const datagram = frameToUdp(
          bytes,
          view,
          at + 12,
          capturedBytes,
          face.linkType,
          0,
          counters,
        );
        if (datagram !== undefined) datagrams.push(datagram);
        break;
      }
      default:
        // Name resolution, statistics, journal, custom blocks: nothing to decode here.
        break;
    }
    return blockBytes;
  }

  /** pcapng §4.2 options: if_tsresol (9) and if_tsoffset (14). */
  function readInterfaceOptions(view: DataView, start: number, end: number, face: Interface): void {
    let at = start;
    // Each option advances by at least 4 bytes, so the loop is bounded by the block length.
    while (end - at >= 4) {
      const code = view.getUint16(at, littleEndian);
      const length = view.getUint16(at + 2, littleEndian);
      const valueAt = at + 4;
      if (code === PCAPNG_OPTION_END || end - valueAt < length) return;
      if (code === PCAPNG_OPTION_TSRESOL && length >= 1) {
        const resolution = view.getUint8(valueAt);
        // MSB 0: 10^-n seconds; MSB 1: 2^-n seconds.
        const exponent = resolution & 0x7f;
        const unitsPerSecond = (resolution & 0x80) === 0 ? 10 ** exponent : 2 ** exponent;
        if (unitsPerSecond > 0 && Number.isFinite(unitsPerSecond)) {
          face.unitsPerMs = unitsPerSecond / 1000;
        }
      } else if (code === PCAPNG_OPTION_TSOFFSET && length >= 8) {
        const seconds = Number(view.getBigInt64(valueAt, littleEndian));
        face.offsetMs = seconds * 1000;
      }
      at = valueAt + ((length + 3) & ~3);
    }
  }

  /** Offset in the whole stream of position `at` in the current working buffer. */
  let workingStart = 0;
  function totalOffset(at: number): number {
    return workingStart + at;
  }

  function detect(bytes: Uint8Array, issues: DecodeIssue[]): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magic = view.getUint32(0, false);
    if (
      magic === PCAP_MAGIC_MICROS ||
      magic === PCAP_MAGIC_NANOS ||
      magic === PCAP_MAGIC_MICROS_SWAPPED ||
      magic === PCAP_MAGIC_NANOS_SWAPPED
    ) {
      format = "pcap";
    } else if (magic === PCAPNG_SHB) {
      format = "pcapng";
    } else {
      format = "unknown";
      stopped = true;
      report(
        issues,
        "not-a-capture",
        `first bytes ${hex(bytes, 0, 4)} are neither a pcap magic nor a pcapng section header`,
      );
    }
  }

  function push(chunk: Uint8Array): DecodeResult<UdpDatagram> {
    const datagrams: UdpDatagram[] = [];
    const issues: DecodeIssue[] = [];
    totalBytes += chunk.byteLength;
    if (stopped || chunk.byteLength === 0) return { records: datagrams, issues };

    let bytes: Uint8Array;
    if (pending.byteLength === 0) {
      bytes = chunk;
    } else {
      // Only the unfinished tail of earlier chunks is kept; joining it with the new chunk
      // lets a record that straddles chunks be read in place.
      bytes = new Uint8Array(pending.byteLength + chunk.byteLength);
      bytes.set(pending, 0);
      bytes.set(chunk, pending.byteLength);
    }
    workingStart = totalBytes - bytes.byteLength;

    if (format === "pending") {
      if (bytes.byteLength < 4) {
        pending = bytes;
        return { records: datagrams, issues };
      }
      detect(bytes, issues);
      if (isStopped()) {
        pending = EMPTY;
        return { records: datagrams, issues };
      }
    }

    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    if (format === "pcap" && interfaces.length === 0) {
      at = readPcapHeader(bytes, view, issues);
    }
    // Every pass consumes at least 12 bytes or stops, so the loop is bounded by the chunk.
    while (!isStopped() && at < bytes.byteLength) {
      if (format === "pcap" && interfaces.length === 0) break;
      const consumed =
        format === "pcap"
          ? readPcapRecord(bytes, view, at, issues, datagrams)
          : readPcapngBlock(bytes, view, at, issues, datagrams);
      if (consumed === 0) break;
      at += consumed;
    }
    pending = isStopped() ? EMPTY : bytes.subarray(at);
    // A short tail is copied so the large chunk it came from can be collected.
    if (pending.byteLength > 0 && pending.byteLength < bytes.byteLength / 4) {
      pending = pending.slice();
    }
    return { records: datagrams, issues };
  }

  function finish(): CaptureSummary {
    const issues: DecodeIssue[] = [];
    if (totalBytes === 0) {
      report(issues, "empty-file", "no bytes");
    } else if (format === "pending") {
      report(issues, "not-a-capture", `only ${totalBytes} bytes, too short for a capture header`);
      format = "unknown";
    } else if (!stopped && pending.byteLength > 0) {
      report(
        issues,
        "truncated-file",
        `${pending.byteLength} bytes at the end do not complete a ${format === "pcap" ? "record" : "block"}`,
      );
    } else if (format === "pcap" && interfaces.length === 0 && !stopped) {
      report(issues, "truncated-file", "the file ends inside the pcap header");
    }
    pending = EMPTY;
    stopped = true;
    return { format, counters: { ...counters }, issues: allIssues };
  }

  return {
    get format() {
      return format;
    },
    get counters() {
      return counters;
    },
    push,
    finish,
  };
}
