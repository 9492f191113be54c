/**
 * Information Element numbers the decoders map to FlowBatch columns (IANA "IPFIX Information
 * Elements" registry, RFC 7012 §4; NetFlow v9 field types are the same numbers below 128,
 * RFC 3954 §8). Enterprise-specific IEs carry a Private Enterprise Number (RFC 7011 §3.2).
 */
export const IE = {
  octetDeltaCount: 1,
  packetDeltaCount: 2,
  protocolIdentifier: 4,
  ipClassOfService: 5,
  tcpControlBits: 6,
  sourceTransportPort: 7,
  sourceIPv4Address: 8,
  sourceIPv4PrefixLength: 9,
  ingressInterface: 10,
  destinationTransportPort: 11,
  destinationIPv4Address: 12,
  destinationIPv4PrefixLength: 13,
  egressInterface: 14,
  ipNextHopIPv4Address: 15,
  bgpSourceAsNumber: 16,
  bgpDestinationAsNumber: 17,
  bgpNextHopIPv4Address: 18,
  /** v9 LAST_SWITCHED / IPFIX flowEndSysUpTime (ms of exporter uptime). */
  flowEndSysUpTime: 21,
  /** v9 FIRST_SWITCHED / IPFIX flowStartSysUpTime. */
  flowStartSysUpTime: 22,
  /** v9 OUT_BYTES / IPFIX postOctetDeltaCount. */
  postOctetDeltaCount: 23,
  /** v9 OUT_PKTS / IPFIX postPacketDeltaCount. */
  postPacketDeltaCount: 24,
  sourceIPv6Address: 27,
  destinationIPv6Address: 28,
  sourceIPv6PrefixLength: 29,
  destinationIPv6PrefixLength: 30,
  icmpTypeCodeIPv4: 32,
  /** v9 SAMPLING_INTERVAL. */
  samplingInterval: 34,
  samplingAlgorithm: 35,
  /** v9 FLOW_SAMPLER_ID. */
  samplerId: 48,
  samplerMode: 49,
  /** v9 FLOW_SAMPLER_RANDOM_INTERVAL. */
  samplerRandomInterval: 50,
  flowDirection: 61,
  ipNextHopIPv6Address: 62,
  bgpNextHopIPv6Address: 63,
  /** Interface table options (RFC 7012 / IANA): strings, NUL-padded by Cisco. */
  interfaceName: 82,
  interfaceDescription: 83,
  octetTotalCount: 85,
  packetTotalCount: 86,
  icmpTypeCodeIPv6: 139,
  flowStartSeconds: 150,
  flowEndSeconds: 151,
  flowStartMilliseconds: 152,
  flowEndMilliseconds: 153,
  flowStartMicroseconds: 154,
  flowEndMicroseconds: 155,
  flowStartNanoseconds: 156,
  flowEndNanoseconds: 157,
  flowStartDeltaMicroseconds: 158,
  flowEndDeltaMicroseconds: 159,
  systemInitTimeMilliseconds: 160,
  postNATSourceIPv4Address: 225,
  postNATDestinationIPv4Address: 226,
  postNAPTSourceTransportPort: 227,
  postNAPTDestinationTransportPort: 228,
  /** Cisco NSEL initiator/responder counters (IANA 231, 298), a last-resort volume. */
  initiatorOctets: 231,
  initiatorPackets: 298,
  ingressVRFID: 234,
  egressVRFID: 235,
  ingressPhysicalInterface: 252,
  egressPhysicalInterface: 253,
  postNATSourceIPv6Address: 281,
  postNATDestinationIPv6Address: 282,
  selectorId: 302,
  samplingPacketInterval: 305,
  samplingPacketSpace: 306,
  /** Random n-out-of-N sampling (selectorAlgorithm 3): n and N (RFC 5477 §8.2.3–8.2.4). */
  samplingSize: 309,
  samplingPopulation: 310,
  observationTimeMilliseconds: 323,
} as const;

/** RFC 5103 §6.1: reverse IEs are PEN 29305 with the forward IE's number. */
export const REVERSE_PEN = 29305;

/** Length 65535 in a template marks a variable-length field (RFC 7011 §7, RFC 3954 as used by H3C). */
export const VARIABLE_LENGTH = 0xffff;

/** Forward IE names used to name the reverse IEs kept in `extra` ("reverse" + Name, RFC 5103 §6.1). */
const FORWARD_NAMES: Readonly<Record<number, string>> = {
  1: "OctetDeltaCount",
  2: "PacketDeltaCount",
  4: "ProtocolIdentifier",
  5: "IpClassOfService",
  6: "TcpControlBits",
  85: "OctetTotalCount",
  86: "PacketTotalCount",
  136: "FlowEndReason",
  152: "FlowStartMilliseconds",
  153: "FlowEndMilliseconds",
  154: "FlowStartMicroseconds",
  155: "FlowEndMicroseconds",
  158: "FlowStartDeltaMicroseconds",
  159: "FlowEndDeltaMicroseconds",
  161: "FlowDurationMilliseconds",
  210: "PaddingOctets",
};

/**
 * Names of a few enterprise IEs, as their vendors or widely used decoders document them:
 * CERT YAF (PEN 6871, YAF "yafApplicationLabel"/"silkAppLabel" = 33), Juniper (PEN 2636,
 * commonPropertiesId = 137, akvorado juniper-cpid fixture), VMware vDS (PEN 6876, 880–889,
 * logstash-codec-netflow ipfix.yaml), ntop nProbe (PEN 35632, 57590 L7_PROTO). Unknown ones
 * are keyed "<pen>.<id>".
 */
const ENTERPRISE_NAMES: Readonly<Record<string, string>> = {
  "6871.33": "silkAppLabel",
  "2636.137": "juniperCommonPropertiesId",
  "6876.880": "tenantProtocol",
  "6876.881": "tenantSourceIPv4",
  "6876.882": "tenantDestIPv4",
  "6876.883": "tenantSourceIPv6",
  "6876.884": "tenantDestIPv6",
  "6876.886": "tenantSourcePort",
  "6876.887": "tenantDestPort",
  "6876.888": "egressInterfaceAttr",
  "6876.889": "vxlanExportRole",
  "6876.890": "ingressInterfaceAttr",
  "35632.57590": "ntopL7Proto",
};

/** The `extra` key of an enterprise IE: a known name or "<pen>.<id>". */
export function enterpriseKey(enterprise: number, id: number): string {
  if (enterprise === REVERSE_PEN) {
    const forward = FORWARD_NAMES[id];
    return forward === undefined ? `${enterprise}.${id}` : `reverse${forward}`;
  }
  const key = `${enterprise}.${id}`;
  return ENTERPRISE_NAMES[key] ?? key;
}
