import {
  FLOW_DIRECTION_EGRESS,
  FLOW_DIRECTION_INGRESS,
  flowSourceIndex,
  isIpv4Words,
  OBSERVED_ACTION_ACCEPT,
  OBSERVED_ACTION_REJECT,
  setIpv4Words,
  textToWords,
} from "../../core/index.ts";
import type { CloudContext, FlowBatch } from "../../core/index.ts";
import { noteSkip } from "../flow-log/index.ts";
import type { EntryDecoder, FlowLogTally, LineDecoder } from "../flow-log/index.ts";
import {
  ascii,
  bytesEqual,
  bytesText,
  CR,
  DASH,
  isJsonInteger,
  fieldEndOf,
  scanIpv4,
  scanned,
  scanUint,
  preview,
  SPACE,
} from "./bytes.ts";
import { readCloudWatchEnvelope } from "./cloudwatch.ts";
import { compileFormat, KIND } from "./compiled-format.ts";
import type { CompiledFormat } from "./compiled-format.ts";
import { ByteInterner, ContextTable } from "./context-interner.ts";
import { AWS_VPC_DEFAULT_FORMAT, awsVpcField } from "./fields.ts";
import { JsonObjectBytes } from "./json-object.ts";

export interface AwsVpcDecoderOptions {
  /**
   * The format of lines that carry no header (CloudWatch Logs, Firehose, a headerless file),
   * as field names (`sources.awsVpc.format`, see `parseAwsLogFormat`). Without it such lines
   * are read as the default format when they look like it (14 fields, version 2).
   */
  format?: readonly string[];
}

/**
 * AWS VPC Flow Logs and Transit Gateway Flow Logs, text records (S3 files, one record a line,
 * a header line naming the fields) and CloudWatch Logs subscription envelopes.
 *
 * One decoder reads one stream of lines: a header sets the format of the lines after it and
 * stays until the next header or `reset()`, which the importer calls between files.
 */
export interface AwsVpcDecoder extends LineDecoder, EntryDecoder {
  /** Forgets the format the last header set (the start of another file). */
  reset(): void;
}

export function createAwsVpcDecoder(options: AwsVpcDecoderOptions = {}): AwsVpcDecoder {
  return new AwsVpcLineDecoder(options.format);
}

const SOURCE = flowSourceIndex("aws-vpc");
const ACCEPT = ascii("ACCEPT");
const REJECT = ascii("REJECT");
const OK = ascii("OK");
const NODATA = ascii("NODATA");
const SKIPDATA = ascii("SKIPDATA");
const INGRESS = ascii("ingress");
const EGRESS = ascii("egress");
const IPV4 = ascii("IPv4");
const IPV6 = ascii("IPv6");

const PKT_SRCADDR_KEY = ascii('"pkt-srcaddr":');
const PKT_DSTADDR_KEY = ascii('"pkt-dstaddr":');

const STATUS_OK = 0;
const STATUS_NODATA = 1;
const STATUS_SKIPDATA = 2;

/** Fields of the default format: the only headerless lines read without a configured format. */
const DEFAULT_FIELD_COUNT = AWS_VPC_DEFAULT_FORMAT.length;

/** Header lines remembered by text: concatenated files repeat the same few. */
const FORMATS_REMEMBERED_MAX = 64;

class AwsVpcLineDecoder implements AwsVpcDecoder {
  private readonly configured: CompiledFormat | undefined;
  private readonly defaultFormat = compileFormat(AWS_VPC_DEFAULT_FORMAT);
  private headerFormat: CompiledFormat | undefined;
  private readonly formatsByHeader = new Map<string, CompiledFormat>();
  private readonly interners = Array.from({ length: 7 }, () => new ByteInterner());
  private readonly contexts = new ContextTable();
  /** Context strings of the line being decoded, by slot (KIND.account − 1 …). */
  private readonly slots: string[] = ["", "", "", "", "", "", ""];
  private readonly pktWords = new Uint32Array(4);
  private readonly extra = new JsonObjectBytes();
  private lastCloud: CloudContext | undefined;
  private lastCloudIndex = 0;
  /** Set while a CloudWatch envelope is decoded: its owner and the event's timestamp. */
  private ownerAccount = "";
  private eventTimeMs = 0;
  private encoded = new Uint8Array(1024);
  private readonly encoder = new TextEncoder();

  constructor(format: readonly string[] | undefined) {
    this.configured =
      format === undefined || format.length === 0 ? undefined : compileFormat(format);
  }

  reset(): void {
    this.headerFormat = undefined;
  }

  decodeLine(
    buffer: Uint8Array,
    start: number,
    end: number,
    line: number,
    batch: FlowBatch,
    tally: FlowLogTally,
  ): void {
    tally.units++;
    this.decodeText(buffer, start, end, line, batch, tally, true);
  }

  decodeEntry(entry: unknown, line: number, batch: FlowBatch, tally: FlowLogTally): void {
    const envelope = readCloudWatchEnvelope(entry);
    if (typeof envelope === "string") {
      tally.units++;
      noteSkip(tally, "not-flow-log", line, envelope);
      return;
    }
    if (envelope.logEvents.length === 0) {
      // Every entry is at least one unit, so units always equal rows plus skips.
      tally.units++;
      noteSkip(tally, "blank", line, "DATA_MESSAGE without log events");
      return;
    }
    this.ownerAccount = envelope.owner;
    try {
      for (const event of envelope.logEvents) {
        tally.units++;
        if (typeof event === "string") {
          noteSkip(tally, "not-flow-log", line, event);
          continue;
        }
        this.eventTimeMs = event.timestampMs;
        const length = this.encode(event.message);
        this.decodeText(this.encoded, 0, length, line, batch, tally, false);
      }
    } finally {
      this.ownerAccount = "";
      this.eventTimeMs = 0;
    }
  }

  /** UTF-8 of `text` into the reused buffer; returns its length. */
  private encode(text: string): number {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (this.encoded.length < text.length * 3) this.encoded = new Uint8Array(text.length * 3);
    return this.encoder.encodeInto(text, this.encoded).written;
  }

  private decodeText(
    buffer: Uint8Array,
    start: number,
    end: number,
    line: number,
    batch: FlowBatch,
    tally: FlowLogTally,
    fromFile: boolean,
  ): void {
    // Trailing `\r` (CRLF files) and stray spaces at either end are not fields.
    while (end > start && (buffer[end - 1] === SPACE || buffer[end - 1] === CR)) end--;
    while (start < end && buffer[start] === SPACE) start++;
    if (start === end) {
      noteSkip(tally, "blank", line, "");
      return;
    }
    const first = buffer[start] ?? 0;
    if (fromFile && first >= 97 && first <= 122) {
      const header = this.readHeader(buffer, start, end);
      if (header !== undefined) {
        this.headerFormat = header;
        noteSkip(tally, "header", line, `${header.names.length} fields`);
        return;
      }
    }
    let format = fromFile ? (this.headerFormat ?? this.configured) : this.configured;
    if (format === undefined) {
      // The default format's first field is its version, 2.
      if (
        first === 50 &&
        buffer[start + 1] === SPACE &&
        countFields(buffer, start, end) === DEFAULT_FIELD_COUNT
      ) {
        format = this.defaultFormat;
      } else {
        noteSkip(
          tally,
          "no-format",
          line,
          `${countFields(buffer, start, end)} fields and no header names them (give the flow log's format: --aws-log-format or sources.awsVpc.logFormat): ` +
            preview(buffer, start, end),
        );
        return;
      }
    }
    this.decodeRecord(format, buffer, start, end, line, batch, tally);
  }

  /**
   * The format a header line names, or undefined when the line is not a header: every token a
   * lower-case name (`[a-z][a-z0-9-]*`) and at least one a known field. Records never look like
   * that: their fields hold digits, dots, dashes alone or upper-case words.
   */
  private readHeader(buffer: Uint8Array, start: number, end: number): CompiledFormat | undefined {
    let tokenStart = true;
    for (let at = start; at < end; at++) {
      const code = buffer[at] ?? 0;
      if (code === SPACE) {
        tokenStart = true;
        continue;
      }
      const letter = code >= 97 && code <= 122;
      if (tokenStart) {
        if (!letter) return undefined;
        tokenStart = false;
      } else if (!letter && code !== DASH && !(code >= 48 && code <= 57)) {
        return undefined;
      }
    }
    const text = bytesText(buffer, start, end);
    const cached = this.formatsByHeader.get(text);
    if (cached !== undefined) return cached;
    const names = text.split(" ").filter((name) => name !== "");
    if (!names.some((name) => awsVpcField(name) !== undefined)) return undefined;
    const format = compileFormat(names);
    if (this.formatsByHeader.size >= FORMATS_REMEMBERED_MAX) this.formatsByHeader.clear();
    this.formatsByHeader.set(text, format);
    return format;
  }

  /**
   * One record: fields are parsed straight into the row's columns as the line is scanned. A
   * row is begun first and dropped when the line turns out unusable; which skip is noted goes
   * by precedence: field count, then a bad field, then NODATA/SKIPDATA, then no address.
   */
  private decodeRecord(
    format: CompiledFormat,
    buffer: Uint8Array,
    lineStart: number,
    lineEnd: number,
    line: number,
    batch: FlowBatch,
    tally: FlowLogTally,
  ): void {
    const kinds = format.kinds;
    const fieldCount = kinds.length;
    const row = batch.addRow();
    const slots = this.slots;
    for (let slot = 0; slot < 7; slot++) slots[slot] = "";
    let ipVersion = 0;
    let haveSrc = false;
    let haveDst = false;
    let startSeconds = -1;
    let endSeconds = -1;
    let status = STATUS_OK;
    const extra = this.extra;
    extra.reset();
    let pktSrcStart = -1;
    let pktSrcEnd = -1;
    let pktDstStart = -1;
    let pktDstEnd = -1;
    let badField = -1;
    let badStart = 0;
    let badEnd = 0;

    let field = 0;
    let at = lineStart;
    while (at < lineEnd) {
      let fieldEnd: number;
      if (field >= fieldCount || badField !== -1) {
        // Past the format or after a bad field: only counted, for the field-count check.
        fieldEnd = fieldEndOf(buffer, at, lineEnd);
      } else if (buffer[at] === DASH && (at + 1 === lineEnd || buffer[at + 1] === SPACE)) {
        // "-": the field does not apply to this record or could not be computed.
        fieldEnd = at + 1;
      } else {
        let ok = true;
        const kind = kinds[field] as number;
        // Numbers and IPv4 addresses are read in the same pass that finds the field's end.
        switch (kind) {
          case KIND.srcAddr: {
            const version = scanAddress(buffer, at, lineEnd, batch.srcAddr, row);
            fieldEnd = scanned.end;
            ok = version !== 0;
            haveSrc = ok;
            if (ipVersion === 0) ipVersion = version;
            break;
          }
          case KIND.dstAddr: {
            const version = scanAddress(buffer, at, lineEnd, batch.dstAddr, row);
            fieldEnd = scanned.end;
            ok = version !== 0;
            haveDst = ok;
            if (ipVersion === 0) ipVersion = version;
            break;
          }
          case KIND.srcPort: {
            const port = scanUint(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            ok = port >= 0 && port <= 0xffff;
            batch.srcPort[row] = port;
            break;
          }
          case KIND.dstPort: {
            const port = scanUint(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            ok = port >= 0 && port <= 0xffff;
            batch.dstPort[row] = port;
            break;
          }
          case KIND.protocol: {
            const protocol = scanUint(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            ok = protocol >= 0 && protocol <= 255;
            batch.protocol[row] = protocol;
            break;
          }
          case KIND.packets: {
            const packets = scanUint(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            ok = packets >= 0;
            batch.sampledPackets[row] = packets;
            break;
          }
          case KIND.bytes: {
            const bytes = scanUint(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            ok = bytes >= 0;
            batch.sampledBytes[row] = bytes;
            break;
          }
          case KIND.start:
            startSeconds = scanUint(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            ok = startSeconds >= 0 && startSeconds <= MAX_SECONDS;
            break;
          case KIND.end:
            endSeconds = scanUint(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            ok = endSeconds >= 0 && endSeconds <= MAX_SECONDS;
            break;
          case KIND.tcpFlags: {
            const flags = scanUint(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            ok = flags >= 0 && flags <= 0xffff;
            batch.tcpFlags[row] = flags;
            break;
          }
          case KIND.account:
          case KIND.region:
          case KIND.zone:
          case KIND.vpc:
          case KIND.subnet:
          case KIND.instance:
          case KIND.interface: {
            const slot = kind - KIND.account;
            slots[slot] = (this.interners[slot] as ByteInterner).intern(buffer, at, lineEnd);
            fieldEnd = scanned.end;
            break;
          }
          default:
            fieldEnd = fieldEndOf(buffer, at, lineEnd);
            switch (kind) {
              case KIND.action:
                if (bytesEqual(buffer, at, fieldEnd, ACCEPT)) {
                  batch.observedAction[row] = OBSERVED_ACTION_ACCEPT;
                } else if (bytesEqual(buffer, at, fieldEnd, REJECT)) {
                  batch.observedAction[row] = OBSERVED_ACTION_REJECT;
                } else {
                  ok = false;
                }
                break;
              case KIND.logStatus:
                if (bytesEqual(buffer, at, fieldEnd, OK)) status = STATUS_OK;
                else if (bytesEqual(buffer, at, fieldEnd, NODATA)) status = STATUS_NODATA;
                else if (bytesEqual(buffer, at, fieldEnd, SKIPDATA)) status = STATUS_SKIPDATA;
                else ok = false;
                break;
              case KIND.type:
                // IPv4/IPv6 repeat what the address says; EFA (and anything newer) does not.
                if (
                  !bytesEqual(buffer, at, fieldEnd, IPV4) &&
                  !bytesEqual(buffer, at, fieldEnd, IPV6)
                ) {
                  extra.key(format.jsonKeyBytes[field] as Uint8Array);
                  extra.string(buffer, at, fieldEnd);
                }
                break;
              case KIND.pktSrcAddr:
                pktSrcStart = at;
                pktSrcEnd = fieldEnd;
                break;
              case KIND.pktDstAddr:
                pktDstStart = at;
                pktDstEnd = fieldEnd;
                break;
              case KIND.flowDirection:
                if (bytesEqual(buffer, at, fieldEnd, INGRESS)) {
                  batch.flowDirection[row] = FLOW_DIRECTION_INGRESS;
                } else if (bytesEqual(buffer, at, fieldEnd, EGRESS)) {
                  batch.flowDirection[row] = FLOW_DIRECTION_EGRESS;
                } else {
                  ok = false;
                }
                break;
              case KIND.extraText:
                extra.key(format.jsonKeyBytes[field] as Uint8Array);
                extra.string(buffer, at, fieldEnd);
                break;
              case KIND.extraNumber:
              case KIND.extraUnknown:
                // Documented integers and unknown fields: a number when the text is one.
                extra.key(format.jsonKeyBytes[field] as Uint8Array);
                if (isJsonInteger(buffer, at, fieldEnd)) extra.raw(buffer, at, fieldEnd);
                else extra.string(buffer, at, fieldEnd);
                break;
              default:
              // KIND.ignore: `version`.
            }
        }
        if (!ok) {
          badField = field;
          badStart = at;
          badEnd = fieldEnd;
        }
      }
      field++;
      at = fieldEnd;
      while (at < lineEnd && buffer[at] === SPACE) at++;
    }
    if (field !== fieldCount) {
      batch.dropLastRow();
      noteSkip(tally, "field-count", line, `${field} fields, the format has ${fieldCount}`);
      return;
    }
    if (badField !== -1) {
      batch.dropLastRow();
      noteSkip(
        tally,
        "bad-field",
        line,
        `${format.names[badField] ?? ""} "${preview(buffer, badStart, badEnd, 40)}"`,
      );
      return;
    }
    if (status !== STATUS_OK) {
      batch.dropLastRow();
      if (status === STATUS_NODATA) noteSkip(tally, "nodata", line, "");
      else noteSkip(tally, "skipdata", line, "");
      return;
    }

    // pkt-srcaddr/pkt-dstaddr: the packet's own addresses, kept only where they say something
    // srcaddr/dstaddr do not (a NAT gateway's or a transit gateway's interface, an EKS pod).
    // They stand in for srcaddr/dstaddr when the format lacks those or the record has "-".
    if (pktSrcStart !== -1) {
      const version = this.readPktAddress(buffer, pktSrcStart, pktSrcEnd);
      if (version === 0) {
        batch.dropLastRow();
        noteSkip(
          tally,
          "bad-field",
          line,
          `pkt-srcaddr "${preview(buffer, pktSrcStart, pktSrcEnd, 40)}"`,
        );
        return;
      }
      if (!haveSrc) {
        copyPktWords(this.pktWords, batch.srcAddr, row);
        haveSrc = true;
        if (ipVersion === 0) ipVersion = version;
      } else if (!sameWords(this.pktWords, batch.srcAddr, row)) {
        extra.key(PKT_SRCADDR_KEY);
        extra.string(buffer, pktSrcStart, pktSrcEnd);
      }
    }
    if (pktDstStart !== -1) {
      const version = this.readPktAddress(buffer, pktDstStart, pktDstEnd);
      if (version === 0) {
        batch.dropLastRow();
        noteSkip(
          tally,
          "bad-field",
          line,
          `pkt-dstaddr "${preview(buffer, pktDstStart, pktDstEnd, 40)}"`,
        );
        return;
      }
      if (!haveDst) {
        copyPktWords(this.pktWords, batch.dstAddr, row);
        haveDst = true;
        if (ipVersion === 0) ipVersion = version;
      } else if (!sameWords(this.pktWords, batch.dstAddr, row)) {
        extra.key(PKT_DSTADDR_KEY);
        extra.string(buffer, pktDstStart, pktDstEnd);
      }
    }
    if (!haveSrc || !haveDst) {
      batch.dropLastRow();
      noteSkip(
        tally,
        "bad-field",
        line,
        `no ${haveSrc ? "dstaddr" : "srcaddr"}: ${preview(buffer, lineStart, lineEnd)}`,
      );
      return;
    }

    // Epoch seconds (AWS: "the time, in Unix seconds"); one bound stands for the other when
    // only one is logged, the CloudWatch event time when neither is.
    let startMs: number;
    let endMs: number;
    if (startSeconds >= 0) {
      startMs = startSeconds * 1000;
      endMs = endSeconds >= 0 ? endSeconds * 1000 : startMs;
    } else if (endSeconds >= 0) {
      endMs = endSeconds * 1000;
      startMs = endMs;
    } else {
      startMs = this.eventTimeMs;
      endMs = this.eventTimeMs;
    }
    batch.startMs[row] = startMs;
    batch.endMs[row] = endMs;
    batch.receivedMs[row] = endMs;
    batch.source[row] = SOURCE;
    batch.ipVersion[row] = ipVersion;
    batch.samplingRate[row] = 1;
    batch.samplingRateKnown[row] = 1;
    const account = slots[0] === "" ? this.ownerAccount : (slots[0] ?? "");
    const context = this.contexts.get(
      account,
      slots[1] ?? "",
      slots[2] ?? "",
      slots[3] ?? "",
      slots[4] ?? "",
      slots[5] ?? "",
      slots[6] ?? "",
    );
    // Consecutive rows of one interface skip even internCloud's map; `clouds` is a new array
    // after `clear()`, so the check below also notices a cleared or another batch.
    let cloud = this.lastCloudIndex;
    if (context !== this.lastCloud || batch.clouds[cloud - 1] !== context) {
      cloud = batch.internCloud(context);
      this.lastCloud = context;
      this.lastCloudIndex = cloud;
    }
    batch.cloud[row] = cloud;
    const extraJson = extra.finish();
    if (extraJson !== undefined) batch.setExtraJson(row, extraJson);
    tally.records++;
  }

  /** Parses a pkt-* address into the scratch words; returns its IP version, 0 when invalid. */
  private readPktAddress(buffer: Uint8Array, start: number, end: number): number {
    const version = scanAddress(buffer, start, end, this.pktWords, 0);
    return scanned.end === end ? version : 0;
  }
}

/** The largest epoch second whose milliseconds stay an exact integer. */
const MAX_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/**
 * Reads the address of the field starting at `start` into row `row` of `words` and sets
 * `scanned.end`; returns 4 or 6, or 0 when it is not an address. IPv4 is read from the bytes;
 * IPv6 (rarer) goes through its text.
 */
function scanAddress(
  buffer: Uint8Array,
  start: number,
  end: number,
  words: Uint32Array,
  row: number,
): number {
  const ipv4 = scanIpv4(buffer, start, end);
  if (ipv4 >= 0) {
    setIpv4Words(words, row, ipv4);
    return 4;
  }
  const fieldEnd = scanned.end;
  if (fieldEnd - start < 2 || fieldEnd - start > 45) return 0;
  const text = bytesText(buffer, start, fieldEnd);
  if (!text.includes(":") || !textToWords(text, words, row)) return 0;
  // "::ffff:192.0.2.1" is the IPv4 address in mapped form: the row says IPv4, as it stores it.
  return isIpv4Words(words, row) ? 4 : 6;
}

function sameWords(scratch: Uint32Array, words: Uint32Array, row: number): boolean {
  const base = row * 4;
  return (
    scratch[0] === words[base] &&
    scratch[1] === words[base + 1] &&
    scratch[2] === words[base + 2] &&
    scratch[3] === words[base + 3]
  );
}

function copyPktWords(scratch: Uint32Array, words: Uint32Array, row: number): void {
  words.set(scratch, row * 4);
}

/** Fields in `[start, end)`, separated by one or more spaces (the line is trimmed). */
function countFields(buffer: Uint8Array, start: number, end: number): number {
  let count = 0;
  let inField = false;
  for (let at = start; at < end; at++) {
    if (buffer[at] === SPACE) {
      inField = false;
    } else if (!inField) {
      inField = true;
      count++;
    }
  }
  return count;
}
