import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlowBatch } from "../../src/core/index.ts";
import type { CloudContext, DecodedFlow } from "../../src/core/index.ts";
import { createFlowLogTally } from "../../src/decoders/flow-log/index.ts";
import type { FlowLogTally } from "../../src/decoders/flow-log/index.ts";
import { createGcpVpcDecoder } from "../../src/decoders/gcp-vpc/index.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";

// Conformance of the GCP VPC Flow Logs decoder with the shared corpus (vpc-gcp/, see
// MANIFEST.md): real Cloud Logging entries kept as OpenTelemetry test data. The corpus has no
// expected files for GCP, so every row below is written by hand from the entry's JSON text; the
// times are Date.parse of the millisecond-truncated text (well defined for 3 fractional digits,
// ECMA-262 §21.4.1.32), independent of the decoder's own RFC 3339 parser.

const corpus = corpusDir();
const haveCorpus = peerAvailable("the shared corpus", corpus !== undefined);

const gcp = (fields: Partial<CloudContext>): CloudContext => ({
  provider: "gcp",
  account: "",
  region: "",
  zone: "",
  vpc: "",
  subnet: "",
  instance: "",
  interface: "",
  ...fields,
});

/** The columns every GCP row has the same way. */
const common = {
  exporterAddr: "::",
  source: "gcp-vpc",
  inIf: 0,
  outIf: 0,
  ipVersion: 4,
  tcpFlags: 0,
  srcMaskLen: 0,
  dstMaskLen: 0,
  nextHop: "",
  samplingRate: 1,
  samplingRateKnown: true,
} as const;

const ms = (text: string) => Date.parse(text);

const flowsContext = gcp({
  account: "elastic-logstash",
  region: "us-central1",
  zone: "us-central1-f",
  vpc: "andrewvc-flowfixtures-network",
  subnet: "andrewvc-flowfixtures-subnet",
  instance: "andrewvc-flowfixtures-vm-2qhb",
});
const flowsMig = {
  managed_instance_group: { name: "andrewvc-flowfixtures-mig", region: "us-central1" },
};

const EXPECTED: Readonly<Record<string, readonly DecodedFlow[]>> = {
  // reporter DEST, dscp 32 (tos 128), bytes_sent "0", the VM's MIG kept in extra.
  "otel-gce-subnetwork-mig-dest-reporter.json": [
    {
      ...common,
      startMs: ms("2025-09-27T21:34:39.250Z"),
      endMs: ms("2025-09-27T21:34:39.250Z"),
      srcAddr: "203.0.113.4",
      dstAddr: "192.0.2.4",
      srcPort: 55524,
      dstPort: 443,
      protocol: 6,
      tos: 128,
      srcAs: 0,
      dstAs: 0,
      sampledBytes: 0,
      sampledPackets: 16,
      flowDirection: 0,
      cloud: gcp({
        account: "test-project-id",
        region: "us-central1",
        zone: "us-central1-a",
        vpc: "default",
        subnet: "default",
        instance: "proxy-crest-new-group-892l",
      }),
      extra: {
        dest_instance: {
          managed_instance_group: { name: "proxy-crest-new-group", zone: "us-central1-a" },
        },
        network_service: { dscp: 32 },
        reporter: "DEST",
      },
    },
  ],
  // SRC to a Google API, then DEST from another: one context for both rows.
  "otel-google-service-src-dest.ndjson": [
    {
      ...common,
      startMs: ms("2025-11-07T21:17:47.862Z"),
      endMs: ms("2025-11-07T21:18:47.883Z"),
      srcAddr: "10.10.0.3",
      dstAddr: "142.251.183.95",
      srcPort: 57046,
      dstPort: 443,
      protocol: 6,
      tos: 0,
      srcAs: 0,
      dstAs: 0,
      sampledBytes: 38144,
      sampledPackets: 72,
      flowDirection: 1,
      cloud: flowsContext,
      extra: {
        dest_google_service: {
          connectivity: "PUBLIC_IP",
          service_name: "logging.googleapis.com",
          type: "GOOGLE_API",
        },
        reporter: "SRC",
        src_instance: flowsMig,
      },
    },
    {
      ...common,
      startMs: ms("2025-11-07T21:19:40.711Z"),
      endMs: ms("2025-11-07T21:19:40.712Z"),
      srcAddr: "64.233.179.95",
      dstAddr: "10.10.0.3",
      srcPort: 443,
      dstPort: 52900,
      protocol: 6,
      tos: 0,
      srcAs: 0,
      dstAs: 0,
      sampledBytes: 1968,
      sampledPackets: 32,
      flowDirection: 0,
      cloud: flowsContext,
      extra: {
        dest_instance: flowsMig,
        reporter: "DEST",
        src_google_service: {
          connectivity: "PUBLIC_IP",
          service_name: "agentcommunication.googleapis.com",
          type: "GOOGLE_API",
        },
      },
    },
  ],
  // vpc_flow_logs_config resource (location "global"), ICMP without ports, dest AS 14618.
  "otel-vpc-flow-logs-config-internet-routing-icmp.json": [
    {
      ...common,
      startMs: ms("2025-09-27T21:13:05.056Z"),
      endMs: ms("2025-09-27T21:13:05.056Z"),
      srcAddr: "192.0.2.6",
      dstAddr: "203.0.113.6",
      srcPort: 0,
      dstPort: 0,
      protocol: 1,
      tos: 0,
      srcAs: 0,
      dstAs: 14618,
      sampledBytes: 800,
      sampledPackets: 20,
      flowDirection: 1,
      cloud: gcp({
        account: "test-project-id",
        region: "asia-south1",
        zone: "asia-south1-c",
        vpc: "default",
        subnet: "default",
        instance: "service-integration-dev-idc-ubuntu25-4",
      }),
      extra: {
        reporter: "SRC",
        internet_routing_details: {
          egress_as_path: [{ as_details: [{ asn: 16509 }, { asn: 14618 }] }],
        },
        dest_location: {
          region: "Virginia",
          continent: "America",
          asn: 14618,
          country: "usa",
          city: "Ashburn",
        },
      },
    },
  ],
};

interface Decoded {
  batch: FlowBatch;
  tally: FlowLogTally;
}

/** Splits a file the way the importer does (one value per NDJSON line, else the whole text). */
function decodeFile(file: string): Decoded {
  const text = readFileSync(file, "utf8");
  const values: { value: unknown; line: number }[] = file.endsWith(".ndjson")
    ? text
        .split("\n")
        .map((lineText, index) => ({ lineText, line: index + 1 }))
        .filter(({ lineText }) => lineText.trim() !== "")
        .map(({ lineText, line }) => ({ value: JSON.parse(lineText) as unknown, line }))
    : [{ value: JSON.parse(text) as unknown, line: 1 }];
  const decoder = createGcpVpcDecoder();
  const batch = new FlowBatch(4);
  const tally = createFlowLogTally();
  for (const { value, line } of values) decoder.decodeEntry(value, line, batch, tally);
  return { batch, tally };
}

describe.skipIf(!haveCorpus)("GCP VPC Flow Logs conformance (shared corpus vpc-gcp/)", () => {
  const folder = path.join(corpus ?? "", "vpc-gcp");

  it("has an expectation for every corpus file", () => {
    expect(readdirSync(folder).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, rows] of Object.entries(EXPECTED)) {
    it(`${name}: every row as written in the entry`, () => {
      const { batch, tally } = decodeFile(path.join(folder, name));
      expect(tally).toEqual({
        records: rows.length,
        units: rows.length,
        skipped: {},
        examples: [],
      });
      expect(batch.decodedRows()).toEqual(rows);
      for (let row = 0; row < batch.length; row++) {
        expect(batch.receivedMs[row]).toBe(batch.endMs[row]);
      }
      // One context per distinct observation point, the same object each time.
      const distinct = new Set(rows.map((row) => JSON.stringify(row.cloud)));
      expect(batch.clouds).toHaveLength(distinct.size);
    });
  }

  it("keeps the nanosecond times' milliseconds exactly (truncated, never rounded up)", () => {
    const { batch } = decodeFile(path.join(folder, "otel-google-service-src-dest.ndjson"));
    // start_time 2025-11-07T21:19:40.711783712Z: .711783712 s is 711 ms, not 712.
    expect(batch.startMs[1]! % 1000).toBe(711);
    expect(batch.endMs[1]! % 1000).toBe(712);
  });
});
