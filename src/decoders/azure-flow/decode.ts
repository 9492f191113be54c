import type { CloudContext, FlowBatch } from "../../core/index.ts";
import { noteSkip } from "../flow-log/index.ts";
import type { EntryDecoder, FlowLogTally, LineDecoder } from "../flow-log/index.ts";
import { azurePlaceOf, parseAzureResourceId } from "./resource-id.ts";
import { appendAzureTupleRows, createAzureExtraCache } from "./rows.ts";
import { createAzureTuple, parseAzureTuple } from "./tuple.ts";

/**
 * Decoder of Azure NSG flow logs (Version 1 and 2) and VNet flow logs (flowLogVersion 4), in
 * both forms the importer meets:
 *
 * - `decodeEntry`: one element of a blob's top-level `records` array: an NSG record
 *   (`category: "NetworkSecurityGroupFlowEvent"`, `properties.flows[].flows[].flowTuples`) or a
 *   VNet record (`category: "FlowLogFlowEvent"`, `flowRecords.flows[].flowGroups[].flowTuples`).
 *   A whole `{records: [...]}` object is accepted too, and so is an element that itself holds a
 *   `records` array: Microsoft's own Version 1 sample nests three records that way, and they
 *   are decoded, not lost. One call is one unit, however many records it holds.
 * - `decodeLine`: one raw tuple per line, its format told from the tuple itself.
 *
 * Every tuple gives a source→destination row and, when it counted reply traffic, a
 * destination→source row (see `rows.ts`). The record's Version / flowLogVersion is kept in
 * `extra` as written; it does not steer decoding, because each tuple's shape (field count,
 * protocol letter or number) tells its format unambiguously, also in records whose version is
 * missing or not one Microsoft documents.
 *
 * Bad input is counted, never thrown: a tuple that does not parse is skipped (`field-count`,
 * `bad-field`; the detail names its path and index in the record, the line is the entry's
 * first line) and the rest of the record is still decoded; a record without its flows is a
 * `bad-field`; any other JSON value is `not-flow-log`.
 */
export interface AzureFlowDecoder extends EntryDecoder, LineDecoder {}

const NSG_CATEGORY = "NetworkSecurityGroupFlowEvent";
const VNET_CATEGORY = "FlowLogFlowEvent";

/** Wrappers within wrappers beyond this are refused: no real log nests more than once. */
const MAX_RECORDS_DEPTH = 4;

/**
 * Distinct contexts kept per decoder. Contexts are per NSG / VNet and NIC, a few hundred in a
 * large estate; the bound only stops a hostile file from growing the map without end.
 */
const MAX_CONTEXTS = 4096;

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

/** `"key":value` for the extra JSON of a group, or "" when the value is absent or empty. */
function member(key: string, value: unknown): string {
  if (typeof value === "string") return value === "" ? "" : `"${key}":${JSON.stringify(value)}`;
  if (typeof value === "number" && Number.isFinite(value)) return `"${key}":${value}`;
  return "";
}

function members(...parts: string[]): string {
  return parts.filter((part) => part !== "").join(",");
}

/** A JSON value's kind, for details. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

export function createAzureFlowDecoder(): AzureFlowDecoder {
  const tuple = createAzureTuple();
  const extraCache = createAzureExtraCache();
  const contexts = new Map<string, CloudContext>();
  const textDecoder = new TextDecoder();
  /** Raw tuple lines say nothing of where they were logged. */
  const lineContext: CloudContext = {
    provider: "azure",
    account: "",
    region: "",
    zone: "",
    vpc: "",
    subnet: "",
    instance: "",
    interface: "",
  };

  /** One object per distinct context, so `internCloud` hits its identity map. */
  function contextFor(
    account: string,
    vpc: string,
    subnet: string,
    instance: string,
    mac: string,
  ): CloudContext {
    const key = `${account}\u0000${vpc}\u0000${subnet}\u0000${instance}\u0000${mac}`;
    let context = contexts.get(key);
    if (context === undefined) {
      if (contexts.size >= MAX_CONTEXTS) contexts.clear();
      context = {
        provider: "azure",
        account,
        region: "",
        zone: "",
        vpc,
        subnet,
        instance,
        interface: mac,
      };
      contexts.set(key, context);
    }
    return context;
  }

  function decodeTuples(
    tuples: unknown,
    path: string,
    line: number,
    batch: FlowBatch,
    tally: FlowLogTally,
    context: CloudContext,
    fixedJson: string,
  ): void {
    if (!Array.isArray(tuples)) {
      noteSkip(tally, "bad-field", line, `${path} is ${kindOf(tuples)}, not an array`);
      return;
    }
    const cloudIndex = batch.internCloud(context);
    for (let index = 0; index < tuples.length; index++) {
      const text: unknown = tuples[index];
      if (typeof text !== "string") {
        noteSkip(tally, "bad-field", line, `${path}[${index}] is ${kindOf(text)}, not a string`);
        continue;
      }
      const problem = parseAzureTuple(text, tuple);
      if (problem !== undefined) {
        noteSkip(tally, problem.code, line, `${path}[${index}]: ${problem.detail}`);
        continue;
      }
      appendAzureTupleRows(extraCache, batch, tuple, cloudIndex, fixedJson, tally);
    }
  }

  function decodeNsg(
    record: JsonObject,
    path: string,
    line: number,
    batch: FlowBatch,
    tally: FlowLogTally,
  ): void {
    const resourceId = stringOr(record["resourceId"], "");
    const id = parseAzureResourceId(resourceId);
    const place = azurePlaceOf(id);
    const properties = record["properties"];
    const groups = isObject(properties) ? properties["flows"] : undefined;
    if (!Array.isArray(groups)) {
      noteSkip(tally, "bad-field", line, `${path}properties.flows is missing`);
      return;
    }
    const recordMac = stringOr(record["macAddress"], "");
    const recordJson = members(
      member("Version", isObject(properties) ? properties["Version"] : undefined),
      member("resourceId", resourceId),
    );
    for (let groupIndex = 0; groupIndex < groups.length; groupIndex++) {
      const group: unknown = groups[groupIndex];
      const groupPath = `${path}properties.flows[${groupIndex}]`;
      const flows = isObject(group) ? group["flows"] : undefined;
      if (!isObject(group) || !Array.isArray(flows)) {
        noteSkip(tally, "bad-field", line, `${groupPath}.flows is missing`);
        continue;
      }
      const fixedJson = members(recordJson, member("rule", group["rule"]));
      for (let flowIndex = 0; flowIndex < flows.length; flowIndex++) {
        const flow: unknown = flows[flowIndex];
        const flowPath = `${groupPath}.flows[${flowIndex}]`;
        if (!isObject(flow)) {
          noteSkip(tally, "bad-field", line, `${flowPath} is ${kindOf(flow)}, not an object`);
          continue;
        }
        const mac = stringOr(flow["mac"], recordMac);
        const context = contextFor(id.subscription, place.vpc, place.subnet, place.instance, mac);
        decodeTuples(
          flow["flowTuples"],
          `${flowPath}.flowTuples`,
          line,
          batch,
          tally,
          context,
          fixedJson,
        );
      }
    }
  }

  function decodeVnet(
    record: JsonObject,
    path: string,
    line: number,
    batch: FlowBatch,
    tally: FlowLogTally,
  ): void {
    const targetId = stringOr(record["targetResourceID"], "");
    const target = parseAzureResourceId(targetId);
    const place = azurePlaceOf(target);
    // The flow log resource lives in the target's subscription (Network Watcher is regional
    // per subscription): it stands in when the target id is missing.
    const account =
      target.subscription !== ""
        ? target.subscription
        : parseAzureResourceId(stringOr(record["flowLogResourceID"], "")).subscription;
    const flowRecords = record["flowRecords"];
    const acls = isObject(flowRecords) ? flowRecords["flows"] : undefined;
    if (!Array.isArray(acls)) {
      noteSkip(tally, "bad-field", line, `${path}flowRecords.flows is missing`);
      return;
    }
    const mac = stringOr(record["macAddress"], "");
    const context = contextFor(account, place.vpc, place.subnet, place.instance, mac);
    const recordJson = members(
      member("flowLogVersion", record["flowLogVersion"]),
      member("targetResourceID", targetId),
    );
    for (let aclIndex = 0; aclIndex < acls.length; aclIndex++) {
      const acl: unknown = acls[aclIndex];
      const aclPath = `${path}flowRecords.flows[${aclIndex}]`;
      const groups = isObject(acl) ? acl["flowGroups"] : undefined;
      if (!isObject(acl) || !Array.isArray(groups)) {
        noteSkip(tally, "bad-field", line, `${aclPath}.flowGroups is missing`);
        continue;
      }
      const aclJson = members(recordJson, member("aclID", acl["aclID"]));
      for (let groupIndex = 0; groupIndex < groups.length; groupIndex++) {
        const group: unknown = groups[groupIndex];
        const groupPath = `${aclPath}.flowGroups[${groupIndex}]`;
        if (!isObject(group)) {
          noteSkip(tally, "bad-field", line, `${groupPath} is ${kindOf(group)}, not an object`);
          continue;
        }
        decodeTuples(
          group["flowTuples"],
          `${groupPath}.flowTuples`,
          line,
          batch,
          tally,
          context,
          members(aclJson, member("rule", group["rule"])),
        );
      }
    }
  }

  function decodeValue(
    value: unknown,
    path: string,
    depth: number,
    line: number,
    batch: FlowBatch,
    tally: FlowLogTally,
  ): void {
    if (!isObject(value)) {
      noteSkip(tally, "not-flow-log", line, `${path || "entry"} is ${kindOf(value)}`);
      return;
    }
    const records = value["records"];
    if (Array.isArray(records)) {
      if (depth >= MAX_RECORDS_DEPTH) {
        noteSkip(tally, "not-flow-log", line, `${path}records nested ${depth + 1} deep`);
        return;
      }
      for (let index = 0; index < records.length; index++) {
        decodeValue(records[index], `${path}records[${index}].`, depth + 1, line, batch, tally);
      }
      return;
    }
    const category = value["category"];
    if (category === NSG_CATEGORY || (category === undefined && "properties" in value)) {
      decodeNsg(value, path, line, batch, tally);
    } else if (category === VNET_CATEGORY || (category === undefined && "flowRecords" in value)) {
      decodeVnet(value, path, line, batch, tally);
    } else {
      const said = typeof category === "string" ? JSON.stringify(category.slice(0, 64)) : "none";
      noteSkip(tally, "not-flow-log", line, `${path || "entry"} has category ${said}`);
    }
  }

  return {
    decodeEntry(entry, line, batch, tally) {
      tally.units++;
      decodeValue(entry, "", 0, line, batch, tally);
    },

    decodeLine(buffer, start, end, line, batch, tally) {
      tally.units++;
      let text = textDecoder.decode(buffer.subarray(start, end)).trim();
      if (text === "") {
        noteSkip(tally, "blank", line, "");
        return;
      }
      // A tuple copied out of the JSON keeps its quotes (and maybe the array's comma).
      if (text.startsWith('"')) {
        const close = text.indexOf('"', 1);
        if (close !== -1) text = text.slice(1, close);
      }
      const problem = parseAzureTuple(text, tuple);
      if (problem !== undefined) {
        noteSkip(tally, problem.code, line, problem.detail);
        return;
      }
      appendAzureTupleRows(extraCache, batch, tuple, batch.internCloud(lineContext), "", tally);
    },
  };
}
