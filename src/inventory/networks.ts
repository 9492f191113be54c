/**
 * The declared networks ("ours", DESIGN.md "Inventory") compiled into a longest-prefix-match
 * table: the most specific prefix decides which network an address belongs to, and tags inherit
 * from enclosing networks unless the inner network sets them.
 */
import { LpmTable, comparePrefixes, parsePrefix, prefixContains } from "../core/index.ts";
import type { Prefix, Tags } from "../core/index.ts";
import {
  EMPTY_ATTRIBUTES,
  NETWORK_ATTRIBUTES,
  type NetworkAttribute,
  type NetworkAttributes,
} from "./attributes.ts";
import type { Place } from "./locality.ts";

/** One declared network: a name, its prefixes (CIDR text), free tags and attributes. */
export interface NetworkDeclaration {
  name: string;
  cidrs: readonly string[];
  tags: Readonly<Record<string, string>>;
  /** Unset attributes inherit from the enclosing network. */
  site?: string | undefined;
  provider?: string | undefined;
  account?: string | undefined;
  region?: string | undefined;
  zone?: string | undefined;
  vpc?: string | undefined;
  subnet?: string | undefined;
  egress?: string | undefined;
  /** Where it was declared, for `explain`: `tollgate.yaml inventory.networks[2]`. */
  origin?: string | undefined;
}

/**
 * The network an address belongs to: its name, the declared prefix that matched (canonical
 * text), and its tags merged with those of every enclosing network (inner values win). Matches
 * are frozen and shared: a lookup returns the same object every time and allocates nothing.
 */
export interface NetworkMatch {
  readonly name: string;
  readonly prefix: string;
  readonly tags: Tags;
  /** Own attributes merged over those of enclosing networks; interned. */
  readonly attributes: NetworkAttributes;
  /** Where the network was declared (`NetworkDeclaration.origin`), "" when not given. */
  readonly origin: string;
  /** The enclosing declared networks' matches, nearest first: what `explain` shows. */
  readonly enclosing: readonly NetworkMatch[];
  /**
   * Provider, region and zone: all locality needs of a network. Interned per distinct triple,
   * so the classifier caches locality decisions by a handful of places, not by network.
   */
  readonly place: Place;
  /** 0 … matchCount − 1, unique in its table: lets callers index arrays instead of maps. */
  readonly id: number;
}

/** A problem in the declarations, with the configuration path it comes from. */
export interface NetworkTableError {
  /** Configuration path, e.g. `inventory.networks[2].cidrs[0]`. */
  path: string;
  message: string;
}

export interface NetworkTable {
  /** The network holding an address given as text (either family), or undefined. */
  lookup(address: string): NetworkMatch | undefined;
  /** Hot path: the network holding an IPv4 address given as an unsigned 32-bit number. */
  lookupIpv4(address: number): NetworkMatch | undefined;
  /** Hot path: the network holding an IPv6 address given as four unsigned 32-bit words. */
  lookupIpv6(w0: number, w1: number, w2: number, w3: number): NetworkMatch | undefined;
  /**
   * Hot path without objects: the `id` + 1 of the match holding an IPv4 address, 0 for none.
   * The classifier keeps what it derives from a match in typed arrays by id.
   */
  lookupIpv4Id(address: number): number;
  /** The same for an IPv6 address given as four words, most significant first. */
  lookupIpv6Id(w0: number, w1: number, w2: number, w3: number): number;
  /** Whether IPv6 addresses under this first word search many prefixes (see LpmTable). */
  isCrowdedIpv6(w0: number): boolean;
  /** The longest declared IPv6 prefix (0: none); at most 64, answers hold for a whole /64. */
  readonly maxIpv6Length: number;
  /** The match with this `id` (0 … matchCount − 1). */
  matchOfId(id: number): NetworkMatch | undefined;
  /** Number of declared prefixes. */
  readonly prefixCount: number;
  /** Number of distinct matches (one per declared prefix): the bound of `NetworkMatch.id`. */
  readonly matchCount: number;
  /** Bytes held by the lookup structures (see `LpmTable.memoryBytes`). */
  memoryBytes(): number;
}

export type NetworkTableResult =
  | { readonly ok: true; readonly table: NetworkTable }
  | { readonly ok: false; readonly errors: readonly NetworkTableError[] };

/** The tags of an address in no network, and of networks without tags: one frozen object. */
export const EMPTY_TAGS: Tags = Object.freeze({});

interface Declared {
  readonly prefix: Prefix;
  readonly network: number;
  readonly path: string;
}

/**
 * Compiles declarations into a lookup table, or lists every problem found: a CIDR that does not
 * parse or has host bits set, a prefix declared twice (naming both places), an empty or repeated
 * network name. `basePath` prefixes the error paths.
 */
export function buildNetworkTable(
  declarations: readonly NetworkDeclaration[],
  basePath = "inventory.networks",
): NetworkTableResult {
  const errors: NetworkTableError[] = [];
  const declared: Declared[] = [];
  const byPrefix = new Map<string, Declared>();
  const byName = new Map<string, number>();
  declarations.forEach((declaration, network) => {
    const path = declaration.origin ?? `${basePath}[${network}]`;
    if (declaration.name.trim() === "") {
      errors.push({ path: `${path}.name`, message: "a network needs a non-empty name" });
    } else {
      const first = byName.get(declaration.name);
      if (first === undefined) byName.set(declaration.name, network);
      else {
        errors.push({
          path: `${path}.name`,
          message: `network name "${declaration.name}" is already used by ${declarations[first]?.origin ?? `${basePath}[${first}]`}: merge their cidrs into one network`,
        });
      }
    }
    declaration.cidrs.forEach((cidr, index) => {
      const cidrPath = `${path}.cidrs[${index}]`;
      const parsed = parsePrefix(cidr);
      if (!parsed.ok) {
        errors.push({ path: cidrPath, message: parsed.message });
        return;
      }
      const entry = { prefix: parsed.prefix, network, path: cidrPath };
      const earlier = byPrefix.get(parsed.prefix.text);
      if (earlier === undefined) {
        byPrefix.set(parsed.prefix.text, entry);
        declared.push(entry);
        return;
      }
      const earlierName = declarations[earlier.network]?.name ?? "";
      errors.push({
        path: cidrPath,
        message:
          earlier.network === network
            ? `${parsed.prefix.text} is listed twice in network "${declaration.name}" (also at ${earlier.path})`
            : `${parsed.prefix.text} is declared by both network "${earlierName}" (${earlier.path}) and network "${declaration.name}": a prefix belongs to one network`,
      });
    });
  });
  if (errors.length > 0) return { ok: false, errors };

  const table = new LpmTable<NetworkMatch>();
  const internedTags = new Map<string, Tags>([["[]", EMPTY_TAGS]]);
  const intern = (tags: Record<string, string>): Tags => {
    const key = JSON.stringify(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1)));
    const known = internedTags.get(key);
    if (known !== undefined) return known;
    const frozen = Object.freeze(tags);
    internedTags.set(key, frozen);
    return frozen;
  };
  // Sorted so that every prefix follows the prefixes enclosing it: the stack then holds exactly
  // the chain of enclosing prefixes, and the top is the nearest one, whose merged tags are final.
  const internedAttributes = new Map<string, NetworkAttributes>([
    [JSON.stringify(EMPTY_ATTRIBUTES), EMPTY_ATTRIBUTES],
  ]);
  const internAttributes = (attributes: Record<NetworkAttribute, string>): NetworkAttributes => {
    const key = JSON.stringify(attributes);
    const known = internedAttributes.get(key);
    if (known !== undefined) return known;
    const frozen = Object.freeze(attributes);
    internedAttributes.set(key, frozen);
    return frozen;
  };
  const places = new Map<string, Place>();
  const placeOf = (attributes: NetworkAttributes): Place => {
    const key = `${attributes.provider}\u0000${attributes.region}\u0000${attributes.zone}`;
    let place = places.get(key);
    if (place === undefined) {
      place = Object.freeze({
        provider: attributes.provider,
        region: attributes.region,
        zone: attributes.zone,
      });
      places.set(key, place);
    }
    return place;
  };
  let matchCount = 0;
  const merged: (
    | {
        parentTags: Tags;
        parentAttributes: NetworkAttributes;
        tags: Tags;
        attributes: NetworkAttributes;
      }
    | undefined
  )[] = [];
  const sorted = [...declared].sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  const stack: {
    prefix: Prefix;
    tags: Tags;
    attributes: NetworkAttributes;
    match: NetworkMatch;
  }[] = [];
  for (const entry of sorted) {
    for (let top = stack.at(-1); top !== undefined; top = stack.at(-1)) {
      if (prefixContains(top.prefix, entry.prefix)) break;
      stack.pop();
    }
    const declaration = declarations[entry.network];
    const parent = stack.at(-1);
    const parentTags = parent?.tags ?? EMPTY_TAGS;
    const parentAttributes = parent?.attributes ?? EMPTY_ATTRIBUTES;
    // A network's prefixes mostly share their enclosing network: merge and intern once per
    // (declaration, enclosing tags and attributes). Interning keys are JSON text, and building
    // them for every prefix was most of a 100k-prefix build (2.5–5 s, bench/enrich.ts).
    const memo = merged[entry.network];
    let tags: Tags;
    let interned: NetworkAttributes;
    if (memo?.parentTags === parentTags && memo.parentAttributes === parentAttributes) {
      tags = memo.tags;
      interned = memo.attributes;
    } else {
      const own = declaration?.tags ?? EMPTY_TAGS;
      // No tags of its own: the enclosing network's (already interned) object is the answer.
      tags = Object.keys(own).length === 0 ? parentTags : intern({ ...parentTags, ...own });
      let attributes: Record<NetworkAttribute, string> | undefined;
      for (const attribute of NETWORK_ATTRIBUTES) {
        const value = declaration?.[attribute];
        if (value === undefined || value === "" || value === parentAttributes[attribute]) continue;
        attributes ??= { ...parentAttributes };
        attributes[attribute] = value;
      }
      interned = attributes === undefined ? parentAttributes : internAttributes(attributes);
      merged[entry.network] = { parentTags, parentAttributes, tags, attributes: interned };
    }
    const enclosing = parent === undefined ? [] : [parent.match, ...parent.match.enclosing];
    const match: NetworkMatch = Object.freeze({
      name: declaration?.name ?? "",
      prefix: entry.prefix.text,
      tags,
      attributes: interned,
      place: placeOf(interned),
      id: matchCount++,
      origin: declaration?.origin ?? "",
      enclosing: Object.freeze(enclosing),
    });
    stack.push({ prefix: entry.prefix, tags, attributes: match.attributes, match });
    table.insert(entry.prefix, match);
  }
  return {
    ok: true,
    table: {
      lookup: (address) => table.lookup(address),
      lookupIpv4: (address) => table.lookupIpv4(address),
      lookupIpv6: (w0, w1, w2, w3) => table.lookupIpv6(w0, w1, w2, w3),
      // Prefixes are inserted once each, in id order: the table's prefix id is the match id + 1.
      lookupIpv4Id: (address) => table.lookupIpv4Id(address),
      lookupIpv6Id: (w0, w1, w2, w3) => table.lookupIpv6Id(w0, w1, w2, w3),
      matchOfId: (id) => table.valueOfId(id + 1),
      maxIpv6Length: table.maxIpv6Length,
      isCrowdedIpv6: (w0) => table.isCrowdedIpv6(w0),
      prefixCount: table.size,
      matchCount,
      memoryBytes: () => table.memoryBytes(),
    },
  };
}
