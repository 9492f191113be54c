import type { DecodeIssue, FlowBatch, InterfaceCounters } from "../../core/index.ts";
import {
  clearWords,
  copyWords,
  flowSourceIndex,
  formatIpv4,
  setIpv4Words,
  setIpv6WordsFromView,
  wordsToText,
} from "../../core/index.ts";
import type { DatagramContext, DecodeOutput } from "../output.ts";
import { PACKET_START, PacketHeader, parsePacket } from "../packet/index.ts";
import {
  ADDRESS_TYPE,
  COUNTER_RECORD,
  COUNTERS_SAMPLE_EXPANDED_FIXED_BYTES,
  COUNTERS_SAMPLE_FIXED_BYTES,
  DATAGRAM_PREFIX_BYTES,
  DATAGRAM_TAIL_BYTES,
  EXTENDED_SWITCH_BYTES,
  FLOW_RECORD,
  FLOW_SAMPLE_EXPANDED_FIXED_BYTES,
  FLOW_SAMPLE_FIXED_BYTES,
  FORMAT_ENTERPRISE_SHIFT,
  FORMAT_MASK,
  IF_COUNTERS_BYTES,
  INTERFACE_FORMAT,
  INTERFACE_LOCAL_COMPACT,
  INTERFACE_LOCAL_EXPANDED,
  INTERFACE_VALUE_MASK,
  SAMPLE_TYPE,
  SAMPLED_ETHERNET_BYTES,
  SAMPLED_HEADER_FIXED_BYTES,
  SAMPLED_IPV4_BYTES,
  SAMPLED_IPV6_BYTES,
  SFLOW_VERSION,
} from "./layout.ts";
import type { AgentKey, AgentState, SflowState } from "./state.ts";

/** Issue codes this decoder reports; each is a metric label, so the list is closed. */
export const SFLOW_ISSUE_CODES = [
  /** The datagram ends before its header (version, agent, sequence, uptime, sample count). */
  "truncated-header",
  /** The first 32 bits are not 5. */
  "bad-version",
  /** An address type (agent, next hop) other than 0 UNKNOWN, 1 IPv4, 2 IPv6. */
  "bad-address-type",
  /** A sample header or body runs past the datagram end; decoding stops there. */
  "truncated-sample",
  /** A sample is shorter than its own fixed fields; it is skipped. */
  "bad-sample-length",
  /** Informational: a sample type this decoder does not read (e.g. 5, drops); skipped. */
  "unknown-sample-type",
  /** A record runs past its sample, or is shorter than its fixed fields. */
  "truncated-record",
  /** A sampled header whose header_protocol this decoder cannot parse; volume still counted. */
  "bad-header-protocol",
  /** Bytes after the announced samples. */
  "trailing-bytes",
] as const;
export type SflowIssueCode = (typeof SFLOW_ISSUE_CODES)[number];

/** What one datagram gave. */
export interface SflowDecodeSummary {
  /** Flow samples (compact and expanded) decoded, one flow row each. */
  flowSamples: number;
  /** Counter samples (compact and expanded) decoded, whatever records they held. */
  counterSamples: number;
}

/** One datagram header, for `SflowTrace`. */
export interface SflowDatagramTrace {
  agentAddr: string;
  subAgentId: number;
  sequence: number;
  uptimeMs: number;
  sampleCount: number;
}

/** One sample's header fields, for `SflowTrace`. Fields a sample type lacks are 0. */
export interface SflowSampleTrace {
  /** Index of the datagram in `SflowTrace.datagrams`. */
  datagram: number;
  enterprise: number;
  /** 1 flow, 2 counters, 3 expanded flow, 4 expanded counters, other: skipped. */
  type: number;
  sequence: number;
  sourceClass: number;
  sourceIndex: number;
  samplingRate: number;
  samplePool: number;
  drops: number;
  inputFormat: number;
  inputValue: number;
  outputFormat: number;
  outputValue: number;
  records: number;
  /** The flow row this sample became, -1 for other samples. */
  row: number;
}

/**
 * Optional sink of header fields that have no column (sample sequence numbers, pools, source
 * ids): for tests, conformance against tcpdump, and debugging. Not used on the hot path.
 */
export interface SflowTrace {
  datagrams: SflowDatagramTrace[];
  samples: SflowSampleTrace[];
}

const SFLOW_SOURCE = flowSourceIndex("sflow");
const MAX_VLAN_ID = 4095;
const SMALL_SUB_AGENT = 2 ** 20;
const TWO_TO_32 = 4294967296;

/** Reused by every call: decoding is synchronous, so one scratch header serves all. */
const packet = new PacketHeader();
const scratchWords = new Uint32Array(4);

function issue(issues: DecodeIssue[], code: SflowIssueCode, detail: string): void {
  issues.push({ code, detail });
}

function addressBytes(type: number): number {
  if (type === ADDRESS_TYPE.ipv4) return 4;
  if (type === ADDRESS_TYPE.ipv6) return 16;
  if (type === ADDRESS_TYPE.unknown) return 0;
  return -1;
}

function addressText(view: DataView, type: number, at: number): string {
  if (type === ADDRESS_TYPE.ipv4) return formatIpv4(view.getUint32(at));
  if (type === ADDRESS_TYPE.ipv6) {
    setIpv6WordsFromView(scratchWords, 0, view, at);
    return wordsToText(scratchWords, 0);
  }
  return "";
}

function readU64(view: DataView, at: number): number {
  // Exact below 2^53 (9 PB of octets): beyond any interface counter's life.
  return view.getUint32(at) * TWO_TO_32 + view.getUint32(at + 4);
}

/** Data-source key for per-source sequences: kind (0 flow, 1 counters), class, index. */
function sourceKey(kind: number, sourceClass: number, sourceIndex: number): number {
  return (kind * 256 + (sourceClass & 0xff)) * TWO_TO_32 + sourceIndex;
}

/**
 * Decodes one sFlow v5 datagram (sFlow v5 specification, "sample_datagram_v5"): flow samples
 * (compact and expanded) become one row each in `out.flows`, generic interface counter records
 * of counter samples become `InterfaceCounters` in `out.counters`, problems become issues in
 * `out.issues`. Never throws; every loop is bounded by the datagram's bytes.
 *
 * Each flow row stands for one sampled packet: sampledPackets = 1, sampledBytes = the
 * sampled_header's frame_length (else sampled_ethernet's length, else sampled_ipv4/ipv6's
 * length), samplingRate = the sample's rate (0, which the specification does not define, is
 * stored as rate 1 with samplingRateKnown 0).
 *
 * frame_length is kept as the agent reports it. The specification defines it for layer-2
 * headers as "total number of octets of data received on the network (excluding framing bits
 * but including FCS octets)", and `stripped` counts the FCS and any removed encapsulation
 * octets taken off the *header bytes*, not off frame_length. So Ethernet volumes include the
 * 4-byte FCS, as interface counters (ifInOctets) do, and match what sFlow agents and goflow2
 * call the packet's size.
 *
 * Times: an sFlow datagram carries only the agent's uptime, no wall clock, and samples are
 * sent as they are taken (agents flush within about a second), so startMs = endMs = the
 * receive time.
 *
 * `state` tracks agents (sequence gaps, restarts, drops); `trace`, when given, receives every
 * datagram and sample header (for tests and debugging).
 */
export function decodeSflow5(
  payload: Uint8Array,
  context: DatagramContext,
  state: SflowState,
  out: DecodeOutput,
  trace?: SflowTrace,
): SflowDecodeSummary {
  const summary: SflowDecodeSummary = { flowSamples: 0, counterSamples: 0 };
  const issues = out.issues;
  const length = payload.byteLength;
  const view = new DataView(payload.buffer, payload.byteOffset, length);

  if (length >= 4 && view.getUint32(0) !== SFLOW_VERSION) {
    issue(issues, "bad-version", `version ${view.getUint32(0)}, expected 5`);
    return summary;
  }
  if (length < DATAGRAM_PREFIX_BYTES) {
    issue(issues, "truncated-header", `${length} bytes, an sFlow v5 header needs at least 28`);
    return summary;
  }
  const agentType = view.getUint32(4);
  const agentBytes = addressBytes(agentType);
  if (agentBytes < 0) {
    issue(issues, "bad-address-type", `agent address type ${agentType}`);
    return summary;
  }
  const headerEnd = DATAGRAM_PREFIX_BYTES + agentBytes + DATAGRAM_TAIL_BYTES;
  if (length < headerEnd) {
    issue(issues, "truncated-header", `${length} bytes, this header needs ${headerEnd}`);
    return summary;
  }
  const tail = DATAGRAM_PREFIX_BYTES + agentBytes;
  const subAgentId = view.getUint32(tail);
  const sequence = view.getUint32(tail + 4);
  const uptimeMs = view.getUint32(tail + 8);
  const sampleCount = view.getUint32(tail + 12);

  // The key is built from numbers (no address text per datagram); text only for new agents.
  // IPv4 agents with the usual small sub-agent ids get a number key, exact below 2^53.
  let key: AgentKey;
  if (agentType === ADDRESS_TYPE.ipv4 && subAgentId < SMALL_SUB_AGENT) {
    key = view.getUint32(8) * SMALL_SUB_AGENT + subAgentId;
  } else if (agentType === ADDRESS_TYPE.ipv4) key = `4/${view.getUint32(8)}/${subAgentId}`;
  else if (agentType === ADDRESS_TYPE.ipv6) {
    key = `6/${view.getUint32(8)}/${view.getUint32(12)}/${view.getUint32(16)}/${view.getUint32(20)}/${subAgentId}`;
  } else key = `0/${context.exporterAddr}/${subAgentId}`;
  const agent = state.observeDatagram(key, subAgentId, context.exporterAddr, sequence, uptimeMs);
  if (agent.datagrams === 1 && agent.agentAddr === "") {
    agent.agentAddr = addressText(view, agentType, DATAGRAM_PREFIX_BYTES);
  }
  let datagramIndex = -1;
  if (trace !== undefined) {
    datagramIndex = trace.datagrams.length;
    trace.datagrams.push({
      agentAddr: agent.agentAddr,
      subAgentId,
      sequence,
      uptimeMs,
      sampleCount,
    });
  }

  let offset = headerEnd;
  let index = 0;
  // Each pass consumes at least 8 bytes, so the loop ends within length / 8 passes whatever
  // the announced count.
  for (; index < sampleCount; index++) {
    if (length - offset < 8) {
      issue(
        issues,
        "truncated-sample",
        `${index} of ${sampleCount} samples before the datagram ends (offset ${offset} of ${length})`,
      );
      break;
    }
    const format = view.getUint32(offset);
    const sampleLength = view.getUint32(offset + 4);
    const start = offset + 8;
    if (sampleLength > length - start) {
      issue(
        issues,
        "truncated-sample",
        `sample ${index} at offset ${offset} announces ${sampleLength} bytes, ${length - start} remain`,
      );
      break;
    }
    const end = start + sampleLength;
    const enterprise = format >>> FORMAT_ENTERPRISE_SHIFT;
    const type = format & FORMAT_MASK;
    if (enterprise === 0 && (type === SAMPLE_TYPE.flow || type === SAMPLE_TYPE.flowExpanded)) {
      if (
        decodeFlowSample(
          view,
          start,
          end,
          type === SAMPLE_TYPE.flowExpanded,
          context,
          agent,
          state,
          out,
          trace,
          datagramIndex,
        )
      ) {
        summary.flowSamples++;
      }
    } else if (
      enterprise === 0 &&
      (type === SAMPLE_TYPE.counters || type === SAMPLE_TYPE.countersExpanded)
    ) {
      if (
        decodeCounterSample(
          view,
          start,
          end,
          type === SAMPLE_TYPE.countersExpanded,
          context,
          agent,
          state,
          out,
          trace,
          datagramIndex,
        )
      ) {
        summary.counterSamples++;
      }
    } else {
      agent.skippedSamples++;
      issue(
        issues,
        "unknown-sample-type",
        `sample ${index} enterprise ${enterprise} format ${type}, ${sampleLength} bytes skipped`,
      );
      trace?.samples.push(emptySampleTrace(datagramIndex, enterprise, type));
    }
    offset = end;
  }
  if (index === sampleCount && offset < length) {
    issue(issues, "trailing-bytes", `${length - offset} bytes after ${sampleCount} samples`);
  }
  return summary;
}

function emptySampleTrace(datagram: number, enterprise: number, type: number): SflowSampleTrace {
  return {
    datagram,
    enterprise,
    type,
    sequence: 0,
    sourceClass: 0,
    sourceIndex: 0,
    samplingRate: 0,
    samplePool: 0,
    drops: 0,
    inputFormat: 0,
    inputValue: 0,
    outputFormat: 0,
    outputValue: 0,
    records: 0,
    row: -1,
  };
}

/**
 * Why an interface field is not a plain ifIndex, for extra (sFlow v5 flow_sample
 * "input"/"output", interface_expanded): the device itself (local), a discarded packet (value =
 * reason code), several output interfaces (value = count, 0 unknown). The column gets 0, as
 * "no interface" in NetFlow.
 */
function addInterfaceExtra(
  name: "inIf" | "outIf",
  format: number,
  value: number,
  expanded: boolean,
): void {
  if (format === INTERFACE_FORMAT.ifIndex) {
    if (value === INTERFACE_LOCAL_COMPACT || (expanded && value === INTERFACE_LOCAL_EXPANDED)) {
      addExtra(name === "inIf" ? "inIfLocal" : "outIfLocal", "true");
    }
  } else if (format === INTERFACE_FORMAT.discarded) {
    addExtra(name === "inIf" ? "inIfDiscardReason" : "outIfDiscardReason", String(value));
  } else if (format === INTERFACE_FORMAT.multiple) {
    addExtra(name === "inIf" ? "inIfMultiple" : "outIfMultiple", String(value));
  } else {
    addExtra(name === "inIf" ? "inIfFormat" : "outIfFormat", String(format));
    addExtra(name === "inIf" ? "inIfValue" : "outIfValue", String(value));
  }
}

/**
 * The extra fields of the row being decoded, as JSON member text ("" = none). Built as text
 * rather than an object for JSON.stringify: measured on the pmacct capture (bench/decode-sflow.ts,
 * Node 20), the object route cost about 1.1 µs per sample, as much as the rest of the decode.
 */
let extraMembers = "";

function addExtra(key: string, valueJson: string): void {
  extraMembers =
    extraMembers === "" ? `"${key}":${valueJson}` : `${extraMembers},"${key}":${valueJson}`;
}

/** Stores the collected members as the row's extra JSON text, built without an object. */
function flushExtra(batch: FlowBatch, row: number): void {
  if (extraMembers === "") return;
  batch.setExtraJson(row, `{${extraMembers}}`);
  extraMembers = "";
}

function plainIfIndex(format: number, value: number, expanded: boolean): number {
  if (format !== INTERFACE_FORMAT.ifIndex) return 0;
  if (value === INTERFACE_LOCAL_COMPACT || (expanded && value === INTERFACE_LOCAL_EXPANDED)) {
    return 0;
  }
  return value;
}

/** Where a row's volume and addresses came from, strongest last. */
const FROM_NONE = 0;
const FROM_SAMPLED_IP = 1;
const FROM_SAMPLED_ETHERNET = 2;
const FROM_HEADER = 3;

/** Sequence number and data source of the sample being decoded (reused, never allocated). */
const sampleHeader = { sequence: 0, sourceClass: 0, sourceIndex: 0 };

/**
 * Reads the sequence number and data source that start every flow and counter sample into
 * `sampleHeader`, and returns the offset after them. Compact samples pack the source as
 * class (top 8 bits) and index (24 bits) in one word; expanded samples give each a word
 * (sFlow v5: flow_sample / flow_sample_expanded, counters_sample / counters_sample_expanded).
 */
function readSampleHeader(view: DataView, start: number, expanded: boolean): number {
  sampleHeader.sequence = view.getUint32(start);
  if (expanded) {
    sampleHeader.sourceClass = view.getUint32(start + 4);
    sampleHeader.sourceIndex = view.getUint32(start + 8);
    return start + 12;
  }
  const sourceId = view.getUint32(start + 4);
  sampleHeader.sourceClass = sourceId >>> 24;
  sampleHeader.sourceIndex = sourceId & 0xffffff;
  return start + 8;
}

function decodeFlowSample(
  view: DataView,
  start: number,
  end: number,
  expanded: boolean,
  context: DatagramContext,
  agent: AgentState,
  state: SflowState,
  out: DecodeOutput,
  trace: SflowTrace | undefined,
  datagramIndex: number,
): boolean {
  const issues = out.issues;
  const fixed = expanded ? FLOW_SAMPLE_EXPANDED_FIXED_BYTES : FLOW_SAMPLE_FIXED_BYTES;
  if (end - start < fixed) {
    issue(
      issues,
      "bad-sample-length",
      `${expanded ? "expanded " : ""}flow sample of ${end - start} bytes, fixed fields need ${fixed}`,
    );
    return false;
  }
  let at = readSampleHeader(view, start, expanded);
  const { sequence, sourceClass, sourceIndex } = sampleHeader;
  const samplingRate = view.getUint32(at);
  const samplePool = view.getUint32(at + 4);
  const drops = view.getUint32(at + 8);
  let inputFormat: number;
  let inputValue: number;
  let outputFormat: number;
  let outputValue: number;
  if (expanded) {
    inputFormat = view.getUint32(at + 12);
    inputValue = view.getUint32(at + 16);
    outputFormat = view.getUint32(at + 20);
    outputValue = view.getUint32(at + 24);
    at += 28;
  } else {
    const input = view.getUint32(at + 12);
    const output = view.getUint32(at + 16);
    inputFormat = input >>> 30;
    inputValue = input & INTERFACE_VALUE_MASK;
    outputFormat = output >>> 30;
    outputValue = output & INTERFACE_VALUE_MASK;
    at += 20;
  }
  const recordCount = view.getUint32(at);
  at += 4;

  state.observeSample(agent, sourceKey(0, sourceClass, sourceIndex), sequence, drops);
  agent.flowSamples++;

  const batch = out.flows;
  const row = batch.addRow();
  const receivedMs = context.receivedMs;
  batch.startMs[row] = receivedMs;
  batch.endMs[row] = receivedMs;
  batch.receivedMs[row] = receivedMs;
  copyWords(context.exporterWords, 0, batch.exporter, row);
  batch.observationDomain[row] = agent.subAgentId;
  batch.source[row] = SFLOW_SOURCE;
  batch.inIf[row] = plainIfIndex(inputFormat, inputValue, expanded);
  batch.outIf[row] = plainIfIndex(outputFormat, outputValue, expanded);
  batch.sampledPackets[row] = 1;
  if (samplingRate > 0) {
    batch.samplingRate[row] = samplingRate;
    batch.samplingRateKnown[row] = 1;
  }

  extraMembers = "";
  if (batch.inIf[row] === 0 && inputValue !== 0) {
    addInterfaceExtra("inIf", inputFormat, inputValue, expanded);
  }
  if (batch.outIf[row] === 0 && (outputFormat !== 0 || outputValue !== 0)) {
    addInterfaceExtra("outIf", outputFormat, outputValue, expanded);
  }

  let bytesFrom = FROM_NONE;
  let addressesFrom = FROM_NONE;
  let haveRouterNextHop = false;
  let headerVlans = 0;
  let headerOuterVlan = 0;
  let headerInnerVlan = 0;
  let records = 0;
  for (; records < recordCount; records++) {
    if (end - at < 8) {
      issue(
        issues,
        "truncated-record",
        `${records} of ${recordCount} flow records fit in the sample (offset ${at})`,
      );
      break;
    }
    const format = view.getUint32(at);
    const recordLength = view.getUint32(at + 4);
    const recordStart = at + 8;
    if (recordLength > end - recordStart) {
      issue(
        issues,
        "truncated-record",
        `flow record ${format >>> FORMAT_ENTERPRISE_SHIFT}:${format & FORMAT_MASK} announces ${recordLength} bytes, ${end - recordStart} remain in the sample`,
      );
      break;
    }
    const recordEnd = recordStart + recordLength;
    at = recordEnd;
    if (format >>> FORMAT_ENTERPRISE_SHIFT !== 0) {
      agent.skippedRecords++;
      continue;
    }
    const type = format & FORMAT_MASK;
    switch (type) {
      case FLOW_RECORD.sampledHeader: {
        if (recordLength < SAMPLED_HEADER_FIXED_BYTES) {
          issue(issues, "truncated-record", `sampled header of ${recordLength} bytes`);
          break;
        }
        const protocol = view.getUint32(recordStart);
        batch.sampledBytes[row] = view.getUint32(recordStart + 4);
        bytesFrom = FROM_HEADER;
        const headerLength = view.getUint32(recordStart + 12);
        const headerStart = recordStart + SAMPLED_HEADER_FIXED_BYTES;
        let headerEnd = headerStart + headerLength;
        if (headerLength > recordEnd - headerStart) {
          issue(
            issues,
            "truncated-record",
            `sampled header announces ${headerLength} header bytes, the record holds ${recordEnd - headerStart}`,
          );
          headerEnd = recordEnd;
        }
        if (
          protocol !== PACKET_START.ethernet &&
          protocol !== PACKET_START.ipv4 &&
          protocol !== PACKET_START.ipv6 &&
          protocol !== PACKET_START.mpls
        ) {
          issue(issues, "bad-header-protocol", `header_protocol ${protocol} is not parsed`);
          break;
        }
        const isIp = parsePacket(view, headerStart, headerEnd, protocol, packet);
        headerVlans = packet.vlanCount;
        headerOuterVlan = packet.outerVlan;
        headerInnerVlan = packet.innerVlan;
        if (isIp) {
          copyPacket(batch, row);
          addressesFrom = FROM_HEADER;
          if (packet.vxlanVni >= 0) addVxlanExtra();
        } else if (packet.etherType !== 0 && addressesFrom === FROM_NONE) {
          addExtra("etherType", String(packet.etherType));
        }
        break;
      }
      case FLOW_RECORD.sampledEthernet:
        if (recordLength < SAMPLED_ETHERNET_BYTES) {
          issue(issues, "truncated-record", `sampled ethernet of ${recordLength} bytes`);
          break;
        }
        if (bytesFrom < FROM_SAMPLED_ETHERNET) {
          batch.sampledBytes[row] = view.getUint32(recordStart);
          bytesFrom = FROM_SAMPLED_ETHERNET;
        }
        break;
      case FLOW_RECORD.sampledIpv4:
      case FLOW_RECORD.sampledIpv6: {
        const v6 = type === FLOW_RECORD.sampledIpv6;
        if (recordLength < (v6 ? SAMPLED_IPV6_BYTES : SAMPLED_IPV4_BYTES)) {
          issue(issues, "truncated-record", `sampled IPv${v6 ? 6 : 4} of ${recordLength} bytes`);
          break;
        }
        if (bytesFrom < FROM_SAMPLED_IP) {
          batch.sampledBytes[row] = view.getUint32(recordStart);
          bytesFrom = FROM_SAMPLED_IP;
        }
        if (addressesFrom !== FROM_NONE) break;
        addressesFrom = FROM_SAMPLED_IP;
        batch.protocol[row] = view.getUint32(recordStart + 4);
        let p = recordStart + 8;
        if (v6) {
          batch.ipVersion[row] = 6;
          setIpv6WordsFromView(batch.srcAddr, row, view, p);
          setIpv6WordsFromView(batch.dstAddr, row, view, p + 16);
          p += 32;
        } else {
          batch.ipVersion[row] = 4;
          setIpv4Words(batch.srcAddr, row, view.getUint32(p));
          setIpv4Words(batch.dstAddr, row, view.getUint32(p + 4));
          p += 8;
        }
        batch.srcPort[row] = view.getUint32(p);
        batch.dstPort[row] = view.getUint32(p + 4);
        batch.tcpFlags[row] = view.getUint32(p + 8);
        batch.tos[row] = view.getUint32(p + 12);
        break;
      }
      case FLOW_RECORD.extendedSwitch:
        if (recordLength < EXTENDED_SWITCH_BYTES) {
          issue(issues, "truncated-record", `extended switch of ${recordLength} bytes`);
          break;
        }
        {
          // Values above 4095 are not VLAN ids (agents send 0xFFFFFFFF when they do not know)
          // and 0 is IEEE 802.1Q's "no VLAN" (priority tag only): neither is kept.
          const srcVlan = view.getUint32(recordStart);
          const dstVlan = view.getUint32(recordStart + 8);
          if (srcVlan !== 0 && srcVlan <= MAX_VLAN_ID) addExtra("srcVlan", String(srcVlan));
          if (dstVlan !== 0 && dstVlan <= MAX_VLAN_ID) addExtra("dstVlan", String(dstVlan));
        }
        break;
      case FLOW_RECORD.extendedRouter: {
        const nextHopBytes = readNextHop(view, recordStart, recordEnd, batch, row, issues);
        if (nextHopBytes < 0) break;
        const masks = recordStart + 4 + nextHopBytes;
        if (recordEnd - masks < 8) {
          issue(issues, "truncated-record", `extended router of ${recordLength} bytes`);
          break;
        }
        haveRouterNextHop = true;
        batch.srcMaskLen[row] = view.getUint32(masks);
        batch.dstMaskLen[row] = view.getUint32(masks + 4);
        break;
      }
      case FLOW_RECORD.extendedGateway:
        decodeGateway(view, recordStart, recordEnd, batch, row, haveRouterNextHop, issues);
        break;
      default:
        agent.skippedRecords++;
    }
  }
  if (headerVlans > 0) {
    // The tags of the sampled frame itself (QinQ: outer and inner), kept apart from
    // extended_switch's ingress/egress VLANs, which may differ on a routed packet.
    addExtra("headerVlan", String(headerOuterVlan));
    if (headerVlans > 1) addExtra("headerInnerVlan", String(headerInnerVlan));
  }
  flushExtra(batch, row);
  trace?.samples.push({
    datagram: datagramIndex,
    enterprise: 0,
    type: expanded ? SAMPLE_TYPE.flowExpanded : SAMPLE_TYPE.flow,
    sequence,
    sourceClass,
    sourceIndex,
    samplingRate,
    samplePool,
    drops,
    inputFormat,
    inputValue,
    outputFormat,
    outputValue,
    records: recordCount,
    row,
  });
  return true;
}

function copyPacket(batch: FlowBatch, row: number): void {
  batch.ipVersion[row] = packet.ipVersion;
  copyWords(packet.srcAddr, 0, batch.srcAddr, row);
  copyWords(packet.dstAddr, 0, batch.dstAddr, row);
  batch.protocol[row] = packet.protocol;
  batch.srcPort[row] = packet.srcPort;
  batch.dstPort[row] = packet.dstPort;
  batch.tcpFlags[row] = packet.tcpFlags;
  batch.tos[row] = packet.tos;
}

/** The outer packet stays the flow; the inner 5-tuple of a VXLAN packet goes to extra. */
function addVxlanExtra(): void {
  addExtra("vxlanVni", String(packet.vxlanVni));
  const inner = packet.inner;
  if (inner !== undefined && inner.ipVersion !== 0) {
    addExtra("innerSrcAddr", JSON.stringify(wordsToText(inner.srcAddr, 0)));
    addExtra("innerDstAddr", JSON.stringify(wordsToText(inner.dstAddr, 0)));
    addExtra("innerProtocol", String(inner.protocol));
    addExtra("innerSrcPort", String(inner.srcPort));
    addExtra("innerDstPort", String(inner.dstPort));
  }
}

/**
 * Reads an `address` at `at` into the row's next hop. Returns the address bytes (0, 4, 16),
 * or -1 after reporting an issue.
 */
function readNextHop(
  view: DataView,
  at: number,
  end: number,
  batch: FlowBatch,
  row: number,
  issues: DecodeIssue[],
): number {
  if (end - at < 4) {
    issue(issues, "truncated-record", `next hop address cut at offset ${at}`);
    return -1;
  }
  const type = view.getUint32(at);
  const bytes = addressBytes(type);
  if (bytes < 0) {
    issue(issues, "bad-address-type", `next hop address type ${type}`);
    return -1;
  }
  if (end - at - 4 < bytes) {
    issue(issues, "truncated-record", `next hop address cut at offset ${at}`);
    return -1;
  }
  if (type === ADDRESS_TYPE.ipv4) setIpv4Words(batch.nextHop, row, view.getUint32(at + 4));
  else if (type === ADDRESS_TYPE.ipv6) setIpv6WordsFromView(batch.nextHop, row, view, at + 4);
  else clearWords(batch.nextHop, row);
  return bytes;
}

/**
 * extended_gateway (sFlow v5 flow_data 1003): next_hop (the BGP next hop), as (the router's
 * own AS), src_as, src_peer_as, dst_as_path (segments of type and ASNs), communities,
 * localpref.
 *
 * srcAs = src_as and dstAs = the last AS of the destination path. Where src_as is 0 or the
 * path is empty the router's own AS stands in: per the specification the path is the route's
 * AS path, which is empty for destinations inside the router's AS, and agents send src_as 0
 * for sources learned by an IGP (Dell OS9 "Extended Gateway Summary"), i.e. inside it too.
 * Akvorado applies the same rule. The BGP next hop goes to the nextHop column only when no
 * extended_router record gave the IP next hop; it is always kept in extra.
 */
function decodeGateway(
  view: DataView,
  start: number,
  end: number,
  batch: FlowBatch,
  row: number,
  haveRouterNextHop: boolean,
  issues: DecodeIssue[],
): void {
  const cut = (what: string) => {
    issue(issues, "truncated-record", `extended gateway cut in ${what}`);
  };
  if (end - start < 4) {
    cut("next hop");
    return;
  }
  const nextHopType = view.getUint32(start);
  const nextHopBytes = addressBytes(nextHopType);
  if (nextHopBytes < 0) {
    issue(issues, "bad-address-type", `gateway next hop address type ${nextHopType}`);
    return;
  }
  let at = start + 4 + nextHopBytes;
  if (end - at < 16) {
    cut("AS numbers");
    return;
  }
  const bgpNextHop = addressText(view, nextHopType, start + 4);
  const routerAs = view.getUint32(at);
  const srcAs = view.getUint32(at + 4);
  const srcPeerAs = view.getUint32(at + 8);
  const segments = view.getUint32(at + 12);
  at += 16;
  const asPath: number[] = [];
  for (let segment = 0; segment < segments; segment++) {
    if (end - at < 8) {
      cut("AS path");
      return;
    }
    const count = view.getUint32(at + 4);
    at += 8;
    if (count > (end - at) / 4) {
      cut("AS path");
      return;
    }
    for (let index = 0; index < count; index++) asPath.push(view.getUint32(at + index * 4));
    at += count * 4;
  }
  const communities: number[] = [];
  let localPref = 0;
  if (end - at >= 4) {
    const count = view.getUint32(at);
    at += 4;
    if (count > (end - at) / 4) {
      cut("communities");
      return;
    }
    for (let index = 0; index < count; index++) communities.push(view.getUint32(at + index * 4));
    at += count * 4;
    if (end - at >= 4) localPref = view.getUint32(at);
  }
  batch.srcAs[row] = srcAs !== 0 ? srcAs : routerAs;
  batch.dstAs[row] = asPath.length > 0 ? (asPath[asPath.length - 1] ?? 0) : routerAs;
  if (!haveRouterNextHop && nextHopBytes > 0) {
    if (nextHopType === ADDRESS_TYPE.ipv4) {
      setIpv4Words(batch.nextHop, row, view.getUint32(start + 4));
    } else setIpv6WordsFromView(batch.nextHop, row, view, start + 4);
  }
  if (bgpNextHop !== "") addExtra("bgpNextHop", JSON.stringify(bgpNextHop));
  addExtra("routerAs", String(routerAs));
  addExtra("srcPeerAs", String(srcPeerAs));
  addExtra("asPath", JSON.stringify(asPath));
  if (communities.length > 0) addExtra("communities", JSON.stringify(communities));
  addExtra("localPref", String(localPref));
}

function decodeCounterSample(
  view: DataView,
  start: number,
  end: number,
  expanded: boolean,
  context: DatagramContext,
  agent: AgentState,
  state: SflowState,
  out: DecodeOutput,
  trace: SflowTrace | undefined,
  datagramIndex: number,
): boolean {
  const issues = out.issues;
  const fixed = expanded ? COUNTERS_SAMPLE_EXPANDED_FIXED_BYTES : COUNTERS_SAMPLE_FIXED_BYTES;
  if (end - start < fixed) {
    issue(
      issues,
      "bad-sample-length",
      `${expanded ? "expanded " : ""}counter sample of ${end - start} bytes, fixed fields need ${fixed}`,
    );
    return false;
  }
  let at = readSampleHeader(view, start, expanded);
  const { sequence, sourceClass, sourceIndex } = sampleHeader;
  const recordCount = view.getUint32(at);
  at += 4;
  state.observeSample(agent, sourceKey(1, sourceClass, sourceIndex), sequence, 0);
  agent.counterSamples++;

  for (let records = 0; records < recordCount; records++) {
    if (end - at < 8) {
      issue(
        issues,
        "truncated-record",
        `${records} of ${recordCount} counter records fit in the sample (offset ${at})`,
      );
      break;
    }
    const format = view.getUint32(at);
    const recordLength = view.getUint32(at + 4);
    const recordStart = at + 8;
    if (recordLength > end - recordStart) {
      issue(
        issues,
        "truncated-record",
        `counter record ${format >>> FORMAT_ENTERPRISE_SHIFT}:${format & FORMAT_MASK} announces ${recordLength} bytes, ${end - recordStart} remain in the sample`,
      );
      break;
    }
    at = recordStart + recordLength;
    if (format !== COUNTER_RECORD.genericInterface) {
      agent.skippedRecords++;
      continue;
    }
    if (recordLength < IF_COUNTERS_BYTES) {
      issue(issues, "truncated-record", `generic interface counters of ${recordLength} bytes`);
      continue;
    }
    out.counters.push(readIfCounters(view, recordStart, context, agent, sequence));
  }
  trace?.samples.push({
    ...emptySampleTrace(
      datagramIndex,
      0,
      expanded ? SAMPLE_TYPE.countersExpanded : SAMPLE_TYPE.counters,
    ),
    sequence,
    sourceClass,
    sourceIndex,
    records: recordCount,
  });
  return true;
}

/** if_counters (sFlow v5 counter_data 1), field order of the specification. */
function readIfCounters(
  view: DataView,
  at: number,
  context: DatagramContext,
  agent: AgentState,
  sequence: number,
): InterfaceCounters {
  return {
    receivedMs: context.receivedMs,
    // An agent that sent address type UNKNOWN is known by the UDP source of its datagrams.
    agentAddr: agent.agentAddr !== "" ? agent.agentAddr : context.exporterAddr,
    subAgentId: agent.subAgentId,
    sequence,
    ifIndex: view.getUint32(at),
    ifType: view.getUint32(at + 4),
    ifSpeedBps: readU64(view, at + 8),
    ifDirection: view.getUint32(at + 16),
    ifStatus: view.getUint32(at + 20),
    inOctets: readU64(view, at + 24),
    inUcastPkts: view.getUint32(at + 32),
    inMulticastPkts: view.getUint32(at + 36),
    inBroadcastPkts: view.getUint32(at + 40),
    inDiscards: view.getUint32(at + 44),
    inErrors: view.getUint32(at + 48),
    inUnknownProtos: view.getUint32(at + 52),
    outOctets: readU64(view, at + 56),
    outUcastPkts: view.getUint32(at + 64),
    outMulticastPkts: view.getUint32(at + 68),
    outBroadcastPkts: view.getUint32(at + 72),
    outDiscards: view.getUint32(at + 76),
    outErrors: view.getUint32(at + 80),
    promiscuousMode: view.getUint32(at + 84),
  };
}
