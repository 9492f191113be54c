/**
 * Azure Service Tags (`ServiceTags_Public_YYYYMMDD.json`, weekly, from
 * https://www.microsoft.com/en-us/download/details.aspx?id=56519; `az network list-service-tags`
 * prints the same `values`): `{changeNumber, cloud, values: [{name, id, properties:
 * {changeNumber, region, regionId, platform, systemService, addressPrefixes[], networkFeatures}}]}`.
 * A prefix appears under `AzureCloud`, `AzureCloud.<region>`, its service tag and the service's
 * regional tag (`Storage`, `Storage.EastUS`): `table.ts` decides.
 */
import type { ParsedCloudRanges } from "./cloud-range.ts";
import { azureTagKind } from "./kinds.ts";
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

/** Parses an Azure Service Tags file (text or parsed JSON); see `parseAwsIpRanges` for errors. */
export function parseAzureServiceTags(input: CloudRangesInput, file = ""): ParsedCloudRanges {
  const root = rootObject(input, "azure", file);
  const values = arrayField(root, "values", "azure", file);
  requireSomeKeyed(values, ["properties"], "azure", file, "values");
  const collector = new RangeCollector("azure");
  values.forEach((value, index) => {
    const path = `values[${index}]`;
    if (!isRecord(value)) {
      collector.problem(path, "entry is not an object");
      return;
    }
    const name = value["name"];
    if (typeof name !== "string" || name === "") {
      collector.problem(`${path}.name`, "missing service tag name");
      return;
    }
    const properties = value["properties"];
    if (!isRecord(properties)) {
      collector.problem(`${path}.properties`, `service tag ${name} has no properties object`);
      return;
    }
    const prefixes = properties["addressPrefixes"];
    if (!Array.isArray(prefixes)) {
      collector.problem(
        `${path}.properties.addressPrefixes`,
        `service tag ${name} has no addressPrefixes array`,
      );
      return;
    }
    // `region` is already the lowercase ARM name (`eastus`) flow logs use; the tag's suffix is
    // the display spelling (`Storage.EastUS`). Global tags have region "".
    const region = normaliseRegion(properties["region"]);
    const dot = name.lastIndexOf(".");
    const base = region !== "" && dot > 0 ? name.slice(0, dot) : name;
    const systemService = properties["systemService"];
    const { kind } = azureTagKind(base, typeof systemService === "string" ? systemService : "");
    prefixes.forEach((prefix, prefixIndex) => {
      collector.add(`${path}.properties.addressPrefixes[${prefixIndex}]`, prefix, {
        service: base,
        region,
        borderGroup: "",
        kind,
      });
    });
  });
  return {
    info: Object.freeze({
      source: "azure",
      provider: "azure",
      file,
      version: textField(root, "changeNumber"),
      createdAt: "",
      count: collector.ranges.length,
    }),
    ranges: collector.ranges,
    problems: collector.problems,
  };
}
