/**
 * Classification: turns a decoded flow into a FlowRecord with volumes scaled by the sampling
 * rate, the declared network (and tags) of each end, the direction and the far end's locality.
 *
 * This runs once per flow at collector rate, so it allocates nothing but the record: IPv4 goes
 * through `parseIpv4ToU32` and the trie's `lookupIpv4`, IPv6 through `parseIpv6ToWords` into
 * reused buffers, and matches and tags are the table's shared frozen objects.
 */
import {
  isGlobalUnicastIpv4,
  isGlobalUnicastIpv6,
  parseIpv4ToU32,
  parseIpv6ToWords,
} from "../../core/index.ts";
import type { DecodedFlow, Direction, FlowRecord, Locality, Tags } from "../../core/index.ts";
import { EMPTY_TAGS } from "../../inventory/index.ts";
import type { NetworkMatch, NetworkTable } from "../../inventory/index.ts";
import { directionFromNetworks, farEndIsSource } from "./direction.ts";

export interface Classifier {
  /** Classifies one flow received at `receivedMs` (epoch milliseconds). Never throws. */
  classify(flow: DecodedFlow, receivedMs: number): FlowRecord;
  /** Classifies a batch received together; the result is in the same order. */
  classifyBatch(flows: readonly DecodedFlow[], receivedMs: number): FlowRecord[];
}

export interface ClassifierOptions {
  /**
   * A per-exporter boundary-interface rule (DESIGN.md: "when an exporter's boundary interfaces
   * are declared, direction comes from the interfaces instead"). When it returns a direction,
   * that direction wins and the record says `directionSource: "interface"`; undefined falls back
   * to the networks.
   */
  interfaceDirection?: (flow: DecodedFlow) => Direction | undefined;
}

/** One end of a flow, resolved: its network (if ours) and its parsed address. */
interface End {
  match: NetworkMatch | undefined;
  /** Family of the parsed address, 0 when the text is not an address. */
  version: 0 | 4 | 6;
  ipv4: number;
  /** The IPv6 address as four 32-bit words, reused for every flow. */
  words: Uint32Array;
}

function newEnd(): End {
  return { match: undefined, version: 0, ipv4: 0, words: new Uint32Array(4) };
}

/** Whether a resolved end is a global unicast address (the far end is then "internet"). */
function isGlobalEnd(end: End): boolean {
  if (end.version === 4) return isGlobalUnicastIpv4(end.ipv4);
  if (end.version === 0) return false;
  const words = end.words;
  return isGlobalUnicastIpv6(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
}

export function createClassifier(table: NetworkTable, options: ClassifierOptions = {}): Classifier {
  const interfaceDirection = options.interfaceDirection;
  // Reused per call: classification is synchronous, nothing else can observe them in between.
  const srcEnd = newEnd();
  const dstEnd = newEnd();

  const resolve = (address: string, end: End): void => {
    // Try IPv4 first whatever `ipVersion` says: it fails on the first non-digit, and some
    // exporters write IPv4-mapped addresses of IPv6 records as dotted quads.
    const v4 = parseIpv4ToU32(address);
    if (v4 >= 0) {
      end.version = 4;
      end.ipv4 = v4;
      end.match = table.lookupIpv4(v4);
    } else if (parseIpv6ToWords(address, end.words)) {
      const words = end.words;
      end.version = 6;
      end.match = table.lookupIpv6(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
    } else {
      end.version = 0;
      end.match = undefined;
    }
  };

  const classify = (flow: DecodedFlow, receivedMs: number): FlowRecord => {
    resolve(flow.srcAddr, srcEnd);
    resolve(flow.dstAddr, dstEnd);
    const srcMatch = srcEnd.match;
    const dstMatch = dstEnd.match;
    const fromInterfaces = interfaceDirection?.(flow);
    const direction =
      fromInterfaces ?? directionFromNetworks(srcMatch !== undefined, dstMatch !== undefined);
    const far = farEndIsSource(direction) ? srcEnd : dstEnd;
    const locality: Locality =
      far.match !== undefined ? "on-prem" : isGlobalEnd(far) ? "internet" : "unknown";
    const srcTags: Tags = srcMatch?.tags ?? EMPTY_TAGS;
    const dstTags: Tags = dstMatch?.tags ?? EMPTY_TAGS;
    // An object literal with every field in one order gives every record the same hidden class;
    // a spread of `flow` would not, and would copy whatever extra properties a decoder left.
    return {
      startMs: flow.startMs,
      endMs: flow.endMs,
      exporterAddr: flow.exporterAddr,
      source: flow.source,
      inIf: flow.inIf,
      outIf: flow.outIf,
      ipVersion: flow.ipVersion,
      srcAddr: flow.srcAddr,
      dstAddr: flow.dstAddr,
      srcPort: flow.srcPort,
      dstPort: flow.dstPort,
      protocol: flow.protocol,
      tcpFlags: flow.tcpFlags,
      tos: flow.tos,
      srcAs: flow.srcAs,
      dstAs: flow.dstAs,
      srcMaskLen: flow.srcMaskLen,
      dstMaskLen: flow.dstMaskLen,
      nextHop: flow.nextHop,
      sampledBytes: flow.sampledBytes,
      sampledPackets: flow.sampledPackets,
      samplingRate: flow.samplingRate,
      samplingRateKnown: flow.samplingRateKnown,
      receivedMs,
      bytes: flow.sampledBytes * flow.samplingRate,
      packets: flow.sampledPackets * flow.samplingRate,
      direction,
      directionSource: fromInterfaces === undefined ? "networks" : "interface",
      locality,
      srcNetwork: srcMatch?.name ?? "",
      dstNetwork: dstMatch?.name ?? "",
      srcTags,
      dstTags,
    };
  };

  return {
    classify,
    classifyBatch(flows, receivedMs) {
      const records = new Array<FlowRecord>(flows.length);
      for (let index = 0; index < flows.length; index++) {
        const flow = flows[index];
        if (flow !== undefined) records[index] = classify(flow, receivedMs);
      }
      return records;
    },
  };
}
