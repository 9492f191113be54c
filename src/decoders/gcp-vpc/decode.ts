import {
  copyWords,
  FLOW_DIRECTION_EGRESS,
  FLOW_DIRECTION_INGRESS,
  FLOW_DIRECTION_UNKNOWN,
  flowSourceIndex,
  isIpv4Words,
  textToWords,
  type CloudContext,
  type FlowBatch,
} from "../../core/index.ts";
import { noteSkip, type EntryDecoder, type FlowLogTally } from "../flow-log/index.ts";
import {
  gcpCloudContext,
  gcpContextKey,
  reporterLeftover,
  reporterSide,
  type GcpReporterSide,
} from "./context.ts";
import { readJsonCount, readJsonUint } from "./json-integer.ts";
import { describeJson, isJsonObject, locatePayload, type JsonObject } from "./log-entry.ts";
import { parseRfc3339Ms } from "./rfc3339.ts";

const SOURCE = flowSourceIndex("gcp-vpc");
const U32_MAX = 0xffff_ffff;

/** `connection` fields that have columns; any other key of it is kept in `extra`. */
const CONNECTION_COLUMNS = new Set(["src_ip", "dest_ip", "src_port", "dest_port", "protocol"]);
/** Payload fields that become columns (or the time window) and are not repeated in `extra`. */
const PAYLOAD_COLUMNS = new Set([
  "connection",
  "bytes_sent",
  "packets_sent",
  "start_time",
  "end_time",
  "@type",
]);

/** Why a record was skipped: a reason for `noteSkip`'s `bad-field`. */
class BadField {
  readonly detail: string;
  constructor(detail: string) {
    this.detail = detail;
  }
}

/**
 * The decoder of GCP VPC Flow Logs (cost-anchors.md §3.2; cloud.google.com/vpc/docs/
 * about-flow-logs-records): one row per entry, from a Cloud Logging LogEntry of a `vpc_flows`
 * log or from a bare record (an export of `jsonPayload` alone).
 *
 * - Addresses, ports and protocol from `connection`; ports absent (ICMP, and any 0 that the
 *   proto3 JSON mapping omits) are 0.
 * - `bytes_sent`/`packets_sent` as int64 strings or numbers; absent = 0 (proto3 omits zero
 *   values). Above 2^53 the column holds the nearest double and `extra` the exact decimal text.
 * - `start_time`/`end_time` exact to the millisecond (see `rfc3339.ts`); a missing one falls
 *   back to the other, then to the LogEntry's `timestamp`.
 * - `reporter` SRC(_GATEWAY) → flowDirection egress (the flow leaves the reporting VM or
 *   gateway), DEST(_GATEWAY) → ingress, anything else → not stated; the cloud context comes
 *   from the reporter's side (see `context.ts`).
 * - `network_service.dscp` → tos (DSCP is the upper six bits of the TOS byte, RFC 2474 §3);
 *   `src_location.asn`/`dest_location.asn` → AS columns.
 * - Every other payload field stays in `extra` under its GCP name: the other side's instance,
 *   VPC, location, GKE details, Google service, gateway; internet_routing_details, rtt_msec,
 *   network_service, reporter.
 *
 * Sampling: VPC Flow Logs sample packets themselves (about 1 in 30 on a VM, adjustable
 * further by the `flowSampling` setting), and what reaches the log is GCP's own count: the log
 * states no rate to undo, so samplingRate is 1 and known. The shared reference (cost-anchors.md
 * §3.2) lists the fields but does not state whether `bytes_sent` is already scaled up from the
 * sample; treat these volumes as GCP's estimates, not exact counts.
 */
export function createGcpVpcDecoder(): EntryDecoder {
  // One context object per distinct context so batch.internCloud hits its identity map.
  const contexts = new Map<string, CloudContext>();
  const srcWords = new Uint32Array(4);
  const dstWords = new Uint32Array(4);

  function internContext(context: CloudContext): CloudContext {
    const key = gcpContextKey(context);
    const known = contexts.get(key);
    if (known !== undefined) return known;
    contexts.set(key, context);
    return context;
  }

  function decodeEntry(entry: unknown, line: number, batch: FlowBatch, tally: FlowLogTally): void {
    tally.units++;
    const located = locatePayload(entry);
    if (!located.found) {
      noteSkip(tally, located.code, line, located.detail);
      return;
    }
    const result = readRecord(located.payload, located.logEntry);
    if (result instanceof BadField) {
      noteSkip(tally, "bad-field", line, result.detail);
      return;
    }
    const row = batch.addRow();
    batch.source[row] = SOURCE;
    batch.startMs[row] = result.startMs;
    batch.endMs[row] = result.endMs;
    batch.receivedMs[row] = result.endMs;
    batch.ipVersion[row] = result.ipVersion;
    copyWords(srcWords, 0, batch.srcAddr, row);
    copyWords(dstWords, 0, batch.dstAddr, row);
    batch.srcPort[row] = result.srcPort;
    batch.dstPort[row] = result.dstPort;
    batch.protocol[row] = result.protocol;
    batch.tos[row] = result.tos;
    batch.srcAs[row] = result.srcAs;
    batch.dstAs[row] = result.dstAs;
    batch.flowDirection[row] = result.flowDirection;
    batch.sampledBytes[row] = result.bytes;
    batch.sampledPackets[row] = result.packets;
    batch.samplingRate[row] = 1;
    batch.samplingRateKnown[row] = 1;
    batch.cloud[row] = batch.internCloud(result.context);
    if (result.extra !== undefined) batch.setExtraJson(row, result.extra);
    tally.records++;
  }

  /** The row's values (addresses into the scratch words), or why the record is unusable. */
  function readRecord(payload: JsonObject, logEntry: JsonObject | undefined): GcpRow | BadField {
    const connection = payload["connection"];
    if (!isJsonObject(connection)) {
      return new BadField(`connection is ${describeJson(connection)}`);
    }
    const srcIp = connection["src_ip"];
    if (typeof srcIp !== "string" || !textToWords(srcIp, srcWords, 0)) {
      return new BadField(`connection.src_ip is ${describeJson(srcIp)}, not an IP address`);
    }
    const destIp = connection["dest_ip"];
    if (typeof destIp !== "string" || !textToWords(destIp, dstWords, 0)) {
      return new BadField(`connection.dest_ip is ${describeJson(destIp)}, not an IP address`);
    }
    const srcIsIpv4 = isIpv4Words(srcWords, 0);
    if (srcIsIpv4 !== isIpv4Words(dstWords, 0)) {
      return new BadField(`connection.src_ip ${srcIp} and dest_ip ${destIp} differ in family`);
    }
    const protocol = readJsonUint(connection["protocol"], 255);
    if (protocol === undefined) {
      return new BadField(`connection.protocol is ${describeJson(connection["protocol"])}`);
    }
    const srcPort = readPort(connection, "src_port");
    if (srcPort instanceof BadField) return srcPort;
    const dstPort = readPort(connection, "dest_port");
    if (dstPort instanceof BadField) return dstPort;

    const bytes = readCount(payload, "bytes_sent");
    if (bytes instanceof BadField) return bytes;
    const packets = readCount(payload, "packets_sent");
    if (packets instanceof BadField) return packets;

    const start = readTime(payload, "start_time");
    if (start instanceof BadField) return start;
    const end = readTime(payload, "end_time");
    if (end instanceof BadField) return end;
    let endMs = end ?? start;
    if (endMs === undefined) {
      const timestamp = logEntry === undefined ? undefined : readTime(logEntry, "timestamp");
      if (timestamp instanceof BadField) return timestamp;
      if (timestamp === undefined) return new BadField("no start_time, end_time or timestamp");
      endMs = timestamp;
    }

    const reporter = payload["reporter"];
    const side = reporterSide(reporter);
    const context = internContext(gcpCloudContext(payload, side, logEntry));
    const dscp = readJsonUint(objectField(payload, "network_service")["dscp"], 63);
    let extra: string | undefined;
    try {
      const fields = extraFields(payload, connection, side, context, bytes, packets);
      extra = fields === undefined ? undefined : JSON.stringify(fields);
    } catch (error) {
      // Only a value JSON.parse cannot make (a BigInt) gets here: a caller's own object.
      return new BadField(`payload is not JSON: ${String(error)}`);
    }

    return {
      startMs: start ?? endMs,
      endMs,
      ipVersion: srcIsIpv4 ? 4 : 6,
      srcPort,
      dstPort,
      protocol,
      tos: dscp === undefined ? 0 : dscp << 2,
      srcAs: readJsonUint(objectField(payload, "src_location")["asn"], U32_MAX) ?? 0,
      dstAs: readJsonUint(objectField(payload, "dest_location")["asn"], U32_MAX) ?? 0,
      flowDirection:
        side === "src"
          ? FLOW_DIRECTION_EGRESS
          : side === "dest"
            ? FLOW_DIRECTION_INGRESS
            : FLOW_DIRECTION_UNKNOWN,
      bytes: bytes.value,
      packets: packets.value,
      context,
      extra,
    };
  }

  return { decodeEntry };
}

/** One record's values, between reading and appending. */
interface GcpRow {
  startMs: number;
  endMs: number;
  ipVersion: 4 | 6;
  srcPort: number;
  dstPort: number;
  protocol: number;
  tos: number;
  srcAs: number;
  dstAs: number;
  flowDirection: number;
  bytes: number;
  packets: number;
  context: CloudContext;
  /** JSON object text, undefined when nothing is left for `extra`. */
  extra: string | undefined;
}

function objectField(from: JsonObject, key: string): JsonObject {
  const value = from[key];
  return isJsonObject(value) ? value : {};
}

function readPort(connection: JsonObject, key: string): number | BadField {
  const raw = connection[key];
  if (raw === undefined) return 0;
  return readJsonUint(raw, 0xffff) ?? new BadField(`connection.${key} is ${describeJson(raw)}`);
}

interface Count {
  value: number;
  exactText: string | undefined;
}

function readCount(payload: JsonObject, key: string): Count | BadField {
  const raw = payload[key];
  if (raw === undefined) return { value: 0, exactText: undefined };
  return readJsonCount(raw) ?? new BadField(`${key} is ${describeJson(raw)}, not an int64 count`);
}

/** Epoch ms of an RFC 3339 field, undefined when absent, BadField when malformed. */
function readTime(from: JsonObject, key: string): number | undefined | BadField {
  const raw = from[key];
  if (raw === undefined) return undefined;
  const ms = typeof raw === "string" ? parseRfc3339Ms(raw) : undefined;
  return ms ?? new BadField(`${key} is ${describeJson(raw)}, not an RFC 3339 time`);
}

/**
 * The payload minus what the columns and the context already hold, keyed by GCP's field names;
 * undefined when nothing is left. Object.fromEntries keeps a `__proto__` key from the input a
 * plain key (assigning it would set a prototype). Measured on Node 20 over the corpus entries:
 * building this object and stringifying it costs about what stringifying the whole payload
 * does (JSON.stringify dominates); writing the JSON text member by member was no faster.
 */
function extraFields(
  payload: JsonObject,
  connection: JsonObject,
  side: GcpReporterSide | undefined,
  context: CloudContext,
  bytes: Count,
  packets: Count,
): Record<string, unknown> | undefined {
  const reporterInstance = side === undefined ? undefined : `${side}_instance`;
  const reporterVpc = side === undefined ? undefined : `${side}_vpc`;
  const kept: [string, unknown][] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (PAYLOAD_COLUMNS.has(key)) continue;
    const field =
      key === reporterInstance
        ? reporterLeftover(value, "instance", context)
        : key === reporterVpc
          ? reporterLeftover(value, "vpc", context)
          : value;
    if (field !== undefined) kept.push([key, field]);
  }
  const connectionRest = Object.entries(connection).filter(([key]) => !CONNECTION_COLUMNS.has(key));
  if (connectionRest.length > 0) kept.push(["connection", Object.fromEntries(connectionRest)]);
  if (bytes.exactText !== undefined) kept.push(["bytes_sent", bytes.exactText]);
  if (packets.exactText !== undefined) kept.push(["packets_sent", packets.exactText]);
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}
