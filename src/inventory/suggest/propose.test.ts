import { describe, expect, it } from "vitest";
import { FlowBatch, type CloudContext } from "../../core/index.ts";
import { buildNetworkTable } from "../networks.ts";
import { createNearEndCollector } from "./near-end.ts";
import { coveringPrefixes, declaredPrefixes, proposeNetworks } from "./propose.ts";

const CONTEXT: CloudContext = {
  provider: "aws",
  account: "111122223333",
  region: "eu-west-1",
  zone: "euw1-az1",
  vpc: "vpc-1",
  subnet: "subnet-1",
  instance: "i-1",
  interface: "eni-1",
};

function flow(batch: FlowBatch, src: string, dst: string, direction: number, context = CONTEXT) {
  const row = batch.appendDecoded({
    startMs: 0,
    endMs: 1000,
    exporterAddr: "::",
    source: "aws-vpc",
    inIf: 0,
    outIf: 0,
    ipVersion: src.includes(":") ? 6 : 4,
    srcAddr: src,
    dstAddr: dst,
    srcPort: 1,
    dstPort: 2,
    protocol: 6,
    tcpFlags: 0,
    tos: 0,
    srcAs: 0,
    dstAs: 0,
    srcMaskLen: 0,
    dstMaskLen: 0,
    nextHop: "",
    sampledBytes: 100,
    sampledPackets: 1,
    samplingRate: 1,
    samplingRateKnown: true,
    flowDirection: direction,
    cloud: context,
  });
  batch.bytes[row] = 100;
}

describe("coveringPrefixes", () => {
  it("widens to /28 and /64, covers tightly, and splits beyond /16 and /48", () => {
    expect(coveringPrefixes(["10.1.2.3"])).toEqual(["10.1.2.0/28"]);
    expect(coveringPrefixes(["10.1.2.3", "10.1.2.200"])).toEqual(["10.1.2.0/24"]);
    expect(coveringPrefixes(["10.1.0.1", "10.1.255.1"])).toEqual(["10.1.0.0/16"]);
    expect(coveringPrefixes(["10.1.0.1", "10.2.0.1", "10.2.0.9"])).toEqual([
      "10.1.0.0/28",
      "10.2.0.0/28",
    ]);
    expect(coveringPrefixes(["2001:db8:1:2::5", "10.0.0.1"])).toEqual([
      "10.0.0.0/28",
      "2001:db8:1:2::/64",
    ]);
    expect(coveringPrefixes(["2001:db8:1:2::5", "2001:db8:1:4::5"])).toEqual(["2001:db8:1::/61"]);
    expect(coveringPrefixes(["2001:db8:1::1", "2001:db8:2::1"])).toEqual([
      "2001:db8:1::/64",
      "2001:db8:2::/64",
    ]);
  });
});

describe("near ends and proposals", () => {
  it("takes the stated direction, else the private end, else the end known as the interface's", () => {
    const batch = new FlowBatch(8);
    flow(batch, "10.0.0.5", "52.1.2.3", 1); // egress: source
    flow(batch, "52.1.2.3", "10.0.0.6", 0); // ingress: destination
    flow(batch, "10.0.0.7", "8.8.8.8", 255); // no direction: the private end
    flow(batch, "10.9.9.9", "10.0.0.5", 255); // both private: 10.0.0.5 is known
    flow(batch, "10.9.9.9", "10.8.8.8", 255); // both private, neither known
    flow(batch, "52.1.2.3", "54.1.2.3", 255); // both public
    const collector = createNearEndCollector();
    collector.add(batch);
    const ends = collector.result();
    expect(ends.unresolved).toBe(1);
    expect(ends.bothGlobal).toBe(1);
    const addresses = ends.interfaces[0]?.addresses;
    expect([...(addresses?.keys() ?? [])].sort()).toEqual(["10.0.0.5", "10.0.0.6", "10.0.0.7"]);
    expect(addresses?.get("10.0.0.5")?.flows).toBe(2);

    const proposed = proposeNetworks(ends, { table: undefined, prefixes: new Map() });
    expect(proposed.networks).toEqual([
      {
        name: "vpc-1/subnet-1",
        cidrs: ["10.0.0.0/28"],
        attributes: {
          provider: "aws",
          account: "111122223333",
          region: "eu-west-1",
          zone: "euw1-az1",
          vpc: "vpc-1",
          subnet: "subnet-1",
        },
        flows: 4,
        bytes: 400,
        firstMs: 1000,
        lastMs: 1000,
        addresses: 3,
        interfaces: 1,
      },
    ]);
  });

  it("skips what the inventory declares: the same prefix, or a network with the same subnet", () => {
    const batch = new FlowBatch(8);
    flow(batch, "10.0.0.5", "52.1.2.3", 1);
    flow(batch, "10.7.0.5", "52.1.2.3", 1, { ...CONTEXT, subnet: "subnet-2", interface: "eni-2" });
    const collector = createNearEndCollector();
    collector.add(batch);
    const declarations = [
      { name: "one", cidrs: ["10.0.0.0/28"], tags: {} },
      { name: "vpc", cidrs: ["10.7.0.0/16"], tags: {}, subnet: "subnet-2" },
    ];
    const table = buildNetworkTable(declarations);
    if (!table.ok) throw new Error("bad table");
    const proposed = proposeNetworks(collector.result(), {
      table: table.table,
      prefixes: declaredPrefixes(declarations),
    });
    expect(proposed.networks).toEqual([]);
    expect(proposed.skipped.map((skip) => skip.reason).sort()).toEqual([
      "already declared as one",
      "its 1 addresses are in vpc (subnet subnet-2)",
    ]);
  });
});
