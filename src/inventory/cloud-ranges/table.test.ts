import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { containsIpv4, containsIpv6, formatIpv4 } from "../../core/index.ts";
import { CLOUD_RANGE_SOURCES } from "./cloud-range.ts";
import type { CloudRange, ParsedCloudRanges } from "./cloud-range.ts";
import { parseAwsIpRanges } from "./parse-aws.ts";
import { parseAzureServiceTags } from "./parse-azure.ts";
import { parseGcpCloud, parseGcpGoog } from "./parse-gcp.ts";
import { buildCloudRangeTable, buildCloudRangeTableFromFiles } from "./table.ts";

const testdata = path.join(import.meta.dirname, "testdata");
const read = (name: string): string => readFileSync(path.join(testdata, name), "utf8");

const files: ParsedCloudRanges[] = [
  parseAwsIpRanges(read("aws-ip-ranges.json"), "aws-ip-ranges.json"),
  parseGcpCloud(read("gcp-cloud.json")),
  parseGcpGoog(read("gcp-goog.json")),
  parseAzureServiceTags(read("azure-service-tags.json")),
];
const ranges = files.flatMap((file) => file.ranges);
const table = buildCloudRangeTableFromFiles(files);

/**
 * The documented rule, written independently of table.ts: Google's goog.json does not count
 * where cloud.json has the address; then the longest prefix; then, for the same prefix, a named
 * service over the pool (EC2, Google Cloud) over the catch-all (AMAZON, AzureCloud, goog), then
 * regional over global, then source order and names.
 */
function specificity(range: CloudRange): number {
  if (range.service === "AMAZON" || range.service === "AzureCloud") return 0;
  if (range.source === "gcp-goog") return 0;
  if ((range.source === "aws" && range.service === "EC2") || range.source === "gcp-cloud") return 1;
  return 2;
}

function oracle(holds: (range: CloudRange) => boolean): CloudRange | undefined {
  let candidates = ranges.filter(holds);
  if (candidates.some((range) => range.source === "gcp-cloud")) {
    candidates = candidates.filter((range) => range.source !== "gcp-goog");
  }
  const key = (range: CloudRange): (number | string)[] => [
    -range.prefix.length,
    -specificity(range),
    range.region === "" ? 1 : 0,
    CLOUD_RANGE_SOURCES.indexOf(range.source),
    range.service,
    range.region,
    range.borderGroup,
  ];
  const compare = (a: CloudRange, b: CloudRange): number => {
    const left = key(a);
    const right = key(b);
    for (let index = 0; index < left.length; index++) {
      const l = left[index]!;
      const r = right[index]!;
      if (l !== r) return l < r ? -1 : 1;
    }
    return 0;
  };
  return candidates.sort(compare)[0];
}

const oracleIpv4 = (address: number): CloudRange | undefined =>
  oracle((range) => range.prefix.version === 4 && containsIpv4(range.prefix, address));

const oracleIpv6 = (w: readonly [number, number, number, number]): CloudRange | undefined =>
  oracle(
    (range) => range.prefix.version === 6 && containsIpv6(range.prefix, w[0], w[1], w[2], w[3]),
  );

function describeRange(range: CloudRange | undefined): string {
  return range === undefined
    ? "none"
    : `${range.provider} ${range.service} ${range.region} ${range.kind} ${range.prefix.text}`;
}

describe("CloudRangeTable on the fixtures", () => {
  it.each([
    ["52.216.1.1", "aws S3 us-east-1 service 52.216.0.0/15"],
    ["52.94.0.5", "aws DYNAMODB us-east-1 service 52.94.0.0/22"],
    ["52.94.5.5", "aws AMAZON us-east-1 other 52.94.0.0/16"],
    ["34.228.4.210", "aws CODEBUILD us-east-1 service 34.228.4.208/28"],
    ["34.230.0.1", "aws EC2 us-east-1 compute 34.224.0.0/12"],
    ["18.206.107.30", "aws EC2_INSTANCE_CONNECT us-east-1 service 18.206.107.24/29"],
    ["13.32.1.1", "aws CLOUDFRONT  cdn 13.32.0.0/15"],
    ["130.176.1.1", "aws CLOUDFRONT_ORIGIN_FACING  cdn 130.176.0.0/18"],
    ["130.176.200.1", "aws AMAZON  other 130.176.0.0/16"],
    ["2600:1fa0:8000::1", "aws S3 us-east-1 service 2600:1fa0:8000::/39"],
    ["2600:1f18::1", "aws EC2 us-east-1 compute 2600:1f18::/33"],
    ["2600:1fff::1", "aws AMAZON  other 2600:1f00::/24"],
    ["2600:9000:1::1", "aws CLOUDFRONT  cdn 2600:9000::/28"],
    ["8.8.8.8", "gcp Google  service 8.8.8.0/24"],
    ["35.184.1.1", "gcp Google Cloud us-central1 compute 35.184.0.0/16"],
    ["35.186.0.1", "gcp Google  service 35.184.0.0/13"],
    // goog.json's 35.190.64.0/19 lies inside cloud.json's 35.190.0.0/17: goog minus cloud.
    ["35.190.70.1", "gcp Google Cloud  compute 35.190.0.0/17"],
    ["104.154.1.1", "gcp Google Cloud us-central1 compute 104.154.0.0/15"],
    ["2600:1900:4000::1", "gcp Google Cloud us-central1 compute 2600:1900:4000::/44"],
    ["2600:1900:8000::1", "gcp Google  service 2600:1900::/28"],
    ["20.38.98.1", "azure Storage eastus service 20.38.98.0/24"],
    ["52.239.140.1", "azure Storage westeurope service 52.239.140.0/22"],
    ["40.79.152.1", "azure Sql eastus service 40.79.152.0/21"],
    ["13.69.112.1", "azure Sql  service 13.69.112.0/27"],
    ["13.69.0.1", "azure AzureCloud westeurope compute 13.69.0.0/17"],
    ["13.82.1.1", "azure AzureCloud eastus compute 13.82.0.0/16"],
    ["20.190.128.1", "azure AzureActiveDirectory  service 20.190.128.0/18"],
    ["13.107.246.1", "azure AzureFrontDoor.Frontend  cdn 13.107.246.0/24"],
    ["2603:1030:7::1", "azure Storage eastus service 2603:1030:7::/48"],
    ["2603:1030:210::1", "azure AzureCloud eastus compute 2603:1030:210::/47"],
    ["192.0.2.1", "none"],
    ["2001:db8::1", "none"],
    ["not an address", "none"],
  ])("%s is %s", (address, expected) => {
    expect(describeRange(table.lookup(address))).toBe(expected);
  });

  it("keeps the border group of a Local Zone", () => {
    expect(table.lookup("15.220.3.4")).toMatchObject({
      service: "EC2",
      region: "us-west-2",
      borderGroup: "us-west-2-lax-1",
    });
  });

  it("returns the same frozen object for every address of a range", () => {
    const first = table.lookup("52.216.0.1");
    expect(first).toBe(table.lookupIpv4(0x34d8ffff));
    expect(Object.isFrozen(first)).toBe(true);
  });

  it("reports size, memory and sources", () => {
    const distinct = new Set(ranges.map((range) => range.prefix.text));
    // goog's 104.154.0.0/15 (same as cloud) is one prefix anyway; 35.190.64.0/19 is dropped.
    expect(table.size).toBe(distinct.size - 1);
    expect(table.memoryBytes()).toBeGreaterThan(0);
    expect(table.sources.map((source) => [source.source, source.count])).toEqual(
      files.map((file) => [file.info.source, file.ranges.length]),
    );
  });

  it("lists the range kept for each prefix: the preferred of those listing it", () => {
    const kept = table.ranges();
    expect(kept).toHaveLength(table.size);
    const distinct = new Set(ranges.map((range) => range.prefix.text));
    distinct.delete("35.190.64.0/19");
    expect(new Set(kept.map((range) => range.prefix.text))).toEqual(distinct);
    for (const range of kept) {
      expect(oracle((other) => other.prefix.text === range.prefix.text)).toBe(range);
    }
  });

  it("agrees with a brute-force oracle on IPv4 addresses near and far from the ranges", () => {
    const ipv4 = ranges.flatMap((range) => (range.prefix.version === 4 ? [range.prefix] : []));
    const near = fc
      .tuple(fc.constantFrom(...ipv4), fc.integer({ min: 0, max: 0xffffffff }))
      .map(([prefix, offset]) => {
        const hostBits = 32 - prefix.length;
        const hostMask = hostBits === 32 ? 0xffffffff : (2 ** hostBits - 1) >>> 0;
        return (prefix.network | (offset & hostMask)) >>> 0;
      });
    const anywhere = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(fc.oneof(near, anywhere), (address) => {
        expect(describeRange(table.lookupIpv4(address))).toBe(describeRange(oracleIpv4(address)));
        expect(table.lookup(formatIpv4(address))).toBe(table.lookupIpv4(address));
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees with a brute-force oracle on IPv6 addresses near and far from the ranges", () => {
    const ipv6 = ranges.flatMap((range) => (range.prefix.version === 6 ? [range.prefix] : []));
    const word = fc.integer({ min: 0, max: 0xffffffff });
    const near = fc
      .tuple(fc.constantFrom(...ipv6), fc.tuple(word, word, word, word))
      .map(([prefix, random]) => {
        const words = prefix.words.map((network, index) => {
          const bits = prefix.length - 32 * index;
          const mask = bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
          return (network | (random[index]! & ~mask)) >>> 0;
        });
        return [words[0]!, words[1]!, words[2]!, words[3]!] as const;
      });
    const anywhere = fc.tuple(word, word, word, word);
    fc.assert(
      fc.property(fc.oneof(near, anywhere), (w) => {
        expect(describeRange(table.lookupIpv6(w[0], w[1], w[2], w[3]))).toBe(
          describeRange(oracleIpv6(w)),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("does not depend on the order of the ranges", () => {
    const probes = ["52.216.1.1", "20.38.98.1", "40.79.152.1", "104.154.1.1", "35.190.70.1"];
    const reversed = buildCloudRangeTable([...ranges].reverse());
    for (const probe of probes) expect(reversed.lookup(probe)).toBe(table.lookup(probe));
  });
});

describe("the overlap rule", () => {
  const parsedAws = parseAwsIpRanges({
    prefixes: [
      { ip_prefix: "52.95.0.0/16", region: "us-east-1", service: "AMAZON" },
      { ip_prefix: "52.95.4.0/24", region: "us-east-1", service: "AMAZON" },
      { ip_prefix: "52.95.4.0/24", region: "us-east-1", service: "S3" },
      { ip_prefix: "52.95.4.0/24", region: "us-east-1", service: "EC2" },
      { ip_prefix: "52.95.8.0/24", region: "us-east-1", service: "EC2" },
      { ip_prefix: "52.95.8.0/28", region: "us-east-1", service: "AMAZON" },
    ],
  });
  const aws = buildCloudRangeTable(parsedAws.ranges);

  it("lets a named service beat EC2 and AMAZON on the same prefix", () => {
    expect(aws.lookup("52.95.4.4")?.service).toBe("S3");
  });

  it("lets a longer prefix win even when its list is less specific", () => {
    expect(aws.lookup("52.95.8.1")?.service).toBe("AMAZON");
    expect(aws.lookup("52.95.8.100")?.service).toBe("EC2");
    expect(aws.lookup("52.95.200.1")?.service).toBe("AMAZON");
  });

  it("prefers a regional Azure tag over the global one of the same service", () => {
    const parsed = parseAzureServiceTags({
      values: [
        { name: "Storage", properties: { region: "", addressPrefixes: ["20.60.0.0/24"] } },
        {
          name: "Storage.EastUS",
          properties: { region: "eastus", addressPrefixes: ["20.60.0.0/24"] },
        },
        {
          name: "AzureCloud.eastus",
          properties: { region: "eastus", addressPrefixes: ["20.60.0.0/24"] },
        },
      ],
    });
    const azure = buildCloudRangeTable(parsed.ranges);
    expect(azure.lookup("20.60.0.9")).toMatchObject({ service: "Storage", region: "eastus" });
  });
});
