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
  parsePrefix,
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
// Address caches: 262,144 IPv4 slots of 16 bytes (4 MiB) and 65,536 IPv6 slots of 32 (2 MiB).
// Beyond L2 but a miss costs one L3 read where the lookups it saves cost several: quadrupling
// both from 1 MiB / 512 KiB took bench/enrich.ts from 1.28–1.48 to 1.56–1.80 M IPv4 flows per
// CPU-second, and IPv6 from 0.78 to 1.01 (skewed far ends from a pool of 100k, load 6–8).
const CACHE4_SHIFT = 14;
const CACHE4_SLOTS = 2 ** (32 - CACHE4_SHIFT);
const CACHE6_SHIFT = 16;
const CACHE6_SLOTS = 2 ** (32 - CACHE6_SHIFT);
// The /64 cache of IPv6 network matches: 262,144 slots of 16 bytes (4 MiB); at 65,536 slots
// 49k busy /64s missed often enough to leave IPv6 networks-only at 1.04 M flows per CPU-second,
// at 262,144 it measured 1.31–1.43.
const NET6_SHIFT = 14;
const NET6_SLOTS = 2 ** (32 - NET6_SHIFT);
// matchFacts fields, MATCH_STRIDE int32s per declared match.
const MATCH_STRIDE = 8;
const M_NETWORK = 0;
const M_NEAR = 1;
const M_FAR = 2;
const M_REGISTRY = 3;
const M_ASN = 4;
const M_COUNTRY = 5;
const REGISTRY_SAME = 1;
const REGISTRY_VARIES = 2;
// A near id with this bit: its place names a provider (a cloud flow log's context cannot
// override it).
const NEAR_HAS_PROVIDER = 1 << 24;
const NEAR_ID_MASK = NEAR_HAS_PROVIDER - 1;
// The locality table: near ids × far ids, one byte each (locality + 1, 0 undecided), 1 MiB.
// Ids beyond go to a Map (an inventory with more than 256 places or 4,096 far kinds).
const NEAR_IDS = 256;
const FAR_IDS = 4096;
const FAR_PUBLIC = 0;
const FAR_PRIVATE = 1;
const FAR_UNCACHED = 0xffff;
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

  // Locality is decided once per (near place, far key) and kept in a table of small ids: the
  // near end's place (id 0: nowhere) and what the far end is (a declared network's place, a
  // kind of cloud range, or a public / private address outside both). Ids live as long as the
  // classifier: places and far keys are interned values, not per-snapshot objects.
  const nearPlaces: Place[] = [NOWHERE];
  const nearIds = new Map<Place, number>([[NOWHERE, 0]]);
  const nearIdOf = (place: Place): number => {
    let id = nearIds.get(place);
    if (id === undefined) {
      id = nearPlaces.length;
      nearPlaces.push(place);
      nearIds.set(place, id);
    }
    return id;
  };
  const farKeys: object[] = [PUBLIC_FAR, PRIVATE_FAR];
  const farIds = new Map<object | string, number>();
  const farIdOfPlace = (place: Place): number => {
    let id = farIds.get(place);
    if (id === undefined) {
      id = farKeys.length;
      farKeys.push(place);
      farIds.set(place, id);
    }
    return id;
  };
  // Cloud ranges decide locality by provider, service, region and kind: 60k ranges, a few
  // hundred kinds of far end.
  const farIdOfCloud = (range: CloudRangeLike): number => {
    const key = `${range.provider}\u0000${range.service}\u0000${range.region}\u0000${range.kind}`;
    let id = farIds.get(key);
    if (id === undefined) {
      id = farKeys.length;
      farKeys.push(range);
      farIds.set(key, id);
    }
    return id;
  };
  const localityTable = new Uint8Array(NEAR_IDS * FAR_IDS);
  const localityBeyond = new Map<number, number>();
  const decide = (nearId: number, farId: number): number => {
    const near = nearPlaces[nearId] ?? NOWHERE;
    const far = farKeys[farId] ?? PRIVATE_FAR;
    const isCloud = "service" in far;
    const decided = decideLocality(near === NOWHERE ? undefined : near, {
      network: far === PUBLIC_FAR || far === PRIVATE_FAR || isCloud ? undefined : (far as Place),
      cloud: isCloud ? (far as CloudRangeLike) : undefined,
      global: far !== PRIVATE_FAR,
    });
    return LOCALITY_INDEX.get(decided.locality) ?? 0;
  };
  const localityOf = (nearId: number, farId: number): number => {
    if (nearId < NEAR_IDS && farId < FAR_IDS) {
      const at = nearId * FAR_IDS + farId;
      const known = localityTable[at] ?? 0;
      if (known !== 0) return known - 1;
      const locality = decide(nearId, farId);
      localityTable[at] = locality + 1;
      return locality;
    }
    const key = nearId * 2 ** 24 + farId;
    let locality = localityBeyond.get(key);
    if (locality === undefined) {
      locality = decide(nearId, farId);
      localityBeyond.set(key, locality);
    }
    return locality;
  };

  const cloudNearId = (batch: FlowBatch, row: number): number => {
    // A cloud flow log says where its interface is: the near end, when the inventory does not.
    const context = batch.clouds[(batch.cloud[row] ?? 0) - 1];
    if (context === undefined) return 0;
    let place = placeOfCloud.get(context);
    if (place === undefined) {
      // Interned by value: thousands of interfaces share a few (provider, region, zone).
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
    return nearIdOf(place);
  };

  // What the classifier derives from a declared network match, by match id, MATCH_STRIDE
  // int32s each: read with the id the trie returns, so a declared end costs no object reads.
  // Filled the first time the match is met (M_NETWORK 0: not yet).
  let matchFacts = new Int32Array(inventory.networks.matchCount * MATCH_STRIDE);
  const describeMatch = (id: number): void => {
    const match = inventory.networks.matchOfId(id);
    if (match === undefined) throw new Error(`no network match with id ${id}`);
    const at = id * MATCH_STRIDE;
    matchFacts[at + M_NEAR] =
      nearIdOf(match.place) | (match.place.provider === "" ? 0 : NEAR_HAS_PROVIDER);
    matchFacts[at + M_FAR] = farIdOfPlace(match.place);
    const registry = inventory.registry;
    let throughout: RegistryEntryLike | undefined | null = null;
    if (registry?.valueThroughout !== undefined) {
      const prefix = parsePrefix(match.prefix);
      if (prefix.ok) throughout = registry.valueThroughout(prefix.prefix);
    }
    matchFacts[at + M_REGISTRY] = throughout === null ? REGISTRY_VARIES : REGISTRY_SAME;
    matchFacts[at + M_ASN] = throughout?.asn ?? 0;
    matchFacts[at + M_COUNTRY] = throughout?.countryCode ?? 0;
    matchFacts[at + M_NETWORK] = declaredIndex(match);
  };

  // What an address outside the declared networks gets (or one inside a network whose
  // registry answer varies by address): its registry answer, its cloud range's network and
  // what the far end is for locality. Direct-mapped caches by a multiplicative hash: real
  // traffic repeats its far ends, and a hit is one cache line where the registry's and cloud
  // tables' searches are several dependent misses over ~80 MiB. Slots: IPv4 [address, asn,
  // country << 16 | far id, network index + 1 (0: empty)]; IPv6 the four words, then the same.
  const cache4 = new Int32Array(CACHE4_SLOTS * 4);
  const cache6 = new Int32Array(CACHE6_SLOTS * 8);
  const fillAddress = (
    cache: Int32Array,
    at: number,
    entry: RegistryEntryLike | undefined,
    range: CloudRangeLike | undefined,
    global: boolean,
  ): void => {
    const far = range !== undefined ? farIdOfCloud(range) : global ? FAR_PUBLIC : FAR_PRIVATE;
    cache[at + 1] = entry?.asn ?? 0;
    // Far ids above 16 bits do not fit beside the country: FAR_UNCACHED sends the row to the
    // slow path (never met in practice: far ids are places and kinds of cloud range).
    cache[at + 2] = ((entry?.countryCode ?? 0) << 16) | (far > 0xffff ? FAR_UNCACHED : far);
    cache[at + 3] = (range !== undefined ? cloudIndex(range) : 0) + 1;
  };
  const resolve4 = (address: number): number => {
    const at = (Math.imul(address, 0x9e3779b1) >>> CACHE4_SHIFT) << 2;
    if (cache4[at] === (address | 0) && (cache4[at + 3] ?? 0) !== 0) return at;
    cache4[at] = address | 0;
    const { registry, cloudRanges } = inventory;
    const unsigned = address >>> 0;
    fillAddress(
      cache4,
      at,
      registry?.lookupIpv4(unsigned),
      cloudRanges?.lookupIpv4(unsigned),
      isGlobalUnicastIpv4(unsigned),
    );
    return at;
  };
  // Returns the slot's offset + 3, so that its fields sit where resolve4's do (+1, +2, +3).
  const resolve6 = (w0: number, w1: number, w2: number, w3: number): number => {
    const hash = Math.imul(
      w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ w3,
      0x9e3779b1,
    );
    const base = (hash >>> CACHE6_SHIFT) << 3;
    if (
      cache6[base] === (w0 | 0) &&
      cache6[base + 1] === (w1 | 0) &&
      cache6[base + 2] === (w2 | 0) &&
      cache6[base + 3] === (w3 | 0) &&
      (cache6[base + 6] ?? 0) !== 0
    ) {
      return base + 3;
    }
    cache6[base] = w0 | 0;
    cache6[base + 1] = w1 | 0;
    cache6[base + 2] = w2 | 0;
    cache6[base + 3] = w3 | 0;
    const { registry, cloudRanges } = inventory;
    fillAddress(
      cache6,
      base + 3,
      registry?.lookupIpv6(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0),
      cloudRanges?.lookupIpv6(w0, w1, w2, w3),
      isGlobalUnicastIpv6(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0),
    );
    return base + 3;
  };
  // The far id of an address whose slot said FAR_UNCACHED.
  const farIdOfAddress = (v4: boolean, w0: number, w1: number, w2: number, w3: number): number => {
    const range = v4
      ? inventory.cloudRanges?.lookupIpv4(w3 >>> 0)
      : inventory.cloudRanges?.lookupIpv6(w0, w1, w2, w3);
    if (range !== undefined) return farIdOfCloud(range);
    const global = v4
      ? isGlobalUnicastIpv4(w3 >>> 0)
      : isGlobalUnicastIpv6(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0);
    return global ? FAR_PUBLIC : FAR_PRIVATE;
  };

  // Declared IPv6 networks are mostly /64 or shorter: then a /64 decides the match, and hosts
  // of one /64 share a slot of this direct-mapped cache ([w0, w1, match id + 1, 1: filled]),
  // one cache line where the range search costs several misses (bench/enrich.ts, IPv6).
  const net6 = new Int32Array(NET6_SLOTS * 4);
  let net6ByPrefix64 = inventory.networks.maxIpv6Length <= 64;
  const networkIdOf6 = (w0: number, w1: number, w2: number, w3: number): number => {
    const table = inventory.networks;
    // Only crowded /16s are worth a slot: elsewhere the search is shorter than a missed probe,
    // and far ends there would evict the near ends' /64s.
    if (!net6ByPrefix64 || !table.isCrowdedIpv6(w0)) return table.lookupIpv6Id(w0, w1, w2, w3);
    const at = (Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b), 0x9e3779b1) >>> NET6_SHIFT) << 2;
    if (net6[at] === w0 && net6[at + 1] === w1 && net6[at + 3] === 1) return net6[at + 2] ?? 0;
    const id = table.lookupIpv6Id(w0, w1, 0, 0);
    net6[at] = w0;
    net6[at + 1] = w1;
    net6[at + 2] = id;
    net6[at + 3] = 1;
    return id;
  };

  // One-entry memo in front of the edge's network index: consecutive flows mostly cross the
  // same interface.
  let lastEdge: BoundaryInterface | undefined;
  let lastEdgeIndex = 0;

  /**
   * The hot loop: written out flat (no per-end helper objects, numeric directions) because the
   * generic version measured 3 M rows/s where the two trie lookups alone run at 47 M rows/s
   * (scratch micro-benchmark, 2,000 networks): the overhead, not the lookups, was the cost.
   * Each end is resolved to numbers only: a declared end by its match id (matchFacts), any other
   * by the address caches; objects are read only on the first sighting of each.
   */
  const classifyRows = (batch: FlowBatch, from: number, to: number, receivedMs: number): void => {
    const { networks: table, exporters, registry } = inventory;
    const { srcAddr, dstAddr, sampledBytes, sampledPackets, samplingRate, exporter } = batch;
    const { inIf, outIf, srcAs, dstAs, srcCountry, dstCountry, cloud } = batch;
    const hasExporters = exporters.exporters.length > 0;
    const hasRegistry = registry !== undefined;
    const facts = matchFacts;

    for (let row = from; row < to; row++) {
      const base = row * 4;
      const s0 = (srcAddr[base] ?? 0) | 0;
      const s1 = (srcAddr[base + 1] ?? 0) | 0;
      const s2 = (srcAddr[base + 2] ?? 0) | 0;
      const s3 = (srcAddr[base + 3] ?? 0) | 0;
      const d0 = (dstAddr[base] ?? 0) | 0;
      const d1 = (dstAddr[base + 1] ?? 0) | 0;
      const d2 = (dstAddr[base + 2] ?? 0) | 0;
      const d3 = (dstAddr[base + 3] ?? 0) | 0;
      // The batch stores the least significant word first; the tables take the most first.
      // Words are read as int32: an unsigned word above 2^31 passed to a function that is not
      // inlined is boxed (a heap number per call), which showed as GC in the profile.
      const srcV4 = s1 === IPV4_MAPPED_WORD1 && s2 === 0 && s3 === 0;
      const dstV4 = d1 === IPV4_MAPPED_WORD1 && d2 === 0 && d3 === 0;
      const srcId = srcV4 ? table.lookupIpv4Id(s0) : networkIdOf6(s3, s2, s1, s0);
      const dstId = dstV4 ? table.lookupIpv4Id(d0) : networkIdOf6(d3, d2, d1, d0);

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
          srcId !== 0 ? (dstId !== 0 ? INTERNAL : EGRESS) : dstId !== 0 ? INGRESS : TRANSIT;
        batch.directionSource[row] = SOURCE_NETWORKS;
      } else {
        batch.directionSource[row] = SOURCE_INTERFACE;
      }
      batch.direction[row] = direction;

      // The source end: network index, near place, far id, registry answer.
      let srcNear = 0;
      let srcFar: number;
      let srcAsn = 0;
      let srcCc = 0;
      if (srcId !== 0) {
        const at = (srcId - 1) * MATCH_STRIDE;
        if ((facts[at] ?? 0) === 0) describeMatch(srcId - 1);
        batch.srcNetwork[row] = facts[at] ?? 0;
        srcNear = facts[at + M_NEAR] ?? 0;
        srcFar = facts[at + M_FAR] ?? 0;
        if (hasRegistry) {
          if (facts[at + M_REGISTRY] === REGISTRY_SAME) {
            srcAsn = facts[at + M_ASN] ?? 0;
            srcCc = facts[at + M_COUNTRY] ?? 0;
          } else if (srcV4) {
            const slot = resolve4(s0);
            srcAsn = cache4[slot + 1] ?? 0;
            srcCc = (cache4[slot + 2] ?? 0) >>> 16;
          } else {
            const slot = resolve6(s3, s2, s1, s0);
            srcAsn = cache6[slot + 1] ?? 0;
            srcCc = (cache6[slot + 2] ?? 0) >>> 16;
          }
        }
      } else {
        const slots = srcV4 ? cache4 : cache6;
        const slot = srcV4 ? resolve4(s0) : resolve6(s3, s2, s1, s0);
        srcAsn = slots[slot + 1] ?? 0;
        const countryAndFar = slots[slot + 2] ?? 0;
        srcCc = countryAndFar >>> 16;
        srcFar = countryAndFar & 0xffff;
        if (srcFar === FAR_UNCACHED) srcFar = farIdOfAddress(srcV4, s3, s2, s1, s0);
        batch.srcNetwork[row] = (slots[slot + 3] ?? 1) - 1;
      }

      // The destination end, the same way.
      let dstNear = 0;
      let dstFar: number;
      let dstAsn = 0;
      let dstCc = 0;
      if (dstId !== 0) {
        const at = (dstId - 1) * MATCH_STRIDE;
        if ((facts[at] ?? 0) === 0) describeMatch(dstId - 1);
        batch.dstNetwork[row] = facts[at] ?? 0;
        dstNear = facts[at + M_NEAR] ?? 0;
        dstFar = facts[at + M_FAR] ?? 0;
        if (hasRegistry) {
          if (facts[at + M_REGISTRY] === REGISTRY_SAME) {
            dstAsn = facts[at + M_ASN] ?? 0;
            dstCc = facts[at + M_COUNTRY] ?? 0;
          } else if (dstV4) {
            const slot = resolve4(d0);
            dstAsn = cache4[slot + 1] ?? 0;
            dstCc = (cache4[slot + 2] ?? 0) >>> 16;
          } else {
            const slot = resolve6(d3, d2, d1, d0);
            dstAsn = cache6[slot + 1] ?? 0;
            dstCc = (cache6[slot + 2] ?? 0) >>> 16;
          }
        }
      } else {
        const slots = dstV4 ? cache4 : cache6;
        const slot = dstV4 ? resolve4(d0) : resolve6(d3, d2, d1, d0);
        dstAsn = slots[slot + 1] ?? 0;
        const countryAndFar = slots[slot + 2] ?? 0;
        dstCc = countryAndFar >>> 16;
        dstFar = countryAndFar & 0xffff;
        if (dstFar === FAR_UNCACHED) dstFar = farIdOfAddress(dstV4, d3, d2, d1, d0);
        batch.dstNetwork[row] = (slots[slot + 3] ?? 1) - 1;
      }

      // The far end is the source for ingress only (farEndIsSource).
      const farIsSource = direction === INGRESS;
      const nearFacts = farIsSource ? dstNear : srcNear;
      const nearId =
        (nearFacts & NEAR_HAS_PROVIDER) !== 0 || (cloud[row] ?? 0) === 0
          ? nearFacts & NEAR_ID_MASK
          : cloudNearId(batch, row);
      batch.locality[row] = localityOf(nearId, farIsSource ? srcFar : dstFar);

      if (hasRegistry) {
        srcCountry[row] = srcCc;
        dstCountry[row] = dstCc;
        // The exporter's own AS (from BGP) is better informed than a registry: keep it.
        if ((srcAs[row] ?? 0) === 0) srcAs[row] = srcAsn >>> 0;
        if ((dstAs[row] ?? 0) === 0) dstAs[row] = dstAsn >>> 0;
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
      // Matches and ranges of the old snapshot are never seen again: drop what was derived from
      // them. Network indexes, places and far ids stay (they are values, not snapshot objects).
      indexOfMatch.clear();
      matchFacts = new Int32Array(next.networks.matchCount * MATCH_STRIDE);
      cache4.fill(0);
      cache6.fill(0);
      net6.fill(0);
      net6ByPrefix64 = next.networks.maxIpv6Length <= 64;
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
