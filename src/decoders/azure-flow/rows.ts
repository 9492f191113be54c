import { copyWords, flowSourceIndex } from "../../core/index.ts";
import type { FlowBatch } from "../../core/index.ts";
import type { FlowLogTally } from "../flow-log/index.ts";
import type { AzureTuple } from "./tuple.ts";

const AZURE_SOURCE = flowSourceIndex("azure-flow");

/**
 * The finished `extra` texts of the current group, by tuple state, encryption and direction.
 * Rows of one rule group differ only in those, so they share a few strings instead of each
 * building its own: building one per row made the garbage collector the largest cost of
 * decoding (about half the profile, 200,000 VNet tuples, Node 20.20).
 */
export interface AzureExtraCache {
  fixedJson: string;
  texts: Map<string, string | undefined>;
}

export function createAzureExtraCache(): AzureExtraCache {
  return { fixedJson: "", texts: new Map() };
}

/** Different encryption statuses kept per group; the documented ones are eight. */
const MAX_CACHED_TEXTS = 64;

/**
 * The row's `extra` JSON: the fixed fields of its group (`fixedJson`, object members without
 * braces, "" for none), then the tuple's state and encryption, then `"reverse":true` on the
 * destination→source row. Undefined when there is nothing to keep.
 */
function extraJson(
  cache: AzureExtraCache,
  fixedJson: string,
  tuple: AzureTuple,
  reverse: boolean,
): string | undefined {
  if (cache.fixedJson !== fixedJson || cache.texts.size >= MAX_CACHED_TEXTS) {
    cache.fixedJson = fixedJson;
    cache.texts.clear();
  }
  const key = reverse ? `${tuple.state}${tuple.encryption}/r` : `${tuple.state}${tuple.encryption}`;
  if (cache.texts.has(key)) return cache.texts.get(key);
  let body = fixedJson;
  // The state is one validated letter: no escaping needed.
  if (tuple.state !== "") body += `${body === "" ? "" : ","}"state":"${tuple.state}"`;
  if (tuple.encryption !== "") {
    body += `${body === "" ? "" : ","}"encryption":${JSON.stringify(tuple.encryption)}`;
  }
  if (reverse) body += `${body === "" ? "" : ","}"reverse":true`;
  const text = body === "" ? undefined : `{${body}}`;
  cache.texts.set(key, text);
  return text;
}

function appendRow(
  cache: AzureExtraCache,
  batch: FlowBatch,
  tuple: AzureTuple,
  cloudIndex: number,
  fixedJson: string,
  reverse: boolean,
): void {
  const row = batch.addRow();
  batch.source[row] = AZURE_SOURCE;
  batch.startMs[row] = tuple.timeMs;
  batch.endMs[row] = tuple.timeMs;
  batch.receivedMs[row] = tuple.timeMs;
  batch.ipVersion[row] = tuple.ipVersion;
  batch.protocol[row] = tuple.protocol;
  if (reverse) {
    copyWords(tuple.dstAddr, 0, batch.srcAddr, row);
    copyWords(tuple.srcAddr, 0, batch.dstAddr, row);
    batch.srcPort[row] = tuple.dstPort;
    batch.dstPort[row] = tuple.srcPort;
    batch.flowDirection[row] = tuple.flowDirection === 0 ? 1 : 0;
    batch.sampledPackets[row] = tuple.packetsDstToSrc;
    batch.sampledBytes[row] = tuple.bytesDstToSrc;
  } else {
    copyWords(tuple.srcAddr, 0, batch.srcAddr, row);
    copyWords(tuple.dstAddr, 0, batch.dstAddr, row);
    batch.srcPort[row] = tuple.srcPort;
    batch.dstPort[row] = tuple.dstPort;
    batch.flowDirection[row] = tuple.flowDirection;
    batch.sampledPackets[row] = tuple.packetsSrcToDst;
    batch.sampledBytes[row] = tuple.bytesSrcToDst;
  }
  // Azure counts every packet of the flow: nothing to scale.
  batch.samplingRate[row] = 1;
  batch.samplingRateKnown[row] = 1;
  batch.cloud[row] = cloudIndex;
  batch.observedAction[row] = tuple.action;
  const extra = extraJson(cache, fixedJson, tuple, reverse);
  if (extra !== undefined) batch.setExtraJson(row, extra);
}

/**
 * Appends the rows of one parsed tuple: always the source→destination row (zero counters on a
 * Begin or Version 1 tuple still record that the flow was seen), plus the destination→source
 * row when the tuple counted traffic that way. Azure tuples are bidirectional (the "received"
 * counters are the reply); one row per direction keeps ingress and egress bytes apart, as a
 * NetFlow exporter would have sent them. Returns the rows added.
 */
export function appendAzureTupleRows(
  cache: AzureExtraCache,
  batch: FlowBatch,
  tuple: AzureTuple,
  cloudIndex: number,
  fixedJson: string,
  tally: FlowLogTally,
): number {
  appendRow(cache, batch, tuple, cloudIndex, fixedJson, false);
  if (tuple.packetsDstToSrc === 0 && tuple.bytesDstToSrc === 0) {
    tally.records += 1;
    return 1;
  }
  appendRow(cache, batch, tuple, cloudIndex, fixedJson, true);
  tally.records += 2;
  return 2;
}
