/**
 * What a compiled record decoder needs besides the record bytes: the header facts of the
 * message and the sampling rate resolved for the set. One object per template state, refilled
 * per message and per set, so decoding allocates nothing per record.
 */
export interface RecordContext {
  /** Export time of the message, epoch ms (v9 unix_secs, IPFIX Export Time). */
  exportMs: number;
  /** v9 header sysUpTime, ms (wraps at 2^32). */
  sysUptimeMs: number;
  /** IPFIX systemInitTimeMilliseconds learned from options data for this domain; -1 unknown. */
  systemInitMs: number;
  receivedMs: number;
  /** The exporter address as four words (row 0), copied into every row. */
  exporterWords: Uint32Array;
  /** flowSourceIndex of the protocol. */
  source: number;
  /** v9 source id or IPFIX observation domain. */
  domain: number;
  /** Rate for records that carry no sampling IE of their own (options, config, or 1). */
  samplingRate: number;
  /** 1 when `samplingRate` came from the export or the configuration. */
  samplingKnown: number;
  /** Rate learned from options data for a sampler/selector id of this domain; 0 when unknown. */
  samplerRate: (samplerId: number) => number;
}

/** Values an options record can teach: reused across records (no allocation). */
export interface OptionsValues {
  /** Sampler id (IE 48) or selector id (IE 302); -1 when the record has none. */
  samplerId: number;
  /** 1-in-N rate the record states (IEs 34, 50, 305+306); 0 when none. */
  rate: number;
  /** systemInitTimeMilliseconds (IE 160); -1 when absent. */
  systemInitMs: number;
  /**
   * The interface an interface-table record describes: ingressInterface (IE 10), else
   * egressInterface (IE 14), as scope or plain field, or a v9 "Interface" scope (type 2,
   * RFC 3954 §6.1); -1 when absent.
   */
  ifIndex: number;
  /** interfaceName (IE 82): offset of its bytes in the view and their count; -1 when absent. */
  nameAt: number;
  nameBytes: number;
  /** interfaceDescription (IE 83), as `nameAt`/`nameBytes`. */
  descriptionAt: number;
  descriptionBytes: number;
}
