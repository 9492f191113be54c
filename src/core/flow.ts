import type { CloudContext, ObservedAction } from "./cloud.ts";
import type { Direction, DirectionSource } from "./direction.ts";
import type { Locality } from "./locality.ts";

/** Which decoder produced a record. Later protocols extend this list. */
export const FLOW_SOURCES = [
  "netflow5",
  "netflow9",
  "ipfix",
  "sflow",
  "demo",
  "aws-vpc",
  "gcp-vpc",
  "azure-flow",
] as const;
export type FlowSource = (typeof FLOW_SOURCES)[number];

/** Free tags of a network (team, service, env, cost-center…): string keys to string values. */
export type Tags = Readonly<Record<string, string>>;

/**
 * What a decoder knows about one observed flow, before the pipeline adds anything.
 *
 * Addresses are canonical text (`192.0.2.1`, `2001:db8::1`: RFC 5952 form for IPv6); the
 * storage adapters convert them to their compact column types. Counters are plain numbers:
 * 2^53 bytes is 9 PB, more than any single flow record can carry.
 */
export interface DecodedFlow {
  /** Flow window start and end, epoch milliseconds (UTC). */
  startMs: number;
  endMs: number;
  /**
   * Address of the device that exported the record (the UDP source of the datagram); the
   * all-zero address `::` for cloud flow logs, whose observation point is `cloud`.
   */
  exporterAddr: string;
  source: FlowSource;
  /** SNMP ifIndex of the input and output interfaces, 0 when unknown. */
  inIf: number;
  outIf: number;
  ipVersion: 4 | 6;
  srcAddr: string;
  dstAddr: string;
  /** 0 when the protocol has no ports. */
  srcPort: number;
  dstPort: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP…). */
  protocol: number;
  /** Cumulative OR of TCP flags, 0 when not TCP or unknown. */
  tcpFlags: number;
  tos: number;
  srcAs: number;
  dstAs: number;
  srcMaskLen: number;
  dstMaskLen: number;
  /** Next hop address as text; the all-zero address when the exporter sent none (as tshark shows it). */
  nextHop: string;
  /** Bytes and packets as the exporter counted them (before sampling is undone). */
  sampledBytes: number;
  sampledPackets: number;
  /** 1-in-N packet sampling rate; 1 when unsampled or unknown (see `samplingRateKnown`). */
  samplingRate: number;
  /** False when no sampling rate was known and 1 was assumed: stored, flagged, never dropped. */
  samplingRateKnown: boolean;
  /** NetFlow v9 source id, IPFIX observation domain id, sFlow sub-agent id; 0 when none. */
  observationDomain?: number;
  /** IPFIX IE 61 as the exporter stated it: 0 ingress, 1 egress, 255 not stated. */
  flowDirection?: number;
  /** Post-NAT addresses and ports (IEs 225–228, 281–282); "" / 0 when absent. */
  postNatSrcAddr?: string;
  postNatDstAddr?: string;
  postNatSrcPort?: number;
  postNatDstPort?: number;
  /** ingressVRFID / egressVRFID (IEs 234/235); 0 when absent. */
  inVrf?: number;
  outVrf?: number;
  /** Cloud flow logs: the interface that logged the flow and what holds it. */
  cloud?: CloudContext;
  /** Cloud flow logs: what the cloud did (AWS ACCEPT/REJECT, Azure A/D), an observed fact. */
  observedAction?: ObservedAction;
  /** Fields without a column: enterprise-specific IEs keyed `<pen>.<id>` or by known name. */
  extra?: Record<string, unknown>;
}

/**
 * One observed flow as stored: the decoded facts, the volumes scaled by the sampling rate, and
 * what the pipeline decided (direction, locality, networks and their tags).
 */
export interface FlowRecord extends DecodedFlow {
  /** When the collector received the record, epoch milliseconds. */
  receivedMs: number;
  /** `sampledBytes × samplingRate`, `sampledPackets × samplingRate`. */
  bytes: number;
  packets: number;
  direction: Direction;
  directionSource: DirectionSource;
  locality: Locality;
  /** Name of the most specific declared network holding each address, empty when none. */
  srcNetwork: string;
  dstNetwork: string;
  srcTags: Tags;
  dstTags: Tags;
  /** ISO 3166-1 alpha-2 country of each end (address registry), "" when unknown. */
  srcCountry: string;
  dstCountry: string;
}
