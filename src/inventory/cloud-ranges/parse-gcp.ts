/**
 * Google's published ranges (https://cloud.google.com/compute/docs/faq#find_ip_range):
 * `cloud.json` = `{syncToken, creationTime, prefixes: [{ipv4Prefix | ipv6Prefix, service:
 * "Google Cloud", scope: "<region>"}]}`, the addresses Google Cloud customers get;
 * `goog.json` = same envelope, entries with only the prefix, all of Google's space. Google's
 * services and APIs are goog minus cloud, which `table.ts` applies.
 */
import type { ParsedCloudRanges } from "./cloud-range.ts";
import { GCP_CLOUD_KIND, GCP_CLOUD_SERVICE, GCP_GOOG_KIND, GCP_GOOG_SERVICE } from "./kinds.ts";
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

const PREFIX_KEYS = ["ipv4Prefix", "ipv6Prefix"] as const;

/** Parses a Google Cloud `cloud.json` (text or parsed JSON); see `parseAwsIpRanges` for errors. */
export function parseGcpCloud(input: CloudRangesInput, file = ""): ParsedCloudRanges {
  return parseGoogle(input, file, "gcp-cloud");
}

/** Parses Google's `goog.json` (text or parsed JSON); see `parseAwsIpRanges` for errors. */
export function parseGcpGoog(input: CloudRangesInput, file = ""): ParsedCloudRanges {
  return parseGoogle(input, file, "gcp-goog");
}

function parseGoogle(
  input: CloudRangesInput,
  file: string,
  source: "gcp-cloud" | "gcp-goog",
): ParsedCloudRanges {
  const root = rootObject(input, source, file);
  const entries = arrayField(root, "prefixes", source, file);
  requireSomeKeyed(entries, PREFIX_KEYS, source, file, "prefixes");
  const collector = new RangeCollector(source);
  entries.forEach((entry, index) => {
    const path = `prefixes[${index}]`;
    if (!isRecord(entry)) {
      collector.problem(path, "entry is not an object");
      return;
    }
    const key = PREFIX_KEYS.find((candidate) => candidate in entry);
    if (key === undefined) {
      collector.problem(path, "entry has neither ipv4Prefix nor ipv6Prefix");
      return;
    }
    if (source === "gcp-goog") {
      collector.add(`${path}.${key}`, entry[key], {
        service: GCP_GOOG_SERVICE,
        region: "",
        borderGroup: "",
        kind: GCP_GOOG_KIND.kind,
        family: key === "ipv4Prefix" ? 4 : 6,
      });
      return;
    }
    const scope = entry["scope"];
    if (typeof scope !== "string" || scope === "") {
      collector.problem(`${path}.scope`, "missing scope (the region, e.g. us-central1)");
      return;
    }
    const service = entry["service"];
    collector.add(`${path}.${key}`, entry[key], {
      service: typeof service === "string" && service !== "" ? service : GCP_CLOUD_SERVICE,
      region: normaliseRegion(scope),
      borderGroup: "",
      kind: GCP_CLOUD_KIND.kind,
      family: key === "ipv4Prefix" ? 4 : 6,
    });
  });
  return {
    info: Object.freeze({
      source,
      provider: "gcp",
      file,
      version: textField(root, "syncToken"),
      createdAt: googleCreationTimeToIso(textField(root, "creationTime")),
      count: collector.ranges.length,
    }),
    ranges: collector.ranges,
    problems: collector.problems,
  };
}

/**
 * `2024-05-30T14:04:39.000000` (no zone in the file; Google's generator writes UTC) →
 * `2024-05-30T14:04:39Z`; "" if not that.
 */
export function googleCreationTimeToIso(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]00:?00)?$/.exec(text);
  return match === null ? "" : `${match[1] ?? ""}Z`;
}
