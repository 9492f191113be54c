/**
 * AWS VPC Flow Logs decode throughput on one core: lines/s of `createAwsVpcDecoder().decodeLine`
 * (rows into a reused FlowBatch) for generated default-format (v2, 14 fields) lines and for a
 * v5 custom format (29 fields, the documented service/traffic-path example's format), against a
 * naive decoder measured in the same run: `toString` per line, `line.split(" ")`, `Number()` per
 * numeric field, `textToWords` per address, a context key string per line.
 *
 *   npx tsx bench/decode-aws-vpc.ts
 *
 * Timed in process CPU time (see `cpuMs`). Input: 200,000 generated lines per format (8 ENIs in 2 accounts, random private/public
 * IPv4 addresses, 1 in 50 lines IPv6, 1 in 100 REJECT), as one buffer with its line offsets
 * found beforehand (finding line ends is the importer's job, not the decoder's).
 */
import {
  FLOW_DIRECTION_EGRESS,
  FLOW_DIRECTION_INGRESS,
  FlowBatch,
  flowSourceIndex,
  OBSERVED_ACTION_ACCEPT,
  OBSERVED_ACTION_REJECT,
  textToWords,
} from "../src/core/index.ts";
import type { CloudContext } from "../src/core/index.ts";
import { createFlowLogTally } from "../src/decoders/flow-log/index.ts";
import { AWS_VPC_DEFAULT_FORMAT, createAwsVpcDecoder } from "../src/decoders/aws-vpc/index.ts";

const RUNS = 5;
const LINES = 200_000;
const MIN_RUN_MS = 700;

const V5_FORMAT = [
  "version",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "start",
  "end",
  "type",
  "packets",
  "bytes",
  "account-id",
  "vpc-id",
  "subnet-id",
  "instance-id",
  "interface-id",
  "region",
  "az-id",
  "sublocation-type",
  "sublocation-id",
  "action",
  "tcp-flags",
  "pkt-srcaddr",
  "pkt-dstaddr",
  "pkt-src-aws-service",
  "pkt-dst-aws-service",
  "traffic-path",
  "flow-direction",
  "log-status",
];

/** A deterministic generator (xorshift32), so every run decodes the same lines. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

function generate(format: "v2" | "v5"): string[] {
  const next = random(format === "v2" ? 12345 : 67890);
  const int = (below: number) => Math.floor(next() * below);
  const v4 = (): string =>
    next() < 0.5
      ? `10.${int(256)}.${int(256)}.${int(256)}`
      : `${1 + int(223)}.${int(256)}.${int(256)}.${int(256)}`;
  const v6 = (): string => `2001:db8:${int(65536).toString(16)}::${int(65536).toString(16)}`;
  const lines: string[] = [(format === "v2" ? AWS_VPC_DEFAULT_FORMAT : V5_FORMAT).join(" ")];
  for (let index = 0; index < LINES; index++) {
    const six = index % 50 === 49;
    const src = six ? v6() : v4();
    const dst = six ? v6() : v4();
    const eni = int(8);
    const account = eni < 4 ? "123456789010" : "210987654321";
    const start = 1_700_000_000 + int(86_400);
    const end = start + int(60);
    const action = index % 100 === 99 ? "REJECT" : "ACCEPT";
    const protocol = [6, 6, 6, 17, 1][int(5)] ?? 6;
    const srcPort = protocol === 1 ? 0 : int(65536);
    const dstPort = protocol === 1 ? 0 : [443, 80, 22, 53][int(4)];
    const packets = 1 + int(10_000);
    const bytes = packets * (40 + int(1460));
    if (format === "v2") {
      lines.push(
        `2 ${account} eni-0a1b2c3d4e5f6078${eni} ${src} ${dst} ${srcPort} ${dstPort} ${protocol} ` +
          `${packets} ${bytes} ${start} ${end} ${action} OK`,
      );
    } else {
      const ingress = next() < 0.5;
      lines.push(
        `5 ${src} ${dst} ${srcPort} ${dstPort} ${protocol} ${start} ${end} ${six ? "IPv6" : "IPv4"} ` +
          `${packets} ${bytes} ${account} vpc-0abcdef01234567${eni % 2} subnet-0abcdef0123456${eni % 4}0 ` +
          `i-0c50d5961bcb2d47${eni} eni-0a1b2c3d4e5f6078${eni} ap-southeast-2 apse2-az${1 + (eni % 3)} - - ` +
          `${action} ${int(32)} ${src} ${dst} ${ingress && index % 7 === 0 ? "S3" : "-"} - ` +
          `${ingress ? "-" : String(1 + int(8))} ${ingress ? "ingress" : "egress"} OK`,
      );
    }
  }
  return lines;
}

interface Input {
  bytes: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
}

function toInput(lines: string[]): Input {
  const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
  const starts = new Int32Array(lines.length);
  const ends = new Int32Array(lines.length);
  let line = 0;
  let start = 0;
  for (let at = 0; at < bytes.length; at++) {
    if (bytes[at] === 10) {
      starts[line] = start;
      ends[line] = at;
      line++;
      start = at + 1;
    }
  }
  return { bytes, starts, ends };
}

/** One pass of Tollgate's decoder over every line; returns rows. */
function tollgatePass(input: Input, batch: FlowBatch): number {
  const decoder = createAwsVpcDecoder();
  const tally = createFlowLogTally();
  batch.clear();
  for (let line = 0; line < input.starts.length; line++) {
    decoder.decodeLine(
      input.bytes,
      input.starts[line] ?? 0,
      input.ends[line] ?? 0,
      line + 1,
      batch,
      tally,
    );
  }
  return tally.records;
}

const latin1 = new TextDecoder("latin1");
const AWS = flowSourceIndex("aws-vpc");

/** The naive decoder: strings all the way, the same columns filled. Returns rows. */
function naivePass(input: Input, batch: FlowBatch): number {
  batch.clear();
  const contexts = new Map<string, CloudContext>();
  let names: string[] = [];
  let rows = 0;
  for (let line = 0; line < input.starts.length; line++) {
    const text = latin1.decode(input.bytes.subarray(input.starts[line], input.ends[line]));
    const fields = text.split(" ");
    if (line === 0) {
      names = fields;
      continue;
    }
    if (fields.length !== names.length) continue;
    const row = batch.addRow();
    const context: Record<string, string> = {};
    let extra: Record<string, unknown> | undefined;
    let ok = true;
    for (let index = 0; index < fields.length && ok; index++) {
      const value = fields[index] ?? "-";
      if (value === "-") continue;
      switch (names[index] ?? "") {
        case "srcaddr":
          ok = textToWords(value, batch.srcAddr, row);
          batch.ipVersion[row] = value.includes(":") ? 6 : 4;
          break;
        case "dstaddr":
          ok = textToWords(value, batch.dstAddr, row);
          break;
        case "srcport":
          batch.srcPort[row] = Number(value);
          break;
        case "dstport":
          batch.dstPort[row] = Number(value);
          break;
        case "protocol":
          batch.protocol[row] = Number(value);
          break;
        case "packets":
          batch.sampledPackets[row] = Number(value);
          break;
        case "bytes":
          batch.sampledBytes[row] = Number(value);
          break;
        case "start":
          batch.startMs[row] = Number(value) * 1000;
          break;
        case "end":
          batch.endMs[row] = Number(value) * 1000;
          batch.receivedMs[row] = Number(value) * 1000;
          break;
        case "tcp-flags":
          batch.tcpFlags[row] = Number(value);
          break;
        case "action":
          batch.observedAction[row] =
            value === "ACCEPT" ? OBSERVED_ACTION_ACCEPT : OBSERVED_ACTION_REJECT;
          break;
        case "flow-direction":
          batch.flowDirection[row] =
            value === "ingress" ? FLOW_DIRECTION_INGRESS : FLOW_DIRECTION_EGRESS;
          break;
        case "account-id":
        case "interface-id":
        case "vpc-id":
        case "subnet-id":
        case "instance-id":
        case "region":
        case "az-id":
          context[names[index] ?? ""] = value;
          break;
        case "version":
        case "log-status":
        case "type":
        case "pkt-srcaddr":
        case "pkt-dstaddr":
          break;
        default:
          extra ??= {};
          extra[names[index] ?? ""] = /^\d+$/.test(value) ? Number(value) : value;
      }
    }
    if (!ok) {
      batch.dropLastRow();
      continue;
    }
    const key = JSON.stringify(context);
    let cloud = contexts.get(key);
    if (cloud === undefined) {
      cloud = {
        provider: "aws",
        account: context["account-id"] ?? "",
        region: context["region"] ?? "",
        zone: context["az-id"] ?? "",
        vpc: context["vpc-id"] ?? "",
        subnet: context["subnet-id"] ?? "",
        instance: context["instance-id"] ?? "",
        interface: context["interface-id"] ?? "",
      };
      contexts.set(key, cloud);
    }
    batch.cloud[row] = batch.internCloud(cloud);
    batch.source[row] = AWS;
    batch.samplingRateKnown[row] = 1;
    if (extra !== undefined) batch.setExtra(row, extra);
    rows++;
  }
  return rows;
}

/**
 * Process CPU time (user + system), not wall time: the decoder runs on one core, and on a
 * shared machine wall time also counts the time other processes held that core.
 */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function measure(label: string, pass: () => number): number {
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let lines = 0;
    const started = cpuMs();
    let elapsed = 0;
    do {
      lines += pass();
      elapsed = cpuMs() - started;
    } while (elapsed < MIN_RUN_MS);
    rates.push((lines / elapsed) * 1000);
  }
  const rate = median(rates);
  console.log(
    `${label.padEnd(30)} ${Math.round(rate).toLocaleString("en-US").padStart(11)} lines/s  ` +
      `${(1e9 / rate).toFixed(0).padStart(5)} ns/line  (median of ${RUNS})`,
  );
  return rate;
}

function main(): void {
  console.log(`node ${process.version}, ${LINES.toLocaleString("en-US")} lines per format\n`);
  const batch = new FlowBatch(LINES + 1);
  for (const format of ["v2", "v5"] as const) {
    const input = toInput(generate(format));
    const label = format === "v2" ? "v2 default (14 fields)" : "v5 custom (29 fields)";
    // Both decoders must agree on what they decoded before their speeds are compared.
    const ours = tollgatePass(input, batch);
    const naive = naivePass(input, batch);
    if (ours !== LINES || naive !== LINES) {
      throw new Error(`${label}: decoded ${ours} (tollgate) and ${naive} (naive) of ${LINES}`);
    }
    const tollgate = measure(`tollgate ${label}`, () => tollgatePass(input, batch));
    const baseline = measure(`naive split ${label}`, () => naivePass(input, batch));
    console.log(`ratio tollgate / naive: ${(tollgate / baseline).toFixed(2)}x\n`);
  }
}

main();
