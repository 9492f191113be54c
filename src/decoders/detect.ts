/** Flow protocols told apart by their version field. */
export const FLOW_PROTOCOLS = ["netflow5", "netflow9", "ipfix", "sflow5", "unknown"] as const;
export type FlowProtocol = (typeof FLOW_PROTOCOLS)[number];

/**
 * Names the flow protocol of a UDP payload from its version field, never from the port: real
 * captures carry NetFlow on sFlow's port and the reverse (corpus MANIFEST, "How to use").
 *
 * NetFlow v5/v9 and IPFIX start with a 16-bit version (5, 9, 10: RFC 3954 §5.1, RFC 7011 §3.1).
 * sFlow v5 starts with a 32-bit version 5 followed by the agent address type, 1 (IPv4) or 2
 * (IPv6) (sFlow v5 specification, "sample_datagram_v5"); its first 16 bits are 0, so the two
 * families never collide.
 */
export function detectFlowProtocol(payload: Uint8Array): FlowProtocol {
  if (payload.byteLength < 2) return "unknown";
  const version16 = ((payload[0] ?? 0) << 8) | (payload[1] ?? 0);
  if (version16 === 5) return "netflow5";
  if (version16 === 9) return "netflow9";
  if (version16 === 10) return "ipfix";
  if (version16 === 0 && payload.byteLength >= 8) {
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const addressType = view.getUint32(4);
    if (view.getUint32(0) === 5 && (addressType === 1 || addressType === 2)) return "sflow5";
  }
  return "unknown";
}
