/**
 * Classification and enrichment: fills a FlowBatch's pipeline columns in place: volumes scaled
 * by the sampling rate, the network of each end (declared, or the cloud range holding it), the
 * direction (from boundary interfaces when the exporter declares them, else from the networks),
 * the far end's locality, each end's country, and each end's AS when the exporter gave none.
 *
 * This runs once per flow at collector rate, on the batch's address words: an IPv4 address
 * (IPv4-mapped form) goes to the tables' `lookupIpv4`, anything else to `lookupIpv6`. Nothing is
 * parsed and nothing is allocated per flow; locality decisions are cached per (near place, far
 * end) pair, both of which are shared, interned objects. IPv4-mapped IPv6 addresses
 * (`::ffff:a.b.c.d`, as some exporters write IPv4 flows in IPv6 fields) match IPv4 networks.
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
import type { CloudContext, DecodedFlow, Direction, FlowRecord } from "../../core/index.ts";
import {
  EMPTY_ATTRIBUTES,
  EMPTY_TAGS,
  buildExporterTable,
  decideLocality,
  type CloudRangeLike,
  type ExporterTable,
  type Inventory,
  type NetworkMatch,
  type NetworkTable,
  type Place,
  type RegistryEntryLike,
} from "../../inventory/index.ts";
import type { NetworkRef } from "../../storage/index.ts";
import { directionFromInterfaces, directionFromNetworks, farEndIsSource } from "./direction.ts";

export interface Classifier {
  /** Classifies rows `from` to `to` (exclusive) of `batch`, received at `receivedMs`. */
  classifyRows(batch: FlowBatch, from: number, to: number, receivedMs: number): void;
  /**
   * The networks the batch's network indexes refer to (index i + 1 ↔ `networks[i]`). The array
   * only grows, as new networks are first matched; it is the same array object throughout.
   */
  readonly networks: readonly NetworkRef[];
  /** The snapshot rows are classified against now. */
  readonly inventory: Inventory;
  /** Swaps the snapshot: rows classified from now on use it (hot reload). */
  setInventory(inventory: Inventory): void;
  /** One flow as an object: for tests and tools, not the hot path. */
  classify(flow: DecodedFlow, receivedMs: number): FlowRecord;
}

const NO_EXPORTERS: ExporterTable = (() => {
  const result = buildExporterTable([]);
  if (!result.ok) throw new Error("an empty exporter table cannot fail");
  return result.table;
})();

/** A snapshot with only networks: for tests, tools and the simplest configuration. */
export function networksOnly(networks: NetworkTable): Inventory {
  return { networks, exporters: NO_EXPORTERS, cloudRanges: undefined, registry: undefined };
}

const DIRECTION_INDEX = new Map<Direction, number>(DIRECTIONS.map((name, index) => [name, index]));
const SOURCE_NETWORKS = DIRECTION_SOURCES.indexOf("networks");
const SOURCE_INTERFACE = DIRECTION_SOURCES.indexOf("interface");
const LOCALITY_INDEX = new Map<string, number>(LOCALITIES.map((name, index) => [name, index]));

/** Far ends outside the inventory and every cloud range, by whether they are public. */
const PUBLIC_FAR = Object.freeze({ kind: "public" });
const PRIVATE_FAR = Object.freeze({ kind: "private" });
const NOWHERE: Place = Object.freeze({ provider: "", region: "", zone: "" });

function isInventory(source: Inventory | NetworkTable): source is Inventory {
  return "networks" in source && "exporters" in source;
}

export function createClassifier(source: Inventory | NetworkTable): Classifier {
  let inventory = isInventory(source) ? source : networksOnly(source);
  const networks: NetworkRef[] = [];
  const indexOfMatch = new Map<object, number>();
  // What a stored network is (name, tags, attributes), not the match: two prefixes of one
  // network give two matches (their `prefix` differs) but one network index.
  const indexOfNetwork = new Map<string, number>();
  // Locality by near place, then far end (a NetworkMatch, a cloud range, PUBLIC_FAR/PRIVATE_FAR).
  let localityCache = new Map<object, Map<object, number>>();
  const placeOfCloud = new Map<CloudContext, Place>();

  const intern = (ref: NetworkRef, key: string): number => {
    let index = indexOfNetwork.get(key);
    if (index === undefined) {
      networks.push(ref);
      index = networks.length;
      indexOfNetwork.set(key, index);
    }
    return index;
  };

  const declaredIndex = (match: NetworkMatch): number => {
    let index = indexOfMatch.get(match);
    if (index === undefined) {
      const ref: NetworkRef = { name: match.name, tags: match.tags, kind: "inventory" };
      if (match.attributes !== EMPTY_ATTRIBUTES) ref.attributes = match.attributes;
      index = intern(ref, JSON.stringify(["inventory", match.name, match.tags, match.attributes]));
      indexOfMatch.set(match, index);
    }
    return index;
  };

  const cloudIndex = (range: CloudRangeLike): number => {
    let index = indexOfMatch.get(range);
    if (index === undefined) {
      const name = `${range.provider}:${range.service}${range.region === "" ? "" : `:${range.region}`}`;
      const ref: NetworkRef = {
        name,
        tags: EMPTY_TAGS,
        kind: "cloud",
        attributes: { ...EMPTY_ATTRIBUTES, provider: range.provider, region: range.region },
        service: range.service,
      };
      index = intern(ref, JSON.stringify(["cloud", name]));
      indexOfMatch.set(range, index);
    }
    return index;
  };

  const placeOf = (batch: FlowBatch, row: number, near: NetworkMatch | undefined): Place => {
    if (near !== undefined && near.attributes.provider !== "") return near.attributes;
    // A cloud flow log says where its interface is: the near end, when the inventory does not.
    const cloudIndex = batch.cloud[row] ?? 0;
    if (cloudIndex === 0) return near?.attributes ?? NOWHERE;
    const context = batch.clouds[cloudIndex - 1];
    if (context === undefined) return NOWHERE;
    let place = placeOfCloud.get(context);
    if (place === undefined) {
      place = Object.freeze({
        provider: context.provider,
        region: context.region,
        zone: context.zone,
      });
      placeOfCloud.set(context, place);
    }
    return place;
  };

  const classifyRows = (batch: FlowBatch, from: number, to: number, receivedMs: number): void => {
    const { networks: table, exporters, cloudRanges, registry } = inventory;
    const { srcAddr, dstAddr, sampledBytes, sampledPackets, samplingRate, exporter } = batch;
    const { inIf, outIf, srcAs, dstAs, srcCountry, dstCountry } = batch;

    const lookup = <T>(
      lookupIpv4: (address: number) => T | undefined,
      lookupIpv6: (w0: number, w1: number, w2: number, w3: number) => T | undefined,
      words: Uint32Array,
      base: number,
    ): T | undefined => {
      const w0 = words[base] ?? 0;
      const w1 = words[base + 1] ?? 0;
      const w2 = words[base + 2] ?? 0;
      const w3 = words[base + 3] ?? 0;
      if (w1 === IPV4_MAPPED_WORD1 && w2 === 0 && w3 === 0) return lookupIpv4(w0);
      // The tables take the most significant word first; the batch stores it last.
      return lookupIpv6(w3, w2, w1, w0);
    };
    const lookupNetwork = (words: Uint32Array, base: number) =>
      lookup<NetworkMatch>(
        (address) => table.lookupIpv4(address),
        (w0, w1, w2, w3) => table.lookupIpv6(w0, w1, w2, w3),
        words,
        base,
      );
    const lookupCloud =
      cloudRanges === undefined
        ? undefined
        : (words: Uint32Array, base: number) =>
            lookup<CloudRangeLike>(
              (address) => cloudRanges.lookupIpv4(address),
              (w0, w1, w2, w3) => cloudRanges.lookupIpv6(w0, w1, w2, w3),
              words,
              base,
            );
    const lookupRegistry =
      registry === undefined
        ? undefined
        : (words: Uint32Array, base: number) =>
            lookup<RegistryEntryLike>(
              (address) => registry.lookupIpv4(address),
              (w0, w1, w2, w3) => registry.lookupIpv6(w0, w1, w2, w3),
              words,
              base,
            );
    const isGlobal = (words: Uint32Array, base: number): boolean => {
      const w0 = words[base] ?? 0;
      const w1 = words[base + 1] ?? 0;
      const w2 = words[base + 2] ?? 0;
      const w3 = words[base + 3] ?? 0;
      if (w1 === IPV4_MAPPED_WORD1 && w2 === 0 && w3 === 0) return isGlobalUnicastIpv4(w0);
      return isGlobalUnicastIpv6(w3, w2, w1, w0);
    };

    for (let row = from; row < to; row++) {
      const base = row * 4;
      const srcMatch = lookupNetwork(srcAddr, base);
      const dstMatch = lookupNetwork(dstAddr, base);

      let fromInterfaces: Direction | undefined;
      const exporterEntry = exporters.getByWords(exporter, base);
      if (exporterEntry?.hasBoundaries === true) {
        fromInterfaces = directionFromInterfaces(
          exporterEntry.interfaceAt(inIf[row] ?? 0),
          exporterEntry.interfaceAt(outIf[row] ?? 0),
        );
      }
      const direction =
        fromInterfaces ?? directionFromNetworks(srcMatch !== undefined, dstMatch !== undefined);
      batch.direction[row] = DIRECTION_INDEX.get(direction) ?? 0;
      batch.directionSource[row] =
        fromInterfaces === undefined ? SOURCE_NETWORKS : SOURCE_INTERFACE;

      const srcCloud =
        srcMatch === undefined && lookupCloud !== undefined
          ? lookupCloud(srcAddr, base)
          : undefined;
      const dstCloud =
        dstMatch === undefined && lookupCloud !== undefined
          ? lookupCloud(dstAddr, base)
          : undefined;
      batch.srcNetwork[row] =
        srcMatch !== undefined
          ? declaredIndex(srcMatch)
          : srcCloud !== undefined
            ? cloudIndex(srcCloud)
            : 0;
      batch.dstNetwork[row] =
        dstMatch !== undefined
          ? declaredIndex(dstMatch)
          : dstCloud !== undefined
            ? cloudIndex(dstCloud)
            : 0;

      const farIsSource = farEndIsSource(direction);
      const nearMatch = farIsSource ? dstMatch : srcMatch;
      const far: object =
        (farIsSource ? srcMatch : dstMatch) ??
        (farIsSource ? srcCloud : dstCloud) ??
        (isGlobal(farIsSource ? srcAddr : dstAddr, base) ? PUBLIC_FAR : PRIVATE_FAR);
      const near = placeOf(batch, row, nearMatch);
      let byFar = localityCache.get(near);
      if (byFar === undefined) {
        byFar = new Map();
        localityCache.set(near, byFar);
      }
      let locality = byFar.get(far);
      if (locality === undefined) {
        const decided = decideLocality(near === NOWHERE ? undefined : near, {
          network:
            far === PUBLIC_FAR || far === PRIVATE_FAR || !("attributes" in far)
              ? undefined
              : (far as NetworkMatch).attributes,
          cloud: "service" in far ? (far as CloudRangeLike) : undefined,
          global: far !== PRIVATE_FAR,
        });
        locality = LOCALITY_INDEX.get(decided.locality) ?? 0;
        byFar.set(far, locality);
      }
      batch.locality[row] = locality;

      if (lookupRegistry !== undefined) {
        const srcEntry = lookupRegistry(srcAddr, base);
        const dstEntry = lookupRegistry(dstAddr, base);
        srcCountry[row] = srcEntry?.countryCode ?? 0;
        dstCountry[row] = dstEntry?.countryCode ?? 0;
        // The exporter's own AS (from BGP) is better informed than a registry: keep it.
        if ((srcAs[row] ?? 0) === 0) srcAs[row] = srcEntry?.asn ?? 0;
        if ((dstAs[row] ?? 0) === 0) dstAs[row] = dstEntry?.asn ?? 0;
      }

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
    get inventory() {
      return inventory;
    },
    setInventory(next) {
      inventory = next;
      // Matches of the old snapshot are never seen again; their cache entries would only leak.
      indexOfMatch.clear();
      localityCache = new Map();
    },
    classify(flow, receivedMs) {
      single.clear();
      single.appendDecoded(flow);
      classifyRows(single, 0, 1, receivedMs);
      return single.record(0, networks);
    },
  };
}
