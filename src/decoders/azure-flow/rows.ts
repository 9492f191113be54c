import { copyWords, flowSourceIndex } from "../../core/index.ts";
import type { FlowBatch } from "../../core/index.ts";
import type { FlowLogTally } from "../flow-log/index.ts";
import type { AzureTuple } from "./tuple.ts";

const AZURE_SOURCE = flowSourceIndex("azure-flow");

/**
 * The row's `extra` JSON: the fixed fields of its group (`fixedJson`, object members without
 * braces, "" for none), then the tuple's state and encryption, then `"reverse":true` on the
 * destination→source row. Undefined when there is nothing to keep.
 */
function extraJson(fixedJson: string, tuple: AzureTuple, reverse: boolean): string | undefined {
  let body = fixedJson;
  // The state is one validated letter: no escaping needed.
  if (tuple.state !== "") body += `${body === "" ? "" : ","}"state":"${tuple.state}"`;
  if (tuple.encryption !== "") {
    body += `${body === "" ? "" : ","}"encryption":${JSON.stringify(tuple.encryption)}`;
  }
  if (reverse) body += `${body === "" ? "" : ","}"reverse":true`;
  return body === "" ? undefined : `{${body}}`;
}

function appendRow(
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
  const extra = extraJson(fixedJson, tuple, reverse);
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
  batch: FlowBatch,
  tuple: AzureTuple,
  cloudIndex: number,
  fixedJson: string,
  tally: FlowLogTally,
): number {
  appendRow(batch, tuple, cloudIndex, fixedJson, false);
  if (tuple.packetsDstToSrc === 0 && tuple.bytesDstToSrc === 0) {
    tally.records += 1;
    return 1;
  }
  appendRow(batch, tuple, cloudIndex, fixedJson, true);
  tally.records += 2;
  return 2;
}
