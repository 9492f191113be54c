import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/index.ts";
import type { CloudRange, ParsedCloudRanges } from "./cloud-range.ts";
import { parseAwsIpRanges } from "./parse-aws.ts";
import { parseAzureServiceTags } from "./parse-azure.ts";
import { parseGcpCloud, parseGcpGoog } from "./parse-gcp.ts";
import { parseCloudRanges } from "./parse.ts";

const testdata = path.join(import.meta.dirname, "testdata");
const read = (name: string): string => readFileSync(path.join(testdata, name), "utf8");

function find(parsed: ParsedCloudRanges, prefix: string, service: string): CloudRange {
  const found = parsed.ranges.find(
    (range) => range.prefix.text === prefix && range.service === service,
  );
  if (found === undefined) throw new Error(`no ${service} ${prefix}`);
  return found;
}

function formatCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  }
  return undefined;
}

describe("parseAwsIpRanges", () => {
  const text = read("aws-ip-ranges.json");
  const parsed = parseAwsIpRanges(text, "aws-ip-ranges.json");
  const json = JSON.parse(text) as { prefixes: unknown[]; ipv6_prefixes: unknown[] };

  it("reads every entry of both lists, with the file's token and date", () => {
    expect(parsed.problems).toEqual([]);
    expect(parsed.ranges).toHaveLength(json.prefixes.length + json.ipv6_prefixes.length);
    expect(parsed.info).toEqual({
      source: "aws",
      provider: "aws",
      file: "aws-ip-ranges.json",
      version: "1717099990",
      createdAt: "2024-05-30T20:13:10Z",
      count: parsed.ranges.length,
    });
  });

  it("maps service, region, border group and kind", () => {
    expect(find(parsed, "52.216.0.0/15", "S3")).toMatchObject({
      provider: "aws",
      region: "us-east-1",
      borderGroup: "us-east-1",
      kind: "service",
      source: "aws",
    });
    expect(find(parsed, "52.216.0.0/15", "AMAZON").kind).toBe("other");
    expect(find(parsed, "3.208.0.0/12", "EC2").kind).toBe("compute");
    expect(find(parsed, "13.32.0.0/15", "CLOUDFRONT")).toMatchObject({
      region: "",
      borderGroup: "",
      kind: "cdn",
    });
    expect(find(parsed, "99.77.128.0/18", "GLOBALACCELERATOR").kind).toBe("service");
    expect(find(parsed, "15.220.0.0/19", "EC2")).toMatchObject({
      region: "us-west-2",
      borderGroup: "us-west-2-lax-1",
    });
    expect(find(parsed, "2600:1fa0:8000::/39", "S3").prefix.version).toBe(6);
  });

  it("returns frozen ranges", () => {
    const range = find(parsed, "2600:9000::/28", "CLOUDFRONT");
    expect(Object.isFrozen(range)).toBe(true);
    expect(Object.isFrozen(range.prefix)).toBe(true);
  });

  it("reports bad entries with their JSON path and keeps the others", () => {
    const result = parseAwsIpRanges({
      syncToken: "1",
      createDate: "garbage",
      prefixes: [
        { ip_prefix: "52.95.110.0/24", region: "us-east-1", service: "S3" },
        { ip_prefix: "52.95.110.1/24", region: "us-east-1", service: "S3" },
        { ip_prefix: "52.95.111.0/24", region: "us-east-1" },
        { ip_prefix: "52.95.112.0/24", service: "EC2" },
        "52.95.113.0/24",
        { ip_prefix: "2600:1f18::/33", region: "us-east-1", service: "EC2" },
        { ip_prefix: 7, region: "us-east-1", service: "EC2" },
        { ip_prefix: "52.95.114.0/24", region: "us-east-1", service: "NEW_SERVICE_2030" },
      ],
      ipv6_prefixes: [{ ipv6_prefix: "2600:1f18::/333", region: "GLOBAL", service: "AMAZON" }],
    });
    expect(result.problems.map((problem) => problem.path)).toEqual([
      "prefixes[1].ip_prefix",
      "prefixes[2].service",
      "prefixes[3].region",
      "prefixes[4]",
      "prefixes[5].ip_prefix",
      "prefixes[6].ip_prefix",
      "ipv6_prefixes[0].ipv6_prefix",
    ]);
    expect(result.problems[0]?.message).toBe(
      "52.95.110.1/24 has host bits set: used as 52.95.110.0/24",
    );
    expect(result.problems[4]?.message).toContain("IPv6");
    expect(result.problems.every((problem) => problem.source === "aws")).toBe(true);
    // The entry with host bits set is reported and kept, masked.
    expect(result.ranges.map((range) => [range.prefix.text, range.service, range.kind])).toEqual([
      ["52.95.110.0/24", "S3", "service"],
      ["52.95.110.0/24", "S3", "service"],
      ["52.95.114.0/24", "NEW_SERVICE_2030", "other"],
    ]);
    expect(result.info.createdAt).toBe("");
    expect(result.info.count).toBe(3);
  });

  it("throws ERR_CLOUD_RANGES_FORMAT for a file that is not ip-ranges.json", () => {
    expect(formatCode(() => parseAwsIpRanges("{not json"))).toBe("ERR_CLOUD_RANGES_FORMAT");
    expect(formatCode(() => parseAwsIpRanges("[]"))).toBe("ERR_CLOUD_RANGES_FORMAT");
    expect(formatCode(() => parseAwsIpRanges({ values: [] }))).toBe("ERR_CLOUD_RANGES_FORMAT");
    expect(formatCode(() => parseAwsIpRanges(read("gcp-cloud.json")))).toBe(
      "ERR_CLOUD_RANGES_FORMAT",
    );
    expect(() => parseAwsIpRanges(read("gcp-cloud.json"), "/x/aws.json")).toThrow(
      /\/x\/aws\.json is not an AWS ip-ranges\.json file: no entry of "prefixes" has "ip_prefix"/,
    );
  });
});

describe("parseGcpCloud and parseGcpGoog", () => {
  it("reads cloud.json scopes as regions, global as empty", () => {
    const parsed = parseGcpCloud(read("gcp-cloud.json"));
    expect(parsed.problems).toEqual([]);
    expect(parsed.info).toMatchObject({
      source: "gcp-cloud",
      provider: "gcp",
      version: "1717081263416",
      createdAt: "2024-05-30T08:01:03Z",
    });
    expect(find(parsed, "34.132.0.0/14", "Google Cloud")).toMatchObject({
      provider: "gcp",
      region: "us-central1",
      kind: "compute",
      source: "gcp-cloud",
    });
    expect(find(parsed, "35.190.0.0/17", "Google Cloud").region).toBe("");
    expect(find(parsed, "2600:1900:4010::/44", "Google Cloud").region).toBe("europe-west1");
  });

  it("reads goog.json as Google services without region", () => {
    const parsed = parseGcpGoog(read("gcp-goog.json"));
    expect(parsed.problems).toEqual([]);
    expect(parsed.ranges.length).toBeGreaterThan(20);
    expect(find(parsed, "8.8.8.0/24", "Google")).toMatchObject({
      provider: "gcp",
      region: "",
      kind: "service",
      source: "gcp-goog",
    });
    expect(find(parsed, "2001:4860::/32", "Google").prefix.version).toBe(6);
  });

  it("reports bad entries with their JSON path", () => {
    const parsed = parseGcpCloud({
      prefixes: [
        { ipv4Prefix: "34.1.208.0/20", service: "Google Cloud", scope: "africa-south1" },
        { ipv4Prefix: "34.1.208.0/20", service: "Google Cloud" },
        { ipv6Prefix: "34.1.208.0/20", scope: "africa-south1" },
        { prefix: "34.1.208.0/20", scope: "africa-south1" },
        null,
      ],
    });
    expect(parsed.problems.map((problem) => [problem.path, problem.source])).toEqual([
      ["prefixes[1].scope", "gcp-cloud"],
      ["prefixes[2].ipv6Prefix", "gcp-cloud"],
      ["prefixes[3]", "gcp-cloud"],
      ["prefixes[4]", "gcp-cloud"],
    ]);
    expect(parsed.ranges).toHaveLength(1);
  });

  it("throws ERR_CLOUD_RANGES_FORMAT for another provider's file", () => {
    expect(formatCode(() => parseGcpGoog(read("aws-ip-ranges.json")))).toBe(
      "ERR_CLOUD_RANGES_FORMAT",
    );
    expect(formatCode(() => parseGcpCloud(read("azure-service-tags.json")))).toBe(
      "ERR_CLOUD_RANGES_FORMAT",
    );
  });
});

describe("parseAzureServiceTags", () => {
  const parsed = parseAzureServiceTags(read("azure-service-tags.json"));

  it("reads every tag's prefixes with the change number", () => {
    expect(parsed.problems).toEqual([]);
    expect(parsed.info).toMatchObject({
      source: "azure",
      provider: "azure",
      version: "312",
      createdAt: "",
    });
    const tags = JSON.parse(read("azure-service-tags.json")) as {
      values: { properties: { addressPrefixes: string[] } }[];
    };
    const total = tags.values.reduce((sum, tag) => sum + tag.properties.addressPrefixes.length, 0);
    expect(parsed.ranges).toHaveLength(total);
  });

  it("names the service without its region suffix and maps the kind", () => {
    expect(find(parsed, "20.38.98.0/24", "Storage")).toMatchObject({ region: "", kind: "service" });
    const regional = parsed.ranges.filter(
      (range) => range.prefix.text === "20.38.98.0/24" && range.region === "eastus",
    );
    expect(regional.map((range) => range.service).sort()).toEqual(["AzureCloud", "Storage"]);
    expect(find(parsed, "13.82.0.0/16", "AzureCloud")).toMatchObject({ kind: "compute" });
    expect(find(parsed, "13.107.246.0/24", "AzureFrontDoor.Frontend")).toMatchObject({
      region: "",
      kind: "cdn",
    });
    expect(find(parsed, "147.243.0.0/16", "AzureFrontDoor.Backend").kind).toBe("cdn");
    expect(find(parsed, "2603:1020:200::/46", "AzureCloud").prefix.version).toBe(6);
  });

  it("reports bad tags and prefixes with their JSON path", () => {
    const result = parseAzureServiceTags({
      changeNumber: 5,
      values: [
        {
          name: "Storage.EastUS",
          properties: {
            region: "eastus",
            addressPrefixes: ["20.38.98.0/24", "2603:1030:c06:400::978/123", "20.38.98.0/33"],
          },
        },
        { name: "Sql", properties: { region: "" } },
        { name: "", properties: { addressPrefixes: [] } },
        { name: "AzureCloud" },
      ],
    });
    expect(result.problems.map((problem) => problem.path)).toEqual([
      "values[0].properties.addressPrefixes[1]",
      "values[0].properties.addressPrefixes[2]",
      "values[1].properties.addressPrefixes",
      "values[2].name",
      "values[3].properties",
    ]);
    expect(result.problems[0]?.message).toContain("used as 2603:1030:c06:400::960/123");
    expect(result.problems[1]?.message).toContain("prefix length 33");
    expect(result.ranges.map((range) => [range.prefix.text, range.service, range.region])).toEqual([
      ["20.38.98.0/24", "Storage", "eastus"],
      ["2603:1030:c06:400::960/123", "Storage", "eastus"],
    ]);
    expect(result.info.version).toBe("5");
  });

  it("throws ERR_CLOUD_RANGES_FORMAT for another provider's file", () => {
    expect(formatCode(() => parseAzureServiceTags(read("aws-ip-ranges.json")))).toBe(
      "ERR_CLOUD_RANGES_FORMAT",
    );
    expect(formatCode(() => parseAzureServiceTags('{"values": 3}'))).toBe(
      "ERR_CLOUD_RANGES_FORMAT",
    );
  });
});

describe("parseCloudRanges", () => {
  it("dispatches by source", () => {
    expect(parseCloudRanges("gcp-goog", read("gcp-goog.json")).info.source).toBe("gcp-goog");
    expect(parseCloudRanges("azure", read("azure-service-tags.json"), "f").info.file).toBe("f");
  });
});
