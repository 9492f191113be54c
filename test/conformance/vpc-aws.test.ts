import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { FlowBatch } from "../../src/core/index.ts";
import type { DecodedFlow } from "../../src/core/index.ts";
import {
  AWS_VPC_DEFAULT_FORMAT,
  AWS_VPC_FIELDS,
  createAwsVpcDecoder,
} from "../../src/decoders/aws-vpc/index.ts";
import type { AwsVpcDecoder } from "../../src/decoders/aws-vpc/index.ts";
import { createFlowLogTally } from "../../src/decoders/flow-log/index.ts";
import type { FlowLogTally } from "../../src/decoders/flow-log/index.ts";
import { AWS_ALL_FIELDS, writeAwsVpcLog } from "../helpers/cloud-logs.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";

// Conformance of the AWS VPC Flow Logs decoder with shared/corpus/vpc-aws (MANIFEST.md): the
// AWS documentation's examples, and OpenTelemetry's awslogsencodingextension fixtures with
// their expected log records (*.otel-expected.yaml) where the corpus has them.

const corpus = corpusDir();
const haveCorpus = peerAvailable("the shared corpus", corpus !== undefined);
const folder = corpus === undefined ? "" : path.join(corpus, "vpc-aws");

interface Decoded {
  rows: DecodedFlow[];
  tally: FlowLogTally;
  batch: FlowBatch;
}

/** Feeds a text file line by line, as the importer does (newline excluded, last line unended). */
function decodeFile(name: string, decoder: AwsVpcDecoder = createAwsVpcDecoder()): Decoded {
  const bytes = readFileSync(path.isAbsolute(name) ? name : path.join(folder, name));
  const batch = new FlowBatch(4);
  const tally = createFlowLogTally();
  let start = 0;
  let line = 1;
  for (let at = 0; at <= bytes.length; at++) {
    if (at === bytes.length || bytes[at] === 10) {
      // Nothing after the last newline is not a line; an empty line inside is (a blank).
      if (at < bytes.length || at > start) decoder.decodeLine(bytes, start, at, line, batch, tally);
      start = at + 1;
      line++;
    }
  }
  return { rows: batch.decodedRows(), tally, batch };
}

function decodeEnvelope(name: string, decoder: AwsVpcDecoder): Decoded {
  const batch = new FlowBatch(4);
  const tally = createFlowLogTally();
  decoder.decodeEntry(JSON.parse(readFileSync(path.join(folder, name), "utf8")), 1, batch, tally);
  return { rows: batch.decodedRows(), tally, batch };
}

/** The attributes of the first log record of an OTel expected-logs YAML, key → value text. */
function otelAttributes(name: string): {
  resource: Map<string, string>;
  record: Map<string, string>;
} {
  interface Attribute {
    key: string;
    value: { stringValue?: string; intValue?: string };
  }
  interface OtelLogs {
    resourceLogs: {
      resource: { attributes: Attribute[] };
      scopeLogs: { logRecords: { attributes: Attribute[] }[] }[];
    }[];
  }
  const logs = parseYaml(readFileSync(path.join(folder, name), "utf8")) as OtelLogs;
  const toMap = (attributes: Attribute[]) =>
    new Map(attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? ""]));
  const resourceLog = logs.resourceLogs[0]!;
  return {
    resource: toMap(resourceLog.resource.attributes),
    record: toMap(resourceLog.scopeLogs[0]!.logRecords[0]!.attributes),
  };
}

const CONTEXT_NONE = {
  provider: "aws",
  account: "",
  region: "",
  zone: "",
  vpc: "",
  subnet: "",
  instance: "",
  interface: "",
} as const;

/** Every corpus file and what checks it: a new file in the folder fails until it is covered. */
const COVERED = new Set([
  "awsdocs-custom-nat-gateway.log",
  "awsdocs-field-versions.json",
  "awsdocs-v2-default-format.log",
  "awsdocs-v3-custom-tcp-flags.log",
  "awsdocs-v3-custom-transit-gateway-path.log",
  "awsdocs-v5-custom-service-traffic-path.log",
  "otel-cloudwatch-subscription-custom.json",
  "otel-cloudwatch-subscription-default.json",
  "otel-v2-default-accept-reject.log",
  "otel-v2-default-nodata.log",
  "otel-v2-default-nodata.otel-expected.yaml",
  "otel-v2-too-many-fields.log",
  "otel-v5-ecs-fields.log",
  "otel-v5-ecs-fields.otel-expected.yaml",
  "otel-v6-transit-gateway.log",
]);

describe.skipIf(!haveCorpus)("AWS VPC Flow Logs corpus (shared/corpus/vpc-aws)", () => {
  it("covers every file of the folder", () => {
    expect(readdirSync(folder).sort()).toEqual([...COVERED].sort());
  });

  it("awsdocs-v2-default-format: ACCEPT, REJECT, ICMP pair and IPv6 rows; NODATA and SKIPDATA skipped", () => {
    const { rows, tally } = decodeFile("awsdocs-v2-default-format.log");
    expect(tally).toMatchObject({
      records: 5,
      units: 8,
      skipped: { header: 1, nodata: 1, skipdata: 1 },
      examples: [],
    });
    const context = {
      ...CONTEXT_NONE,
      account: "123456789010",
      interface: "eni-1235b8ca123456789",
    };
    expect(rows[0]).toEqual({
      startMs: 1418530010000,
      endMs: 1418530070000,
      exporterAddr: "::",
      source: "aws-vpc",
      inIf: 0,
      outIf: 0,
      ipVersion: 4,
      srcAddr: "172.31.16.139",
      dstAddr: "172.31.16.21",
      srcPort: 20641,
      dstPort: 22,
      protocol: 6,
      tcpFlags: 0,
      tos: 0,
      srcAs: 0,
      dstAs: 0,
      srcMaskLen: 0,
      dstMaskLen: 0,
      nextHop: "",
      sampledBytes: 4249,
      sampledPackets: 20,
      samplingRate: 1,
      samplingRateKnown: true,
      cloud: context,
      observedAction: "accept",
    });
    expect(rows[1]).toMatchObject({ dstPort: 3389, observedAction: "reject" });
    // ICMP: "0 0" ports, as AWS writes them.
    expect(rows.slice(2, 4).map((row) => [row.protocol, row.srcPort, row.dstPort])).toEqual([
      [1, 0, 0],
      [1, 0, 0],
    ]);
    expect(rows[4]).toMatchObject({
      ipVersion: 6,
      srcAddr: "2001:db8:1234:a100:8d6e:3477:df66:f105",
      dstAddr: "2001:db8:1234:a102:3304:8879:34cf:4071",
      sampledPackets: 54,
      sampledBytes: 8855,
    });
  });

  it("awsdocs-v3-custom-tcp-flags: 21 fields, tcp-flags, the docs' double space", () => {
    const { rows, tally } = decodeFile("awsdocs-v3-custom-tcp-flags.log");
    expect(tally).toMatchObject({ records: 8, units: 9, skipped: { header: 1 } });
    expect(rows.map((row) => row.tcpFlags)).toEqual([2, 18, 2, 18, 1, 1, 3, 19]);
    // The last record has two spaces before pkt-srcaddr: its fields are not shifted.
    expect(rows[7]).toMatchObject({
      srcAddr: "10.0.0.62",
      dstAddr: "52.213.180.42",
      srcPort: 5001,
      dstPort: 43638,
      sampledBytes: 967,
      sampledPackets: 14,
    });
    expect(rows[0]!.cloud).toEqual({
      ...CONTEXT_NONE,
      account: "123456789010",
      vpc: "vpc-abcdefab012345678",
      subnet: "subnet-aaaaaaaa012345678",
      instance: "i-01234567890123456",
      interface: "eni-1235b8ca123456789",
    });
    // type IPv4 and pkt-* equal to the addresses say nothing new: no extra.
    expect(rows.every((row) => row.extra === undefined)).toBe(true);
  });

  it("awsdocs-v3-custom-transit-gateway-path: pkt-* kept where the requester-managed ENI rewrote the address", () => {
    const { rows, tally } = decodeFile("awsdocs-v3-custom-transit-gateway-path.log");
    expect(tally).toMatchObject({ records: 4, skipped: { header: 1 } });
    expect(rows.map((row) => row.extra)).toEqual([
      undefined,
      undefined,
      { "pkt-srcaddr": "10.20.33.164" },
      { "pkt-dstaddr": "10.20.33.164" },
    ]);
    expect(rows[2]!.cloud).toMatchObject({ instance: "", interface: "eni-11111111111111111" });
    // No start/end in this format: the rows have no time (the importer must supply one).
    expect(rows[0]).toMatchObject({ startMs: 0, endMs: 0 });
  });

  it("awsdocs-v5-custom-service-traffic-path: region, az-id, flow-direction, services and traffic-path", () => {
    const { rows, tally } = decodeFile("awsdocs-v5-custom-service-traffic-path.log");
    expect(tally).toMatchObject({ records: 2, skipped: { header: 1 } });
    const context = {
      provider: "aws",
      account: "123456789012",
      region: "ap-southeast-2",
      zone: "apse2-az3",
      vpc: "vpc-abcdefab012345678",
      subnet: "subnet-aaaaaaaa012345678",
      instance: "i-0c50d5961bcb2d47b",
      interface: "eni-1235b8ca123456789",
    };
    expect(rows[0]).toMatchObject({
      srcAddr: "52.95.128.179",
      dstAddr: "10.0.0.71",
      flowDirection: 0,
      tcpFlags: 19,
      sampledPackets: 14,
      sampledBytes: 15044,
      cloud: context,
      extra: { "pkt-src-aws-service": "S3" },
    });
    expect(rows[1]).toMatchObject({
      flowDirection: 1,
      tcpFlags: 3,
      extra: { "pkt-dst-aws-service": "S3", "traffic-path": 8 },
    });
  });

  it("awsdocs-custom-nat-gateway: no version field; pkt-* kept only where NAT changed them", () => {
    const { rows, tally } = decodeFile("awsdocs-custom-nat-gateway.log");
    expect(tally).toMatchObject({ records: 6, units: 7, skipped: { header: 1 } });
    expect(rows.map((row) => [row.srcAddr, row.dstAddr, row.extra])).toEqual([
      ["10.0.1.5", "10.0.0.220", { "pkt-dstaddr": "203.0.113.5" }],
      ["10.0.0.220", "203.0.113.5", undefined],
      ["203.0.113.5", "10.0.0.220", undefined],
      ["10.0.0.220", "10.0.1.5", { "pkt-srcaddr": "203.0.113.5" }],
      ["10.0.1.5", "203.0.113.5", undefined],
      ["203.0.113.5", "10.0.1.5", undefined],
    ]);
    expect(rows[0]!.cloud).toEqual({ ...CONTEXT_NONE, interface: "eni-1235b8ca123456789" });
    expect(rows[4]!.cloud).toMatchObject({ instance: "i-01234567890123456" });
  });

  it("otel-v2-default-accept-reject: a last line without its newline", () => {
    const { rows, tally } = decodeFile("otel-v2-default-accept-reject.log");
    expect(tally).toMatchObject({ records: 2, units: 3, skipped: { header: 1 } });
    expect(rows.map((row) => row.observedAction)).toEqual(["accept", "reject"]);
  });

  it("otel-v2-default-nodata: the expected record is a NODATA status, which adds no row", () => {
    const { rows, tally } = decodeFile("otel-v2-default-nodata.log");
    const expected = otelAttributes("otel-v2-default-nodata.otel-expected.yaml");
    expect(expected.record.get("aws.vpc.flow.status")).toBe("NODATA");
    expect(rows).toEqual([]);
    expect(tally).toMatchObject({ units: 2, skipped: { header: 1, nodata: 1 }, examples: [] });
  });

  it("otel-v2-too-many-fields: one field more than the header is field-count", () => {
    const { rows, tally } = decodeFile("otel-v2-too-many-fields.log");
    expect(rows).toEqual([]);
    expect(tally.skipped).toEqual({ header: 1, "field-count": 1 });
    expect(tally.examples).toEqual([
      { line: 2, code: "field-count", detail: "15 fields, the format has 14" },
    ]);
  });

  it("otel-v5-ecs-fields: every attribute of OTel's expected record", () => {
    const { rows, tally } = decodeFile("otel-v5-ecs-fields.log");
    expect(tally).toMatchObject({ records: 1, units: 2, skipped: { header: 1 } });
    const row = rows[0]!;
    const { resource, record } = otelAttributes("otel-v5-ecs-fields.otel-expected.yaml");
    expect(row.cloud?.account).toBe(resource.get("cloud.account.id"));
    expect(row.cloud?.interface).toBe(record.get("network.interface.name"));
    expect(row.srcAddr).toBe(record.get("source.address"));
    expect(row.dstAddr).toBe(record.get("destination.address"));
    expect(String(row.srcPort)).toBe(record.get("source.port"));
    expect(String(row.dstPort)).toBe(record.get("destination.port"));
    expect(record.get("network.protocol.name")).toBe("tcp");
    expect(row.protocol).toBe(6);
    expect(String(row.sampledPackets)).toBe(record.get("aws.vpc.flow.packets"));
    expect(String(row.sampledBytes)).toBe(record.get("aws.vpc.flow.bytes"));
    expect(String(row.startMs / 1000)).toBe(record.get("aws.vpc.flow.start"));
    expect(row.observedAction?.toUpperCase()).toBe(record.get("aws.vpc.flow.action"));
    // OTel names the ECS fields aws.ecs.<field with dots>; the extra keeps AWS's own names.
    const ecs = Object.entries(row.extra ?? {});
    expect(ecs).toHaveLength(10);
    for (const [field, value] of ecs) {
      const otelKey = "aws." + field.replace(/-/g, ".");
      expect(value, field).toBe(record.get(otelKey));
    }
  });

  it("otel-v6-transit-gateway: TGW fields kept in extra, packets-lost-* as numbers", () => {
    const { rows, tally } = decodeFile("otel-v6-transit-gateway.log");
    expect(tally).toMatchObject({ records: 1, units: 2, skipped: { header: 1 } });
    expect(rows[0]).toMatchObject({
      srcAddr: "10.0.0.1",
      dstAddr: "10.0.1.1",
      srcPort: 12345,
      dstPort: 443,
      protocol: 6,
      sampledPackets: 10,
      sampledBytes: 1000,
      tcpFlags: 2,
      flowDirection: 0,
      startMs: 1700000000000,
      endMs: 1700000060000,
      cloud: { ...CONTEXT_NONE, account: "123456789012", region: "us-east-1" },
    });
    expect(rows[0]!.extra).toMatchObject({
      "tgw-id": "tgw-0abc12345def67890",
      "tgw-src-eni": "eni-0abc12345def67890",
      "tgw-dst-az-id": "use1-az2",
      "packets-lost-no-route": 1,
      "packets-lost-blackhole": 2,
      "packets-lost-mtu-exceeded": 3,
      "packets-lost-ttl-expired": 4,
    });
  });

  it("otel-cloudwatch-subscription-default: a CloudWatch Logs envelope of default-format lines", () => {
    const { rows, tally } = decodeEnvelope(
      "otel-cloudwatch-subscription-default.json",
      createAwsVpcDecoder(),
    );
    expect(tally).toMatchObject({ records: 2, units: 2, skipped: {} });
    expect(rows.map((row) => [row.srcAddr, row.dstPort, row.observedAction])).toEqual([
      ["172.31.16.139", 22, "accept"],
      ["172.31.9.69", 3389, "reject"],
    ]);
  });

  it("otel-cloudwatch-subscription-custom: needs its format as config", () => {
    // OTel's test (unmarshaler_test.go, "Valid VPC flow log from CloudWatch with customized
    // fields") configures `format: "version interface-id srcaddr dstaddr"`, and its expected
    // records (valid_vpc_flow_cw_custom_expected.yaml) hold exactly those four attributes.
    const unconfigured = decodeEnvelope(
      "otel-cloudwatch-subscription-custom.json",
      createAwsVpcDecoder(),
    );
    expect(unconfigured.rows).toEqual([]);
    expect(unconfigured.tally.skipped).toEqual({ "no-format": 2 });

    const { rows, tally } = decodeEnvelope(
      "otel-cloudwatch-subscription-custom.json",
      createAwsVpcDecoder({ format: ["version", "interface-id", "srcaddr", "dstaddr"] }),
    );
    expect(tally).toMatchObject({ records: 2, units: 2, skipped: {} });
    // No account-id in the format: the envelope's owner stands in; no start/end: the event time.
    const context = {
      ...CONTEXT_NONE,
      account: "123456789012",
      interface: "eni-1235b8ca123456789",
    };
    expect(rows.map((row) => [row.srcAddr, row.dstAddr, row.startMs, row.cloud])).toEqual([
      ["172.31.16.139", "172.31.16.21", 1733430000000, context],
      ["172.31.9.69", "172.31.9.12", 1733430001000, context],
    ]);
  });

  it("awsdocs-field-versions: every documented field and version is known to the decoder", () => {
    const documented = JSON.parse(
      readFileSync(path.join(folder, "awsdocs-field-versions.json"), "utf8"),
    ) as {
      default_v2_format: string;
      fields: { field: string; version: number; parquet_type: string }[];
    };
    const known = new Map<string, (typeof AWS_VPC_FIELDS)[number]>(
      AWS_VPC_FIELDS.map((field) => [field.name, field]),
    );
    for (const field of documented.fields) {
      expect(known.get(field.field), field.field).toMatchObject({
        version: field.version,
        parquetType: field.parquet_type,
      });
    }
    expect(AWS_VPC_DEFAULT_FORMAT.join(" ")).toBe(documented.default_v2_format);
  });

  it("one context object per distinct interface across a file", () => {
    const { batch } = decodeFile("awsdocs-custom-nat-gateway.log");
    expect(batch.clouds).toHaveLength(2);
    expect([...batch.cloud.subarray(0, batch.length)]).toEqual([1, 1, 1, 1, 2, 2]);
  });
});

describe("AWS VPC Flow Logs written by test/helpers/cloud-logs.ts", () => {
  it.each([
    ["the default format", undefined],
    ["every field (v8, ECS included)", AWS_ALL_FIELDS],
  ])("%s: rows, skips and contexts equal the writer's truth", async (_name, fields) => {
    const dir = mkdtempSync(path.join(tmpdir(), "tollgate-aws-vpc-"));
    try {
      const file = path.join(dir, "flows.log");
      const truth = await writeAwsVpcLog(file, {
        records: 3000,
        seed: 11,
        ...(fields === undefined ? {} : { fields }),
        ipv6Share: 0.1,
        nodataShare: 0.03,
        skipdataShare: 0.02,
        doubleSpaceShare: 0.05,
        dashShare: 0.2,
        malformedShare: 0.05,
        keepRows: true,
      });
      const { rows, tally } = decodeFile(file);
      expect(tally.records).toBe(truth.records);
      expect(tally.units).toBe(truth.units);
      expect(tally.skipped).toEqual(truth.skipped);
      const expected = truth.rows!.map((row) => ({
        startMs: row.startMs,
        endMs: row.endMs,
        srcAddr: row.srcAddr,
        dstAddr: row.dstAddr,
        srcPort: row.srcPort,
        dstPort: row.dstPort,
        protocol: row.protocol,
        sampledBytes: row.bytes,
        sampledPackets: row.packets,
        observedAction: row.action,
        flowDirection:
          row.direction === undefined ? undefined : row.direction === "ingress" ? 0 : 1,
        cloud: row.context,
      }));
      const actual = rows.map((row) => ({
        startMs: row.startMs,
        endMs: row.endMs,
        srcAddr: row.srcAddr,
        dstAddr: row.dstAddr,
        srcPort: row.srcPort,
        dstPort: row.dstPort,
        protocol: row.protocol,
        sampledBytes: row.sampledBytes,
        sampledPackets: row.sampledPackets,
        observedAction: row.observedAction,
        flowDirection: row.flowDirection,
        cloud: row.cloud,
      }));
      expect(actual).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
