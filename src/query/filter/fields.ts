import {
  CLOUD_PROVIDERS,
  DIRECTIONS,
  DIRECTION_SOURCES,
  FLOW_SOURCES,
  LOCALITIES,
  OBSERVED_ACTIONS,
} from "../../core/index.ts";

/**
 * The fields a filter can name, each with the kind of value it takes. Adding a field is one
 * line in FILTER_FIELDS; a store makes it usable by giving it SQL in its dialect (a field the
 * store has no SQL for is refused with "not available in this store", not a crash).
 */

/** What a field's values are, which decides the operators and literals it accepts. */
export type ValueKind =
  /** An IP address: `=` an address, `=` or `<<` a prefix (within). */
  | { readonly kind: "address" }
  /**
   * A declared network's name; a prefix or an address instead of a name means "the address
   * (`address` field) is within it".
   */
  | { readonly kind: "network"; readonly address: string }
  /** A whole number in `[min, max]`, or one of `only` when given. */
  | {
      readonly kind: "integer";
      readonly what: string;
      readonly min: number;
      readonly max: number;
      readonly only?: readonly number[];
    }
  /** An IP protocol: IANA name (tcp, udp, icmp…) or number 0–255. */
  | { readonly kind: "protocol" }
  /** One of a closed vocabulary (core's lists), matched case-insensitively. */
  | { readonly kind: "enum"; readonly what: string; readonly values: readonly string[] }
  /** Free text; `~` matches a glob. */
  | { readonly kind: "text" }
  /** An ISO 3166-1 alpha-2 country code, matched case-insensitively, stored upper case. */
  | { readonly kind: "country" }
  /** A count of bytes or packets, with SI (k, M, G, T, P) or binary (Ki, Mi…) multipliers. */
  | { readonly kind: "volume"; readonly unit: "bytes" | "packets" };

export interface FilterField {
  /** Canonical name, as the store's dimensions spell it. */
  readonly name: string;
  readonly value: ValueKind;
  /** Other names accepted for it (`src.asn` for `src.as`). */
  readonly aliases: readonly string[];
  /** Whether it is a per-flow measure (bytes, packets…) rather than a dimension. */
  readonly measure: boolean;
}

const ADDRESS: ValueKind = { kind: "address" };
const TEXT: ValueKind = { kind: "text" };
const COUNTRY: ValueKind = { kind: "country" };
const PROTOCOL: ValueKind = { kind: "protocol" };
const PORT = integer("a port", 0, 65_535);
const ASN = integer("an AS number", 0, 4_294_967_295);
const IF_INDEX = integer("an interface index (ifIndex)", 0, 4_294_967_295);

function integer(what: string, min: number, max: number, only?: readonly number[]): ValueKind {
  return only === undefined
    ? { kind: "integer", what, min, max }
    : { kind: "integer", what, min, max, only };
}

function oneOf(what: string, values: readonly string[]): ValueKind {
  return { kind: "enum", what, values };
}

function network(address: string): ValueKind {
  return { kind: "network", address };
}

function dimension(name: string, value: ValueKind, aliases: readonly string[] = []): FilterField {
  return { name, value, aliases, measure: false };
}

function measure(name: string, value: ValueKind, aliases: readonly string[] = []): FilterField {
  return { name, value, aliases, measure: true };
}

/** Every named field; tags (`src.tag.<key>`, `dst.tag.<key>`) are text fields besides these. */
export const FILTER_FIELDS: readonly FilterField[] = [
  // The storage dimensions (storage/store.ts FIXED_DIMENSIONS).
  dimension("src.addr", ADDRESS, ["src.ip"]),
  dimension("dst.addr", ADDRESS, ["dst.ip"]),
  dimension("src.port", PORT),
  dimension("dst.port", PORT),
  dimension("proto", PROTOCOL, ["protocol"]),
  dimension("exporter", ADDRESS, ["exporter.addr"]),
  dimension("in.if", IF_INDEX),
  dimension("out.if", IF_INDEX),
  dimension("src.net", network("src.addr"), ["src.network"]),
  dimension("dst.net", network("dst.addr"), ["dst.network"]),
  dimension("direction", oneOf("a direction", DIRECTIONS)),
  dimension("direction.source", oneOf("a direction source", DIRECTION_SOURCES)),
  dimension("locality", oneOf("a locality", LOCALITIES)),
  dimension("ip.version", integer("an IP version", 4, 6, [4, 6])),
  dimension("src.as", ASN, ["src.asn"]),
  dimension("dst.as", ASN, ["dst.asn"]),
  dimension("source", oneOf("a flow source", FLOW_SOURCES)),
  dimension("observed.action", oneOf("an observed action", OBSERVED_ACTIONS)),
  dimension("cloud.provider", oneOf("a cloud provider", ["", ...CLOUD_PROVIDERS])),
  dimension("cloud.account", TEXT),
  dimension("cloud.region", TEXT),
  dimension("cloud.zone", TEXT),
  dimension("cloud.vpc", TEXT),
  dimension("cloud.subnet", TEXT),
  dimension("cloud.instance", TEXT),
  dimension("cloud.interface", TEXT),
  // Enrichment (issue 5): filterable as soon as a store gives them SQL.
  dimension("src.as.name", TEXT, ["src.asn.name"]),
  dimension("dst.as.name", TEXT, ["dst.asn.name"]),
  dimension("src.country", COUNTRY),
  dimension("dst.country", COUNTRY),
  dimension("src.site", TEXT),
  dimension("dst.site", TEXT),
  dimension("src.region", TEXT),
  dimension("dst.region", TEXT),
  dimension("src.zone", TEXT),
  dimension("dst.zone", TEXT),
  dimension("src.provider", TEXT),
  dimension("dst.provider", TEXT),
  dimension("src.account", TEXT),
  dimension("dst.account", TEXT),
  dimension("src.vpc", TEXT),
  dimension("dst.vpc", TEXT),
  dimension("src.subnet", TEXT),
  dimension("dst.subnet", TEXT),
  dimension("src.service", TEXT),
  dimension("dst.service", TEXT),
  dimension("connectivity", TEXT),
  dimension("boundary.provider", TEXT),
  dimension("boundary.interface", TEXT),
  // Per-flow measures.
  measure("bytes", { kind: "volume", unit: "bytes" }),
  measure("packets", { kind: "volume", unit: "packets" }),
  measure("sampling.rate", integer("a sampling rate", 0, 4_294_967_295)),
  measure("tcp.flags", integer("TCP flags (a number)", 0, 65_535)),
  measure("tos", integer("a ToS byte", 0, 255)),
];

/** Tag keys: any text up to this long (quoted when not a bare word: `src.tag."cost center"`). */
export const TAG_KEY_MAX_LENGTH = 256;

const BY_NAME: ReadonlyMap<string, FilterField> = new Map(
  FILTER_FIELDS.flatMap((field) =>
    [field.name, ...field.aliases].map((name) => [name, field] as const),
  ),
);

/** Every name and alias, for "did you mean". */
export const FILTER_FIELD_NAMES: readonly string[] = [...BY_NAME.keys()];

/** The field a name or alias designates (case-insensitive), or undefined. */
export function findField(name: string): FilterField | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export const TAG_SIDES = ["src", "dst"] as const;
export type TagSide = (typeof TAG_SIDES)[number];

/** The side and key of a `src.tag.<key>` / `dst.tag.<key>` field name, or undefined. */
export function tagFieldParts(name: string): { side: TagSide; key: string } | undefined {
  for (const side of TAG_SIDES) {
    if (name.startsWith(`${side}.tag.`) && name.length > side.length + 5) {
      return { side, key: name.slice(side.length + 5) };
    }
  }
  return undefined;
}

/** The value kind of a tag field. */
export const TAG_VALUE: ValueKind = TEXT;
