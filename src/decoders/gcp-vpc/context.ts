import type { CloudContext } from "../../core/index.ts";
import { isJsonObject, projectOfLogName, type JsonObject } from "./log-entry.ts";

/** The side of the connection that reported the flow. */
export type GcpReporterSide = "src" | "dest";

/**
 * `reporter` values (about-flow-logs-records): `SRC`/`DEST` for VMs and serverless endpoints,
 * `SRC_GATEWAY`/`DEST_GATEWAY` for VLAN attachments and Cloud VPN tunnels.
 */
export function reporterSide(reporter: unknown): GcpReporterSide | undefined {
  switch (reporter) {
    case "SRC":
    case "SRC_GATEWAY":
      return "src";
    case "DEST":
    case "DEST_GATEWAY":
      return "dest";
    default:
      return undefined;
  }
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The first non-empty string among `values`, or "". */
function firstText(...values: unknown[]): string {
  for (const value of values) {
    if (typeof value === "string" && value !== "") return value;
  }
  return "";
}

function objectOrEmpty(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

/**
 * Where the flow was observed: the reporter's own side (`src_instance`/`src_vpc` when SRC,
 * `dest_*` when DEST, `*_gateway` for gateways), then the LogEntry's monitored resource labels
 * (`gce_subnetwork`: project_id, location = region, subnetwork_name), then the project in the
 * logName. The VM's project comes before the VPC's: in a Shared VPC they differ and the VM's is
 * the one that owns (and pays for) the interface. `location: "global"` (vpc_flow_logs_config)
 * is not a region.
 */
export function gcpCloudContext(
  payload: JsonObject,
  side: GcpReporterSide | undefined,
  logEntry: JsonObject | undefined,
): CloudContext {
  const instance = side === undefined ? {} : objectOrEmpty(payload[`${side}_instance`]);
  const vpc = side === undefined ? {} : objectOrEmpty(payload[`${side}_vpc`]);
  const gateway = side === undefined ? {} : objectOrEmpty(payload[`${side}_gateway`]);
  const gatewayVpc = objectOrEmpty(gateway["vpc"]);
  const labels = objectOrEmpty(objectOrEmpty(logEntry?.["resource"])["labels"]);
  const location = text(labels["location"]);
  return {
    provider: "gcp",
    account: firstText(
      instance["project_id"],
      vpc["project_id"],
      gateway["project_id"],
      labels["project_id"],
      projectOfLogName(logEntry?.["logName"]),
    ),
    region: firstText(
      instance["region"],
      vpc["subnetwork_region"],
      gateway["location"],
      labels["region"],
      location === "global" ? "" : location,
    ),
    zone: firstText(instance["zone"], labels["zone"]),
    vpc: firstText(vpc["vpc_name"], gatewayVpc["vpc_name"]),
    subnet: firstText(vpc["subnetwork_name"], labels["subnetwork_name"]),
    instance: firstText(instance["vm_name"], gateway["name"]),
    interface: "",
  };
}

/** Which field of the reporter's `*_instance` / `*_vpc` each context field came from. */
const INSTANCE_FIELDS: readonly (readonly [string, keyof CloudContext])[] = [
  ["project_id", "account"],
  ["vm_name", "instance"],
  ["region", "region"],
  ["zone", "zone"],
];
const VPC_FIELDS: readonly (readonly [string, keyof CloudContext])[] = [
  ["project_id", "account"],
  ["vpc_name", "vpc"],
  ["subnetwork_name", "subnet"],
  ["subnetwork_region", "region"],
];

/**
 * What the context does not already say of the reporter's `*_instance` (kind "instance") or
 * `*_vpc` object: the fields whose value differs from the context's (a Shared VPC host project,
 * a managed instance group), undefined when nothing is left. Nothing is lost, nothing repeated.
 * Object.fromEntries keeps a `__proto__` key from the input a plain key.
 */
export function reporterLeftover(
  value: unknown,
  kind: "instance" | "vpc",
  context: CloudContext,
): unknown {
  if (!isJsonObject(value)) return value;
  const fields = kind === "instance" ? INSTANCE_FIELDS : VPC_FIELDS;
  const kept = Object.entries(value).filter(
    ([key, field]) =>
      !fields.some(([name, column]) => name === key && field === context[column] && field !== ""),
  );
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

/** A stable key of a context, for the decoder's map of one object per distinct context. */
export function gcpContextKey(context: CloudContext): string {
  return `${context.account}\u0001${context.region}\u0001${context.zone}\u0001${context.vpc}\u0001${context.subnet}\u0001${context.instance}`;
}
