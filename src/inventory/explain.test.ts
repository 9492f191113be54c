import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildCloudRangeTableFromFiles, parseCloudRanges } from "./cloud-ranges/index.ts";
import { explainAddress, explainFlow, type ExplainSources } from "./explain.ts";
import { buildExporterTable } from "./exporters.ts";
import { buildNetworkTable } from "./networks.ts";

const testdata = path.join(import.meta.dirname, "cloud-ranges", "testdata");

function sources(): ExplainSources {
  const networks = buildNetworkTable([
    {
      name: "vpc-main",
      cidrs: ["10.1.0.0/16"],
      tags: { env: "prod", team: "platform" },
      provider: "aws",
      account: "111122223333",
      region: "us-east-1",
      vpc: "vpc-0abc",
      origin: "inventory/aws.yaml networks[0]",
    },
    {
      name: "payments-a",
      cidrs: ["10.1.1.0/24"],
      tags: { team: "payments" },
      zone: "us-east-1a",
      subnet: "subnet-1",
      origin: "inventory/aws.yaml networks[1]",
    },
    {
      name: "payments-b",
      cidrs: ["10.1.2.0/24"],
      tags: {},
      zone: "us-east-1b",
      origin: "inventory/aws.yaml networks[2]",
    },
  ]);
  const exporters = buildExporterTable([
    {
      address: "192.0.2.1",
      name: "edge1",
      interfaces: [
        { ifIndex: 10, boundary: "external", connectivity: "transit", provider: "Cogent" },
      ],
      origin: "inventory.exporters[0]",
    },
  ]);
  if (!networks.ok || !exporters.ok) throw new Error("fixture does not build");
  const aws = parseCloudRanges(
    "aws",
    readFileSync(path.join(testdata, "aws-ip-ranges.json"), "utf8"),
    "aws-ip-ranges.json",
  );
  return {
    networks: networks.table,
    exporters: exporters.table,
    registry: undefined,
    cloudRanges: buildCloudRangeTableFromFiles([aws]),
  };
}

describe("explainAddress", () => {
  it("names the network, the prefix and file that matched, and where each tag comes from", () => {
    const explained = explainAddress(sources(), "10.1.1.7");
    expect(explained).toMatchObject({
      address: "10.1.1.7",
      ours: true,
      network: {
        name: "payments-a",
        prefix: "10.1.1.0/24",
        origin: "inventory/aws.yaml networks[1]",
        attributes: {
          provider: "aws",
          account: "111122223333",
          region: "us-east-1",
          zone: "us-east-1a",
          vpc: "vpc-0abc",
          subnet: "subnet-1",
        },
        enclosing: [{ name: "vpc-main", prefix: "10.1.0.0/16" }],
      },
    });
    expect(explained?.network?.tags).toEqual([
      { key: "env", value: "prod", from: "vpc-main" },
      { key: "team", value: "payments", from: "payments-a" },
    ]);
  });

  it("names the published cloud range of an address outside the inventory", () => {
    expect(explainAddress(sources(), "52.216.8.1")?.cloud).toEqual({
      provider: "aws",
      service: "S3",
      region: "us-east-1",
      kind: "service",
      prefix: "52.216.0.0/15",
      source: "aws",
    });
    expect(explainAddress(sources(), "not an address")).toBeUndefined();
  });
});

describe("explainFlow", () => {
  it("gives direction and locality with their reasons", () => {
    const toS3 = explainFlow(sources(), { src: "10.1.1.7", dst: "52.216.8.1" });
    expect(toS3).toMatchObject({
      direction: "egress",
      directionSource: "networks",
      farEnd: "dst",
      locality: "cloud-service",
    });
    expect(toS3?.localityReason).toMatch(/S3/);
    const crossZone = explainFlow(sources(), { src: "10.1.2.9", dst: "10.1.1.7" });
    expect(crossZone).toMatchObject({ direction: "internal", locality: "cross-zone" });
  });

  it("applies the exporter's boundary interfaces when given", () => {
    const explained = explainFlow(sources(), {
      src: "10.1.1.7",
      dst: "10.1.2.9",
      exporter: "192.0.2.1",
      inIf: 10,
      outIf: 3,
    });
    expect(explained).toMatchObject({
      direction: "ingress",
      directionSource: "interface",
      exporter: {
        name: "edge1",
        input: { ifIndex: 10, boundary: "external", connectivity: "transit", provider: "Cogent" },
        output: { ifIndex: 3, boundary: "internal", declared: false },
      },
    });
    expect(explained?.directionReason).toMatch(/input interface 10 is external/);
  });
});
