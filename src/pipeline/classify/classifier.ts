/**
 * Classification: fills a FlowBatch's pipeline columns in place: volumes scaled by the
 * sampling rate, the declared network of each end, the direction and the far end's locality.
 *
 * This runs once per flow at collector rate, on the batch's address words: an IPv4 address
 * (IPv4-mapped form) goes to the trie's `lookupIpv4`, anything else to `lookupIpv6`. Nothing is
 * parsed and nothing is allocated per flow. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, as
 * some exporters write IPv4 flows in IPv6 fields) therefore match the IPv4 networks.
 */
import {
  DIRECTIONS,
  DIRECTION_SOURCES,
  FlowBatch,
  LOCALITIES,
  isGlobalUnicastIpv4,
  isGlobalUnicastIpv6,
  IPV4_MAPPED_WORD1,
} from "../../core/index.ts";
import type { DecodedFlow, Direction, FlowRecord, Locality } from "../../core/index.ts";
import type { NetworkMatch, NetworkTable } from "../../inventory/index.ts";
import type { NetworkRef } from "../../storage/index.ts";
import { directionFromNetworks, farEndIsSource } from "./direction.ts";

export interface Classifier {
  /** Classifies rows `from` to `to` (exclusive) of `batch`, received at `receivedMs`. */
  classifyRows(batch: FlowBatch, from: number, to: number, receivedMs: number): void;
  /**
   * The networks the batch's network indexes refer to (index i + 1 ↔ `networks[i]`). The array
   * only grows, as new networks are first matched; it is the same array object throughout.
   */
  readonly networks: readonly NetworkRef[];
  /** One flow as an object: for tests and tools, not the hot path. */
  classify(flow: DecodedFlow, receivedMs: number): FlowRecord;
}

export interface ClassifierOptions {
  /**
   * A per-exporter boundary-interface rule (DESIGN.md: "when an exporter's boundary interfaces
   * are declared, direction comes from the interfaces instead"). When it returns a direction,
   * that direction wins and the record says `directionSource: "interface"`; undefined falls back
   * to the networks.
   */
  interfaceDirection?: (batch: FlowBatch, row: number) => Direction | undefined;
}

const DIRECTION_INDEX = new Map<Direction, number>(DIRECTIONS.map((name, index) => [name, index]));
const SOURCE_NETWORKS = DIRECTION_SOURCES.indexOf("networks");
const SOURCE_INTERFACE = DIRECTION_SOURCES.indexOf("interface");
const LOCALITY_INDEX = new Map<Locality, number>(LOCALITIES.map((name, index) => [name, index]));
const ON_PREM = LOCALITY_INDEX.get("on-prem") ?? 0;
const INTERNET = LOCALITY_INDEX.get("internet") ?? 0;
const UNKNOWN_LOCALITY = LOCALITY_INDEX.get("unknown") ?? 0;

export function createClassifier(table: NetworkTable, options: ClassifierOptions = {}): Classifier {
  const interfaceDirection = options.interfaceDirection;
  const networks: NetworkRef[] = [];
  const indexOfMatch = new Map<NetworkMatch, number>();
  // The name/tags pair, not the match, is what a stored network is: two prefixes of one
  // network give two matches (their `prefix` differs) but one network index.
  const indexOfNetwork = new Map<string, number>();

  const networkIndex = (match: NetworkMatch | undefined): number => {
    if (match === undefined) return 0;
    let index = indexOfMatch.get(match);
    if (index === undefined) {
      const key = JSON.stringify([match.name, match.tags]);
      index = indexOfNetwork.get(key);
      if (index === undefined) {
        networks.push({ name: match.name, tags: match.tags });
        index = networks.length;
        indexOfNetwork.set(key, index);
      }
      indexOfMatch.set(match, index);
    }
    return index;
  };

  const lookup = (words: Uint32Array, base: number): NetworkMatch | undefined => {
    const w0 = words[base] ?? 0;
    const w1 = words[base + 1] ?? 0;
    const w2 = words[base + 2] ?? 0;
    const w3 = words[base + 3] ?? 0;
    if (w1 === IPV4_MAPPED_WORD1 && w2 === 0 && w3 === 0) return table.lookupIpv4(w0);
    // lookupIpv6 takes the most significant word first.
    return table.lookupIpv6(w3, w2, w1, w0);
  };

  const isGlobal = (words: Uint32Array, base: number): boolean => {
    const w0 = words[base] ?? 0;
    const w1 = words[base + 1] ?? 0;
    const w2 = words[base + 2] ?? 0;
    const w3 = words[base + 3] ?? 0;
    if (w1 === IPV4_MAPPED_WORD1 && w2 === 0 && w3 === 0) return isGlobalUnicastIpv4(w0);
    return isGlobalUnicastIpv6(w3, w2, w1, w0);
  };

  const classifyRows = (batch: FlowBatch, from: number, to: number, receivedMs: number): void => {
    const { srcAddr, dstAddr, sampledBytes, sampledPackets, samplingRate } = batch;
    for (let row = from; row < to; row++) {
      const base = row * 4;
      const srcMatch = lookup(srcAddr, base);
      const dstMatch = lookup(dstAddr, base);
      const fromInterfaces = interfaceDirection?.(batch, row);
      const direction =
        fromInterfaces ?? directionFromNetworks(srcMatch !== undefined, dstMatch !== undefined);
      const farIsSource = farEndIsSource(direction);
      const farMatch = farIsSource ? srcMatch : dstMatch;
      batch.locality[row] =
        farMatch !== undefined
          ? ON_PREM
          : isGlobal(farIsSource ? srcAddr : dstAddr, base)
            ? INTERNET
            : UNKNOWN_LOCALITY;
      batch.direction[row] = DIRECTION_INDEX.get(direction) ?? 0;
      batch.directionSource[row] =
        fromInterfaces === undefined ? SOURCE_NETWORKS : SOURCE_INTERFACE;
      batch.srcNetwork[row] = networkIndex(srcMatch);
      batch.dstNetwork[row] = networkIndex(dstMatch);
      const rate = samplingRate[row] ?? 1;
      batch.bytes[row] = (sampledBytes[row] ?? 0) * rate;
      batch.packets[row] = (sampledPackets[row] ?? 0) * rate;
      batch.receivedMs[row] = receivedMs;
    }
  };

  const single = new FlowBatch(1);
  return {
    classifyRows,
    networks,
    classify(flow, receivedMs) {
      single.clear();
      single.appendDecoded(flow);
      classifyRows(single, 0, 1, receivedMs);
      return single.record(0, networks);
    },
  };
}
