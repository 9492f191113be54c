import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlowBatch, textToWords, wordsToText } from "../../core/index.ts";
import { createFlowLogTally } from "../flow-log/index.ts";
import { createGcpVpcDecoder } from "./decode.ts";

const LOG_NAME = "projects/p/logs/compute.googleapis.com%2Fvpc_flows";

function canonical(address: string): string {
  const words = new Uint32Array(4);
  expect(textToWords(address, words, 0)).toBe(true);
  return wordsToText(words, 0);
}

/** An RFC 3339 time of `epochMs` with 0–9 fractional digits that truncate to it. */
const timeText = fc
  .tuple(
    fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
    fc.stringMatching(/^\d{0,6}$/),
  )
  .map(([epochMs, subMillis]) => ({
    epochMs,
    text: `${new Date(epochMs).toISOString().slice(0, -1)}${subMillis}Z`,
  }));

const count = fc
  .oneof(fc.nat({ max: 2 ** 40 }), fc.constant(0))
  .chain((value) =>
    fc.constantFrom<number | string>(value, String(value)).map((raw) => ({ value, raw })),
  );

const addresses = fc.oneof(
  fc.tuple(fc.ipV4(), fc.ipV4()),
  fc
    .tuple(fc.ipV6(), fc.ipV6())
    .filter(([a, b]) => !canonical(a).includes(".") && !canonical(b).includes(".")),
);

/** A valid flow record and the row it must give. */
const validRecord = fc
  .record({
    addresses,
    srcPort: fc.nat({ max: 0xffff }),
    dstPort: fc.nat({ max: 0xffff }),
    protocol: fc.nat({ max: 255 }),
    bytes: count,
    packets: count,
    start: timeText,
    end: timeText,
    reporter: fc.constantFrom("SRC", "DEST"),
    asLogEntry: fc.boolean(),
  })
  .map((r) => {
    const payload = {
      connection: {
        src_ip: r.addresses[0],
        dest_ip: r.addresses[1],
        src_port: r.srcPort,
        dest_port: r.dstPort,
        protocol: r.protocol,
      },
      bytes_sent: r.bytes.raw,
      packets_sent: r.packets.raw,
      start_time: r.start.text,
      end_time: r.end.text,
      reporter: r.reporter,
    };
    const entry: Record<string, unknown> = r.asLogEntry
      ? { jsonPayload: payload, logName: LOG_NAME, timestamp: r.end.text }
      : payload;
    return { entry, r };
  });

describe("GCP VPC Flow Logs decoder: properties", () => {
  it("a valid record always gives its row", () => {
    fc.assert(
      fc.property(validRecord, ({ entry, r }) => {
        const batch = new FlowBatch(1);
        const tally = createFlowLogTally();
        createGcpVpcDecoder().decodeEntry(entry, 1, batch, tally);
        expect(tally).toEqual({ records: 1, units: 1, skipped: {}, examples: [] });
        expect(batch.decoded(0)).toMatchObject({
          source: "gcp-vpc",
          srcAddr: canonical(r.addresses[0]),
          dstAddr: canonical(r.addresses[1]),
          ipVersion: r.addresses[0].includes(":") ? 6 : 4,
          srcPort: r.srcPort,
          dstPort: r.dstPort,
          protocol: r.protocol,
          sampledBytes: r.bytes.value,
          sampledPackets: r.packets.value,
          startMs: r.start.epochMs,
          endMs: r.end.epochMs,
          flowDirection: r.reporter === "SRC" ? 1 : 0,
          samplingRate: 1,
          samplingRateKnown: true,
        });
        expect(batch.receivedMs[0]).toBe(r.end.epochMs);
      }),
    );
  });

  it("arbitrary values never throw and add at most one row each", () => {
    const decoder = createGcpVpcDecoder();
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.anything(), fc.jsonValue()), { maxLength: 8 }),
        (entries) => {
          const batch = new FlowBatch(1);
          const tally = createFlowLogTally();
          entries.forEach((entry, index) => {
            const before = batch.length;
            decoder.decodeEntry(entry, index + 1, batch, tally);
            expect(batch.length - before).toBeLessThanOrEqual(1);
          });
          expect(tally.units).toBe(entries.length);
          expect(tally.records).toBe(batch.length);
          const skipped = Object.values(tally.skipped).reduce((sum, n) => sum + n, 0);
          expect(tally.records + skipped).toBe(tally.units);
        },
      ),
    );
  });

  it("a valid record with any field replaced or deleted never throws; a kept row is sane", () => {
    const paths = [
      [],
      ["jsonPayload"],
      ["logName"],
      ["timestamp"],
      ["jsonPayload", "connection"],
      ["jsonPayload", "connection", "src_ip"],
      ["jsonPayload", "connection", "dest_ip"],
      ["jsonPayload", "connection", "src_port"],
      ["jsonPayload", "connection", "protocol"],
      ["jsonPayload", "bytes_sent"],
      ["jsonPayload", "packets_sent"],
      ["jsonPayload", "start_time"],
      ["jsonPayload", "end_time"],
      ["jsonPayload", "reporter"],
      ["jsonPayload", "src_instance"],
      ["jsonPayload", "network_service"],
      ["jsonPayload", "dest_location"],
    ] as const;
    const mutation = fc.record({
      path: fc.constantFrom(...paths),
      value: fc.option(fc.oneof(fc.jsonValue(), fc.string(), fc.integer()), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        validRecord.filter(({ r }) => r.asLogEntry),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        ({ entry }, mutations) => {
          let mutated = structuredClone(entry) as unknown;
          for (const { path, value } of mutations) {
            if (path.length === 0) {
              mutated = value;
              continue;
            }
            let holder = mutated;
            for (const key of path.slice(0, -1)) {
              holder =
                typeof holder === "object" && holder !== null
                  ? (holder as Record<string, unknown>)[key]
                  : undefined;
            }
            if (typeof holder !== "object" || holder === null || Array.isArray(holder)) continue;
            const last = path[path.length - 1] ?? "";
            if (value === undefined) Reflect.deleteProperty(holder, last);
            else (holder as Record<string, unknown>)[last] = value;
          }
          const batch = new FlowBatch(1);
          const tally = createFlowLogTally();
          createGcpVpcDecoder().decodeEntry(mutated, 1, batch, tally);
          expect(batch.length).toBeLessThanOrEqual(1);
          expect(tally.records + Object.values(tally.skipped).reduce((a, b) => a + b, 0)).toBe(1);
          if (batch.length === 1) {
            const flow = batch.decoded(0);
            expect([4, 6]).toContain(flow.ipVersion);
            expect(flow.sampledBytes).toBeGreaterThanOrEqual(0);
            expect(flow.sampledPackets).toBeGreaterThanOrEqual(0);
            expect(Number.isFinite(flow.startMs) && Number.isFinite(flow.endMs)).toBe(true);
            expect(flow.cloud?.provider).toBe("gcp");
          }
        },
      ),
    );
  });
});
