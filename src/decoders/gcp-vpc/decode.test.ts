import { describe, expect, it } from "vitest";
import { FLOW_DIRECTION_UNKNOWN, FlowBatch } from "../../core/index.ts";
import type { DecodedFlow } from "../../core/index.ts";
import { createFlowLogTally } from "../flow-log/index.ts";
import type { FlowLogTally } from "../flow-log/index.ts";
import { createGcpVpcDecoder } from "./decode.ts";

// Edge cases from the record format (cloud.google.com/vpc/docs/about-flow-logs-records,
// summarised in shared/reference/cost-anchors.md §3.2) and the proto3 JSON mapping that Cloud
// Logging uses (int64 as strings, zero values omitted). The real entries are in
// test/conformance/vpc-gcp.test.ts.

const LOG_NAME = "projects/p1/logs/compute.googleapis.com%2Fvpc_flows";

type Json = Record<string, unknown>;

/** A SRC-reported flow payload; `patch` replaces (or, as undefined, deletes) top-level keys. */
function payload(patch: Json = {}): Json {
  const base: Json = {
    connection: {
      src_ip: "10.0.0.2",
      src_port: 40000,
      dest_ip: "10.0.1.3",
      dest_port: 443,
      protocol: 6,
    },
    bytes_sent: "1500",
    packets_sent: "3",
    start_time: "2025-01-02T03:04:05.678901234Z",
    end_time: "2025-01-02T03:04:06.000000001Z",
    reporter: "SRC",
    src_instance: {
      project_id: "p1",
      vm_name: "vm-a",
      region: "europe-west1",
      zone: "europe-west1-b",
    },
    src_vpc: {
      project_id: "p1",
      vpc_name: "net",
      subnetwork_name: "sub-a",
      subnetwork_region: "europe-west1",
    },
    dest_instance: {
      project_id: "p1",
      vm_name: "vm-b",
      region: "europe-west1",
      zone: "europe-west1-c",
    },
    dest_vpc: {
      project_id: "p1",
      vpc_name: "net",
      subnetwork_name: "sub-b",
      subnetwork_region: "europe-west1",
    },
  };
  const merged: Json = { ...base, ...patch };
  for (const [key, value] of Object.entries(patch))
    if (value === undefined) Reflect.deleteProperty(merged, key);
  return merged;
}

function logEntry(jsonPayload: unknown, patch: Json = {}): Json {
  return {
    insertId: "abc",
    jsonPayload,
    resource: {
      type: "gce_subnetwork",
      labels: { project_id: "p1", location: "europe-west1", subnetwork_name: "sub-a" },
    },
    timestamp: "2025-01-02T03:05:00.123456Z",
    receiveTimestamp: "2025-01-02T03:05:00.5Z",
    logName: LOG_NAME,
    ...patch,
  };
}

function decodeAll(entries: readonly unknown[]): { batch: FlowBatch; tally: FlowLogTally } {
  const decoder = createGcpVpcDecoder();
  const batch = new FlowBatch(2);
  const tally = createFlowLogTally();
  entries.forEach((entry, index) => {
    decoder.decodeEntry(entry, index + 1, batch, tally);
  });
  return { batch, tally };
}

function decodeOne(entry: unknown): DecodedFlow {
  const { batch, tally } = decodeAll([entry]);
  expect(tally.examples).toEqual([]);
  expect(batch.length).toBe(1);
  return batch.decoded(0);
}

function expectSkip(entry: unknown, code: string, detail: RegExp): void {
  const { batch, tally } = decodeAll([entry]);
  expect(batch.length).toBe(0);
  expect(tally.units).toBe(1);
  expect(tally.records).toBe(0);
  expect(tally.skipped).toEqual({ [code]: 1 });
  expect(tally.examples).toHaveLength(1);
  expect(tally.examples[0]?.line).toBe(1);
  expect(tally.examples[0]?.detail).toMatch(detail);
}

describe("GCP VPC Flow Logs decoder: the row", () => {
  it("decodes a LogEntry: 5-tuple, counters, exact times, direction, context, extra", () => {
    const flow = decodeOne(logEntry(payload()));
    expect(flow).toEqual({
      startMs: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
      endMs: Date.UTC(2025, 0, 2, 3, 4, 6, 0),
      exporterAddr: "::",
      source: "gcp-vpc",
      inIf: 0,
      outIf: 0,
      ipVersion: 4,
      srcAddr: "10.0.0.2",
      dstAddr: "10.0.1.3",
      srcPort: 40000,
      dstPort: 443,
      protocol: 6,
      tcpFlags: 0,
      tos: 0,
      srcAs: 0,
      dstAs: 0,
      srcMaskLen: 0,
      dstMaskLen: 0,
      nextHop: "",
      sampledBytes: 1500,
      sampledPackets: 3,
      samplingRate: 1,
      samplingRateKnown: true,
      flowDirection: 1,
      cloud: {
        provider: "gcp",
        account: "p1",
        region: "europe-west1",
        zone: "europe-west1-b",
        vpc: "net",
        subnet: "sub-a",
        instance: "vm-a",
        interface: "",
      },
      extra: {
        reporter: "SRC",
        dest_instance: {
          project_id: "p1",
          vm_name: "vm-b",
          region: "europe-west1",
          zone: "europe-west1-c",
        },
        dest_vpc: {
          project_id: "p1",
          vpc_name: "net",
          subnetwork_name: "sub-b",
          subnetwork_region: "europe-west1",
        },
      },
    });
  });

  it("decodes a bare payload (BigQuery/GCS export of jsonPayload) the same way", () => {
    const fromEntry = decodeOne(logEntry(payload()));
    expect(decodeOne(payload())).toEqual(fromEntry);
  });

  it("reads the DEST side for DEST reports: ingress, the destination VM's context", () => {
    const flow = decodeOne(logEntry(payload({ reporter: "DEST" })));
    expect(flow.flowDirection).toBe(0);
    expect(flow.cloud).toMatchObject({ instance: "vm-b", zone: "europe-west1-c", subnet: "sub-b" });
    expect(flow.extra).toEqual({
      reporter: "DEST",
      src_instance: {
        project_id: "p1",
        vm_name: "vm-a",
        region: "europe-west1",
        zone: "europe-west1-b",
      },
      src_vpc: {
        project_id: "p1",
        vpc_name: "net",
        subnetwork_name: "sub-a",
        subnetwork_region: "europe-west1",
      },
    });
  });

  it("IPv6 connections", () => {
    const flow = decodeOne(
      payload({
        connection: {
          src_ip: "2001:DB8:0:0::1",
          dest_ip: "2607:f8b0:4004:c07::64",
          src_port: 51000,
          dest_port: 443,
          protocol: 6,
        },
      }),
    );
    expect(flow).toMatchObject({
      ipVersion: 6,
      srcAddr: "2001:db8::1",
      dstAddr: "2607:f8b0:4004:c07::64",
    });
  });

  it("ICMP (and any zero port proto3 omits): ports 0", () => {
    const flow = decodeOne(
      payload({ connection: { src_ip: "10.0.0.2", dest_ip: "8.8.8.8", protocol: 1 } }),
    );
    expect(flow).toMatchObject({ protocol: 1, srcPort: 0, dstPort: 0 });
  });

  it('int64 counters as strings or numbers; "0" and absent are 0', () => {
    expect(decodeOne(payload({ bytes_sent: 1500, packets_sent: 3 }))).toMatchObject({
      sampledBytes: 1500,
      sampledPackets: 3,
    });
    expect(decodeOne(payload({ bytes_sent: "0", packets_sent: "0" }))).toMatchObject({
      sampledBytes: 0,
      sampledPackets: 0,
    });
    expect(decodeOne(payload({ bytes_sent: undefined, packets_sent: undefined }))).toMatchObject({
      sampledBytes: 0,
      sampledPackets: 0,
    });
  });

  it("very large counters: nearest double in the column, exact text in extra", () => {
    const flow = decodeOne(
      payload({ bytes_sent: "9223372036854775807", packets_sent: "9007199254740993" }),
    );
    expect(flow.sampledBytes).toBe(2 ** 63); // the nearest double to 2^63 − 1
    expect(flow.sampledPackets).toBe(9007199254740992);
    expect(flow.extra).toMatchObject({
      bytes_sent: "9223372036854775807",
      packets_sent: "9007199254740993",
    });
    // 2^53 itself is exact: nothing extra.
    const exact = decodeOne(payload({ bytes_sent: "9007199254740992" }));
    expect(exact.sampledBytes).toBe(2 ** 53);
    expect(exact.extra).not.toHaveProperty("bytes_sent");
    // A huge JSON number is already rounded by JSON.parse: accepted as it is.
    expect(decodeOne(payload({ bytes_sent: 2 ** 60 })).sampledBytes).toBe(2 ** 60);
  });

  it("times: the missing one falls back to the other, then to the LogEntry timestamp", () => {
    const onlyStart = decodeOne(logEntry(payload({ end_time: undefined })));
    expect(onlyStart.endMs).toBe(onlyStart.startMs);
    const onlyEnd = decodeOne(logEntry(payload({ start_time: undefined })));
    expect(onlyEnd.startMs).toBe(Date.UTC(2025, 0, 2, 3, 4, 6, 0));
    const none = decodeOne(logEntry(payload({ start_time: undefined, end_time: undefined })));
    expect(none.startMs).toBe(Date.UTC(2025, 0, 2, 3, 5, 0, 123));
    expect(none.endMs).toBe(Date.UTC(2025, 0, 2, 3, 5, 0, 123));
  });

  it("unknown or missing reporter: direction not stated, context from the resource labels", () => {
    for (const reporter of ["SIDEWAYS", undefined, 7]) {
      const { batch, tally } = decodeAll([logEntry(payload({ reporter }))]);
      expect(tally.records).toBe(1);
      expect(batch.flowDirection[0]).toBe(FLOW_DIRECTION_UNKNOWN);
      const flow = batch.decoded(0);
      expect(flow.flowDirection).toBeUndefined();
      expect(flow.cloud).toEqual({
        provider: "gcp",
        account: "p1",
        region: "europe-west1",
        zone: "",
        vpc: "",
        subnet: "sub-a",
        instance: "",
        interface: "",
      });
      // Neither side was used for the context: both are kept whole.
      expect(flow.extra).toHaveProperty("src_instance.vm_name", "vm-a");
      expect(flow.extra).toHaveProperty("dest_instance.vm_name", "vm-b");
      if (reporter !== undefined) expect(flow.extra).toHaveProperty("reporter", reporter);
    }
  });

  it("gateways: SRC_GATEWAY is egress out of the gateway, its details are the context", () => {
    const flow = decodeOne(
      logEntry(
        payload({
          reporter: "SRC_GATEWAY",
          src_instance: undefined,
          src_vpc: undefined,
          src_gateway: {
            type: "VPN_TUNNEL",
            project_id: "p1",
            vpc: { project_id: "p1", vpc_name: "net" },
            location: "europe-west1",
            name: "tunnel-1",
          },
        }),
      ),
    );
    expect(flow.flowDirection).toBe(1);
    expect(flow.cloud).toMatchObject({
      account: "p1",
      region: "europe-west1",
      vpc: "net",
      instance: "tunnel-1",
    });
    expect(flow.extra).toHaveProperty("src_gateway.type", "VPN_TUNNEL");
  });

  it("Shared VPC: the VM's project is the account, the host project stays in extra", () => {
    const flow = decodeOne(
      payload({
        src_vpc: {
          project_id: "host",
          vpc_name: "shared",
          subnetwork_name: "s",
          subnetwork_region: "europe-west1",
        },
      }),
    );
    expect(flow.cloud).toMatchObject({ account: "p1", vpc: "shared", subnet: "s" });
    expect(flow.extra).toHaveProperty("src_vpc", { project_id: "host" });
  });

  it("networkmanagement log, vpc_flow_logs_config resource: location global is no region", () => {
    const flow = decodeOne(
      logEntry(payload({ src_instance: undefined, src_vpc: undefined }), {
        logName: "projects/p9/logs/networkmanagement.googleapis.com%2Fvpc_flows",
        resource: {
          type: "vpc_flow_logs_config",
          labels: { name: "cfg", location: "global", resource_container: "projects/123" },
        },
      }),
    );
    expect(flow.cloud).toMatchObject({ account: "p9", region: "" });
  });

  it("folder and organisation sinks: the log name has no project", () => {
    const flow = decodeOne(
      logEntry(payload(), { logName: "folders/42/logs/compute.googleapis.com%2Fvpc_flows" }),
    );
    expect(flow.cloud?.account).toBe("p1");
  });

  it("tos from network_service.dscp, AS numbers from the locations (numbers or strings)", () => {
    const flow = decodeOne(
      payload({
        network_service: { dscp: 46 },
        src_location: { asn: "15169", country: "usa" },
        dest_location: { asn: 4_200_000_000, country: "deu" },
      }),
    );
    expect(flow).toMatchObject({ tos: 46 << 2, srcAs: 15169, dstAs: 4_200_000_000 });
    expect(flow.extra).toMatchObject({
      network_service: { dscp: 46 },
      src_location: { asn: "15169", country: "usa" },
      dest_location: { asn: 4_200_000_000, country: "deu" },
    });
    // An out-of-range DSCP sets nothing but is kept.
    const odd = decodeOne(payload({ network_service: { dscp: 64 } }));
    expect(odd.tos).toBe(0);
    expect(odd.extra).toHaveProperty("network_service", { dscp: 64 });
  });

  it("keeps unknown payload and connection fields, and a __proto__ key as a plain key", () => {
    const parsed = JSON.parse(
      '{"connection":{"src_ip":"10.0.0.2","dest_ip":"10.0.0.3","protocol":17,"nat_ip":"34.1.2.3"},' +
        '"rtt_msec":"12","__proto__":{"polluted":true},"end_time":"2025-01-01T00:00:00Z"}',
    ) as unknown;
    const flow = decodeOne(parsed);
    expect(flow.extra).toEqual({
      connection: { nat_ip: "34.1.2.3" },
      rtt_msec: "12",
      ["__proto__"]: { polluted: true },
    });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("one context object per distinct context: rows share it, the batch keeps it once", () => {
    const { batch } = decodeAll([
      logEntry(payload()),
      logEntry(payload({ bytes_sent: "9" })),
      logEntry(payload({ reporter: "DEST" })),
      payload(),
    ]);
    expect(batch.length).toBe(4);
    expect(batch.clouds).toHaveLength(2);
    expect(batch.cloud[0]).toBe(batch.cloud[1]);
    expect(batch.cloud[0]).toBe(batch.cloud[3]);
    expect(batch.cloud[2]).not.toBe(batch.cloud[0]);
  });
});

describe("GCP VPC Flow Logs decoder: what it skips", () => {
  it("entries of other logs and values that are no entry: not-flow-log", () => {
    expectSkip(
      { logName: "projects/p1/logs/cloudaudit.googleapis.com%2Factivity", protoPayload: {} },
      "not-flow-log",
      /cloudaudit/,
    );
    expectSkip(
      { logName: "projects/p1/logs/syslog", textPayload: "hello" },
      "not-flow-log",
      /syslog/,
    );
    expectSkip({ textPayload: "hello" }, "not-flow-log", /LogEntry/);
    expectSkip({ hello: "world" }, "not-flow-log", /neither/);
    expectSkip([payload()], "not-flow-log", /array/);
    expectSkip("text", "not-flow-log", /string/);
    expectSkip(null, "not-flow-log", /null/);
    expectSkip(42, "not-flow-log", /number/);
    expectSkip(logEntry(payload(), { logName: 7 }), "not-flow-log", /number 7/);
  });

  it("a jsonPayload that is a JSON string (never parsed): bad-field", () => {
    expectSkip(logEntry(JSON.stringify(payload())), "bad-field", /jsonPayload is a string/);
    expectSkip(logEntry(null), "bad-field", /jsonPayload is null/);
    expectSkip(logEntry(undefined), "bad-field", /jsonPayload is missing/);
  });

  it("a flow log entry without connection: bad-field", () => {
    expectSkip(logEntry(payload({ connection: undefined })), "bad-field", /connection is missing/);
    expectSkip(
      logEntry(payload({ connection: "10.0.0.1" })),
      "bad-field",
      /connection is a string/,
    );
  });

  it("addresses that do not parse, or of two families: bad-field", () => {
    const withConnection = (connection: Json) => payload({ connection });
    expectSkip(
      withConnection({ src_ip: "10.0.0.300", dest_ip: "10.0.0.1", protocol: 6 }),
      "bad-field",
      /src_ip/,
    );
    expectSkip(
      withConnection({ src_ip: "10.0.0.1", dest_ip: "-", protocol: 6 }),
      "bad-field",
      /dest_ip/,
    );
    expectSkip(
      withConnection({ dest_ip: "10.0.0.1", protocol: 6 }),
      "bad-field",
      /src_ip is missing/,
    );
    expectSkip(
      withConnection({ src_ip: "10.0.0.1", dest_ip: "2001:db8::1", protocol: 6 }),
      "bad-field",
      /family/,
    );
  });

  it("protocol and ports out of range or of the wrong type: bad-field", () => {
    const base = { src_ip: "10.0.0.1", dest_ip: "10.0.0.2" };
    expectSkip(payload({ connection: { ...base } }), "bad-field", /protocol is missing/);
    expectSkip(payload({ connection: { ...base, protocol: 256 } }), "bad-field", /protocol/);
    expectSkip(payload({ connection: { ...base, protocol: "tcp" } }), "bad-field", /protocol/);
    expectSkip(
      payload({ connection: { ...base, protocol: 6, dest_port: 65536 } }),
      "bad-field",
      /dest_port/,
    );
    expectSkip(
      payload({ connection: { ...base, protocol: 6, src_port: -1 } }),
      "bad-field",
      /src_port/,
    );
    // Numeric strings are fine (proto3 parsers accept them for any integer).
    expect(
      decodeOne(payload({ connection: { ...base, protocol: "17", dest_port: "53" } })),
    ).toMatchObject({ protocol: 17, dstPort: 53 });
  });

  it("counters that are not non-negative int64: bad-field", () => {
    for (const bytes of [
      "abc",
      "-",
      "",
      "-1",
      "1.5",
      "1e3",
      " 1",
      -1,
      1.5,
      true,
      {},
      "9223372036854775808",
      1e20,
    ]) {
      expectSkip(payload({ bytes_sent: bytes }), "bad-field", /bytes_sent/);
    }
    expectSkip(payload({ packets_sent: null }), "bad-field", /packets_sent is null/);
  });

  it("times that do not parse, or no time at all: bad-field", () => {
    expectSkip(payload({ start_time: "yesterday" }), "bad-field", /start_time/);
    expectSkip(payload({ end_time: 1735787046 }), "bad-field", /end_time is number/);
    expectSkip(payload({ end_time: "2025-02-30T00:00:00Z" }), "bad-field", /end_time/);
    expectSkip(
      payload({ start_time: undefined, end_time: undefined }),
      "bad-field",
      /no start_time, end_time or timestamp/,
    );
    expectSkip(
      logEntry(payload({ start_time: undefined, end_time: undefined }), { timestamp: "now" }),
      "bad-field",
      /timestamp/,
    );
  });

  it("counts units, records and skips with each skip's line, and goes on after one", () => {
    const { batch, tally } = decodeAll([
      logEntry(payload()),
      logEntry(payload({ bytes_sent: "x" })),
      { logName: "projects/p1/logs/other" },
      logEntry(payload({ reporter: "DEST" })),
    ]);
    expect(batch.length).toBe(2);
    expect(tally.units).toBe(4);
    expect(tally.records).toBe(2);
    expect(tally.skipped).toEqual({ "bad-field": 1, "not-flow-log": 1 });
    expect(tally.examples.map((example) => [example.line, example.code])).toEqual([
      [2, "bad-field"],
      [3, "not-flow-log"],
    ]);
  });

  it("a caller's object that JSON cannot hold (a BigInt) is skipped, not thrown", () => {
    expectSkip(payload({ rtt_msec: 12n }), "bad-field", /not JSON/);
  });
});
