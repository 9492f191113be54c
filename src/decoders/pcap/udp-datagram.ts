/** One UDP datagram taken out of a captured frame. */
export interface UdpDatagram {
  /** Capture time of the frame, epoch milliseconds (floored). */
  timestampMs: number;
  /** Canonical address text (dotted IPv4, RFC 5952 IPv6). */
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  /**
   * The UDP payload, exactly the UDP length field's bytes (Ethernet padding excluded). A view
   * into the chunk pushed into the reader, not a copy: do not reuse chunk buffers.
   */
  payload: Uint8Array;
}
