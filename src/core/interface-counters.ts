/**
 * One interface counter sample (sFlow v5 `counters_sample`, generic interface counters,
 * sFlow v5 specification §5 "if_counters"): what the device counted on one interface, stored
 * apart from flows so flow volumes can be reconciled with interface counters.
 */
export interface InterfaceCounters {
  /** When the collector received the datagram, epoch milliseconds. */
  receivedMs: number;
  /** Device that exported the sample (sFlow agent address). */
  agentAddr: string;
  /** sFlow sub-agent id. */
  subAgentId: number;
  /** Sequence number of the counter sample. */
  sequence: number;
  /** SNMP ifIndex. */
  ifIndex: number;
  ifType: number;
  /** Interface speed, bits per second. */
  ifSpeedBps: number;
  /** ifDirection: 0 unknown, 1 full-duplex, 2 half-duplex, 3 in, 4 out. */
  ifDirection: number;
  /** ifStatus bit field: bit 0 admin up, bit 1 oper up. */
  ifStatus: number;
  inOctets: number;
  inUcastPkts: number;
  inMulticastPkts: number;
  inBroadcastPkts: number;
  inDiscards: number;
  inErrors: number;
  inUnknownProtos: number;
  outOctets: number;
  outUcastPkts: number;
  outMulticastPkts: number;
  outBroadcastPkts: number;
  outDiscards: number;
  outErrors: number;
  promiscuousMode: number;
}
