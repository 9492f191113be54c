/**
 * sFlow v5 wire constants (sFlow.org, "sFlow Version 5", July 2004, sflow_version_5.txt). All
 * fields are XDR (RFC 4506): big-endian 32-bit words, opaque data padded to 4 bytes.
 */

export const SFLOW_VERSION = 5;

/** `address_type` of `address` (agent address, next hops): UNKNOWN carries no bytes. */
export const ADDRESS_TYPE = { unknown: 0, ipv4: 1, ipv6: 2 } as const;

/**
 * Bytes of a datagram header after the agent address: sub_agent_id, sequence_number, uptime,
 * and the samples count.
 */
export const DATAGRAM_TAIL_BYTES = 16;
/** version + address type. */
export const DATAGRAM_PREFIX_BYTES = 8;

/**
 * `data_format` = enterprise (top 20 bits) << 12 | format (low 12 bits); enterprise 0 is
 * sflow.org's standard structures.
 */
export const FORMAT_ENTERPRISE_SHIFT = 12;
export const FORMAT_MASK = 0xfff;

/** Sample types of enterprise 0 ("sample_data"). */
export const SAMPLE_TYPE = {
  flow: 1,
  counters: 2,
  flowExpanded: 3,
  countersExpanded: 4,
} as const;

/** Fixed words before the records of each sample type, in bytes. */
export const FLOW_SAMPLE_FIXED_BYTES = 32;
export const FLOW_SAMPLE_EXPANDED_FIXED_BYTES = 44;
export const COUNTERS_SAMPLE_FIXED_BYTES = 12;
export const COUNTERS_SAMPLE_EXPANDED_FIXED_BYTES = 16;

/** Flow record types of enterprise 0 ("flow_data"). */
export const FLOW_RECORD = {
  sampledHeader: 1,
  sampledEthernet: 2,
  sampledIpv4: 3,
  sampledIpv6: 4,
  extendedSwitch: 1001,
  extendedRouter: 1002,
  extendedGateway: 1003,
} as const;

/** sampled_header: header_protocol, frame_length, stripped, header length. */
export const SAMPLED_HEADER_FIXED_BYTES = 16;
/** sampled_ethernet: length, src_mac (opaque[6] padded to 8), dst_mac, type. */
export const SAMPLED_ETHERNET_BYTES = 24;
/** sampled_ipv4: length, protocol, src_ip, dst_ip, src_port, dst_port, tcp_flags, tos. */
export const SAMPLED_IPV4_BYTES = 32;
/** sampled_ipv6: as sampled_ipv4 with 16-byte addresses and priority for tos. */
export const SAMPLED_IPV6_BYTES = 56;
/** extended_switch: src_vlan, src_priority, dst_vlan, dst_priority. */
export const EXTENDED_SWITCH_BYTES = 16;

/** Counter record types of enterprise 0 ("counter_data"). */
export const COUNTER_RECORD = { genericInterface: 1 } as const;
/** if_counters: 19 fields, three of them 64-bit. */
export const IF_COUNTERS_BYTES = 88;

/**
 * Compact interface encoding of flow_sample input/output: the top 2 bits are the format, the
 * low 30 bits its value. Format 0 ifIndex (0x3FFFFFFF: the device itself), 1 packet discarded
 * (value = reason), 2 multiple interfaces (value = count, 0 unknown).
 */
export const INTERFACE_FORMAT = { ifIndex: 0, discarded: 1, multiple: 2 } as const;
export const INTERFACE_VALUE_MASK = 0x3fffffff;
export const INTERFACE_LOCAL_COMPACT = 0x3fffffff;
/** interface_expanded: "0xFFFFFFFF … indicate[s] traffic originating or terminating in device". */
export const INTERFACE_LOCAL_EXPANDED = 0xffffffff;
