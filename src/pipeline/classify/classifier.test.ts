import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { FlowBatch, formatIpv4, formatIpv6Groups, reverseDirection } from "../../core/index.ts";
import type { DecodedFlow } from "../../core/index.ts";
import { EMPTY_TAGS, buildNetworkTable } from "../../inventory/index.ts";
import type { NetworkDeclaration, NetworkTable } from "../../inventory/index.ts";
import { buildExporterTable } from "../../inventory/index.ts";
import type { ExporterTable } from "../../inventory/index.ts";
import { createClassifier, networksOnly } from "./classifier.ts";

/** Exporter 192.0.2.254: 7 transit and 8 an IX (external), 2 and "core*" ports internal. */
function edge(): ExporterTable {
  const result = buildExporterTable([
    {
      address: "192.0.2.254",
      name: "edge1",
      interfaces: [
        { ifIndex: 7, boundary: "external", connectivity: "transit", provider: "Cogent" },
        { ifIndex: [8], boundary: "external", connectivity: "ix", provider: "DE-CIX" },
        { ifIndex: 2, boundary: "internal" },
        { name: "/^core/", boundary: "internal" },
      ],
    },
  ]);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  result.table.get("192.0.2.254")?.learnInterface(3, "core-1", "to the core");
  return result.table;
}

const declarations: NetworkDeclaration[] = [
  { name: "corp", cidrs: ["10.0.0.0/8", "2001:db8:100::/40"], tags: { team: "net" } },
  { name: "dmz", cidrs: ["10.9.0.0/16", "2001:db8:100:9::/64"], tags: { zone: "dmz" } },
  { name: "office", cidrs: ["192.168.0.0/16"], tags: {} },
];

function table(): NetworkTable {
  const result = buildNetworkTable(declarations);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.table;
}

function flow(srcAddr: string, dstAddr: string, extra: Partial<DecodedFlow> = {}): DecodedFlow {
  return {
    startMs: 1_700_000_000_000,
    endMs: 1_700_000_001_000,
    exporterAddr: "192.0.2.254",
    source: "netflow5",
    inIf: 1,
    outIf: 2,
    ipVersion: srcAddr.includes(":") ? 6 : 4,
    srcAddr,
    dstAddr,
    srcPort: 40000,
    dstPort: 443,
    protocol: 6,
    tcpFlags: 0x1b,
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
    ...extra,
  };
}

describe("createClassifier", () => {
  const classifier = createClassifier(table());
  const receivedMs = 1_700_000_002_000;

  it("ours → internet is egress, priced as internet", () => {
    const record = classifier.classify(flow("10.1.2.3", "8.8.8.8"), receivedMs);
    expect(record).toMatchObject({
      direction: "egress",
      directionSource: "networks",
      locality: "internet",
      srcNetwork: "corp",
      dstNetwork: "",
      srcTags: { team: "net" },
      receivedMs,
    });
    expect(record.dstTags).toEqual(EMPTY_TAGS);
  });

  it("internet → ours is ingress, and the far end is the source", () => {
    const record = classifier.classify(flow("2606:4700::1111", "2001:db8:100:9::5"), receivedMs);
    expect(record).toMatchObject({
      direction: "ingress",
      locality: "internet",
      srcNetwork: "",
      dstNetwork: "dmz",
      dstTags: { team: "net", zone: "dmz" },
    });
  });

  it("ours → ours is internal and on-prem", () => {
    const record = classifier.classify(flow("10.9.0.1", "192.168.1.1"), receivedMs);
    expect(record).toMatchObject({
      direction: "internal",
      locality: "on-prem",
      srcNetwork: "dmz",
      dstNetwork: "office",
    });
    expect(record.dstTags).toEqual(EMPTY_TAGS);
  });

  it("outside → outside is transit; a non-global far end has unknown locality", () => {
    expect(classifier.classify(flow("8.8.8.8", "1.1.1.1"), receivedMs)).toMatchObject({
      direction: "transit",
      locality: "internet",
    });
    expect(classifier.classify(flow("8.8.8.8", "172.16.0.1"), receivedMs)).toMatchObject({
      direction: "transit",
      locality: "unknown",
    });
    expect(classifier.classify(flow("10.0.0.1", "224.0.0.251"), receivedMs)).toMatchObject({
      direction: "egress",
      locality: "unknown",
    });
  });

  it("scales bytes and packets by the sampling rate and keeps the raw counts", () => {
    const record = classifier.classify(
      flow("10.0.0.1", "8.8.8.8", { sampledBytes: 1000, sampledPackets: 2, samplingRate: 512 }),
      receivedMs,
    );
    expect(record).toMatchObject({
      bytes: 512_000,
      packets: 1024,
      sampledBytes: 1000,
      sampledPackets: 2,
      samplingRate: 512,
    });
  });

  it("copies every decoded field unchanged", () => {
    const decoded = flow("10.0.0.1", "8.8.8.8");
    const record = classifier.classify(decoded, receivedMs);
    expect(record).toMatchObject({ ...decoded });
  });

  it("refuses a flow object whose address is not an IP address, naming the column", () => {
    expect(() => classifier.classify(flow("10.0.0.1", "not-an-address"), receivedMs)).toThrow(
      /dst_addr: "not-an-address" is not an IP address/,
    );
  });

  it("matches IPv4-mapped IPv6 addresses to the IPv4 networks", () => {
    expect(classifier.classify(flow("::ffff:10.0.0.1", "8.8.8.8"), receivedMs)).toMatchObject({
      direction: "egress",
      srcNetwork: "corp",
      srcTags: { team: "net" },
    });
  });

  it("lets boundary interfaces take precedence over the networks", () => {
    const withInterfaces = createClassifier({ ...networksOnly(table()), exporters: edge() });
    const at = (inIf: number, outIf: number, src = "10.0.0.1", dst = "10.0.0.2") =>
      withInterfaces.classify(flow(src, dst, { inIf, outIf }), receivedMs);
    expect(at(7, 2)).toMatchObject({
      direction: "ingress",
      directionSource: "interface",
      locality: "on-prem",
    });
    expect(at(2, 7)).toMatchObject({ direction: "egress", directionSource: "interface" });
    expect(at(7, 8)).toMatchObject({ direction: "transit", directionSource: "interface" });
    // 3 is declared by its learnt name (a regex), 5 is undeclared: internal by implication.
    expect(at(3, 5)).toMatchObject({ direction: "internal", directionSource: "interface" });
    // ifIndex 0 on both sides decides nothing: the networks do.
    expect(at(0, 0, "10.0.0.1", "8.8.8.8")).toMatchObject({
      direction: "egress",
      directionSource: "networks",
    });
    // One external side is enough.
    expect(at(0, 8, "8.8.8.8", "1.1.1.1")).toMatchObject({
      direction: "egress",
      directionSource: "interface",
    });
    // Another exporter without boundaries: networks.
    expect(
      withInterfaces.classify(
        flow("10.0.0.1", "10.0.0.2", { inIf: 7, exporterAddr: "192.0.2.9" }),
        receivedMs,
      ),
    ).toMatchObject({ direction: "internal", directionSource: "networks" });
  });

  it("classifies a batch's rows in place and in order", () => {
    const batch = new FlowBatch(2);
    for (const [src, dst] of [
      ["10.0.0.1", "8.8.8.8"],
      ["8.8.8.8", "10.0.0.1"],
      ["8.8.8.8", "1.1.1.1"],
    ] as const) {
      batch.appendDecoded(flow(src, dst));
    }
    classifier.classifyRows(batch, 0, batch.length, receivedMs);
    const records = [0, 1, 2].map((row) => batch.record(row, classifier.networks));
    expect(records.map((record) => record.direction)).toEqual(["egress", "ingress", "transit"]);
    expect(records.map((record) => record.receivedMs)).toEqual([
      receivedMs,
      receivedMs,
      receivedMs,
    ]);
  });
});

describe("a flow and its reverse", () => {
  // Addresses inside, around and outside the declared networks, both families.
  const ipv4 = fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4),
    fc.integer({ min: 0, max: 0xffffff }).map((host) => formatIpv4(0x0a000000 + host)),
    fc.integer({ min: 0, max: 0xffff }).map((host) => formatIpv4(0x0a090000 + host)),
    fc.integer({ min: 0, max: 0x3ffff }).map((host) => formatIpv4(0xc0a70000 + host)),
  );
  const ipv6 = fc
    .tuple(
      fc.constantFrom(
        [0x2001, 0xdb8, 0x100],
        [0x2001, 0xdb8, 0x1ff],
        [0x2606, 0x4700, 0],
        [0xfd00, 0, 0],
      ),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 5, maxLength: 5 }),
    )
    .map(([head, tail]) => formatIpv6Groups([...head, ...tail]));
  const ends = fc.oneof(fc.tuple(ipv4, ipv4), fc.tuple(ipv6, ipv6));

  it("classify to opposite directions and keep their networks", () => {
    const classifier = createClassifier(table());
    fc.assert(
      fc.property(
        ends,
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        ([srcAddr, dstAddr], srcPort, dstPort) => {
          const forward = classifier.classify(flow(srcAddr, dstAddr, { srcPort, dstPort }), 0);
          const backward = classifier.classify(
            flow(dstAddr, srcAddr, { srcPort: dstPort, dstPort: srcPort }),
            0,
          );
          expect(backward.direction).toBe(reverseDirection(forward.direction));
          expect(backward.srcNetwork).toBe(forward.dstNetwork);
          expect(backward.dstNetwork).toBe(forward.srcNetwork);
          expect(backward.srcTags).toEqual(forward.dstTags);
          expect(backward.dstTags).toEqual(forward.srcTags);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("classify to opposite directions through boundary interfaces too", () => {
    const classifier = createClassifier({ ...networksOnly(table()), exporters: edge() });
    const ifIndex = fc.constantFrom(0, 2, 3, 5, 7, 8);
    fc.assert(
      fc.property(ends, ifIndex, ifIndex, ([srcAddr, dstAddr], inIf, outIf) => {
        const forward = classifier.classify(flow(srcAddr, dstAddr, { inIf, outIf }), 0);
        const backward = classifier.classify(
          flow(dstAddr, srcAddr, { inIf: outIf, outIf: inIf }),
          0,
        );
        expect(backward.direction).toBe(reverseDirection(forward.direction));
        expect(backward.directionSource).toBe(forward.directionSource);
      }),
      { numRuns: 2000 },
    );
  });
});
