import {
  cloudContextKey,
  FLOW_DIRECTION_EGRESS,
  FLOW_DIRECTION_INGRESS,
  IPV4_MAPPED_WORD1,
  isGlobalUnicastIpv4,
  isGlobalUnicastIpv6,
  wordsToText,
  type CloudContext,
  type FlowBatch,
} from "../../core/index.ts";

/** Traffic seen at one address of a cloud interface. */
export interface AddressTraffic {
  flows: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
}

/** The near-end addresses of one observation point (a cloud interface), with traffic. */
export interface InterfaceEndpoints {
  context: CloudContext;
  addresses: Map<string, AddressTraffic>;
}

export interface NearEnds {
  interfaces: InterfaceEndpoints[];
  /** Records of no stated direction whose two ends are both global (no near end to tell). */
  bothGlobal: number;
  /** Records of no stated direction, both ends private, neither known as the interface's. */
  unresolved: number;
}

/**
 * Collects, from cloud flow-log records, the addresses of the interfaces that logged them:
 * the "near end". The rule (docs/36-reclassify-and-suggest.md):
 *
 * 1. When the log states the direction (IE 61 semantics: AWS `flow-direction`, GCP
 *    `reporter`, Azure's flow direction), the interface's address is the source of an egress
 *    record and the destination of an ingress one.
 * 2. When it does not (AWS's default v2 format), a record whose one end is global unicast and
 *    the other is not has its near end at the one that is not: interfaces in a VPC hold private
 *    addresses, and what they talk to on the internet is public.
 * 3. When both ends are private (VPC to VPC, or on-premises), the near end is whichever end is
 *    already known as the same interface's address from rules 1 and 2; when neither or both are,
 *    the record is counted as unresolved and gives no address. Both ends public: counted too.
 *
 * Memory: one entry per distinct (interface, near address), plus one per distinct private pair
 * waiting for rule 3.
 */
export function createNearEndCollector(): {
  add(batch: FlowBatch): void;
  result(): NearEnds;
} {
  const byInterface = new Map<string, InterfaceEndpoints>();
  const interfaceOfContext = new Map<CloudContext, InterfaceEndpoints>();
  // Rule 3 candidates: interface → "src|dst" → traffic, resolved at the end.
  const pending = new Map<InterfaceEndpoints, Map<string, AddressTraffic>>();
  let bothGlobal = 0;

  const endpointsOf = (context: CloudContext): InterfaceEndpoints => {
    let endpoints = interfaceOfContext.get(context);
    if (endpoints === undefined) {
      const key = cloudContextKey(context);
      endpoints = byInterface.get(key);
      if (endpoints === undefined) {
        endpoints = { context, addresses: new Map() };
        byInterface.set(key, endpoints);
      }
      interfaceOfContext.set(context, endpoints);
    }
    return endpoints;
  };

  const count = (
    into: Map<string, AddressTraffic>,
    key: string,
    bytes: number,
    endMs: number,
  ): void => {
    const known = into.get(key);
    if (known === undefined) {
      into.set(key, { flows: 1, bytes, firstMs: endMs, lastMs: endMs });
      return;
    }
    known.flows++;
    known.bytes += bytes;
    if (endMs < known.firstMs) known.firstMs = endMs;
    if (endMs > known.lastMs) known.lastMs = endMs;
  };

  const isGlobal = (words: Uint32Array, base: number): boolean => {
    const w0 = words[base] ?? 0;
    const w1 = words[base + 1] ?? 0;
    const w2 = words[base + 2] ?? 0;
    const w3 = words[base + 3] ?? 0;
    if (w1 === IPV4_MAPPED_WORD1 && w2 === 0 && w3 === 0) return isGlobalUnicastIpv4(w0);
    return isGlobalUnicastIpv6(w3, w2, w1, w0);
  };

  return {
    add(batch) {
      for (let row = 0; row < batch.length; row++) {
        const cloud = batch.cloud[row] ?? 0;
        const context = cloud === 0 ? undefined : batch.clouds[cloud - 1];
        if (context === undefined) continue;
        const endpoints = endpointsOf(context);
        const bytes = batch.bytes[row] ?? 0;
        const endMs = batch.endMs[row] ?? 0;
        const direction = batch.flowDirection[row];
        if (direction === FLOW_DIRECTION_EGRESS) {
          count(endpoints.addresses, wordsToText(batch.srcAddr, row), bytes, endMs);
          continue;
        }
        if (direction === FLOW_DIRECTION_INGRESS) {
          count(endpoints.addresses, wordsToText(batch.dstAddr, row), bytes, endMs);
          continue;
        }
        const srcGlobal = isGlobal(batch.srcAddr, row * 4);
        const dstGlobal = isGlobal(batch.dstAddr, row * 4);
        if (srcGlobal && dstGlobal) {
          bothGlobal++;
        } else if (srcGlobal !== dstGlobal) {
          const near = srcGlobal ? batch.dstAddr : batch.srcAddr;
          count(endpoints.addresses, wordsToText(near, row), bytes, endMs);
        } else {
          let pairs = pending.get(endpoints);
          if (pairs === undefined) {
            pairs = new Map();
            pending.set(endpoints, pairs);
          }
          const pair = `${wordsToText(batch.srcAddr, row)}|${wordsToText(batch.dstAddr, row)}`;
          count(pairs, pair, bytes, endMs);
        }
      }
    },
    result() {
      let unresolved = 0;
      for (const [endpoints, pairs] of pending) {
        const known = new Set(endpoints.addresses.keys());
        for (const [pair, traffic] of pairs) {
          const [src = "", dst = ""] = pair.split("|");
          const srcKnown = known.has(src);
          if (srcKnown === known.has(dst)) {
            unresolved += traffic.flows;
            continue;
          }
          const near = srcKnown ? src : dst;
          const into = endpoints.addresses.get(near);
          if (into === undefined) continue;
          into.flows += traffic.flows;
          into.bytes += traffic.bytes;
          into.firstMs = Math.min(into.firstMs, traffic.firstMs);
          into.lastMs = Math.max(into.lastMs, traffic.lastMs);
        }
      }
      pending.clear();
      return { interfaces: [...byInterface.values()], bothGlobal, unresolved };
    },
  };
}
