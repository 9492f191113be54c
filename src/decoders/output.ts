import type { DecodeIssue, FlowBatch, InterfaceCounters } from "../core/index.ts";

/** What the receiver knows about one datagram when it hands it to a decoder. */
export interface DatagramContext {
  /** UDP (or TCP) source address of the export, canonical text: the key of exporter state. */
  exporterAddr: string;
  /** The same address as four words (see core/address-words.ts), copied into every row. */
  exporterWords: Uint32Array;
  /** When the collector received the datagram, epoch milliseconds. */
  receivedMs: number;
}

/**
 * Where decoders put what they find. Flows go into a columnar batch (no per-record objects on
 * the hot path), sFlow counter samples into their own list, problems into `issues`: decoders
 * never throw on input.
 */
export interface DecodeOutput {
  flows: FlowBatch;
  counters: InterfaceCounters[];
  issues: DecodeIssue[];
}
