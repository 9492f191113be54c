/**
 * Deterministic writers of cloud flow-log files in each provider's exact format (AWS VPC Flow
 * Logs text and CloudWatch Logs subscription envelopes, GCP VPC Flow Logs LogEntry JSON, Azure
 * NSG and VNet flow-log blobs), for decoder tests and import benchmarks. Each writer streams to
 * disk with backpressure (10M+ records never sit in memory), optionally through gzip, and
 * returns the ground truth of what it wrote: the rows a correct decoder yields, their totals
 * per observed action and flow direction, and the units it should skip by the reason codes of
 * `src/decoders/flow-log/tally.ts`.
 *
 * Value shapes follow the corpus samples (`shared/corpus/vpc-*`) and the providers' docs:
 * AWS field versions from `vpc-aws/awsdocs-field-versions.json`, GCP int64 as strings and
 * RFC 3339 times with nanoseconds, Azure tuple field order per version.
 *
 * Truth conventions (what "a correct decoder yields"), for the decoders to agree with:
 * - one row per AWS record line with log-status OK; NODATA/SKIPDATA/header/blank lines are
 *   skips; times are the record's start/end seconds × 1000;
 * - one row per GCP LogEntry, `reporter` SRC = egress, DEST = ingress (the reporting VM's
 *   view, as IPFIX IE 61); times are start_time/end_time truncated to the millisecond;
 * - one row per Azure tuple (source → destination, zero counters allowed: v1 and B tuples have
 *   none) plus a reverse row (addresses and ports swapped, direction flipped) when its
 *   destination → source counters are non-zero; start = end = the tuple's time; A/D (v1, v2) or
 *   state D (VNet) give the observed action;
 * - a unit missing a field the row needs, or with one that does not parse, is `bad-field`;
 *   a line with the wrong field count (AWS) or a tuple with the wrong one (Azure) is
 *   `field-count`; a cut JSON line is `bad-json`; a well-formed entry of another log is
 *   `not-flow-log`. Azure skips count tuples, not records.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Writable } from "node:stream";
import { createGzip } from "node:zlib";
import { createSeededRandom } from "../../src/core/index.ts";
import type { CloudContext, ObservedAction } from "../../src/core/index.ts";

// ---------------------------------------------------------------------------------------------
// Ground truth

export type TruthDirection = "ingress" | "egress";

export interface CounterTotals {
  records: number;
  bytes: number;
  packets: number;
}

/** One row a correct decoder appends. Addresses are written in canonical text form. */
export interface TruthRow {
  /** 1-based line on which the row's unit (line or JSON entry) starts. */
  line: number;
  startMs: number;
  endMs: number;
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  bytes: number;
  packets: number;
  action?: ObservedAction;
  direction?: TruthDirection;
  context: CloudContext;
  /** The logging interface's own address (with `subnetAddresses` only). */
  nearAddr?: string;
}

export interface CloudLogTruth {
  /** Rows a correct decoder yields. */
  records: number;
  bytes: number;
  packets: number;
  /** Text lines of the (uncompressed) file. */
  lines: number;
  /** Units the decoder sees: lines for AWS text, JSON entries otherwise. */
  units: number;
  /** Skipped units (Azure: tuples) by reason code. */
  skipped: Record<string, number>;
  /** Present when the format states the action. */
  byAction?: Record<ObservedAction, CounterTotals>;
  /** Present when the format states the direction. */
  byDirection?: Record<TruthDirection, CounterTotals>;
  /** Every row, only with `keepRows: true` (small files). */
  rows?: TruthRow[];
  /** Uncompressed bytes written. */
  textBytes: number;
}

function zeroTotals(): CounterTotals {
  return { records: 0, bytes: 0, packets: 0 };
}

class TruthBuilder {
  readonly truth: CloudLogTruth;
  readonly #keepRows: boolean;

  constructor(keepRows: boolean, hasAction: boolean, hasDirection: boolean) {
    this.#keepRows = keepRows;
    this.truth = {
      records: 0,
      bytes: 0,
      packets: 0,
      lines: 0,
      units: 0,
      skipped: {},
      textBytes: 0,
    };
    if (hasAction) this.truth.byAction = { accept: zeroTotals(), reject: zeroTotals() };
    if (hasDirection) this.truth.byDirection = { ingress: zeroTotals(), egress: zeroTotals() };
    if (keepRows) this.truth.rows = [];
  }

  row(row: TruthRow): void {
    const truth = this.truth;
    truth.records++;
    truth.bytes += row.bytes;
    truth.packets += row.packets;
    if (row.action !== undefined && truth.byAction) add(truth.byAction[row.action], row);
    if (row.direction !== undefined && truth.byDirection)
      add(truth.byDirection[row.direction], row);
    if (this.#keepRows) truth.rows?.push(row);
  }

  skip(code: string): void {
    this.truth.skipped[code] = (this.truth.skipped[code] ?? 0) + 1;
  }
}

function add(totals: CounterTotals, row: TruthRow): void {
  totals.records++;
  totals.bytes += row.bytes;
  totals.packets += row.packets;
}

// ---------------------------------------------------------------------------------------------
// Streaming output

/** Characters buffered before a write: large enough that stream overhead is negligible. */
const FLUSH_CHARS = 1 << 16;

/** A text sink to a file (optionally gzip) that honours backpressure and counts lines. */
class TextSink {
  readonly #out: Writable;
  readonly #done: Promise<void>;
  #pending: string[] = [];
  #pendingChars = 0;
  /** Newlines written so far; the next byte is on line `newlines + 1`. */
  newlines = 0;
  textBytes = 0;
  #endsWithNewline = true;
  #empty = true;

  constructor(path: string, gzip: boolean) {
    const file = createWriteStream(path);
    if (gzip) {
      const zip = createGzip();
      this.#out = zip;
      this.#done = pipeline(zip, file);
    } else {
      this.#out = file;
      this.#done = once(file, "close").then(() => undefined);
    }
  }

  get line(): number {
    return this.newlines + 1;
  }

  push(text: string): void {
    if (text.length === 0) return;
    let at = text.indexOf("\n");
    while (at >= 0) {
      this.newlines++;
      at = text.indexOf("\n", at + 1);
    }
    this.#endsWithNewline = text.endsWith("\n");
    this.#empty = false;
    this.#pending.push(text);
    this.#pendingChars += text.length;
  }

  /** Call after pushes; awaits only when the buffer is full and the stream asks to wait. */
  async maybeFlush(): Promise<void> {
    if (this.#pendingChars >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pendingChars === 0) return;
    const buffer = Buffer.from(this.#pending.join(""), "utf8");
    this.#pending = [];
    this.#pendingChars = 0;
    this.textBytes += buffer.length;
    if (!this.#out.write(buffer)) await once(this.#out, "drain");
  }

  /** Ends the file; returns its line count. */
  async end(): Promise<number> {
    await this.flush();
    this.#out.end();
    await this.#done;
    if (this.#empty) return 0;
    return this.newlines + (this.#endsWithNewline ? 0 : 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared value generators

type Random = () => number;

function int(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function pick<T>(random: Random, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function hex(random: Random, digits: number): string {
  let text = "";
  for (let index = 0; index < digits; index++)
    text += "0123456789abcdef".charAt(int(random, 0, 15));
  return text;
}

function digits(random: Random, count: number): string {
  let text = String(int(random, 1, 9));
  for (let index = 1; index < count; index++) text += String(int(random, 0, 9));
  return text;
}

function alnum(random: Random, count: number): string {
  let text = "";
  for (let index = 0; index < count; index++) {
    text += "abcdefghijklmnopqrstuvwxyz0123456789".charAt(int(random, 0, 35));
  }
  return text;
}

function privateIpv4(random: Random): string {
  return `10.${int(random, 0, 255)}.${int(random, 0, 255)}.${int(random, 1, 254)}`;
}

/** Public-looking IPv4 peers: cloud ranges and the documentation nets the corpus uses. */
function publicIpv4(random: Random): string {
  const first = pick(random, [52, 54, 3, 34, 35, 104, 142, 151, 185, 203, 198, 192]);
  return `${first}.${int(random, 0, 255)}.${int(random, 0, 255)}.${int(random, 1, 254)}`;
}

/**
 * IPv6 in documentation space with eight non-zero groups without leading zeros: already the
 * canonical RFC 5952 text, so a decoder's formatted address equals what was written.
 */
function ipv6(random: Random, site: number): string {
  const groups = ["2001", "db8", (0x1000 + site).toString(16)];
  for (let index = 0; index < 5; index++) groups.push(int(random, 1, 0xffff).toString(16));
  return groups.join(":");
}

/**
 * An interface's own address inside its subnet (`subnetAddresses`): IPv4 10.<octet>.<third>.h
 * with h in 4–11 (a /28), IPv6 2001:db8:<group>:<third>::h with h in 0x10–0x1f (a /64).
 */
function subnetAddress(
  random: Random,
  isIpv6: boolean,
  octet: number,
  group: number,
  third: number,
): string {
  return isIpv6
    ? `2001:db8:${group.toString(16)}:${third}::${int(random, 0x10, 0x1f).toString(16)}`
    : `10.${octet}.${third}.${int(random, 4, 11)}`;
}

/** Protocol, ports, packets and bytes of one flow, shaped like real traffic. */
interface FlowShape {
  protocol: number;
  clientPort: number;
  serverPort: number;
  packets: number;
  bytes: number;
}

function flowShape(random: Random, isIpv6: boolean): FlowShape {
  const draw = random();
  const protocol = draw < 0.7 ? 6 : draw < 0.95 ? 17 : isIpv6 ? 58 : 1;
  const icmp = protocol === 1 || protocol === 58;
  const serverPort = icmp
    ? 0
    : protocol === 6
      ? pick(random, [443, 443, 443, 80, 22, 5432, 3389, 8080, 6379])
      : pick(random, [53, 53, 123, 443, 4789]);
  // Packets: mostly small flows, a long tail of large ones (heavy-tailed like real traffic).
  const packets = Math.max(1, Math.floor(Math.exp(random() * 9)));
  const bytes = packets * int(random, icmp ? 64 : 40, 1500);
  return { protocol, clientPort: icmp ? 0 : int(random, 1024, 65535), serverPort, packets, bytes };
}

function share(value: number | undefined, fallback: number): number {
  return Math.min(1, Math.max(0, value ?? fallback));
}

/** Epoch ms of 2024-06-01T00:00:00Z: fixtures are dated, never "now". */
const DEFAULT_START_MS = Date.UTC(2024, 5, 1);

// ---------------------------------------------------------------------------------------------
// AWS VPC Flow Logs

/** The default format (v2), `default_v2_format` in vpc-aws/awsdocs-field-versions.json. */
export const AWS_V2_FIELDS = [
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
  "log-status",
] as const;

/**
 * Version that introduced each field: v2–v5 from vpc-aws/awsdocs-field-versions.json (AWS docs
 * "Available fields"); ECS fields v7 and reject-reason v8 from the same docs, newer than that
 * snapshot.
 */
export const AWS_FIELD_VERSIONS: Readonly<Record<string, number>> = {
  version: 2,
  "account-id": 2,
  "interface-id": 2,
  srcaddr: 2,
  dstaddr: 2,
  srcport: 2,
  dstport: 2,
  protocol: 2,
  packets: 2,
  bytes: 2,
  start: 2,
  end: 2,
  action: 2,
  "log-status": 2,
  "vpc-id": 3,
  "subnet-id": 3,
  "instance-id": 3,
  "tcp-flags": 3,
  type: 3,
  "pkt-srcaddr": 3,
  "pkt-dstaddr": 3,
  region: 4,
  "az-id": 4,
  "sublocation-type": 4,
  "sublocation-id": 4,
  "pkt-src-aws-service": 5,
  "pkt-dst-aws-service": 5,
  "flow-direction": 5,
  "traffic-path": 5,
  "ecs-cluster-arn": 7,
  "ecs-cluster-name": 7,
  "ecs-container-instance-arn": 7,
  "ecs-container-instance-id": 7,
  "ecs-container-id": 7,
  "ecs-second-container-id": 7,
  "ecs-service-name": 7,
  "ecs-task-definition-arn": 7,
  "ecs-task-arn": 7,
  "ecs-task-id": 7,
  "reject-reason": 8,
};

/** Every field through v5 in the docs' order, plus ECS and reject-reason: a "v8 all" format. */
export const AWS_ALL_FIELDS: readonly string[] = Object.keys(AWS_FIELD_VERSIONS);

/** Fields that may be "-" on an OK record (the docs and corpus show them so). */
const AWS_OPTIONAL_FIELDS = new Set([
  "vpc-id",
  "subnet-id",
  "instance-id",
  "tcp-flags",
  "pkt-srcaddr",
  "pkt-dstaddr",
  "sublocation-type",
  "sublocation-id",
  "pkt-src-aws-service",
  "pkt-dst-aws-service",
  "traffic-path",
  "reject-reason",
]);

/** Fields an AWS NODATA/SKIPDATA record still carries; every other field is "-". */
const AWS_NODATA_KEPT = new Set([
  "version",
  "account-id",
  "interface-id",
  "vpc-id",
  "subnet-id",
  "instance-id",
  "region",
  "az-id",
  "start",
  "end",
  "log-status",
]);

export interface AwsInterface {
  eni: string;
  account: string;
  region: string;
  azId: string;
  vpc: string;
  subnet: string;
  instance: string;
  /** Index used to give the interface its own addresses. */
  site: number;
}

const AWS_REGIONS = [
  ["us-east-1", "use1"],
  ["eu-west-1", "euw1"],
  ["ap-southeast-2", "apse2"],
] as const;

function awsInterfaces(random: Random, accounts: readonly string[], count: number): AwsInterface[] {
  const interfaces: AwsInterface[] = [];
  for (let site = 0; site < count; site++) {
    const [region, short] = pick(random, AWS_REGIONS);
    interfaces.push({
      eni: `eni-${hex(random, 17)}`,
      account: accounts[site % accounts.length]!,
      region,
      azId: `${short}-az${int(random, 1, 3)}`,
      vpc: `vpc-${hex(random, 17)}`,
      subnet: `subnet-${hex(random, 17)}`,
      instance: `i-${hex(random, 17)}`,
      site,
    });
  }
  return interfaces;
}

function awsContext(
  fields: ReadonlySet<string>,
  values: ReadonlyMap<string, string>,
): CloudContext {
  const get = (field: string): string => {
    if (!fields.has(field)) return "";
    const value = values.get(field) ?? "-";
    return value === "-" ? "" : value;
  };
  return {
    provider: "aws",
    account: get("account-id"),
    region: get("region"),
    zone: get("az-id"),
    vpc: get("vpc-id"),
    subnet: get("subnet-id"),
    instance: get("instance-id"),
    interface: get("interface-id"),
  };
}

/** What one generated AWS record turned into. */
interface AwsRecord {
  text: string;
  row?: TruthRow;
  skip?: string;
}

interface AwsRecordSettings {
  fields: readonly string[];
  fieldSet: ReadonlySet<string>;
  version: string;
  interfaces: readonly AwsInterface[];
  ipv6Share: number;
  nodataShare: number;
  skipdataShare: number;
  doubleSpaceShare: number;
  rejectShare: number;
  dashShare: number;
  malformedShare: number;
  startSec: number;
  /** Second octet of the first interface's addresses; undefined: random addresses. */
  subnetAddresses: number | undefined;
}

function awsSettings(
  random: Random,
  options: AwsRecordOptions,
  formatFields: readonly string[],
): AwsRecordSettings {
  const accountList =
    typeof options.accounts === "object"
      ? options.accounts
      : Array.from({ length: options.accounts ?? 2 }, () => digits(random, 12));
  const interfaces =
    typeof options.interfaces === "object"
      ? options.interfaces.map((eni, site) => ({
          ...awsInterfaces(random, accountList, 1)[0]!,
          eni,
          account: accountList[site % accountList.length]!,
          site,
        }))
      : awsInterfaces(random, accountList, options.interfaces ?? 8);
  let version = 2;
  for (const field of formatFields) version = Math.max(version, AWS_FIELD_VERSIONS[field] ?? 2);
  return {
    fields: formatFields,
    fieldSet: new Set(formatFields),
    version: String(version),
    interfaces,
    ipv6Share: share(options.ipv6Share, 0),
    nodataShare: share(options.nodataShare, 0),
    skipdataShare: share(options.skipdataShare, 0),
    doubleSpaceShare: share(options.doubleSpaceShare, 0),
    rejectShare: share(options.rejectShare, 0.1),
    dashShare: share(options.dashShare, 0),
    malformedShare: share(options.malformedShare, 0),
    startSec: Math.floor((options.startMs ?? DEFAULT_START_MS) / 1000),
    subnetAddresses:
      options.subnetAddresses === undefined || options.subnetAddresses === false
        ? undefined
        : options.subnetAddresses === true
          ? 20
          : options.subnetAddresses.firstOctet,
  };
}

const AWS_SERVICES = ["S3", "AMAZON", "EC2", "DYNAMODB", "ROUTE53", "CLOUDFRONT"] as const;

function awsRecord(
  random: Random,
  settings: AwsRecordSettings,
  index: number,
  line: number,
): AwsRecord {
  const ifc = pick(random, settings.interfaces);
  const draw = random();
  const status =
    draw < settings.nodataShare
      ? "NODATA"
      : draw < settings.nodataShare + settings.skipdataShare
        ? "SKIPDATA"
        : "OK";
  const isIpv6 = random() < settings.ipv6Share;
  const shape = flowShape(random, isIpv6);
  const egress = random() < 0.5;
  const local =
    settings.subnetAddresses !== undefined
      ? subnetAddress(
          random,
          isIpv6,
          settings.subnetAddresses + ifc.site,
          0x1000 + settings.subnetAddresses + ifc.site,
          7,
        )
      : isIpv6
        ? ipv6(random, ifc.site)
        : privateIpv4(random);
  const remote = isIpv6
    ? ipv6(random, 1000 + int(random, 0, 99))
    : random() < 0.7
      ? publicIpv4(random)
      : privateIpv4(random);
  // The local end is the client for egress flows and the server for ingress ones.
  const [src, dst, srcPort, dstPort] = egress
    ? [local, remote, shape.clientPort, shape.serverPort]
    : [remote, local, shape.clientPort, shape.serverPort];
  const action = random() < settings.rejectShare ? "REJECT" : "ACCEPT";
  // Capture windows of about a minute, one window per 1000 records (AWS aggregates per 60 s).
  const windowStart = settings.startSec + Math.floor(index / 1000) * 60;
  const start = windowStart + int(random, 0, 5);
  const end = windowStart + 60 + int(random, 0, 5);
  const service = random() < 0.2 ? pick(random, AWS_SERVICES) : "-";
  const tcpFlags = shape.protocol === 6 ? pick(random, [2, 18, 3, 19, 1, 0]) : 0;
  const values = new Map<string, string>();
  for (const field of settings.fields) {
    let value: string;
    switch (field) {
      case "version":
        value = settings.version;
        break;
      case "account-id":
        value = ifc.account;
        break;
      case "interface-id":
        value = ifc.eni;
        break;
      case "srcaddr":
      case "pkt-srcaddr":
        value = src;
        break;
      case "dstaddr":
      case "pkt-dstaddr":
        value = dst;
        break;
      case "srcport":
        value = String(srcPort);
        break;
      case "dstport":
        value = String(dstPort);
        break;
      case "protocol":
        value = String(shape.protocol);
        break;
      case "packets":
        value = String(shape.packets);
        break;
      case "bytes":
        value = String(shape.bytes);
        break;
      case "start":
        value = String(start);
        break;
      case "end":
        value = String(end);
        break;
      case "action":
        value = action;
        break;
      case "log-status":
        value = status;
        break;
      case "vpc-id":
        value = ifc.vpc;
        break;
      case "subnet-id":
        value = ifc.subnet;
        break;
      case "instance-id":
        value = ifc.instance;
        break;
      case "tcp-flags":
        value = String(tcpFlags);
        break;
      case "type":
        value = isIpv6 ? "IPv6" : "IPv4";
        break;
      case "region":
        value = ifc.region;
        break;
      case "az-id":
        value = ifc.azId;
        break;
      case "pkt-src-aws-service":
        value = egress ? "-" : service;
        break;
      case "pkt-dst-aws-service":
        value = egress ? service : "-";
        break;
      case "flow-direction":
        value = egress ? "egress" : "ingress";
        break;
      case "traffic-path":
        value = egress ? String(int(random, 1, 8)) : "-";
        break;
      case "ecs-cluster-name":
        value = `cluster-${ifc.site}`;
        break;
      case "ecs-cluster-arn":
        value = `arn:aws:ecs:${ifc.region}:${ifc.account}:cluster/cluster-${ifc.site}`;
        break;
      case "ecs-task-id":
      case "ecs-container-instance-id":
        value = hex(random, 32);
        break;
      case "ecs-task-arn":
        value = `arn:aws:ecs:${ifc.region}:${ifc.account}:task/cluster-${ifc.site}/${hex(random, 32)}`;
        break;
      case "ecs-service-name":
        value = `service-${ifc.site % 3}`;
        break;
      case "reject-reason":
        value = action === "REJECT" && random() < 0.5 ? "BPA" : "-";
        break;
      default:
        value = "-";
    }
    if (status === "OK" && AWS_OPTIONAL_FIELDS.has(field) && random() < settings.dashShare) {
      value = "-";
    }
    if (status !== "OK" && !AWS_NODATA_KEPT.has(field)) value = "-";
    values.set(field, value);
  }
  const parts = settings.fields.map((field) => values.get(field) ?? "-");
  const join = (): string => {
    if (parts.length > 1 && random() < settings.doubleSpaceShare) {
      const at = int(random, 1, parts.length - 1);
      return `${parts.slice(0, at).join(" ")}  ${parts.slice(at).join(" ")}`;
    }
    return parts.join(" ");
  };
  // Malformed lines are made from OK records only: a broken NODATA line has no single right code.
  if (status === "OK" && random() < settings.malformedShare)
    return awsMalformed(random, settings, parts);
  if (status === "NODATA") return { text: join(), skip: "nodata" };
  if (status === "SKIPDATA") return { text: join(), skip: "skipdata" };
  const has = (field: string): boolean => settings.fieldSet.has(field);
  const row: TruthRow = {
    line,
    startMs: has("start") ? start * 1000 : 0,
    endMs: has("end") ? end * 1000 : 0,
    srcAddr: has("srcaddr") ? src : "",
    dstAddr: has("dstaddr") ? dst : "",
    srcPort: has("srcport") ? srcPort : 0,
    dstPort: has("dstport") ? dstPort : 0,
    protocol: has("protocol") ? shape.protocol : 0,
    bytes: has("bytes") ? shape.bytes : 0,
    packets: has("packets") ? shape.packets : 0,
    context: awsContext(settings.fieldSet, values),
  };
  if (has("action")) row.action = action === "ACCEPT" ? "accept" : "reject";
  if (has("flow-direction")) row.direction = egress ? "egress" : "ingress";
  if (settings.subnetAddresses !== undefined) row.nearAddr = local;
  return { text: join(), row };
}

/** A line a decoder must skip, with the reason code it must give. */
function awsMalformed(random: Random, settings: AwsRecordSettings, parts: string[]): AwsRecord {
  const kinds = ["too-many", "too-few", "blank"];
  const addressAt = settings.fields.indexOf("srcaddr");
  const numberAt = settings.fields.indexOf("bytes");
  if (addressAt >= 0) kinds.push("bad-address");
  if (numberAt >= 0) kinds.push("bad-number");
  const kind = pick(random, kinds);
  switch (kind) {
    case "too-many":
      return { text: [...parts, "one-too-many"].join(" "), skip: "field-count" };
    case "too-few":
      return { text: parts.slice(0, -1).join(" "), skip: "field-count" };
    case "blank":
      return { text: "", skip: "blank" };
    case "bad-address":
      parts[addressAt] = `10.0.0.${int(random, 256, 999)}`;
      return { text: parts.join(" "), skip: "bad-field" };
    default:
      parts[numberAt] = `${int(random, 1, 99)}x${int(random, 0, 9)}`;
      return { text: parts.join(" "), skip: "bad-field" };
  }
}

export interface AwsRecordOptions {
  /** Record lines to write after the header (OK, NODATA, SKIPDATA and malformed ones). */
  records: number;
  seed: number;
  /** Share of records over IPv6 (default 0). */
  ipv6Share?: number;
  /** Share of NODATA records (default 0). */
  nodataShare?: number;
  /** Share of SKIPDATA records (default 0). */
  skipdataShare?: number;
  /** Share of lines with a double space between two fields, as in the AWS docs (default 0). */
  doubleSpaceShare?: number;
  /** Share of REJECT records (default 0.1). */
  rejectShare?: number;
  /** Share of "-" in optional fields of OK records (instance-id, tcp-flags… default 0). */
  dashShare?: number;
  /** Share of malformed lines: wrong field count, bad address or number, blank (default 0). */
  malformedShare?: number;
  /** Account ids, or how many to make up (default 2). */
  accounts?: number | readonly string[];
  /** ENI ids, or how many to make up (default 8). */
  interfaces?: number | readonly string[];
  /** Epoch ms of the first capture window (default 2024-06-01). */
  startMs?: number;
  /** Keep every row in the truth (small files only). */
  keepRows?: boolean;
  /**
   * Give each interface its own few IPv4 addresses in a /28 of its subnet (10.<20+n>.7.4–11,
   * or from `firstOctet` instead of 20)
   * and IPv6 ones in a /64 (2001:db8:<1000+n>:7::10–1f), as real ENIs have, instead of a
   * random address per record; rows then carry `nearAddr` (default false: the random draws of
   * existing seeds stay as they were).
   */
  subnetAddresses?: boolean | { firstOctet: number };
}

export interface AwsVpcLogOptions extends AwsRecordOptions {
  /** Field names in order (default: the v2 default format). */
  fields?: readonly string[];
  gzip?: boolean;
  /** Write the header line S3 files start with (default true). */
  header?: boolean;
}

/** Writes an AWS VPC Flow Logs text file (the S3 delivery format: header, then records). */
export async function writeAwsVpcLog(
  path: string,
  options: AwsVpcLogOptions,
): Promise<CloudLogTruth> {
  const random = createSeededRandom(options.seed);
  const fields = options.fields ?? AWS_V2_FIELDS;
  const settings = awsSettings(random, options, fields);
  const builder = new TruthBuilder(
    options.keepRows ?? false,
    settings.fieldSet.has("action"),
    settings.fieldSet.has("flow-direction"),
  );
  const sink = new TextSink(path, options.gzip ?? false);
  if (options.header ?? true) {
    sink.push(fields.join(" ") + "\n");
    builder.skip("header");
    builder.truth.units++;
  }
  for (let index = 0; index < options.records; index++) {
    const record = awsRecord(random, settings, index, sink.line);
    sink.push(record.text + "\n");
    builder.truth.units++;
    if (record.row) builder.row(record.row);
    if (record.skip !== undefined) builder.skip(record.skip);
    await sink.maybeFlush();
  }
  builder.truth.lines = await sink.end();
  builder.truth.textBytes = sink.textBytes;
  return builder.truth;
}

export interface AwsS3KeyOptions {
  account: string;
  region: string;
  /** Delivery time: the key's date folders and its YYYYMMDDTHHmmZ stamp (5-minute steps). */
  date: Date;
  flowLogId: string;
  /** The 8-hex suffix AWS adds (default: derived from the other parts). */
  hash?: string;
  /** Bucket prefix, without a trailing slash (default none). */
  prefix?: string;
  /** `.log.gz` (default) or `.log.parquet`. */
  extension?: ".log.gz" | ".log.parquet";
}

/**
 * The S3 object key AWS writes flow logs to (AWS docs, "Flow log files" in "Publish flow logs
 * to Amazon S3"): `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/<account>_vpcflowlogs_
 * <region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`.
 */
export function awsS3Key(options: AwsS3KeyOptions): string {
  const date = options.date;
  const pad = (value: number): string => String(value).padStart(2, "0");
  const year = String(date.getUTCFullYear());
  const month = pad(date.getUTCMonth() + 1);
  const day = pad(date.getUTCDate());
  const stamp = `${year}${month}${day}T${pad(date.getUTCHours())}${pad(date.getUTCMinutes() - (date.getUTCMinutes() % 5))}Z`;
  const hash =
    options.hash ??
    hex(
      createSeededRandom(fnv1a(`${options.account}${options.region}${options.flowLogId}${stamp}`)),
      8,
    );
  const name = `${options.account}_vpcflowlogs_${options.region}_${options.flowLogId}_${stamp}_${hash}${options.extension ?? ".log.gz"}`;
  const key = `AWSLogs/${options.account}/vpcflowlogs/${options.region}/${year}/${month}/${day}/${name}`;
  return options.prefix === undefined || options.prefix === "" ? key : `${options.prefix}/${key}`;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}

export interface AwsCloudWatchLogOptions extends AwsRecordOptions {
  /** Field names of the messages (default v2). CloudWatch messages carry no header. */
  fields?: readonly string[];
  /** Log events per envelope (default 50). */
  eventsPerEnvelope?: number;
  /** Write envelopes back to back `{…}{…}` as Firehose does (default: one per line). */
  concatenated?: boolean;
  /** Share of CONTROL_MESSAGE envelopes, which are not flow logs (default 0). */
  controlShare?: number;
  gzip?: boolean;
}

/**
 * Writes CloudWatch Logs subscription envelopes (`DATA_MESSAGE`, `logEvents[].message` = one
 * record line; the shape of vpc-aws/otel-cloudwatch-subscription-default.json), NDJSON or
 * concatenated. `records` counts log events; `units` counts envelopes; each event's skip (NODATA,
 * malformed) is counted per event.
 */
export async function writeAwsCloudWatchLog(
  path: string,
  options: AwsCloudWatchLogOptions,
): Promise<CloudLogTruth> {
  const random = createSeededRandom(options.seed);
  const fields = options.fields ?? AWS_V2_FIELDS;
  const settings = awsSettings(random, { ...options, malformedShare: 0 }, fields);
  const malformedShare = share(options.malformedShare, 0);
  const controlShare = share(options.controlShare, 0);
  const perEnvelope = Math.max(1, options.eventsPerEnvelope ?? 50);
  const builder = new TruthBuilder(
    options.keepRows ?? false,
    settings.fieldSet.has("action"),
    settings.fieldSet.has("flow-direction"),
  );
  const sink = new TextSink(path, options.gzip ?? false);
  const separator = options.concatenated === true ? "" : "\n";
  let written = 0;
  let envelopeIndex = 0;
  while (written < options.records) {
    const line = sink.line;
    builder.truth.units++;
    if (random() < controlShare) {
      const timestamp = settings.startSec * 1000 + envelopeIndex * 1000;
      sink.push(
        JSON.stringify({
          messageType: "CONTROL_MESSAGE",
          owner: "CloudwatchLogs",
          logGroup: "",
          logStream: "",
          subscriptionFilters: [],
          logEvents: [
            {
              id: "",
              timestamp,
              message: "CWL CONTROL MESSAGE: Checking health of destination Firehose.",
            },
          ],
        }) + separator,
      );
      builder.skip("not-flow-log");
      envelopeIndex++;
      continue;
    }
    // One envelope per log stream (ENI), as CloudWatch Logs delivers them.
    const ifc = pick(random, settings.interfaces);
    const events: { id: string; timestamp: number; message: string }[] = [];
    const count = Math.min(perEnvelope, options.records - written);
    const single = { ...settings, interfaces: [ifc], malformedShare };
    for (let event = 0; event < count; event++) {
      const record = awsRecord(random, single, written, line);
      if (record.skip === "blank") {
        // An empty message is not an event CloudWatch delivers: make it a field-count one.
        record.text = "-";
        record.skip = "field-count";
      }
      const startAt = settings.fields.indexOf("start");
      const startText = startAt >= 0 ? record.text.split(/ +/)[startAt] : undefined;
      const startSec =
        startText !== undefined && /^\d+$/.test(startText) ? Number(startText) : settings.startSec;
      events.push({ id: digits(random, 56), timestamp: startSec * 1000, message: record.text });
      if (record.row) builder.row(record.row);
      if (record.skip !== undefined) builder.skip(record.skip);
      written++;
    }
    sink.push(
      JSON.stringify({
        messageType: "DATA_MESSAGE",
        owner: ifc.account,
        logGroup: "/aws/vpc/flowlogs",
        logStream: ifc.eni,
        subscriptionFilters: ["tollgate-fixture"],
        logEvents: events,
      }) + separator,
    );
    envelopeIndex++;
    await sink.maybeFlush();
  }
  builder.truth.lines = await sink.end();
  builder.truth.textBytes = sink.textBytes;
  return builder.truth;
}

// ---------------------------------------------------------------------------------------------
// GCP VPC Flow Logs

export const GCP_STYLES = ["logentry-ndjson", "logentry-array", "payload-ndjson"] as const;
export type GcpStyle = (typeof GCP_STYLES)[number];

export interface GcpVpcLogOptions {
  /** LogEntries to write (flow entries, other logs and malformed ones). */
  records: number;
  seed: number;
  /**
   * `logentry-ndjson`: one LogEntry per line (Cloud Storage sink, keys sorted);
   * `logentry-array`: `gcloud logging read --format=json` (one pretty-printed array);
   * `payload-ndjson`: one `jsonPayload` per line.
   */
  style: GcpStyle;
  gzip?: boolean;
  ipv6Share?: number;
  /** Share of entries reported by the source VM (`reporter: SRC`, default 0.5). */
  reporterMix?: number;
  /** Share of malformed entries: cut line (NDJSON only), bad or missing field (default 0). */
  malformedShare?: number;
  /** Share of entries of another log (firewall, audit), not flow records (default 0). */
  otherLogShare?: number;
  /** Projects to spread the VMs over (default 2). */
  projects?: number;
  startMs?: number;
  keepRows?: boolean;
  /**
   * Give each subnet (VPC and region) its own IPv4 /24 and IPv6 /64, and each VM a few
   * addresses in it (a few hosts per VM), instead of a random address per record; rows then
   * carry `nearAddr` (default false).
   */
  subnetAddresses?: boolean;
}

interface GcpVm {
  project: string;
  region: string;
  zone: string;
  vpc: string;
  subnet: string;
  subnetId: string;
  name: string;
  site: number;
}

const GCP_REGIONS = ["us-central1", "europe-west1", "asia-south1"] as const;

function gcpVms(random: Random, projects: number): GcpVm[] {
  const projectIds = Array.from({ length: projects }, (_, index) => `fixture-project-${index + 1}`);
  const vms: GcpVm[] = [];
  for (let site = 0; site < 8; site++) {
    const region = pick(random, GCP_REGIONS);
    const project = projectIds[site % projectIds.length]!;
    vms.push({
      project,
      region,
      zone: `${region}-${pick(random, ["a", "b", "c", "f"])}`,
      vpc: site % 2 === 0 ? "default" : "prod-network",
      subnet: `subnet-${region}`,
      subnetId: digits(random, 19),
      name: `vm-${alnum(random, 6)}-${site}`,
      site,
    });
  }
  return vms;
}

/** A VM's own address in its subnet: one /24 (and /64) per VPC and region, hosts by VM. */
function gcpSubnetAddress(random: Random, vm: GcpVm, isIpv6: boolean): string {
  const subnet =
    40 +
    GCP_REGIONS.indexOf(vm.region as (typeof GCP_REGIONS)[number]) * 2 +
    (vm.vpc === "default" ? 0 : 1);
  const host = 16 + vm.site * 8 + int(random, 0, 3);
  return isIpv6
    ? `2001:db8:${(0x2000 + subnet).toString(16)}:3::${host.toString(16)}`
    : `10.${subnet}.3.${host}`;
}

/** RFC 3339 UTC with nine fraction digits, as Cloud Logging writes. */
function rfc3339Nanos(ms: number, nanosInMs: number): string {
  const iso = new Date(ms).toISOString(); // 2024-06-01T00:00:00.123Z
  return `${iso.slice(0, 23)}${String(nanosInMs).padStart(6, "0")}Z`;
}

function gcpInstance(vm: GcpVm): Record<string, unknown> {
  return { project_id: vm.project, region: vm.region, vm_name: vm.name, zone: vm.zone };
}

function gcpVpc(vm: GcpVm): Record<string, unknown> {
  return {
    project_id: vm.project,
    subnetwork_name: vm.subnet,
    subnetwork_region: vm.region,
    vpc_name: vm.vpc,
  };
}

const GCP_LOCATIONS = [
  { asn: 15169, continent: "America", country: "usa", region: "California" },
  { asn: 16509, continent: "America", country: "usa", region: "Virginia" },
  { asn: 3320, continent: "Europe", country: "deu" },
] as const;

/** Builds one LogEntry (keys in sorted order, as Cloud Logging exports them). */
function gcpEntry(
  random: Random,
  vms: readonly GcpVm[],
  settings: { ipv6Share: number; reporterMix: number; startMs: number; subnetAddresses?: boolean },
  index: number,
  line: number,
): { entry: Record<string, unknown>; row: TruthRow } {
  const vm = pick(random, vms);
  const src = random() < settings.reporterMix;
  const isIpv6 = random() < settings.ipv6Share;
  const shape = flowShape(random, isIpv6);
  const internal = random() < 0.4;
  const peerVm = pick(random, vms);
  const localIp = settings.subnetAddresses
    ? gcpSubnetAddress(random, vm, isIpv6)
    : isIpv6
      ? ipv6(random, vm.site)
      : privateIpv4(random);
  const peerIp = isIpv6
    ? ipv6(random, internal ? peerVm.site : 1000 + int(random, 0, 99))
    : internal
      ? privateIpv4(random)
      : publicIpv4(random);
  // Reporter SRC: the VM sent this direction; DEST: it received it.
  const [srcIp, destIp] = src ? [localIp, peerIp] : [peerIp, localIp];
  const startMs = settings.startMs + Math.floor(index / 100) * 5000 + int(random, 0, 4999);
  const durationMs = int(random, 0, 5000);
  const startNanos = int(random, 0, 999_999);
  const endNanos = int(random, 0, 999_999);
  const connection: Record<string, unknown> = { dest_ip: destIp };
  const icmp = shape.protocol === 1 || shape.protocol === 58;
  if (!icmp) connection["dest_port"] = shape.serverPort;
  connection["protocol"] = shape.protocol;
  connection["src_ip"] = srcIp;
  if (!icmp) connection["src_port"] = shape.clientPort;
  const payload: Record<string, unknown> = {
    bytes_sent: String(shape.bytes),
    connection,
  };
  const location = pick(random, GCP_LOCATIONS);
  if (!src) payload["dest_instance"] = gcpInstance(vm);
  else if (internal) payload["dest_instance"] = gcpInstance(peerVm);
  if (src && !internal) payload["dest_location"] = location;
  if (!src) payload["dest_vpc"] = gcpVpc(vm);
  else if (internal) payload["dest_vpc"] = gcpVpc(peerVm);
  payload["end_time"] = rfc3339Nanos(startMs + durationMs, endNanos);
  payload["packets_sent"] = String(shape.packets);
  payload["reporter"] = src ? "SRC" : "DEST";
  if (shape.protocol === 6 && random() < 0.5) payload["rtt_msec"] = String(int(random, 1, 300));
  if (src) payload["src_instance"] = gcpInstance(vm);
  else if (internal) payload["src_instance"] = gcpInstance(peerVm);
  if (!src && !internal) payload["src_location"] = location;
  if (src) payload["src_vpc"] = gcpVpc(vm);
  else if (internal) payload["src_vpc"] = gcpVpc(peerVm);
  payload["start_time"] = rfc3339Nanos(startMs, startNanos);
  const receivedMs = startMs + durationMs + int(random, 5000, 30000);
  const received = rfc3339Nanos(receivedMs, int(random, 0, 999_999));
  const entry: Record<string, unknown> = {
    insertId: alnum(random, 13),
    jsonPayload: payload,
    logName: `projects/${vm.project}/logs/compute.googleapis.com%2Fvpc_flows`,
    receiveTimestamp: received,
    resource: {
      labels: {
        location: vm.region,
        project_id: vm.project,
        subnetwork_id: vm.subnetId,
        subnetwork_name: vm.subnet,
      },
      type: "gce_subnetwork",
    },
    timestamp: received,
  };
  const row: TruthRow = {
    line,
    startMs,
    endMs: startMs + durationMs,
    srcAddr: srcIp,
    dstAddr: destIp,
    srcPort: icmp ? 0 : shape.clientPort,
    dstPort: icmp ? 0 : shape.serverPort,
    protocol: shape.protocol,
    bytes: shape.bytes,
    packets: shape.packets,
    direction: src ? "egress" : "ingress",
    ...(settings.subnetAddresses ? { nearAddr: localIp } : {}),
    context: {
      provider: "gcp",
      account: vm.project,
      region: vm.region,
      zone: vm.zone,
      vpc: vm.vpc,
      subnet: vm.subnet,
      instance: vm.name,
      interface: "",
    },
  };
  return { entry, row };
}

/** A firewall-rules log entry: well-formed Cloud Logging JSON, not a flow record. */
function gcpOtherEntry(random: Random, vm: GcpVm, ms: number): Record<string, unknown> {
  const time = rfc3339Nanos(ms, int(random, 0, 999_999));
  return {
    insertId: alnum(random, 13),
    jsonPayload: {
      connection: {
        dest_ip: privateIpv4(random),
        dest_port: 22,
        protocol: 6,
        src_ip: publicIpv4(random),
        src_port: 40000,
      },
      disposition: "DENIED",
      rule_details: {
        action: "DENY",
        direction: "INGRESS",
        priority: 1000,
        reference: "network:default/firewall:deny-ssh",
      },
    },
    logName: `projects/${vm.project}/logs/compute.googleapis.com%2Ffirewall`,
    receiveTimestamp: time,
    resource: {
      labels: { project_id: vm.project, subnetwork_name: vm.subnet },
      type: "gce_subnetwork",
    },
    timestamp: time,
  };
}

/** Writes GCP VPC Flow Logs entries in one of the export shapes. */
export async function writeGcpVpcLog(
  path: string,
  options: GcpVpcLogOptions,
): Promise<CloudLogTruth> {
  const random = createSeededRandom(options.seed);
  const vms = gcpVms(random, options.projects ?? 2);
  const settings = {
    ipv6Share: share(options.ipv6Share, 0),
    reporterMix: share(options.reporterMix, 0.5),
    startMs: options.startMs ?? DEFAULT_START_MS,
    subnetAddresses: options.subnetAddresses === true,
  };
  const malformedShare = share(options.malformedShare, 0);
  const otherShare = share(options.otherLogShare, 0);
  const builder = new TruthBuilder(options.keepRows ?? false, false, true);
  const sink = new TextSink(path, options.gzip ?? false);
  const array = options.style === "logentry-array";
  const payloadOnly = options.style === "payload-ndjson";
  if (array) sink.push("[\n");
  for (let index = 0; index < options.records; index++) {
    if (array && index > 0) sink.push(",\n");
    const line = sink.line;
    builder.truth.units++;
    let entry: Record<string, unknown>;
    let row: TruthRow | undefined;
    let skip: string | undefined;
    let cut = false;
    const draw = random();
    if (draw < otherShare && !payloadOnly) {
      entry = gcpOtherEntry(random, pick(random, vms), settings.startMs + index * 50);
      skip = "not-flow-log";
    } else {
      ({ entry, row } = gcpEntry(random, vms, settings, index, line));
      if (random() < malformedShare) {
        row = undefined;
        const payload = entry["jsonPayload"] as Record<string, unknown>;
        const connection = payload["connection"] as Record<string, unknown>;
        const kind = int(random, 0, array ? 2 : 3);
        if (kind === 0) connection["src_ip"] = `10.0.0.${int(random, 256, 999)}`;
        else if (kind === 1) payload["bytes_sent"] = "12ab";
        else if (kind === 2) delete payload["connection"];
        else cut = true;
        skip = cut ? "bad-json" : "bad-field";
      }
    }
    const value = payloadOnly ? entry["jsonPayload"] : entry;
    let text: string;
    if (array) {
      text = JSON.stringify(value, null, 2).replace(/^/gm, "  ");
    } else {
      text = JSON.stringify(value);
      // Cut inside a string value (the insertId or first payload string): a raw line break in
      // a string is what a torn NDJSON line looks like to any reader.
      if (cut) text = text.slice(0, text.indexOf(':"') + 4);
      text += "\n";
    }
    sink.push(text);
    if (row) builder.row(row);
    if (skip !== undefined) builder.skip(skip);
    await sink.maybeFlush();
  }
  if (array) sink.push(options.records > 0 ? "\n]\n" : "]\n");
  builder.truth.lines = await sink.end();
  builder.truth.textBytes = sink.textBytes;
  return builder.truth;
}

// ---------------------------------------------------------------------------------------------
// Azure NSG and VNet flow logs

export interface AzureLogOptions {
  /** Records in the blob's `records` array. */
  records: number;
  /** Flow tuples per record (spread over one to three rules). */
  tuplesPerRecord: number;
  seed: number;
  ipv6Share?: number;
  /** Share of malformed tuples: wrong field count, bad address, bad protocol (default 0). */
  malformedShare?: number;
  /** Share of records of another category (NSG rule counters), not flow logs (default 0). */
  otherCategoryShare?: number;
  /** `compact` (default: one line, as the blobs are) or `pretty` (4-space, as the docs). */
  layout?: "compact" | "pretty";
  /** MAC addresses (NICs) to spread records over (default 4). */
  macAddresses?: number;
  startMs?: number;
  keepRows?: boolean;
}

export interface AzureNsgLogOptions extends AzureLogOptions {
  /** 1: 8-field tuples; 2: 13 fields with state and counters. */
  version: 1 | 2;
}

interface AzureNic {
  mac: string;
  subscription: string;
  resourceGroup: string;
  nsg: string;
  vnet: string;
  site: number;
}

function azureNics(random: Random, count: number): AzureNic[] {
  const subscription = `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`;
  return Array.from({ length: Math.max(1, count) }, (_, site) => ({
    mac: hex(random, 12).toUpperCase(),
    subscription,
    resourceGroup: `RG-${site % 2}`,
    nsg: `VM${site}-NSG`,
    vnet: `vnet-${site % 2}`,
    site,
  }));
}

function nsgResourceId(nic: AzureNic): string {
  return `/SUBSCRIPTIONS/${nic.subscription.toUpperCase()}/RESOURCEGROUPS/${nic.resourceGroup.toUpperCase()}/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/${nic.nsg.toUpperCase()}`;
}

function vnetTargetId(nic: AzureNic): string {
  return `/subscriptions/${nic.subscription}/resourceGroups/${nic.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${nic.vnet}`;
}

type AzureFormat = "nsg1" | "nsg2" | "vnet";

interface AzureTuple {
  text: string;
  rows: TruthRow[];
  skip?: string;
}

const AZURE_INBOUND_RULES = [
  "DefaultRule_DenyAllInBound",
  "UserRule_default-allow-rdp",
  "UserRule_allow-https",
];
const AZURE_OUTBOUND_RULES = ["DefaultRule_AllowInternetOutBound", "DefaultRule_AllowVnetOutBound"];

function azureTuple(
  random: Random,
  format: AzureFormat,
  nic: AzureNic,
  rule: string,
  timeMs: number,
  line: number,
  settings: { ipv6Share: number; malformedShare: number },
): AzureTuple {
  const isIpv6 = random() < settings.ipv6Share;
  const shape = flowShape(random, isIpv6);
  // Tuples in v1/v2 carry T or U only: keep the protocol set each version can say.
  const protocol = format === "vnet" ? shape.protocol : shape.protocol === 6 ? 6 : 17;
  const icmp = protocol === 1 || protocol === 58;
  const inbound = !rule.includes("OutBound");
  const deny = rule.includes("Deny");
  const local = isIpv6 ? ipv6(random, nic.site) : privateIpv4(random);
  const remote = isIpv6 ? ipv6(random, 1000 + int(random, 0, 99)) : publicIpv4(random);
  const [src, dst] = inbound ? [remote, local] : [local, remote];
  const srcPort = icmp ? 0 : shape.clientPort;
  const dstPort = icmp ? 0 : shape.serverPort;
  const direction: TruthDirection = inbound ? "ingress" : "egress";
  const action: ObservedAction = deny ? "reject" : "accept";
  const time = format === "vnet" ? timeMs : Math.floor(timeMs / 1000);
  const rowMs = format === "vnet" ? timeMs : time * 1000;
  // State: v1 none; v2 B (begin, no counters), C (continuing), E (end); VNet adds D (denied).
  const state = deny ? (format === "vnet" ? "D" : "B") : pick(random, ["B", "C", "E", "E"]);
  const hasCounters = format !== "nsg1" && (state === "C" || state === "E");
  const reply = hasCounters && random() < 0.85;
  const packetsForward = hasCounters ? shape.packets : 0;
  const bytesForward = hasCounters ? shape.bytes : 0;
  const packetsReverse = reply ? Math.max(1, Math.floor(shape.packets * (0.5 + random()))) : 0;
  const bytesReverse = reply ? packetsReverse * int(random, 40, 1500) : 0;
  const fields: string[] = [String(time), src, dst, String(srcPort), String(dstPort)];
  if (format === "vnet") {
    fields.push(String(protocol), inbound ? "I" : "O", state, "NX");
    if (hasCounters || random() < 0.7) {
      fields.push(
        String(packetsForward),
        String(bytesForward),
        String(packetsReverse),
        String(bytesReverse),
      );
    } else {
      fields.push("", "", "", ""); // The docs' bandwidth example: B tuples with empty counters.
    }
  } else {
    fields.push(protocol === 6 ? "T" : "U", inbound ? "I" : "O", deny ? "D" : "A");
    if (format === "nsg2") {
      fields.push(state);
      if (hasCounters) {
        fields.push(
          String(packetsForward),
          String(bytesForward),
          String(packetsReverse),
          String(bytesReverse),
        );
      } else {
        fields.push("", "", "", "");
      }
    }
  }
  const context: CloudContext = {
    provider: "azure",
    account: nic.subscription,
    region: "",
    zone: "",
    vpc: format === "vnet" ? vnetTargetId(nic) : nsgResourceId(nic),
    subnet: "",
    instance: "",
    interface: nic.mac,
  };
  if (random() < settings.malformedShare) {
    const kind = int(random, 0, 2);
    if (kind === 0) return { text: fields.slice(0, -1).join(","), rows: [], skip: "field-count" };
    if (kind === 1) fields[1] = `10.0.0.${int(random, 256, 999)}`;
    else fields[5] = format === "vnet" ? "tcp" : "X";
    return { text: fields.join(","), rows: [], skip: "bad-field" };
  }
  const rows: TruthRow[] = [
    {
      line,
      startMs: rowMs,
      endMs: rowMs,
      srcAddr: src,
      dstAddr: dst,
      srcPort,
      dstPort,
      protocol,
      bytes: bytesForward,
      packets: packetsForward,
      action,
      direction,
      context,
    },
  ];
  if (packetsReverse > 0 || bytesReverse > 0) {
    rows.push({
      line,
      startMs: rowMs,
      endMs: rowMs,
      srcAddr: dst,
      dstAddr: src,
      srcPort: dstPort,
      dstPort: srcPort,
      protocol,
      bytes: bytesReverse,
      packets: packetsReverse,
      action,
      direction: inbound ? "egress" : "ingress",
      context,
    });
  }
  return { text: fields.join(","), rows };
}

/** Azure writes `time` with seven fraction digits. */
function azureTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000Z`;
}

async function writeAzureLog(
  path: string,
  format: AzureFormat,
  options: AzureLogOptions,
): Promise<CloudLogTruth> {
  const random = createSeededRandom(options.seed);
  const nics = azureNics(random, options.macAddresses ?? 4);
  const settings = {
    ipv6Share: share(options.ipv6Share, 0),
    malformedShare: share(options.malformedShare, 0),
  };
  const otherShare = share(options.otherCategoryShare, 0);
  const pretty = options.layout === "pretty";
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const systemId = `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`;
  const builder = new TruthBuilder(options.keepRows ?? false, true, true);
  const sink = new TextSink(path, false);
  sink.push(pretty ? '{\n    "records": [\n' : '{"records":[');
  for (let index = 0; index < options.records; index++) {
    if (index > 0) sink.push(pretty ? ",\n" : ",");
    const line = sink.line;
    builder.truth.units++;
    const nic = pick(random, nics);
    // One record per minute per NIC, as the services write them.
    const recordMs = startMs + index * 60_000;
    let record: Record<string, unknown>;
    if (random() < otherShare) {
      record = {
        time: azureTime(recordMs),
        systemId,
        category: "NetworkSecurityGroupRuleCounter",
        resourceId: nsgResourceId(nic),
        operationName: "NetworkSecurityGroupCounters",
        properties: {
          vnetResourceGuid: `{${systemId.toUpperCase()}}`,
          subnetPrefix: "10.0.0.0/24",
          macAddress: nic.mac,
          primaryIPv4Address: "10.0.0.4",
          ruleName: "DefaultRule_DenyAllInBound",
          direction: "In",
          type: "block",
          matchedConnections: int(random, 0, 99),
        },
      };
      builder.skip("not-flow-log");
    } else {
      const rules = [pick(random, AZURE_INBOUND_RULES), pick(random, AZURE_OUTBOUND_RULES)];
      if (random() < 0.5) rules.push(pick(random, AZURE_INBOUND_RULES));
      const groups = rules.map((rule) => ({ rule, tuples: [] as string[] }));
      for (let tuple = 0; tuple < options.tuplesPerRecord; tuple++) {
        const group = groups[tuple % groups.length]!;
        const timeMs = recordMs - 60_000 + int(random, 0, 59_999);
        const made = azureTuple(random, format, nic, group.rule, timeMs, line, settings);
        group.tuples.push(made.text);
        for (const row of made.rows) builder.row(row);
        if (made.skip !== undefined) builder.skip(made.skip);
      }
      const used = groups.filter((group) => group.tuples.length > 0);
      if (format === "vnet") {
        record = {
          time: azureTime(recordMs),
          flowLogVersion: 4,
          flowLogGUID: `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`,
          macAddress: nic.mac,
          category: "FlowLogFlowEvent",
          flowLogResourceID: `/SUBSCRIPTIONS/${nic.subscription.toUpperCase()}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/VNETFLOWLOG`,
          targetResourceID: vnetTargetId(nic),
          operationName: "FlowLogFlowEvent",
          flowRecords: {
            flows: [
              {
                aclID: `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`,
                flowGroups: used.map((group) => ({ rule: group.rule, flowTuples: group.tuples })),
              },
            ],
          },
        };
      } else {
        record = {
          time: azureTime(recordMs),
          systemId,
          category: "NetworkSecurityGroupFlowEvent",
          resourceId: nsgResourceId(nic),
          operationName: "NetworkSecurityGroupFlowEvents",
          properties: {
            Version: format === "nsg1" ? 1 : 2,
            flows: used.map((group) => ({
              rule: group.rule,
              flows: [{ mac: nic.mac, flowTuples: group.tuples }],
            })),
          },
        };
      }
    }
    sink.push(
      pretty ? JSON.stringify(record, null, 4).replace(/^/gm, "        ") : JSON.stringify(record),
    );
    await sink.maybeFlush();
  }
  sink.push(pretty ? "\n    ]\n}\n" : "]}");
  builder.truth.lines = await sink.end();
  builder.truth.textBytes = sink.textBytes;
  return builder.truth;
}

/** Writes an Azure NSG flow-log blob (`PT1H.json`), Version 1 or 2. */
export function writeAzureNsgLog(
  path: string,
  options: AzureNsgLogOptions,
): Promise<CloudLogTruth> {
  return writeAzureLog(path, options.version === 1 ? "nsg1" : "nsg2", options);
}

/** Writes an Azure VNet flow-log blob (`flowLogVersion` 4). */
export function writeAzureVnetLog(path: string, options: AzureLogOptions): Promise<CloudLogTruth> {
  return writeAzureLog(path, "vnet", options);
}

export interface AzureBlobPathOptions {
  kind: "nsg" | "vnet";
  subscription: string;
  /** NSG: its resource group; VNet: the network watcher's (default NETWORKWATCHERRG). */
  resourceGroup?: string;
  /** NSG name, or the VNet flow log's name. */
  name: string;
  /** VNet: the network watcher's region (NETWORKWATCHER_<REGION>). */
  region?: string;
  /** The hour the blob holds. */
  time: Date;
  /** NIC MAC, 12 hex digits. */
  macAddress: string;
}

/**
 * The blob path Azure writes flow logs to (Microsoft docs, "NSG flow logs" and "VNet flow
 * logs" overviews): `insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/<id>/
 * RESOURCEGROUPS/<rg>/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/<nsg>/y=YYYY/m=MM/d=DD/
 * h=HH/m=00/macAddress=<mac>/PT1H.json`, and for VNet flow logs the container
 * `insights-logs-flowlogflowevent` with `flowLogResourceID=/SUBSCRIPTIONS/<id>/RESOURCEGROUPS/
 * NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_<REGION>/FLOWLOGS/
 * <name>/…`.
 */
export function azureBlobPath(options: AzureBlobPathOptions): string {
  const time = options.time;
  const pad = (value: number): string => String(value).padStart(2, "0");
  const partitions = `y=${time.getUTCFullYear()}/m=${pad(time.getUTCMonth() + 1)}/d=${pad(time.getUTCDate())}/h=${pad(time.getUTCHours())}/m=00/macAddress=${options.macAddress.toUpperCase()}/PT1H.json`;
  const subscription = options.subscription.toUpperCase();
  if (options.kind === "nsg") {
    const group = (options.resourceGroup ?? "").toUpperCase();
    return `insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/${subscription}/RESOURCEGROUPS/${group}/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/${options.name.toUpperCase()}/${partitions}`;
  }
  const group = (options.resourceGroup ?? "NETWORKWATCHERRG").toUpperCase();
  const region = (options.region ?? "eastus").toUpperCase();
  return `insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/${subscription}/RESOURCEGROUPS/${group}/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_${region}/FLOWLOGS/${options.name.toUpperCase()}/${partitions}`;
}
