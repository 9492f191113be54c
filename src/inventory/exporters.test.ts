import { describe, expect, it } from "vitest";
import { FlowBatch } from "../core/index.ts";
import { buildExporterTable, type ExporterDeclaration, type ExporterTable } from "./exporters.ts";

function build(declarations: readonly ExporterDeclaration[]): ExporterTable {
  const result = buildExporterTable(declarations);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.table;
}

describe("buildExporterTable", () => {
  const table = build([
    {
      address: "192.0.2.1",
      name: "edge1",
      site: "fra1",
      samplingRate: 1000,
      interfaces: [
        {
          ifIndex: 10,
          boundary: "external",
          connectivity: "transit",
          provider: "Cogent",
          name: "xe-0/0/0",
        },
        { ifIndex: [11, 12], boundary: "external", connectivity: "ix", provider: "DE-CIX" },
        { description: "/^PNI:/", boundary: "external", connectivity: "pni" },
        { name: "/^ae[0-9]+$/", boundary: "internal" },
      ],
    },
    { address: "2001:db8::1", interfaces: [] },
  ]);

  it("finds exporters by any spelling of their address, and by a batch row's words", () => {
    expect(table.get("192.0.2.1")?.name).toBe("edge1");
    expect(table.get("::ffff:192.0.2.1")?.name).toBe("edge1");
    expect(table.get("2001:DB8:0::1")?.hasBoundaries).toBe(false);
    expect(table.get("192.0.2.9")).toBeUndefined();
    const batch = new FlowBatch(2);
    for (const exporterAddr of ["192.0.2.1", "192.0.2.7"]) {
      batch.appendDecoded({
        startMs: 0,
        endMs: 0,
        exporterAddr,
        source: "netflow5",
        inIf: 0,
        outIf: 0,
        ipVersion: 4,
        srcAddr: "10.0.0.1",
        dstAddr: "10.0.0.2",
        srcPort: 0,
        dstPort: 0,
        protocol: 6,
        tcpFlags: 0,
        tos: 0,
        srcAs: 0,
        dstAs: 0,
        srcMaskLen: 0,
        dstMaskLen: 0,
        nextHop: "",
        sampledBytes: 1,
        sampledPackets: 1,
        samplingRate: 1,
        samplingRateKnown: true,
      });
    }
    expect(table.getByWords(batch.exporter, 0)?.name).toBe("edge1");
    expect(table.getByWords(batch.exporter, 4)).toBeUndefined();
    expect(table.getByWords(batch.exporter, 0)?.name).toBe("edge1");
  });

  it("resolves interfaces by ifIndex, then by learnt name or description; the rest are internal", () => {
    const edge = table.get("192.0.2.1");
    expect(edge?.interfaceAt(10)).toMatchObject({
      boundary: "external",
      connectivity: "transit",
      provider: "Cogent",
      name: "xe-0/0/0",
      origin: "inventory.exporters[0].interfaces[0]",
      declared: true,
    });
    expect(edge?.interfaceAt(12)).toMatchObject({ boundary: "external", connectivity: "ix" });
    // Nothing learnt about 20 yet: internal by implication.
    expect(edge?.interfaceAt(20)).toMatchObject({ boundary: "internal", declared: false });
    edge?.learnInterface(20, "et-0/0/1", "PNI: Netflix");
    expect(edge?.interfaceAt(20)).toMatchObject({
      boundary: "external",
      connectivity: "pni",
      description: "PNI: Netflix",
      declared: true,
    });
    edge?.learnInterface(21, "ae3", "");
    expect(edge?.interfaceAt(21)).toMatchObject({
      boundary: "internal",
      declared: true,
      name: "ae3",
    });
    // ifIndex 0 is "unknown": it decides nothing.
    expect(edge?.interfaceAt(0)).toBeUndefined();
    expect(table.get("2001:db8::1")?.interfaceAt(5)).toBeUndefined();
  });

  it("reports every bad declaration with its path", () => {
    const result = buildExporterTable([
      { address: "edge1.example", interfaces: [] },
      { address: "192.0.2.1", interfaces: [{ boundary: "external" }] },
      { address: "192.0.2.2", interfaces: [{ name: "/([/", boundary: "internal" }] },
      { address: "::ffff:192.0.2.1", interfaces: [] },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.path)).toEqual([
      "inventory.exporters[0].address",
      "inventory.exporters[1].interfaces[0]",
      "inventory.exporters[2].interfaces[0].name",
      "inventory.exporters[3].address",
    ]);
    expect(result.errors[3]?.message).toMatch(/already declared at inventory.exporters\[1\]/);
  });
});
