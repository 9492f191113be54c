import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlowBatch } from "../../core/index.ts";
import { createFlowLogTally } from "../flow-log/index.ts";
import { createAwsVpcDecoder } from "./decode.ts";
import { AWS_VPC_FIELDS } from "./fields.ts";

// Whatever the bytes, decodeLine/decodeEntry never throw, add at most one row per line (or per
// log event), count every unit, and leave every row they add well formed.

const VALID_LINES = [
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
  "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
  "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK",
  "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
  "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status",
  "5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK",
];

const encoder = new TextEncoder();

/** Tokens a mutation may put in place of a field: valid, borderline and hostile values. */
const TOKENS = [
  "-",
  "",
  "0",
  "65535",
  "65536",
  "256",
  "9007199254740991",
  "9007199254740992",
  "99999999999999999999999",
  "1.2.3.4",
  "1.2.3.4.5",
  "::",
  "::ffff:1.2.3.4",
  "2001:db8::1",
  "fe80::1%eth0",
  "ACCEPT",
  "REJECT",
  "OK",
  "NODATA",
  "SKIPDATA",
  "ingress",
  "egress",
  "IPv6",
  "EFA",
  '"quoted\\"',
  "\u0000",
  "é",
  "\r",
  ...AWS_VPC_FIELDS.map((field) => field.name),
];

/** A valid line with some fields replaced, removed or duplicated. */
const mutatedLine = fc
  .tuple(
    fc.constantFrom(...VALID_LINES),
    fc.array(
      fc.tuple(
        fc.nat(40),
        fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 12 })),
        fc.nat(2),
      ),
      { maxLength: 6 },
    ),
  )
  .map(([line, edits]) => {
    const fields = line.split(" ");
    for (const [at, token, how] of edits) {
      const index = at % (fields.length + 1);
      if (how === 0) fields[index] = token;
      else if (how === 1) fields.splice(index, 1);
      else fields.splice(index, 0, token);
    }
    return fields.join(" ");
  });

function decodeLines(lines: Uint8Array[], format?: readonly string[]) {
  const decoder = createAwsVpcDecoder(format === undefined ? {} : { format });
  const batch = new FlowBatch(2);
  const tally = createFlowLogTally();
  lines.forEach((bytes, index) => {
    decoder.decodeLine(bytes, 0, bytes.length, index + 1, batch, tally);
  });
  return { batch, tally };
}

function expectWellFormed(batch: FlowBatch, lines: number): void {
  expect(batch.length).toBeLessThanOrEqual(lines);
  for (let row = 0; row < batch.length; row++) {
    const flow = batch.decoded(row);
    expect(flow.source).toBe("aws-vpc");
    expect([4, 6]).toContain(batch.ipVersion[row]);
    expect(Number.isSafeInteger(flow.sampledBytes) && flow.sampledBytes >= 0).toBe(true);
    expect(flow.cloud?.provider).toBe("aws");
    if (flow.extra !== undefined) expect(typeof flow.extra).toBe("object");
  }
}

describe("AWS VPC decoder properties", () => {
  it("never throws on arbitrary bytes; at most one row per line", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }),
        fc.option(
          fc.constantFrom(["srcaddr", "dstaddr"], ["version", "srcaddr", "dstaddr", "bytes"]),
        ),
        (lines, format) => {
          const { batch, tally } = decodeLines(lines, format ?? undefined);
          expect(tally.units).toBe(lines.length);
          expect(tally.records).toBe(batch.length);
          expectWellFormed(batch, lines.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws on mutated valid lines; every line is a row or a counted skip", () => {
    fc.assert(
      fc.property(fc.array(mutatedLine, { minLength: 1, maxLength: 12 }), (texts) => {
        const lines = texts.map((text) => encoder.encode(text));
        const { batch, tally } = decodeLines(lines);
        const skipped = Object.values(tally.skipped).reduce((sum, count) => sum + count, 0);
        expect(tally.records + skipped).toBe(lines.length);
        expectWellFormed(batch, lines.length);
      }),
      { numRuns: 500 },
    );
  });

  it("decodes a line inside a larger buffer without reading outside its range", () => {
    fc.assert(
      fc.property(
        mutatedLine,
        fc.uint8Array({ maxLength: 30 }),
        fc.uint8Array({ maxLength: 30 }),
        (text, before, after) => {
          const line = encoder.encode(text);
          const buffer = new Uint8Array(before.length + line.length + after.length);
          buffer.set(before, 0);
          buffer.set(line, before.length);
          buffer.set(after, before.length + line.length);
          const alone = decodeLines([line]);
          const decoder = createAwsVpcDecoder();
          const batch = new FlowBatch(2);
          const tally = createFlowLogTally();
          decoder.decodeLine(buffer, before.length, before.length + line.length, 1, batch, tally);
          expect(batch.decodedRows()).toEqual(alone.batch.decodedRows());
          expect(tally.skipped).toEqual(alone.tally.skipped);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary JSON entries; at most one row per log event", () => {
    const event = fc.record(
      {
        id: fc.string(),
        timestamp: fc.oneof(fc.integer(), fc.double(), fc.string()),
        message: fc.oneof(mutatedLine, fc.string(), fc.integer()),
      },
      { requiredKeys: [] },
    );
    const envelope = fc.record(
      {
        messageType: fc.constantFrom("DATA_MESSAGE", "CONTROL_MESSAGE", "OTHER"),
        owner: fc.oneof(fc.string(), fc.integer()),
        logEvents: fc.oneof(fc.array(event, { maxLength: 8 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(envelope, fc.jsonValue()), (value) => {
        const batch = new FlowBatch(2);
        const tally = createFlowLogTally();
        createAwsVpcDecoder().decodeEntry(value, 1, batch, tally);
        const events =
          typeof value === "object" &&
          value !== null &&
          "logEvents" in value &&
          Array.isArray(value.logEvents)
            ? value.logEvents.length
            : 0;
        expect(tally.units).toBeGreaterThanOrEqual(1);
        const skipped = Object.values(tally.skipped).reduce((sum, count) => sum + count, 0);
        expect(tally.records + skipped).toBe(tally.units);
        expectWellFormed(batch, Math.max(events, 0));
      }),
      { numRuns: 300 },
    );
  });
});
