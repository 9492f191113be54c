/**
 * AWS `ip-ranges.json` (https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html):
 * `{syncToken, createDate: "YYYY-MM-DD-hh-mm-ss", prefixes: [{ip_prefix, region,
 * network_border_group, service}], ipv6_prefixes: [{ipv6_prefix, …}]}`. A prefix appears once
 * per service that uses it (always under AMAZON, again under EC2, S3…): `table.ts` decides.
 */
import type { ParsedCloudRanges } from "./cloud-range.ts";
import { awsServiceKind } from "./kinds.ts";
import {
  RangeCollector,
  arrayField,
  isRecord,
  normaliseRegion,
  requireSomeKeyed,
  rootObject,
  textField,
} from "./json-input.ts";
import type { CloudRangesInput } from "./json-input.ts";

/**
 * Parses an AWS ip-ranges.json (text or parsed JSON). Bad entries become problems with their
 * JSON path; a file that is not this format throws `ERR_CLOUD_RANGES_FORMAT`.
 */
export function parseAwsIpRanges(input: CloudRangesInput, file = ""): ParsedCloudRanges {
  const root = rootObject(input, "aws", file);
  const ipv4 = arrayField(root, "prefixes", "aws", file);
  const ipv6 = arrayField(root, "ipv6_prefixes", "aws", file, true);
  requireSomeKeyed(ipv4, ["ip_prefix"], "aws", file, "prefixes");
  requireSomeKeyed(ipv6, ["ipv6_prefix"], "aws", file, "ipv6_prefixes");
  const collector = new RangeCollector("aws");
  readList(collector, ipv4, "prefixes", "ip_prefix", 4);
  readList(collector, ipv6, "ipv6_prefixes", "ipv6_prefix", 6);
  return {
    info: Object.freeze({
      source: "aws",
      provider: "aws",
      file,
      version: textField(root, "syncToken"),
      createdAt: awsCreateDateToIso(textField(root, "createDate")),
      count: collector.ranges.length,
    }),
    ranges: collector.ranges,
    problems: collector.problems,
  };
}

function readList(
  collector: RangeCollector,
  entries: readonly unknown[],
  arrayName: string,
  prefixKey: string,
  family: 4 | 6,
): void {
  entries.forEach((entry, index) => {
    const path = `${arrayName}[${index}]`;
    if (!isRecord(entry)) {
      collector.problem(path, "entry is not an object");
      return;
    }
    const service = entry["service"];
    if (typeof service !== "string" || service === "") {
      collector.problem(`${path}.service`, "missing service name");
      return;
    }
    const region = entry["region"];
    if (typeof region !== "string" || region === "") {
      collector.problem(`${path}.region`, "missing region (GLOBAL for global ranges)");
      return;
    }
    collector.add(`${path}.${prefixKey}`, entry[prefixKey], {
      service,
      region: normaliseRegion(region),
      borderGroup: normaliseRegion(entry["network_border_group"]),
      kind: awsServiceKind(service).kind,
      family,
    });
  });
}

/** `2024-05-30-20-13-10` (UTC, as AWS documents it) → `2024-05-30T20:13:10Z`; "" if not that. */
export function awsCreateDateToIso(text: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return "";
  const [, year, month, day, hour, minute, second] = match;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}Z`;
}
