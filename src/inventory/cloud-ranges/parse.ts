/** One entry point for the four parsers, by source. */
import type { CloudRangeSource, ParsedCloudRanges } from "./cloud-range.ts";
import type { CloudRangesInput } from "./json-input.ts";
import { parseAwsIpRanges } from "./parse-aws.ts";
import { parseAzureServiceTags } from "./parse-azure.ts";
import { parseGcpCloud, parseGcpGoog } from "./parse-gcp.ts";

export type { CloudRangesInput } from "./json-input.ts";

const PARSERS: Readonly<
  Record<CloudRangeSource, (input: CloudRangesInput, file?: string) => ParsedCloudRanges>
> = {
  aws: parseAwsIpRanges,
  "gcp-cloud": parseGcpCloud,
  "gcp-goog": parseGcpGoog,
  azure: parseAzureServiceTags,
};

/**
 * Parses one source's file (text or parsed JSON). Bad entries are returned as problems; a file
 * that is not that source's format throws `ERR_CLOUD_RANGES_FORMAT`.
 */
export function parseCloudRanges(
  source: CloudRangeSource,
  input: CloudRangesInput,
  file = "",
): ParsedCloudRanges {
  return PARSERS[source](input, file);
}
