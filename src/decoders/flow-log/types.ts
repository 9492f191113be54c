import type { FlowBatch } from "../../core/index.ts";
import type { FlowLogTally } from "./tally.ts";

/**
 * The decoders of cloud flow logs (`aws-vpc/`, `gcp-vpc/`, `azure-flow/`) share two shapes,
 * driven by the importer (`services/import`), which owns files, decompression, splitting into
 * units, batching and resume:
 *
 * - line formats (AWS text, Azure raw tuples): the importer finds line ends and calls
 *   `decodeLine` with the byte range of one line, newline excluded (a trailing `\r` may remain);
 * - JSON formats: the importer splits the stream into JSON values (one per NDJSON line, each
 *   element of a top-level array or of a top-level `records` array, each value of concatenated
 *   JSON) and calls `decodeEntry` with the parsed value.
 *
 * A decoder appends one row per flow direction it finds (`batch.addRow()`), counts rows in
 * `tally.records` and units in `tally.units`, notes every skipped unit with `noteSkip`, and
 * never throws on bad input. Rows it starts and then finds unusable it drops (`dropLastRow`).
 * Every row gets: source, start/end ms, receivedMs (= endMs), ipVersion, addresses, ports,
 * protocol, sampledBytes/Packets with samplingRate 1 known (cloud logs count every packet, or
 * already scale their own sampling), the cloud context (`batch.internCloud`, reusing one
 * object per distinct context), observedAction and flowDirection where the log states them,
 * and anything else worth keeping as `extra` JSON. The exporter address stays all-zero.
 */
export interface LineDecoder {
  decodeLine(
    buffer: Uint8Array,
    start: number,
    end: number,
    line: number,
    batch: FlowBatch,
    tally: FlowLogTally,
  ): void;
}

export interface EntryDecoder {
  /** `line` is the 1-based line the value starts on. */
  decodeEntry(entry: unknown, line: number, batch: FlowBatch, tally: FlowLogTally): void;
}
