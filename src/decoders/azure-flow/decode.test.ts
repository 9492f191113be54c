import { describe, expect, it } from "vitest";
import { FlowBatch } from "../../core/index.ts";
import { createFlowLogTally } from "../flow-log/index.ts";
import type { FlowLogTally } from "../flow-log/index.ts";
import { createAzureFlowDecoder } from "./decode.ts";
import type { AzureFlowDecoder } from "./decode.ts";

const NSG_ID =
  "/SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG";
const VNET_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub/subnets/web";

function nsgRecord(tuples: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time: "2018-11-13T12:00:35.3899262Z",
    systemId: "66aa66aa-bb77-cc88-dd99-00ee00ee00ee",
    category: "NetworkSecurityGroupFlowEvent",
    resourceId: NSG_ID,
    operationName: "NetworkSecurityGroupFlowEvents",
    properties: {
      Version: 2,
      flows: [{ rule: "UserRule_web", flows: [{ mac: "000D3AF87856", flowTuples: tuples }] }],
    },
    ...extra,
  };
}

function vnetRecord(tuples: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time: "2022-09-14T09:00:52.5625085Z",
    flowLogVersion: 4,
    flowLogGUID: "abcdef01-2345-6789-0abc-def012345678",
    macAddress: "00224871C205",
    category: "FlowLogFlowEvent",
    flowLogResourceID:
      "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW_EASTUS/FLOWLOGS/F",
    targetResourceID: VNET_ID,
    operationName: "FlowLogFlowEvent",
    flowRecords: {
      flows: [{ aclID: "acl-1", flowGroups: [{ rule: "AllowWeb", flowTuples: tuples }] }],
    },
    ...extra,
  };
}

interface Run {
  decoder: AzureFlowDecoder;
  batch: FlowBatch;
  tally: FlowLogTally;
}

function run(): Run {
  return {
    decoder: createAzureFlowDecoder(),
    batch: new FlowBatch(2),
    tally: createFlowLogTally(),
  };
}

function entries(...values: unknown[]): Run {
  const state = run();
  values.forEach((value, index) => {
    state.decoder.decodeEntry(value, 10 * (index + 1), state.batch, state.tally);
  });
  return state;
}

function lines(text: string): Run {
  const state = run();
  const bytes = new TextEncoder().encode(text);
  let start = 0;
  let line = 1;
  for (;;) {
    const newline = bytes.indexOf(10, start);
    const end = newline === -1 ? bytes.length : newline;
    state.decoder.decodeLine(bytes, start, end, line++, state.batch, state.tally);
    if (newline === -1) break;
    start = newline + 1;
  }
  return state;
}

describe("Azure flow decoder: entries", () => {
  it("gives an NSG v2 tuple with reply counters two rows, the reverse one marked", () => {
    const { batch, tally } = entries(
      nsgRecord(["1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,C,30,16978,24,14008"]),
    );
    expect(tally).toEqual({ records: 2, units: 1, skipped: {}, examples: [] });
    const [forward, reverse] = batch.decodedRows();
    const context = {
      provider: "azure",
      account: "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
      region: "",
      zone: "",
      vpc: "WEB-NSG",
      subnet: "",
      instance: "",
      interface: "000D3AF87856",
    };
    expect(forward).toMatchObject({
      startMs: 1542110379000,
      endMs: 1542110379000,
      source: "azure-flow",
      srcAddr: "10.5.16.4",
      dstAddr: "203.0.113.115",
      srcPort: 44931,
      dstPort: 443,
      protocol: 6,
      sampledPackets: 30,
      sampledBytes: 16978,
      samplingRate: 1,
      samplingRateKnown: true,
      flowDirection: 1,
      observedAction: "accept",
      cloud: context,
      extra: { Version: 2, resourceId: NSG_ID, rule: "UserRule_web", state: "C" },
    });
    expect(reverse).toMatchObject({
      srcAddr: "203.0.113.115",
      dstAddr: "10.5.16.4",
      srcPort: 443,
      dstPort: 44931,
      sampledPackets: 24,
      sampledBytes: 14008,
      flowDirection: 0,
      observedAction: "accept",
      cloud: context,
      extra: { Version: 2, resourceId: NSG_ID, rule: "UserRule_web", state: "C", reverse: true },
    });
    expect(batch.receivedMs[0]).toBe(1542110379000);
    expect(batch.receivedMs[1]).toBe(1542110379000);
  });

  it("reads a VNet record whose target is a subnet; the subscription comes from the target", () => {
    const { batch, tally } = entries(
      vnetRecord(["1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,3,767,2,1580"]),
    );
    expect(tally.records).toBe(2);
    expect(batch.decodedRows()[0]).toMatchObject({
      cloud: {
        provider: "azure",
        account: "00000000-0000-0000-0000-000000000001",
        vpc: "hub",
        subnet: "web",
        instance: "",
        interface: "00224871C205",
      },
      extra: {
        flowLogVersion: 4,
        targetResourceID: VNET_ID,
        aclID: "acl-1",
        rule: "AllowWeb",
        state: "E",
        encryption: "NX",
      },
    });
  });

  it("names a NIC target as the instance, and falls back to the flow log id's subscription", () => {
    const nic = entries(
      vnetRecord(["1663146003606,10.0.0.6,10.0.0.7,1,2,17,O,B,NX,0,0,0,0"], {
        targetResourceID:
          "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/vm1-nic",
      }),
    );
    expect(nic.batch.decodedRows()[0]?.cloud).toMatchObject({
      account: "00000000-0000-0000-0000-000000000002",
      vpc: "",
      instance: "vm1-nic",
    });
    const noTarget = entries(
      vnetRecord(["1663146003606,10.0.0.6,10.0.0.7,1,2,17,O,B,NX,0,0,0,0"], {
        targetResourceID: undefined,
      }),
    );
    const row = noTarget.batch.decodedRows()[0];
    expect(row?.cloud).toMatchObject({ account: "00000000-0000-0000-0000-000000000001", vpc: "" });
    expect(row?.extra).not.toHaveProperty("targetResourceID");
  });

  it("uses the record's macAddress when an NSG flow has no mac", () => {
    const record = nsgRecord([], { macAddress: "00AABBCCDDEE" });
    const properties = record["properties"] as { flows: { flows: Record<string, unknown>[] }[] };
    properties.flows[0]!.flows[0] = {
      flowTuples: ["1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D"],
    };
    const { batch } = entries(record);
    expect(batch.decodedRows()[0]?.cloud?.interface).toBe("00AABBCCDDEE");
  });

  it("stores one context per distinct place, the same object reused across records", () => {
    const state = run();
    const tuples = ["1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D"];
    for (let index = 0; index < 3; index++) {
      state.decoder.decodeEntry(nsgRecord(tuples), 1, state.batch, state.tally);
    }
    state.decoder.decodeEntry(vnetRecord(tuples), 1, state.batch, state.tally);
    expect(state.batch.clouds).toHaveLength(2);
    expect([...state.batch.cloud.subarray(0, 4)]).toEqual([1, 1, 1, 2]);
    // A new batch (the importer's next one) interns the very same object.
    const next = new FlowBatch(2);
    state.decoder.decodeEntry(nsgRecord(tuples), 1, next, state.tally);
    expect(next.clouds[0]).toBe(state.batch.clouds[0]);
  });

  it("decodes a whole blob and an element nesting more records; one unit per call", () => {
    const tuple = "1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D";
    const { batch, tally } = entries({
      records: [nsgRecord([tuple]), { records: [nsgRecord([tuple]), vnetRecord([tuple])] }],
    });
    expect(batch.length).toBe(3);
    expect(tally.units).toBe(1);
    expect(tally.skipped).toEqual({});
  });

  it("refuses wrappers nested deeper than any real log", () => {
    let value: unknown = nsgRecord(["1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D"]);
    for (let depth = 0; depth < 10; depth++) value = { records: [value] };
    const { batch, tally } = entries(value);
    expect(batch.length).toBe(0);
    expect(tally.skipped).toEqual({ "not-flow-log": 1 });
    expect(tally.examples[0]?.detail).toBe(
      "records[0].records[0].records[0].records[0].records nested 5 deep",
    );
  });

  it("skips what is not a flow log, naming it", () => {
    const { batch, tally } = entries(
      null,
      42,
      "text",
      [nsgRecord([])],
      { category: "NetworkSecurityGroupEvent", properties: {} },
      { time: "2024-01-01T00:00:00Z", operationName: "x" },
    );
    expect(batch.length).toBe(0);
    expect(tally.units).toBe(6);
    expect(tally.skipped).toEqual({ "not-flow-log": 6 });
    expect(tally.examples.map((example) => [example.line, example.detail])).toEqual([
      [10, "entry is null"],
      [20, "entry is a number"],
      [30, "entry is a string"],
      [40, "entry is an array"],
      [50, 'entry has category "NetworkSecurityGroupEvent"'],
      [60, "entry has category none"],
    ]);
  });

  it("decodes records without a category by their shape", () => {
    const tuple = "1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D";
    const nsg = nsgRecord([tuple]);
    const vnet = vnetRecord(["1663146003606,10.0.0.6,10.0.0.7,1,2,17,O,B,NX,0,0,0,0"]);
    delete nsg["category"];
    delete vnet["category"];
    expect(entries(nsg, vnet).batch.length).toBe(2);
  });

  it("counts a record without its flows as a bad field", () => {
    const nsg = nsgRecord([]);
    delete nsg["properties"];
    const vnet = vnetRecord([]);
    vnet["flowRecords"] = { flows: "none" };
    const nsgGroupWithoutFlows = nsgRecord([]);
    (nsgGroupWithoutFlows["properties"] as { flows: unknown[] }).flows = [{ rule: "r" }, 7];
    const vnetAclWithoutGroups = vnetRecord([]);
    (vnetAclWithoutGroups["flowRecords"] as { flows: unknown[] }).flows = [
      { aclID: "a" },
      { aclID: "b", flowGroups: [null] },
    ];
    const { batch, tally } = entries(nsg, vnet, nsgGroupWithoutFlows, vnetAclWithoutGroups);
    expect(batch.length).toBe(0);
    expect(tally.skipped).toEqual({ "bad-field": 6 });
    expect(tally.examples.map((example) => example.detail)).toEqual([
      "properties.flows is missing",
      "flowRecords.flows is missing",
      "properties.flows[0].flows is missing",
      "properties.flows[1].flows is missing",
      "flowRecords.flows[0].flowGroups is missing",
      "flowRecords.flows[1].flowGroups[0] is null, not an object",
    ]);
  });

  it("decodes nothing and skips nothing for empty flowTuples", () => {
    const { batch, tally } = entries(nsgRecord([]), vnetRecord([]));
    expect(batch.length).toBe(0);
    expect(tally).toEqual({ records: 0, units: 2, skipped: {}, examples: [] });
  });

  it("skips bad tuples by index and decodes the rest of the record", () => {
    const { batch, tally } = entries(
      nsgRecord([
        "1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D",
        12345,
        { tuple: "x" },
        "1487282421,192.0.2.95,10.1.0.4,51529,5358,Q,I,D",
        "1487282421,192.0.2.95,10.1.0.4",
        "1487282422,192.0.2.96,10.1.0.4,51530,5358,T,I,A",
      ]),
      nsgRecord("not an array"),
    );
    expect(batch.length).toBe(2);
    expect(batch.decodedRows().map((row) => row.srcAddr)).toEqual(["192.0.2.95", "192.0.2.96"]);
    expect(tally.skipped).toEqual({ "bad-field": 4, "field-count": 1 });
    const path = "properties.flows[0].flows[0].flowTuples";
    expect(tally.examples).toEqual([
      { line: 10, code: "bad-field", detail: `${path}[1] is a number, not a string` },
      { line: 10, code: "bad-field", detail: `${path}[2] is an object, not a string` },
      { line: 10, code: "bad-field", detail: `${path}[3]: protocol "Q"` },
      {
        line: 10,
        code: "field-count",
        detail: `${path}[4]: 3 fields, want 8 (NSG v1) or 13 (NSG v2, VNet)`,
      },
      { line: 20, code: "bad-field", detail: `${path} is a string, not an array` },
    ]);
  });

  it("decodes tuples of a record whose version is unknown or missing, keeping it as written", () => {
    const unknown = vnetRecord(["1663146003606,10.0.0.6,10.0.0.7,1,2,17,O,C,NX,1,100,0,0"], {
      flowLogVersion: 7,
    });
    const missing = nsgRecord(["1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D"]);
    delete (missing["properties"] as Record<string, unknown>)["Version"];
    const textual = nsgRecord(["1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D"]);
    (textual["properties"] as Record<string, unknown>)["Version"] = "3";
    const { batch, tally } = entries(unknown, missing, textual);
    expect(tally.skipped).toEqual({});
    const rows = batch.decodedRows();
    expect(rows.map((row) => row.extra?.["flowLogVersion"] ?? row.extra?.["Version"])).toEqual([
      7,
      undefined,
      "3",
    ]);
    expect(rows[0]?.sampledBytes).toBe(100);
  });

  it("keeps the cloud's rejection of NSG (decision D) and VNet (state D) tuples", () => {
    const { batch } = entries(
      nsgRecord([
        "1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,",
        "1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,A,B,,,,",
      ]),
      vnetRecord([
        "1663145998065,101.33.218.153,10.0.0.6,55188,22,6,I,D,NX,0,0,0,0",
        "1663145998065,101.33.218.153,10.0.0.6,55188,22,6,I,B,NX,0,0,0,0",
      ]),
    );
    expect(batch.decodedRows().map((row) => row.observedAction)).toEqual([
      "reject",
      "accept",
      "reject",
      "accept",
    ]);
  });
});

describe("Azure flow decoder: raw tuple lines", () => {
  it("reads each format, with CRLF ends, blank lines and quoted tuples", () => {
    const { batch, tally } = lines(
      [
        "1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D\r",
        "",
        '  "1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,66,1,66",',
        "1663146003606,2603:1030::6,2606:4700::6810:da54,5,443,6,O,E,X,1,2,0,0",
      ].join("\n"),
    );
    expect(tally.units).toBe(4);
    expect(tally.skipped).toEqual({ blank: 1 });
    expect(tally.examples).toEqual([]);
    expect(tally.records).toBe(4);
    const rows = batch.decodedRows();
    expect(rows.map((row) => [row.srcAddr, row.sampledBytes, row.extra])).toEqual([
      ["192.0.2.95", 0, undefined],
      ["10.5.16.4", 66, { state: "E" }],
      ["203.0.113.115", 66, { state: "E", reverse: true }],
      ["2603:1030::6", 2, { state: "E", encryption: "X" }],
    ]);
    expect(rows[3]?.ipVersion).toBe(6);
    expect(batch.clouds).toEqual([
      {
        provider: "azure",
        account: "",
        region: "",
        zone: "",
        vpc: "",
        subnet: "",
        instance: "",
        interface: "",
      },
    ]);
  });

  it("skips bad lines with their line numbers and goes on", () => {
    const { batch, tally } = lines(
      [
        "garbage",
        "1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,X",
        "1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,A",
        "\u00ff\u0000,,,,,,,",
      ].join("\n"),
    );
    expect(batch.length).toBe(1);
    expect(tally.examples.map((example) => [example.line, example.code])).toEqual([
      [1, "field-count"],
      [2, "bad-field"],
      [4, "bad-field"],
    ]);
  });
});
