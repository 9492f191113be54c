import type { DecodedFlow } from "../../../core/index.ts";
import { iso } from "./corpus.ts";
import type { FieldMap } from "./corpus.ts";

/** Shared by both maps: optional columns read as their neutral value when absent. */
const nat = {
  srcAddr: (flow: DecodedFlow) => flow.postNatSrcAddr ?? "0.0.0.0",
  dstAddr: (flow: DecodedFlow) => flow.postNatDstAddr ?? "0.0.0.0",
};

/**
 * logstash-codec-netflow v9 names → our columns. Its v9 first/last_switched are one second
 * late (checked against tshark's raw SysUptime/CurrentSecs/StartTime on
 * ls-softflowd-nf9-valid01: 1444331070 − (45.076 − 1.216) s = 19:03:46.140, logstash says
 * 19:03:47.140), so the times are compared with that second added.
 */
export const LOGSTASH_V9_FIELDS: FieldMap = {
  ipv4_src_addr: (flow) => flow.srcAddr,
  ipv4_dst_addr: (flow) => flow.dstAddr,
  l4_src_port: (flow) => flow.srcPort,
  l4_dst_port: (flow) => flow.dstPort,
  protocol: (flow) => flow.protocol,
  in_bytes: (flow) => flow.sampledBytes,
  in_pkts: (flow) => flow.sampledPackets,
  input_snmp: (flow) => flow.inIf,
  output_snmp: (flow) => flow.outIf,
  src_tos: (flow) => flow.tos,
  tcp_flags: (flow) => flow.tcpFlags,
  src_mask: (flow) => flow.srcMaskLen,
  dst_mask: (flow) => flow.dstMaskLen,
  ipv4_next_hop: (flow) => (flow.nextHop === "" ? "0.0.0.0" : flow.nextHop),
  src_as: (flow) => flow.srcAs,
  dst_as: (flow) => flow.dstAs,
  first_switched: (flow) => iso(flow.startMs + 1000),
  last_switched: (flow) => iso(flow.endMs + 1000),
  ingressVRFID: (flow) => flow.inVrf ?? 0,
  egressVRFID: (flow) => flow.outVrf ?? 0,
  xlate_src_addr_ipv4: nat.srcAddr,
  xlate_dst_addr_ipv4: nat.dstAddr,
  xlate_src_port: (flow) => flow.postNatSrcPort ?? 0,
  xlate_dst_port: (flow) => flow.postNatDstPort ?? 0,
};

/** logstash IPFIX names (IANA IE names) → our columns. */
export const LOGSTASH_IPFIX_FIELDS: FieldMap = {
  sourceIPv4Address: (flow) => (flow.ipVersion === 4 ? flow.srcAddr : "0.0.0.0"),
  destinationIPv4Address: (flow) => (flow.ipVersion === 4 ? flow.dstAddr : "0.0.0.0"),
  // Dual-family templates (Procera) carry both; we keep the family in use, logstash both.
  sourceIPv6Address: (flow) => (flow.ipVersion === 6 ? flow.srcAddr : "::"),
  destinationIPv6Address: (flow) => (flow.ipVersion === 6 ? flow.dstAddr : "::"),
  sourceTransportPort: (flow) => flow.srcPort,
  destinationTransportPort: (flow) => flow.dstPort,
  protocolIdentifier: (flow) => flow.protocol,
  octetDeltaCount: (flow) => flow.sampledBytes,
  packetDeltaCount: (flow) => flow.sampledPackets,
  ingressInterface: (flow) => flow.inIf,
  egressInterface: (flow) => flow.outIf,
  tcpControlBits: (flow) => flow.tcpFlags,
  ipClassOfService: (flow) => flow.tos,
  flowStartMilliseconds: (flow) => iso(flow.startMs),
  flowEndMilliseconds: (flow) => iso(flow.endMs),
  bgpSourceAsNumber: (flow) => flow.srcAs,
  bgpDestinationAsNumber: (flow) => flow.dstAs,
  ipNextHopIPv4Address: (flow) => (flow.nextHop === "" ? "0.0.0.0" : flow.nextHop),
};
