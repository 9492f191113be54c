/** A JSON object as JSON.parse makes it. */
export type JsonObject = Readonly<Record<string, unknown>>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The log ids VPC Flow Logs write to (cost-anchors.md §3.2, cloud.google.com/vpc/docs/
 * about-flow-logs-records): the classic subnet-level log and the Network Management API's
 * (resource type `vpc_flow_logs_config`). In a LogEntry's `logName` the `/` of the id is
 * URL-encoded (`projects/p/logs/compute.googleapis.com%2Fvpc_flows`).
 */
const VPC_FLOWS_LOG_IDS = new Set([
  "compute.googleapis.com/vpc_flows",
  "networkmanagement.googleapis.com/vpc_flows",
]);

/** True when `logName` names one of the VPC flow logs, in any project, folder or organisation. */
export function isVpcFlowsLogName(logName: string): boolean {
  const at = logName.lastIndexOf("/logs/");
  if (at === -1) return false;
  // Only %2F can occur in a log id (it allows [A-Za-z0-9/_.-]); no decodeURIComponent, which
  // throws on a stray "%".
  const logId = logName.slice(at + "/logs/".length).replace(/%2f/gi, "/");
  return VPC_FLOWS_LOG_IDS.has(logId);
}

/** The project id in `projects/<id>/logs/...`, or "" (folders, organisations, no logName). */
export function projectOfLogName(logName: unknown): string {
  if (typeof logName !== "string" || !logName.startsWith("projects/")) return "";
  const end = logName.indexOf("/", "projects/".length);
  return end === -1 ? "" : logName.slice("projects/".length, end);
}

/** Where the flow record of an entry is, or why the entry has none. */
export type LocatedPayload =
  | { found: true; payload: JsonObject; logEntry: JsonObject | undefined }
  | { found: false; code: "not-flow-log" | "bad-field"; detail: string };

/**
 * Finds the flow record in one JSON value: a Cloud Logging LogEntry (`jsonPayload` of a
 * `vpc_flows` log) or a bare record (a BigQuery/GCS export of `jsonPayload` alone, recognised
 * by its `connection`). Entries of other logs are `not-flow-log`; a flow log entry whose payload
 * is not an object (a JSON string that was never parsed, a null) is `bad-field`.
 */
export function locatePayload(entry: unknown): LocatedPayload {
  if (!isJsonObject(entry)) {
    return { found: false, code: "not-flow-log", detail: `entry is ${describeJson(entry)}` };
  }
  const logName = entry["logName"];
  const jsonPayload = entry["jsonPayload"];
  const isLogEntry =
    logName !== undefined ||
    jsonPayload !== undefined ||
    entry["textPayload"] !== undefined ||
    entry["protoPayload"] !== undefined;
  if (!isLogEntry) {
    if (entry["connection"] !== undefined)
      return { found: true, payload: entry, logEntry: undefined };
    return { found: false, code: "not-flow-log", detail: "neither a LogEntry nor a flow record" };
  }
  if (logName !== undefined) {
    if (typeof logName !== "string" || !isVpcFlowsLogName(logName)) {
      return { found: false, code: "not-flow-log", detail: `log ${describeJson(logName)}` };
    }
  } else if (!isJsonObject(jsonPayload) || jsonPayload["connection"] === undefined) {
    // No logName: only a payload that looks like a flow record says this is a flow log.
    return { found: false, code: "not-flow-log", detail: "LogEntry without logName or connection" };
  }
  if (!isJsonObject(jsonPayload)) {
    return {
      found: false,
      code: "bad-field",
      detail: `jsonPayload is ${describeJson(jsonPayload)}`,
    };
  }
  return { found: true, payload: jsonPayload, logEntry: entry };
}

/** A short description of a JSON value for a skip's detail (bounded, never throws). */
export function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "undefined":
      return "missing";
    case "string":
      return `a string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof value} ${String(value)}`;
    case "object":
      return "an object";
    case "symbol":
    case "function":
      return `a ${typeof value}`;
  }
  return "a value";
}
