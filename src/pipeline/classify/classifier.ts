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
import type { CloudContext, DecodedFlow, FlowRecord } from "../../core/index.ts";
import {
  EMPTY_ATTRIBUTES,
  EMPTY_TAGS,
  buildExporterTable,
  decideLocality,
  type BoundaryInterface,
  type CloudRangeLike,
  type ExporterInventory,
  type ExporterTable,
  type Inventory,
  type NetworkMatch,
  type NetworkTable,
  type Place,
  type RegistryEntryLike,
} from "../../inventory/index.ts";
import type { NetworkRef } from "../../storage/index.ts";
import { directionFromInterfaces } from "./direction.ts";

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

const SOURCE_NETWORKS = DIRECTION_SOURCES.indexOf("networks");
const ADDRESS_CACHE_SHIFT = 16;
const INGRESS = DIRECTIONS.indexOf("ingress");
const EGRESS = DIRECTIONS.indexOf("egress");
const INTERNAL = DIRECTIONS.indexOf("internal");
const TRANSIT = DIRECTIONS.indexOf("transit");
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
  // Weak: batches bring new context objects; the places they map to are few and kept.
  const placeOfCloud = new WeakMap<CloudContext, Place>();
  const cloudPlaces = new Map<string, Place>();

  const intern = (ref: NetworkRef, key: string): number => {
    let index = indexOfNetwork.get(key);
    if (index === undefined) {
      networks.push(ref);
      index = networks.length;
      indexOfNetwork.set(key, index);
    }
    return index;
  };

  // Network index by match id: an array read where a Map probe over 100k matches measured
  // as the largest cost of networks-only classification (bench/enrich.ts). 0: not seen yet.
  let indexOfMatchId = new Uint32Array(inventory.networks.matchCount);
  const declaredIndex = (match: NetworkMatch): number => {
    const known = indexOfMatchId[match.id] ?? 0;
    if (known !== 0) return known;
    let index = indexOfMatch.get(match);
    if (index === undefined) {
      const ref: NetworkRef = { name: match.name, tags: match.tags, kind: "inventory" };
      if (match.attributes !== EMPTY_ATTRIBUTES) ref.attributes = match.attributes;
      index = intern(ref, JSON.stringify(["inventory", match.name, match.tags, match.attributes]));
      indexOfMatch.set(match, index);
    }
    if (match.id < indexOfMatchId.length) indexOfMatchId[match.id] = index;
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

  const boundaryIndex = (exporterEntry: ExporterInventory, edge: BoundaryInterface): number => {
    let index = indexOfMatch.get(edge);
    if (index === undefined) {
      const name = `${exporterEntry.name === "" ? exporterEntry.address : exporterEntry.name}:${edge.name === "" ? String(edge.ifIndex) : edge.name}`;
      const ref: NetworkRef = {
        name,
        tags: EMPTY_TAGS,
        kind: "boundary",
        attributes: { ...EMPTY_ATTRIBUTES, provider: edge.provider, site: exporterEntry.site },
        connectivity: edge.connectivity,
      };
      index = intern(ref, JSON.stringify(["boundary", name, edge.provider, edge.connectivity]));
      indexOfMatch.set(edge, index);
    }
    return index;
  };

  const placeOf = (batch: FlowBatch, row: number, near: NetworkMatch | undefined): Place => {
    if (near !== undefined && near.place.provider !== "") return near.place;
    // A cloud flow log says where its interface is: the near end, when the inventory does not.
    const cloudIndex = batch.cloud[row] ?? 0;
    if (cloudIndex === 0) return near?.place ?? NOWHERE;
    const context = batch.clouds[cloudIndex - 1];
    if (context === undefined) return NOWHERE;
    let place = placeOfCloud.get(context);
    if (place === undefined) {
      // Interned by value: thousands of interfaces share a few (provider, region, zone), and the
      // locality cache is keyed by place.
      const key = `${context.provider}\u0000${context.region}\u0000${context.zone}`;
      place = cloudPlaces.get(key);
      if (place === undefined) {
        place = Object.freeze({
          provider: context.provider,
          region: context.region,
          zone: context.zone,
        });
        cloudPlaces.set(key, place);
      }
      placeOfCloud.set(context, place);
    }
    return place;
  };

  // A direct-mapped cache of IPv4 registry answers (64 Ki slots by a multiplicative hash):
  // real traffic repeats its far ends, and a hit is two array reads where the registry's
  // search is several, mostly cache misses over 40 MiB of tables. null: empty slot.
  const registryCacheAddress = new Uint32Array(1 << (32 - ADDRESS_CACHE_SHIFT));
  let registryCacheEntry: (RegistryEntryLike | undefined | null)[] = new Array<null>(
    1 << (32 - ADDRESS_CACHE_SHIFT),
  ).fill(null);

  // The same for the cloud range of IPv4 ends outside the inventory.
  const cloudCacheAddress = new Uint32Array(1 << (32 - ADDRESS_CACHE_SHIFT));
  let cloudCacheRange: (CloudRangeLike | undefined | null)[] = new Array<null>(
    1 << (32 - ADDRESS_CACHE_SHIFT),
  ).fill(null);

  // One-entry memos in front of the maps: consecutive flows often share networks and places
  // (a conversation, a busy subnet), and a comparison is cheaper than a Map probe.
  let lastSrcMatch: object | undefined;
  let lastSrcIndex = 0;
  let lastDstMatch: object | undefined;
  let lastDstIndex = 0;
  let lastEdge: BoundaryInterface | undefined;
  let lastEdgeIndex = 0;
  let lastNear: object | undefined;
  let lastFar: object | undefined;
  let lastLocality = 0;

  const localityOf = (near: Place, far: object): number => {
    if (near === lastNear && far === lastFar) return lastLocality;
    let byFar = localityCache.get(near);
    if (byFar === undefined) {
      byFar = new Map();
      localityCache.set(near, byFar);
    }
    let locality = byFar.get(far);
    if (locality === undefined) {
      // `far` is a declared network's place, a cloud range, PUBLIC_FAR or PRIVATE_FAR.
      const isCloud = "service" in far;
      const decided = decideLocality(near === NOWHERE ? undefined : near, {
        network: far === PUBLIC_FAR || far === PRIVATE_FAR || isCloud ? undefined : (far as Place),
        cloud: isCloud ? (far as CloudRangeLike) : undefined,
        global: far !== PRIVATE_FAR,
      });
      locality = LOCALITY_INDEX.get(decided.locality) ?? 0;
      byFar.set(far, locality);
    }
    lastNear = near;
    lastFar = far;
    lastLocality = locality;
    return locality;
  };

  /**
   * The hot loop: written out flat (no per-end helper closures, numeric directions) because the
   * generic version measured 3 M rows/s where the two trie lookups alone run at 47 M rows/s
   * (scratch micro-benchmark, 2,000 networks): the overhead, not the lookups, was the cost.
   */
  const classifyRows = (batch: FlowBatch, from: number, to: number, receivedMs: number): void => {
    const { networks: table, exporters, cloudRanges, registry } = inventory;
    const { srcAddr, dstAddr, sampledBytes, sampledPackets, samplingRate, exporter } = batch;
    const { inIf, outIf, srcAs, dstAs, srcCountry, dstCountry, cloud } = batch;
    const hasExporters = exporters.exporters.length > 0;

    for (let row = from; row < to; row++) {
      const base = row * 4;
      const s0 = srcAddr[base] ?? 0;
      const s1 = srcAddr[base + 1] ?? 0;
      const s2 = srcAddr[base + 2] ?? 0;
      const s3 = srcAddr[base + 3] ?? 0;
      const d0 = dstAddr[base] ?? 0;
      const d1 = dstAddr[base + 1] ?? 0;
      const d2 = dstAddr[base + 2] ?? 0;
      const d3 = dstAddr[base + 3] ?? 0;
      // The batch stores the least significant word first; the tables take the most first.
      const srcV4 = s1 === IPV4_MAPPED_WORD1 && s2 === 0 && s3 === 0;
      const dstV4 = d1 === IPV4_MAPPED_WORD1 && d2 === 0 && d3 === 0;
      const srcMatch = srcV4 ? table.lookupIpv4(s0) : table.lookupIpv6(s3, s2, s1, s0);
      const dstMatch = dstV4 ? table.lookupIpv4(d0) : table.lookupIpv6(d3, d2, d1, d0);

      let direction = -1;
      let crossed = 0;
      if (hasExporters) {
        const exporterEntry = exporters.getByWords(exporter, base);
        if (exporterEntry?.hasBoundaries === true) {
          const input = exporterEntry.interfaceAt(inIf[row] ?? 0);
          const output = exporterEntry.interfaceAt(outIf[row] ?? 0);
          const fromInterfaces = directionFromInterfaces(input, output);
          if (fromInterfaces !== undefined) {
            direction =
              fromInterfaces === "ingress"
                ? INGRESS
                : fromInterfaces === "egress"
                  ? EGRESS
                  : fromInterfaces === "internal"
                    ? INTERNAL
                    : TRANSIT;
            // The edge the flow crossed: where it came in, unless it went out to the outside.
            const edge = fromInterfaces === "egress" ? output : input;
            if (edge !== undefined && fromInterfaces !== "internal") {
              if (edge !== lastEdge) {
                lastEdge = edge;
                lastEdgeIndex = boundaryIndex(exporterEntry, edge);
              }
              crossed = lastEdgeIndex;
            }
          }
        }
      }
      batch.boundary[row] = crossed;
      if (direction === -1) {
        direction =
          srcMatch !== undefined
            ? dstMatch !== undefined
              ? INTERNAL
              : EGRESS
            : dstMatch !== undefined
              ? INGRESS
              : TRANSIT;
        batch.directionSource[row] = SOURCE_NETWORKS;
      } else {
        batch.directionSource[row] = SOURCE_INTERFACE;
      }
      batch.direction[row] = direction;

      let srcCloud: CloudRangeLike | undefined;
      let dstCloud: CloudRangeLike | undefined;
      if (cloudRanges !== undefined) {
        if (srcMatch === undefined) {
          if (srcV4) {
            const slot = Math.imul(s0, 0x9e3779b1) >>> ADDRESS_CACHE_SHIFT;
            const cached = cloudCacheRange[slot];
            if (cached !== null && cloudCacheAddress[slot] === s0) srcCloud = cached;
            else {
              srcCloud = cloudRanges.lookupIpv4(s0);
              cloudCacheAddress[slot] = s0;
              cloudCacheRange[slot] = srcCloud;
            }
          } else {
            srcCloud = cloudRanges.lookupIpv6(s3, s2, s1, s0);
          }
        }
        if (dstMatch === undefined) {
          if (dstV4) {
            const slot = Math.imul(d0, 0x9e3779b1) >>> ADDRESS_CACHE_SHIFT;
            const cached = cloudCacheRange[slot];
            if (cached !== null && cloudCacheAddress[slot] === d0) dstCloud = cached;
            else {
              dstCloud = cloudRanges.lookupIpv4(d0);
              cloudCacheAddress[slot] = d0;
              cloudCacheRange[slot] = dstCloud;
            }
          } else {
            dstCloud = cloudRanges.lookupIpv6(d3, d2, d1, d0);
          }
        }
      }
      const srcEnd: object | undefined = srcMatch ?? srcCloud;
      if (srcEnd !== lastSrcMatch) {
        lastSrcMatch = srcEnd;
        lastSrcIndex =
          srcMatch !== undefined
            ? declaredIndex(srcMatch)
            : srcCloud !== undefined
              ? cloudIndex(srcCloud)
              : 0;
      }
      batch.srcNetwork[row] = lastSrcIndex;
      const dstEnd: object | undefined = dstMatch ?? dstCloud;
      if (dstEnd !== lastDstMatch) {
        lastDstMatch = dstEnd;
        lastDstIndex =
          dstMatch !== undefined
            ? declaredIndex(dstMatch)
            : dstCloud !== undefined
              ? cloudIndex(dstCloud)
              : 0;
      }
      batch.dstNetwork[row] = lastDstIndex;

      // The far end is the source for ingress only (farEndIsSource).
      const farIsSource = direction === INGRESS;
      const nearMatch = farIsSource ? dstMatch : srcMatch;
      const farMatch = farIsSource ? srcMatch : dstMatch;
      const far: object =
        farMatch?.place ??
        (farIsSource ? srcCloud : dstCloud) ??
        ((
          farIsSource
            ? srcV4
              ? isGlobalUnicastIpv4(s0)
              : isGlobalUnicastIpv6(s3, s2, s1, s0)
            : dstV4
              ? isGlobalUnicastIpv4(d0)
              : isGlobalUnicastIpv6(d3, d2, d1, d0)
        )
          ? PUBLIC_FAR
          : PRIVATE_FAR);
      const near =
        nearMatch !== undefined && nearMatch.place.provider !== ""
          ? nearMatch.place
          : (cloud[row] ?? 0) === 0
            ? (nearMatch?.place ?? NOWHERE)
            : placeOf(batch, row, nearMatch);
      batch.locality[row] = localityOf(near, far);

      if (registry !== undefined) {
        let srcEntry: RegistryEntryLike | undefined;
        if (srcV4) {
          const slot = Math.imul(s0, 0x9e3779b1) >>> ADDRESS_CACHE_SHIFT;
          const cached = registryCacheEntry[slot];
          if (cached !== null && registryCacheAddress[slot] === s0) srcEntry = cached;
          else {
            srcEntry = registry.lookupIpv4(s0);
            registryCacheAddress[slot] = s0;
            registryCacheEntry[slot] = srcEntry;
          }
        } else {
          srcEntry = registry.lookupIpv6(s3, s2, s1, s0);
        }
        let dstEntry: RegistryEntryLike | undefined;
        if (dstV4) {
          const slot = Math.imul(d0, 0x9e3779b1) >>> ADDRESS_CACHE_SHIFT;
          const cached = registryCacheEntry[slot];
          if (cached !== null && registryCacheAddress[slot] === d0) dstEntry = cached;
          else {
            dstEntry = registry.lookupIpv4(d0);
            registryCacheAddress[slot] = d0;
            registryCacheEntry[slot] = dstEntry;
          }
        } else {
          dstEntry = registry.lookupIpv6(d3, d2, d1, d0);
        }
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
      indexOfMatchId = new Uint32Array(next.networks.matchCount);
      registryCacheEntry = registryCacheEntry.fill(null);
      cloudCacheRange = cloudCacheRange.fill(null);
      localityCache = new Map();
      lastSrcMatch = undefined;
      lastDstMatch = undefined;
      lastNear = undefined;
      lastFar = undefined;
      lastEdge = undefined;
    },
    classify(flow, receivedMs) {
      single.clear();
      single.appendDecoded(flow);
      classifyRows(single, 0, 1, receivedMs);
      return single.record(0, networks);
    },
  };
}
