import { describe, expect, it } from "vitest";
import { decodeIpfix } from "../ipfix/index.ts";
import { decodeNetflow9 } from "../netflow9/index.ts";
import { createTemplateState } from "./state.ts";
import type { LearntInterface } from "./state.ts";
import {
  dataSet,
  encodeIpfix,
  encodeNetflow9,
  ipfixOptionsTemplateSet,
  record,
  uint,
  v9OptionsTemplateFlowset,
  varlen,
} from "./testdata/encode.ts";
import { harness } from "./testdata/harness.ts";

// Interface names and descriptions from interface table options data (IEs 10/14 with 82/83,
// RFC 7012; Cisco "option interface-table"), on hand-built messages. The real captures
// (IOS XR IPFIX, ASR 9000 v9) are in test/conformance/interface-table.test.ts.

const EXPORT_SECS = 1_700_000_000;
const ipfixHeader = (sequence = 0, domain = 7) => ({ exportSecs: EXPORT_SECS, sequence, domain });
const v9Header = (sequence = 0, sourceId = 3) => ({
  sysUptimeMs: 1000,
  unixSecs: EXPORT_SECS,
  sequence,
  sourceId,
});

const encoder = new TextEncoder();
/** A string in a fixed field of `length` bytes, NUL-padded as Cisco sends it. */
const padded = (value: string, length: number): Uint8Array => {
  const bytes = new Uint8Array(length);
  bytes.set(encoder.encode(value).subarray(0, length));
  return bytes;
};
const varText = (value: string, forceLong = false) => varlen(encoder.encode(value), forceLong);

/** IOS XR's options template 256 (corpus pmacct-500): scope 10 and 14, then 83 and 82. */
const IOS_XR_TABLE = {
  id: 256,
  scope: [
    { id: 10, length: 4 },
    { id: 14, length: 4 },
  ],
  fields: [
    { id: 83, length: 64 },
    { id: 82, length: 64 },
  ],
};

function collect() {
  const events: LearntInterface[] = [];
  const state = createTemplateState({ onInterface: (learnt) => events.push(learnt) });
  return { state, events };
}

describe("interface table options data", () => {
  it("learns NUL-padded names and descriptions (IPFIX, scope IEs 10 and 14)", () => {
    const { state, events } = collect();
    const h = harness();
    const summary = decodeIpfix(
      encodeIpfix(ipfixHeader(), [
        ipfixOptionsTemplateSet([IOS_XR_TABLE]),
        dataSet(256, [
          record([[4, 42], [4, 42], padded("TRANSIT: Cogent 100G", 64), padded("xe-0/0/0", 64)]),
          record([[4, 43], [4, 43], padded("core", 64), padded("xe-0/0/1.100", 64)]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.codes()).toEqual([]);
    expect(summary.optionsRecords).toBe(2);
    expect(summary.flows).toBe(0);
    const expected = [
      {
        protocol: "ipfix",
        exporterAddr: "192.0.2.10",
        domain: 7,
        ifIndex: 42,
        name: "xe-0/0/0",
        description: "TRANSIT: Cogent 100G",
      },
      {
        protocol: "ipfix",
        exporterAddr: "192.0.2.10",
        domain: 7,
        ifIndex: 43,
        name: "xe-0/0/1.100",
        description: "core",
      },
    ];
    expect(events).toEqual(expected);
    expect(state.interfaces()).toEqual(expected);
    expect(state.interfaces("192.0.2.10")).toEqual(expected);
    expect(state.interfaces("192.0.2.11")).toEqual([]);
    expect(state.exporterStats()[0]).toMatchObject({ optionsRecords: 2, interfaces: 2 });
  });

  it("tells changes only: a refreshed table is silent, a renamed interface is told", () => {
    const { state, events } = collect();
    const h = harness();
    const table = (description: string, sequence: number) =>
      encodeIpfix(ipfixHeader(sequence), [
        ipfixOptionsTemplateSet([IOS_XR_TABLE]),
        dataSet(256, [record([[4, 42], [4, 42], padded(description, 64), padded("xe-0/0/0", 64)])]),
      ]);
    decodeIpfix(table("TRANSIT: A", 0), h.context, state, h.out);
    decodeIpfix(table("TRANSIT: A", 1), h.context, state, h.out);
    expect(events.map((event) => event.description)).toEqual(["TRANSIT: A"]);
    decodeIpfix(table("TRANSIT: B", 2), h.context, state, h.out);
    expect(events.map((event) => event.description)).toEqual(["TRANSIT: A", "TRANSIT: B"]);
    expect(state.exporterStats()[0]?.interfaces).toBe(1);
  });

  it("reads variable-length strings (short and long form) with IE 10 as a plain field", () => {
    const { state, events } = collect();
    const h = harness();
    const long = `IX: ${"x".repeat(300)}`;
    decodeIpfix(
      encodeIpfix(ipfixHeader(), [
        ipfixOptionsTemplateSet([
          {
            id: 300,
            scope: [{ id: 149, length: 4 }], // observationDomainId
            fields: [
              { id: 82, length: 0xffff },
              { id: 10, length: 2 },
              { id: 83, length: 0xffff },
            ],
          },
        ]),
        dataSet(300, [
          record([[4, 7], varText("ge-1/0/0"), [2, 501], varText(long, true)]),
          record([[4, 7], varText("ge-1/0/1"), [2, 502], varText("")]),
        ]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.codes()).toEqual([]);
    expect(events.map(({ ifIndex, name, description }) => [ifIndex, name, description])).toEqual([
      [501, "ge-1/0/0", long],
      [502, "ge-1/0/1", ""],
    ]);
  });

  it("decodes UTF-8 and stops at the first NUL", () => {
    const { state, events } = collect();
    const h = harness();
    const garbage = padded("Gi0/1", 32);
    garbage.set([0x41, 0x42], 10); // bytes after the terminator: padding, not text
    decodeIpfix(
      encodeIpfix(ipfixHeader(), [
        ipfixOptionsTemplateSet([
          {
            id: 301,
            scope: [{ id: 14, length: 4 }],
            fields: [
              { id: 82, length: 32 },
              { id: 83, length: 32 },
            ],
          },
        ]),
        dataSet(301, [record([[4, 9], garbage, padded("Zürich – Genève", 32)])]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(events.map(({ ifIndex, name, description }) => [ifIndex, name, description])).toEqual([
      [9, "Gi0/1", "Zürich – Genève"],
    ]);
  });

  it("merges a name and a description sent in different options templates", () => {
    const { state, events } = collect();
    const h = harness();
    decodeIpfix(
      encodeIpfix(ipfixHeader(), [
        ipfixOptionsTemplateSet([
          { id: 310, scope: [{ id: 10, length: 4 }], fields: [{ id: 82, length: 0xffff }] },
          { id: 311, scope: [{ id: 10, length: 4 }], fields: [{ id: 83, length: 0xffff }] },
        ]),
        dataSet(310, [record([[4, 5], varText("et-0/0/5")])]),
        dataSet(311, [record([[4, 5], varText("PEERING: DE-CIX")])]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(events.map(({ name, description }) => [name, description])).toEqual([
      ["et-0/0/5", ""],
      ["et-0/0/5", "PEERING: DE-CIX"],
    ]);
    expect(state.interfaces()).toHaveLength(1);
  });

  it("learns from NetFlow v9: IE 10 beside a System scope, and an Interface scope (type 2)", () => {
    const { state, events } = collect();
    const h = harness("2001:db8::1");
    decodeNetflow9(
      encodeNetflow9(v9Header(), [
        v9OptionsTemplateFlowset([
          {
            // The ASR 9000 layout of corpus ls-cisco-asr9k-options-tpl256.
            id: 256,
            scope: [{ id: 1, length: 4 }],
            fields: [
              { id: 10, length: 4 },
              { id: 83, length: 64 },
            ],
          },
          {
            id: 257,
            scope: [{ id: 2, length: 4 }],
            fields: [{ id: 82, length: 16 }],
          },
        ]),
        dataSet(256, [record([[4, 0xc1c4be43], [4, 74], padded("TenGigE0_0_1_0", 64)])], 4),
        dataSet(257, [record([[4, 88], padded("Gi0/0/0/8", 16)])], 4),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.codes()).toEqual([]);
    expect(events).toEqual([
      {
        protocol: "netflow9",
        exporterAddr: "2001:db8::1",
        domain: 3,
        ifIndex: 74,
        name: "",
        description: "TenGigE0_0_1_0",
      },
      {
        protocol: "netflow9",
        exporterAddr: "2001:db8::1",
        domain: 3,
        ifIndex: 88,
        name: "Gi0/0/0/8",
        description: "",
      },
    ]);
  });

  it("ignores names without an interface index, and IE 2 outside a v9 scope", () => {
    const { state, events } = collect();
    const h = harness();
    decodeNetflow9(
      encodeNetflow9(v9Header(), [
        v9OptionsTemplateFlowset([
          // A description with no interface index beside it: nothing to learn.
          { id: 260, scope: [{ id: 1, length: 4 }], fields: [{ id: 83, length: 8 }] },
          // IE 2 (IN_PKTS) as an option field is a counter, not a v9 Interface scope.
          {
            id: 261,
            scope: [{ id: 1, length: 4 }],
            fields: [
              { id: 2, length: 4 },
              { id: 82, length: 8 },
            ],
          },
        ]),
        dataSet(260, [record([[4, 1], padded("nothing", 8)])], 4),
        dataSet(261, [record([[4, 1], [4, 7], padded("nothing", 8)])], 4),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.codes()).toEqual([]);
    expect(events).toEqual([]);
    expect(state.interfaces()).toEqual([]);
  });

  it("keeps domains apart and refuses new interfaces beyond the per-exporter limit", () => {
    const events: LearntInterface[] = [];
    const state = createTemplateState({
      maxInterfacesPerExporter: 3,
      onInterface: (learnt) => events.push(learnt),
    });
    const h = harness();
    const table = (domain: number, first: number, count: number, name: string) =>
      encodeIpfix(ipfixHeader(0, domain), [
        ipfixOptionsTemplateSet([
          { id: 256, scope: [{ id: 10, length: 4 }], fields: [{ id: 82, length: 0xffff }] },
        ]),
        dataSet(
          256,
          Array.from({ length: count }, (_, index) =>
            record([[4, first + index], varText(`${name}${first + index}`)]),
          ),
        ),
      ]);
    decodeIpfix(table(1, 1, 2, "a"), h.context, state, h.out);
    decodeIpfix(table(2, 1, 3, "b"), h.context, state, h.out);
    // Known interfaces still update at the limit.
    decodeIpfix(table(1, 1, 1, "renamed"), h.context, state, h.out);
    expect(events.map(({ domain, ifIndex, name }) => `${domain}/${ifIndex}=${name}`)).toEqual([
      "1/1=a1",
      "1/2=a2",
      "2/1=b1",
      "1/1=renamed1",
    ]);
    expect(h.codes()).toEqual(["interface-limit", "interface-limit"]);
    expect(state.exporterStats()[0]?.interfaces).toBe(3);
    // Another exporter has its own allowance.
    const other = harness("192.0.2.20");
    decodeIpfix(table(1, 1, 3, "c"), other.context, state, other.out);
    expect(other.codes()).toEqual([]);
    expect(state.interfaces("192.0.2.20")).toHaveLength(3);
  });

  it("learns from options data held until its template arrives", () => {
    const { state, events } = collect();
    const h = harness();
    decodeIpfix(
      encodeIpfix(ipfixHeader(0), [
        dataSet(256, [record([[4, 42], [4, 42], padded("d", 64), padded("xe-0/0/0", 64)])]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(events).toEqual([]);
    decodeIpfix(
      encodeIpfix(ipfixHeader(1), [ipfixOptionsTemplateSet([IOS_XR_TABLE])]),
      h.context,
      state,
      h.out,
    );
    expect(events.map((event) => event.name)).toEqual(["xe-0/0/0"]);
  });

  it("round-trips learnt interfaces through snapshot and restore, and rejects bad entries", () => {
    const { state } = collect();
    const h = harness();
    decodeIpfix(
      encodeIpfix(ipfixHeader(), [
        ipfixOptionsTemplateSet([IOS_XR_TABLE]),
        dataSet(256, [record([[4, 42], [4, 42], padded("TRANSIT", 64), padded("xe-0/0/0", 64)])]),
      ]),
      h.context,
      state,
      h.out,
    );
    const snapshot = JSON.parse(JSON.stringify(state.snapshot())) as ReturnType<
      typeof state.snapshot
    >;
    expect(snapshot.exporters[0]?.interfaces).toEqual([
      { domain: 7, ifIndex: 42, name: "xe-0/0/0", description: "TRANSIT" },
    ]);
    const restored = collect();
    const result = restored.state.restore(snapshot);
    expect(result.issues).toEqual([]);
    expect(restored.state.interfaces()).toEqual(state.interfaces());
    expect(restored.state.exporterStats()[0]?.interfaces).toBe(1);

    // Snapshots written before interfaces were learnt have no `interfaces`: still fine.
    const old = JSON.parse(JSON.stringify(snapshot)) as { exporters: Record<string, unknown>[] };
    delete old.exporters[0]?.["interfaces"];
    expect(createTemplateState().restore(old).issues).toEqual([]);

    const corrupted = JSON.parse(JSON.stringify(snapshot)) as {
      exporters: { interfaces: unknown[] }[];
    };
    corrupted.exporters[0]?.interfaces.push(
      { domain: 7, ifIndex: -1, name: "x", description: "" },
      { domain: 7, ifIndex: 5, name: 5, description: "" },
      null,
      { domain: 7, ifIndex: 6, name: "y".repeat(5000), description: "" },
    );
    const partial = createTemplateState();
    const outcome = partial.restore(corrupted);
    expect(outcome.issues.map((issue) => issue.code)).toEqual([
      "bad-snapshot",
      "bad-snapshot",
      "bad-snapshot",
      "bad-snapshot",
    ]);
    expect(partial.interfaces().map((entry) => entry.ifIndex)).toEqual([42]);
  });

  it("decodes a short record of strings without over-reading (truncated record)", () => {
    const { state, events } = collect();
    const h = harness();
    decodeIpfix(
      encodeIpfix(ipfixHeader(), [
        ipfixOptionsTemplateSet([
          {
            id: 320,
            scope: [{ id: 10, length: 4 }],
            fields: [{ id: 82, length: 0xffff }],
          },
        ]),
        // A length byte saying 200 with 10 bytes behind it.
        dataSet(320, [record([uint(4, 1), uint(1, 200), new Uint8Array(10)])]),
      ]),
      h.context,
      state,
      h.out,
    );
    expect(h.codes()).toEqual(["truncated-record"]);
    expect(events).toEqual([]);
  });
});
