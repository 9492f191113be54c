import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlowBatch, countryText, formatIpv4, LpmTable } from "../../core/index.ts";
import {
  buildCloudRangeTableFromFiles,
  parseCloudRanges,
} from "../../inventory/cloud-ranges/index.ts";
import { buildNetworkTable, type RegistryEntryLike } from "../../inventory/index.ts";
import { decodedFlow } from "../../../test/helpers/decoded-flow.ts";
import { createClassifier, networksOnly } from "./classifier.ts";

// The classifier caches IPv4 registry and cloud-range answers in direct-mapped slots: whatever
// the collisions and the order, every flow must get what an uncached lookup gives.
const testdata = path.join(
  import.meta.dirname,
  "..",
  "..",
  "inventory",
  "cloud-ranges",
  "testdata",
);

describe("the classifier's address caches", () => {
  it("give every flow the answer of an uncached lookup", () => {
    const networks = buildNetworkTable([{ name: "ours", cidrs: ["10.0.0.0/8"], tags: {} }]);
    if (!networks.ok) throw new Error("fixture");
    const cloud = buildCloudRangeTableFromFiles([
      parseCloudRanges("aws", readFileSync(path.join(testdata, "aws-ip-ranges.json"), "utf8")),
    ]);
    // A registry where each /12 has its own entry: many distinct answers, so a wrong slot shows.
    const entries = new LpmTable<RegistryEntryLike>();
    for (let block = 0; block < 4096; block++) {
      const first = 65 + (block % 26);
      const second = 65 + (Math.floor(block / 26) % 26);
      entries.insert(`${formatIpv4((block << 20) >>> 0)}/12`, {
        asn: 64512 + block,
        asName: `AS ${block}`,
        country: String.fromCharCode(first, second),
        countryCode: (first << 8) | second,
      });
    }
    const classifier = createClassifier({
      ...networksOnly(networks.table),
      cloudRanges: cloud,
      registry: entries,
    });
    const publicAddress = fc
      .oneof(
        fc.integer({ min: 0x01000000, max: 0x09ffffff }),
        fc.integer({ min: 0x0d200000, max: 0x0d21ffff }), // CloudFront's 13.32.0.0/15
        fc.integer({ min: 0x34d80000, max: 0x34dbffff }), // S3's 52.216.0.0/15 and around
        fc.integer({ min: 0x0b000000, max: 0xdfffffff }),
      )
      .map(formatIpv4);
    fc.assert(
      fc.property(fc.array(publicAddress, { minLength: 1, maxLength: 400 }), (far) => {
        const batch = new FlowBatch(far.length);
        for (const dstAddr of far) {
          batch.appendDecoded(decodedFlow({ source: "netflow5", srcAddr: "10.1.2.3", dstAddr }));
        }
        classifier.classifyRows(batch, 0, batch.length, 0);
        far.forEach((address, row) => {
          const entry = entries.lookup(address);
          expect(countryText(batch.dstCountry[row] ?? 0)).toBe(entry?.country ?? "");
          expect(batch.dstAs[row]).toBe(entry?.asn ?? 0);
          const range = cloud.lookup(address);
          const network = classifier.networks[(batch.dstNetwork[row] ?? 0) - 1];
          expect(network?.service).toBe(range?.service);
        });
      }),
      { numRuns: 300 },
    );
  });
});
