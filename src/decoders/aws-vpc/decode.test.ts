import { describe, expect, it } from "vitest";
import { FlowBatch } from "../../core/index.ts";
import type { DecodedFlow } from "../../core/index.ts";
import { createFlowLogTally } from "../flow-log/index.ts";
import type { FlowLogTally } from "../flow-log/index.ts";
import { createAwsVpcDecoder } from "./decode.ts";
import type { AwsVpcDecoder, AwsVpcDecoderOptions } from "./decode.ts";

const HEADER =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
const ACCEPT_LINE =
  "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";

interface Run {
  rows: DecodedFlow[];
  tally: FlowLogTally;
  batch: FlowBatch;
  decoder: AwsVpcDecoder;
}

/** Decodes `text` line by line (split on "\n", as the importer does). */
function decode(text: string, options: AwsVpcDecoderOptions = {}, decoder?: AwsVpcDecoder): Run {
  const used = decoder ?? createAwsVpcDecoder(options);
  const bytes = new TextEncoder().encode(text);
  const batch = new FlowBatch(2);
  const tally = createFlowLogTally();
  let start = 0;
  let line = 1;
  for (let at = 0; at <= bytes.length; at++) {
    if (at === bytes.length || bytes[at] === 10) {
      used.decodeLine(bytes, start, at, line, batch, tally);
      start = at + 1;
      line++;
    }
  }
  return { rows: batch.decodedRows(), tally, batch, decoder: used };
}

/** The default line with field `index` (0-based) replaced. */
function withField(index: number, value: string): string {
  const fields = ACCEPT_LINE.split(" ");
  fields[index] = value;
  return fields.join(" ");
}

describe("AWS VPC lines", () => {
  it("reads a headerless default-format line by its shape (14 fields, version 2)", () => {
    const { rows, tally } = decode(ACCEPT_LINE);
    expect(tally).toMatchObject({ records: 1, units: 1, skipped: {} });
    expect(rows[0]).toMatchObject({
      source: "aws-vpc",
      startMs: 1418530010000,
      endMs: 1418530070000,
      srcAddr: "172.31.16.139",
      observedAction: "accept",
    });
  });

  it("skips a headerless line of another shape as no-format", () => {
    const { rows, tally } = decode("3 eni-1 10.0.0.1 10.0.0.2");
    expect(rows).toEqual([]);
    expect(tally.skipped).toEqual({ "no-format": 1 });
    expect(tally.examples[0]).toMatchObject({ line: 1, code: "no-format" });
  });

  it("reads headerless lines by the configured format", () => {
    const { rows } = decode("eni-1 10.0.0.1 10.0.0.2 1700000000", {
      format: ["interface-id", "srcaddr", "dstaddr", "end"],
    });
    expect(rows[0]).toMatchObject({
      srcAddr: "10.0.0.1",
      startMs: 1700000000000,
      endMs: 1700000000000,
      cloud: { interface: "eni-1" },
    });
  });

  it("sets receivedMs to endMs, sampling 1 known, exporter zero", () => {
    const { batch } = decode(ACCEPT_LINE);
    expect(batch.receivedMs[0]).toBe(1418530070000);
    expect(batch.samplingRate[0]).toBe(1);
    expect(batch.samplingRateKnown[0]).toBe(1);
    expect([...batch.exporter.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
  });

  it("re-reads a header that appears again (concatenated files)", () => {
    const { rows, tally } = decode(
      [HEADER, ACCEPT_LINE, "srcaddr dstaddr action", "10.1.1.1 10.2.2.2 REJECT"].join("\n"),
    );
    expect(tally.skipped).toEqual({ header: 2 });
    expect(rows.map((row) => [row.srcAddr, row.observedAction])).toEqual([
      ["172.31.16.139", "accept"],
      ["10.1.1.1", "reject"],
    ]);
  });

  it("keeps unknown header fields in extra, numbers as numbers", () => {
    const { rows, tally } = decode(
      ["srcaddr dstaddr future-count future-name", '10.0.0.1 10.0.0.2 42 x"y'].join("\n"),
    );
    expect(tally.records).toBe(1);
    expect(rows[0]!.extra).toEqual({ "future-count": 42, "future-name": 'x"y' });
  });

  it("forgets the header on reset()", () => {
    const first = decode(["srcaddr dstaddr", "10.0.0.1 10.0.0.2"].join("\n"));
    expect(first.tally.records).toBe(1);
    first.decoder.reset();
    const second = decode("10.0.0.3 10.0.0.4", {}, first.decoder);
    expect(second.tally.skipped).toEqual({ "no-format": 1 });
  });

  it("tolerates CRLF, runs of spaces and blank lines", () => {
    const { rows, tally } = decode(
      `${HEADER}\r\n${ACCEPT_LINE.replace(" 22 ", "   22 ")}\r\n\r\n  \n`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ dstPort: 22, protocol: 6 });
    expect(tally.skipped).toEqual({ header: 1, blank: 3 });
  });

  it("reads '-' as absent: ports 0 for a protocol without them", () => {
    const { rows } = decode(withField(6, "-").replace(" 20641 ", " - "));
    expect(rows[0]).toMatchObject({ srcPort: 0, dstPort: 0, protocol: 6 });
  });

  it("drops the row and notes bad-field for values that do not parse", () => {
    const cases: [number, string][] = [
      [3, "172.31.16.256"],
      [3, "172.031.16.1"],
      [4, "2001:db8::g"],
      [5, "65536"],
      [6, "22x"],
      [7, "256"],
      [8, "-5"],
      [9, "99999999999999999999"],
      [10, "1418530010.5"],
      [12, "ALLOW"],
      [13, "MAYBE"],
    ];
    for (const [index, value] of cases) {
      const { batch, tally } = decode(withField(index, value));
      expect(batch.length, value).toBe(0);
      expect(tally.skipped, value).toEqual({ "bad-field": 1 });
      expect(tally.examples[0]!.detail, value).toContain(value.slice(0, 10));
    }
  });

  it("accepts counts up to 2^53 − 1", () => {
    const { rows } = decode(withField(9, "9007199254740991"));
    expect(rows[0]!.sampledBytes).toBe(Number.MAX_SAFE_INTEGER);
    expect(decode(withField(9, "9007199254740992")).tally.skipped).toEqual({ "bad-field": 1 });
  });

  it("field-count wins over NODATA and bad fields", () => {
    const nodata =
      "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA";
    expect(decode(nodata).tally.skipped).toEqual({ nodata: 1 });
    expect(decode(`${HEADER}\n${nodata} extra`).tally.skipped).toEqual({
      header: 1,
      "field-count": 1,
    });
    expect(decode(`${HEADER}\n${withField(3, "bad")} extra`).tally.skipped).toEqual({
      header: 1,
      "field-count": 1,
    });
    expect(decode(`${HEADER}\n2 123`).tally.examples[0]!.detail).toBe(
      "2 fields, the format has 14",
    );
  });

  it("reads IPv6, and IPv4-mapped IPv6 as IPv4", () => {
    const six = decode(withField(3, "2001:DB8::1").replace("172.31.16.21", "2001:db8::2"));
    expect(six.rows[0]).toMatchObject({
      ipVersion: 6,
      srcAddr: "2001:db8::1",
      dstAddr: "2001:db8::2",
    });
    const mapped = decode(withField(3, "::ffff:192.0.2.1"));
    expect(mapped.rows[0]).toMatchObject({ ipVersion: 4, srcAddr: "192.0.2.1" });
  });

  it("needs both addresses: pkt-* stand in for '-', else bad-field", () => {
    const { rows, tally } = decode(
      [
        "srcaddr dstaddr pkt-srcaddr pkt-dstaddr",
        "- 10.0.0.2 192.0.2.9 10.0.0.2",
        "- 10.0.0.2 - -",
      ].join("\n"),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ srcAddr: "192.0.2.9", dstAddr: "10.0.0.2" });
    expect(rows[0]!.extra).toBeUndefined();
    expect(tally.skipped["bad-field"]).toBe(1);
  });

  it("keeps type only when it is not IPv4/IPv6, tcp-flags and flow-direction as columns", () => {
    const { rows, tally } = decode(
      [
        "srcaddr dstaddr type tcp-flags flow-direction",
        "10.0.0.1 10.0.0.2 EFA 19 egress",
        "10.0.0.1 10.0.0.2 IPv4 2 ingress",
        "10.0.0.1 10.0.0.2 IPv4 2 sideways",
      ].join("\n"),
    );
    expect(rows.map((row) => [row.extra, row.tcpFlags, row.flowDirection])).toEqual([
      [{ type: "EFA" }, 19, 1],
      [undefined, 2, 0],
    ]);
    expect(tally.skipped["bad-field"]).toBe(1);
  });

  it("one start or end stands for both", () => {
    const { rows } = decode(["srcaddr dstaddr start", "10.0.0.1 10.0.0.2 1700000000"].join("\n"));
    expect(rows[0]).toMatchObject({ startMs: 1700000000000, endMs: 1700000000000 });
  });

  it("keeps non-ASCII text in extra as UTF-8", () => {
    const { rows } = decode(
      ["srcaddr dstaddr ecs-service-name", "10.0.0.1 10.0.0.2 sérvice"].join("\n"),
    );
    expect(rows[0]!.extra).toEqual({ "ecs-service-name": "sérvice" });
  });

  it("keeps one context object per distinct context, reused by identity", () => {
    const lines = [
      ACCEPT_LINE,
      ACCEPT_LINE.replace("eni-1235b8ca123456789", "eni-0000000000000000a"),
    ];
    const { batch } = decode([...lines, ...lines, ...lines].join("\n"));
    expect(batch.clouds).toHaveLength(2);
    expect([...batch.cloud.subarray(0, batch.length)]).toEqual([1, 2, 1, 2, 1, 2]);
    // A second batch gets the same objects: FlowBatch.internCloud's identity map hits.
    const decoder = createAwsVpcDecoder();
    const first = decode(ACCEPT_LINE, {}, decoder).batch.clouds[0];
    const again = decode(ACCEPT_LINE, {}, decoder).batch.clouds[0];
    expect(again).toBe(first);
  });
});

describe("CloudWatch Logs envelopes", () => {
  function entry(value: unknown, options: AwsVpcDecoderOptions = {}) {
    const batch = new FlowBatch(2);
    const tally = createFlowLogTally();
    createAwsVpcDecoder(options).decodeEntry(value, 7, batch, tally);
    return { rows: batch.decodedRows(), tally };
  }

  const envelope = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
    messageType: "DATA_MESSAGE",
    owner: "999988887777",
    logGroup: "/aws/vpc/flowlogs",
    logStream: "eni-1235b8ca123456789-all",
    subscriptionFilters: ["all"],
    logEvents: messages.map((message, index) => ({
      id: String(index),
      timestamp: 1700000000123,
      message,
    })),
    ...extra,
  });

  it("decodes each event; the line's account-id wins over the owner", () => {
    const { rows, tally } = entry(envelope([ACCEPT_LINE, ACCEPT_LINE]));
    expect(tally).toMatchObject({ records: 2, units: 2, skipped: {} });
    expect(rows[0]!.cloud?.account).toBe("123456789010");
  });

  it("fills the account from the owner when the format has no account-id", () => {
    const { rows } = entry(envelope(["10.0.0.1 10.0.0.2"]), { format: ["srcaddr", "dstaddr"] });
    expect(rows[0]).toMatchObject({
      cloud: { account: "999988887777" },
      startMs: 1700000000123,
      endMs: 1700000000123,
    });
  });

  it("does not read headers inside events", () => {
    const { tally } = entry(envelope([HEADER]));
    expect(tally.skipped).toEqual({ "no-format": 1 });
  });

  it("skips what is not a flow-log envelope as not-flow-log", () => {
    const notFlowLogs: unknown[] = [
      { messageType: "CONTROL_MESSAGE", owner: "CloudwatchLogs", logEvents: [] },
      { messageType: "DATA_MESSAGE" },
      { records: [] },
      null,
      "text",
      42,
      [ACCEPT_LINE],
    ];
    for (const value of notFlowLogs) {
      const { rows, tally } = entry(value);
      expect(rows).toEqual([]);
      expect(tally.skipped, JSON.stringify(value)).toEqual({ "not-flow-log": 1 });
      expect(tally.examples[0]!.line).toBe(7);
    }
  });

  it("skips events without message text, decodes the others", () => {
    const { rows, tally } = entry(envelope([ACCEPT_LINE, 12, null]));
    expect(rows).toHaveLength(1);
    expect(tally).toMatchObject({ units: 3, skipped: { "not-flow-log": 2 } });
  });
});
