import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlowBatch, formatIpv4, formatIpv6Groups } from "../../core/index.ts";
import { createFlowLogTally } from "../flow-log/index.ts";
import { createAzureFlowDecoder } from "./decode.ts";

const ipv4 = fc.nat({ max: 0xffffffff }).map(formatIpv4);
const ipv6 = fc
  .array(fc.nat({ max: 0xffff }), { minLength: 8, maxLength: 8 })
  .map((groups) => formatIpv6Groups(groups));
const port = fc.nat({ max: 0xffff });
const counter = fc.oneof(fc.nat(), fc.nat({ max: Number.MAX_SAFE_INTEGER }));

interface TupleSpec {
  format: "nsg-v1" | "nsg-v2" | "vnet";
  timeS: number;
  millis: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  inbound: boolean;
  denied: boolean;
  state: string;
  encryption: string;
  counters: [number, number, number, number];
}

/** Tuples as Azure writes them, in any of the three formats, IPv4 or IPv6. */
const tupleSpec: fc.Arbitrary<TupleSpec> = fc
  .record({
    format: fc.constantFrom("nsg-v1" as const, "nsg-v2" as const, "vnet" as const),
    timeS: fc.integer({ min: 1_400_000_000, max: 2_000_000_000 }),
    millis: fc.nat({ max: 999 }),
    v6: fc.boolean(),
    addresses: fc.tuple(ipv4, ipv4, ipv6, ipv6),
    srcPort: port,
    dstPort: port,
    tcp: fc.boolean(),
    protocol: fc.nat({ max: 255 }),
    inbound: fc.boolean(),
    denied: fc.boolean(),
    state: fc.constantFrom("B", "C", "E"),
    encryption: fc.constantFrom("X", "NX", "NX_HW_NOT_SUPPORTED", "NX_FALLBACK"),
    counters: fc.tuple(counter, counter, counter, counter),
  })
  .map(({ v6, addresses, tcp, protocol, ...rest }) => ({
    ...rest,
    src: v6 ? addresses[2] : addresses[0],
    dst: v6 ? addresses[3] : addresses[1],
    protocol: rest.format === "vnet" ? protocol : tcp ? 6 : 17,
    state: rest.format === "vnet" && rest.denied ? "D" : rest.state,
  }));

function tupleText(spec: TupleSpec): string {
  const head = [spec.src, spec.dst, spec.srcPort, spec.dstPort];
  const direction = spec.inbound ? "I" : "O";
  if (spec.format === "vnet") {
    return [
      spec.timeS * 1000 + spec.millis,
      ...head,
      spec.protocol,
      direction,
      spec.state,
      spec.encryption,
      ...spec.counters,
    ].join(",");
  }
  const nsg = [spec.timeS, ...head, spec.protocol === 6 ? "T" : "U", direction];
  nsg.push(spec.denied ? "D" : "A");
  if (spec.format === "nsg-v1") return nsg.join(",");
  return [...nsg, spec.state, ...spec.counters].join(",");
}

/** Upper bound of rows a JSON value can give: two per string anywhere in it. */
function stringsIn(value: unknown): number {
  if (typeof value === "string") return 1;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + stringsIn(item), 0);
  if (typeof value === "object" && value !== null) {
    return Object.values(value).reduce<number>((sum, item) => sum + stringsIn(item), 0);
  }
  return 0;
}

/** Every [container, key] in a JSON value, for replacing one sub-value. */
function slots(value: unknown, out: [Record<string, unknown>, string][] = []) {
  if (typeof value === "object" && value !== null) {
    for (const key of Object.keys(value)) {
      out.push([value as Record<string, unknown>, key]);
      slots((value as Record<string, unknown>)[key], out);
    }
  }
  return out;
}

function nsgRecord(tuples: string[]): Record<string, unknown> {
  return {
    category: "NetworkSecurityGroupFlowEvent",
    resourceId:
      "/SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG",
    properties: {
      Version: 2,
      flows: [{ rule: "r", flows: [{ mac: "00AA", flowTuples: tuples }] }],
    },
  };
}

function vnetRecord(tuples: string[]): Record<string, unknown> {
  return {
    category: "FlowLogFlowEvent",
    flowLogVersion: 4,
    macAddress: "00BB",
    targetResourceID:
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
    flowRecords: { flows: [{ aclID: "a", flowGroups: [{ rule: "r", flowTuples: tuples }] }] },
  };
}

function decodeEntryChecked(entry: unknown): { rows: number; bound: number } {
  const bound = 2 * stringsIn(entry);
  const decoder = createAzureFlowDecoder();
  const batch = new FlowBatch(1);
  const tally = createFlowLogTally();
  decoder.decodeEntry(entry, 1, batch, tally);
  expect(tally.units).toBe(1);
  expect(tally.records).toBe(batch.length);
  expect(batch.length).toBeLessThanOrEqual(bound);
  // Whatever the record's strings held, every row's extra is one JSON object.
  for (let row = 0; row < batch.length; row++) {
    const extra = batch.extra[row];
    if (extra !== undefined) expect(JSON.parse(extra)).toBeTypeOf("object");
  }
  return { rows: batch.length, bound };
}

describe("Azure flow decoder: properties", () => {
  it("decodes every well-formed tuple to its fields, one row per counted direction", () => {
    fc.assert(
      fc.property(tupleSpec, (spec) => {
        const decoder = createAzureFlowDecoder();
        const batch = new FlowBatch(1);
        const tally = createFlowLogTally();
        const bytes = new TextEncoder().encode(tupleText(spec));
        decoder.decodeLine(bytes, 0, bytes.length, 1, batch, tally);
        expect(tally.skipped).toEqual({});
        const counted = spec.format !== "nsg-v1";
        const replied = counted && (spec.counters[2] !== 0 || spec.counters[3] !== 0);
        expect(batch.length).toBe(replied ? 2 : 1);
        const timeMs = spec.timeS * 1000 + (spec.format === "vnet" ? spec.millis : 0);
        const forward = batch.decoded(0);
        expect(forward).toMatchObject({
          startMs: timeMs,
          endMs: timeMs,
          srcAddr: spec.src,
          dstAddr: spec.dst,
          srcPort: spec.srcPort,
          dstPort: spec.dstPort,
          protocol: spec.protocol,
          ipVersion: spec.src.includes(":") ? 6 : 4,
          flowDirection: spec.inbound ? 0 : 1,
          observedAction: spec.denied ? "reject" : "accept",
          sampledPackets: counted ? spec.counters[0] : 0,
          sampledBytes: counted ? spec.counters[1] : 0,
        });
        if (replied) {
          expect(batch.decoded(1)).toMatchObject({
            srcAddr: spec.dst,
            dstAddr: spec.src,
            srcPort: spec.dstPort,
            dstPort: spec.srcPort,
            flowDirection: spec.inbound ? 1 : 0,
            sampledPackets: spec.counters[2],
            sampledBytes: spec.counters[3],
            extra: { reverse: true },
          });
        }
      }),
    );
  });

  it("never throws on arbitrary line bytes and adds at most two rows per line", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.string({ maxLength: 200 }).map((text) => new TextEncoder().encode(text)),
          // Mutated tuples: a well-formed tuple with a slice replaced by arbitrary text.
          fc
            .tuple(tupleSpec, fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 20 }))
            .map(([spec, at, length, insert]) => {
              const text = tupleText(spec);
              const from = at % (text.length + 1);
              return new TextEncoder().encode(
                text.slice(0, from) + insert + text.slice(from + length),
              );
            }),
        ),
        (bytes) => {
          const decoder = createAzureFlowDecoder();
          const batch = new FlowBatch(1);
          const tally = createFlowLogTally();
          decoder.decodeLine(bytes, 0, bytes.length, 7, batch, tally);
          expect(tally.units).toBe(1);
          expect(tally.records).toBe(batch.length);
          expect(batch.length).toBeLessThanOrEqual(2);
          const skips = Object.values(tally.skipped).reduce((sum, count) => sum + count, 0);
          // Each line either gives rows or is counted as skipped, never both, never neither.
          expect(batch.length > 0 ? 0 : 1).toBe(skips);
          for (const example of tally.examples) expect(example.line).toBe(7);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary JSON values and adds at most two rows per string", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        decodeEntryChecked(value);
        decodeEntryChecked({ records: [value] });
        decodeEntryChecked({ category: "NetworkSecurityGroupFlowEvent", properties: value });
        decodeEntryChecked({ category: "FlowLogFlowEvent", flowRecords: value });
      }),
      { numRuns: 300 },
    );
  });

  it("never throws when any part of a real-shaped record is replaced by anything", () => {
    fc.assert(
      fc.property(
        fc.array(tupleSpec, { maxLength: 6 }),
        fc.boolean(),
        fc.nat(),
        fc.anything({ maxDepth: 3 }),
        // Rule names are free text: quotes, backslashes, lone surrogates.
        fc.string({ unit: "binary", maxLength: 12 }),
        (specs, vnet, pick, replacement, rule) => {
          const tuples = specs.map(tupleText);
          const record = vnet ? vnetRecord(tuples) : nsgRecord(tuples);
          const group = vnet
            ? (record["flowRecords"] as { flows: { flowGroups: Record<string, unknown>[] }[] })
                .flows[0]!.flowGroups[0]!
            : (record["properties"] as { flows: Record<string, unknown>[] }).flows[0]!;
          group["rule"] = `"\\${rule}`;
          const intact = decodeEntryChecked(structuredClone(record));
          expect(intact.rows).toBeGreaterThanOrEqual(tuples.length);
          const places = slots(record);
          const [container, key] = places[pick % places.length] ?? [record, "category"];
          container[key] = replacement;
          decodeEntryChecked(record);
        },
      ),
      { numRuns: 300 },
    );
  });
});
