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

/** One end of a flow, resolved: its network (if ours) and whether it is global unicast. */
interface End {
  match: NetworkMatch | undefined;
  globalUnicast: boolean;
}

export function createClassifier(table: NetworkTable, options: ClassifierOptions = {}): Classifier {
  const interfaceDirection = options.interfaceDirection;
  // Reused per call: classification is synchronous, nothing else can observe them in between.
  const words = new Uint32Array(4);
  const srcEnd: End = { match: undefined, globalUnicast: false };
  const dstEnd: End = { match: undefined, globalUnicast: false };

  const resolve = (address: string, end: End): void => {
    // Try IPv4 first whatever `ipVersion` says: it fails on the first non-digit, and some
    // exporters write IPv4-mapped addresses of IPv6 records as dotted quads.
    const v4 = parseIpv4ToU32(address);
    if (v4 >= 0) {
      end.match = table.lookupIpv4(v4);
      end.globalUnicast = isGlobalUnicastIpv4(v4);
    } else if (parseIpv6ToWords(address, words)) {
      const w0 = words[0] ?? 0;
      const w1 = words[1] ?? 0;
      const w2 = words[2] ?? 0;
      const w3 = words[3] ?? 0;
      end.match = table.lookupIpv6(w0, w1, w2, w3);
      end.globalUnicast = isGlobalUnicastIpv6(w0, w1, w2, w3);
    } else {
      end.match = undefined;
      end.globalUnicast = false;
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
      far.match !== undefined ? "on-prem" : far.globalUnicast ? "internet" : "unknown";
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
