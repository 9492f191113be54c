/**
 * `tollgate explain`: what the inventory makes of an address, and of a flow between two, with
 * the reason for every answer (which prefix of which network in which file, which registry
 * range, which published cloud range, which rule decided the direction and the locality). It
 * runs the same lookups and the same decision functions as the classifier, on text, so what it
 * says is what the pipeline does.
 */
import { canonicalIp, isGlobalUnicast, type Direction, type Locality } from "../core/index.ts";
import type { CloudRange, CloudRangeTable } from "./cloud-ranges/index.ts";
import type { Boundary, BoundaryInterface, ExporterTable } from "./exporters.ts";
import { decideLocality, type Place } from "./locality.ts";
import type { NetworkMatch, NetworkTable } from "./networks.ts";
import type { AddressRegistry, RegistrySource } from "./registry/index.ts";

export interface ExplainSources {
  networks: NetworkTable;
  exporters: ExporterTable;
  registry: AddressRegistry | undefined;
  cloudRanges: CloudRangeTable | undefined;
}

export interface NetworkExplanation {
  name: string;
  prefix: string;
  origin: string;
  attributes: Readonly<Record<string, string>>;
  /** Each tag with where it comes from: this network or an enclosing one (its name). */
  tags: { key: string; value: string; from: string }[];
  /** Enclosing declared networks, nearest first. */
  enclosing: { name: string; prefix: string; origin: string }[];
}

export interface AddressExplanation {
  address: string;
  /** In a declared network ("ours"). */
  ours: boolean;
  network: NetworkExplanation | undefined;
  asn: { number: number; name: string; range: string | undefined; source: string } | undefined;
  country: { code: string; range: string | undefined; source: string } | undefined;
  cloud:
    | {
        provider: string;
        service: string;
        region: string;
        kind: string;
        prefix: string;
        source: string;
      }
    | undefined;
  /** Public (global unicast) or not. */
  global: boolean;
}

export interface InterfaceExplanation {
  ifIndex: number;
  boundary: Boundary;
  declared: boolean;
  connectivity: string;
  provider: string;
  name: string;
  origin: string;
}

export interface FlowExplanation {
  src: AddressExplanation;
  dst: AddressExplanation;
  direction: Direction;
  directionSource: "interface" | "networks";
  directionReason: string;
  farEnd: "src" | "dst";
  locality: Locality;
  localityReason: string;
  exporter:
    | {
        address: string;
        name: string;
        origin: string;
        input?: InterfaceExplanation;
        output?: InterfaceExplanation;
      }
    | undefined;
}

function sourceText(source: RegistrySource | undefined): string {
  if (source === undefined) return "";
  // The bundled data is named by its package and version; a user's file by its path.
  if (source.kind === "default") return `bundled ${source.version}`;
  return `${source.file}${source.version === "" ? "" : ` (${source.version})`}`;
}

function networkExplanation(match: NetworkMatch): NetworkExplanation {
  const chain = [match, ...match.enclosing];
  const tags = Object.entries(match.tags).map(([key, value]) => {
    // The nearest network of the chain that states the tag with this value is where it came
    // from: inherited values are copies of the enclosing network's.
    let from = match.name;
    for (let index = chain.length - 1; index >= 0; index--) {
      const level = chain[index];
      if (level?.tags[key] === value) {
        from = level.name;
        break;
      }
    }
    return { key, value, from };
  });
  return {
    name: match.name,
    prefix: match.prefix,
    origin: match.origin,
    attributes: Object.fromEntries(
      Object.entries(match.attributes).filter(([, value]) => value !== ""),
    ),
    tags,
    enclosing: match.enclosing.map((outer) => ({
      name: outer.name,
      prefix: outer.prefix,
      origin: outer.origin,
    })),
  };
}

function cloudExplanation(range: CloudRange): NonNullable<AddressExplanation["cloud"]> {
  return {
    provider: range.provider,
    service: range.service,
    region: range.region,
    kind: range.kind,
    prefix: range.prefix.text,
    source: range.source,
  };
}

/** Undefined when the text is not an IP address. */
export function explainAddress(
  sources: ExplainSources,
  text: string,
): AddressExplanation | undefined {
  const address = canonicalIp(text.trim());
  if (address === undefined) return undefined;
  const match = sources.networks.lookup(address);
  const described = sources.registry?.describe(address);
  const entry = described?.entry;
  const range = sources.cloudRanges?.lookup(address);
  return {
    address,
    ours: match !== undefined,
    network: match === undefined ? undefined : networkExplanation(match),
    asn:
      entry === undefined || entry.asn === 0
        ? undefined
        : {
            number: entry.asn,
            name: entry.asName,
            range: described?.asnRange,
            source: sourceText(described?.asnSource),
          },
    country:
      entry === undefined || entry.country === ""
        ? undefined
        : {
            code: entry.country,
            range: described?.countryRange,
            source: sourceText(described?.countrySource),
          },
    cloud: range === undefined ? undefined : cloudExplanation(range),
    global: isGlobalUnicast(address),
  };
}

function interfaceExplanation(found: BoundaryInterface): InterfaceExplanation {
  return {
    ifIndex: found.ifIndex,
    boundary: found.boundary,
    declared: found.declared,
    connectivity: found.connectivity,
    provider: found.provider,
    name: found.name,
    origin: found.origin,
  };
}

export interface FlowQuestion {
  src: string;
  dst: string;
  /** The exporter and interfaces the flow was seen on, to apply its boundaries. */
  exporter?: string | undefined;
  inIf?: number | undefined;
  outIf?: number | undefined;
}

/** Undefined when an address does not parse. */
export function explainFlow(
  sources: ExplainSources,
  question: FlowQuestion,
): FlowExplanation | undefined {
  const src = explainAddress(sources, question.src);
  const dst = explainAddress(sources, question.dst);
  if (src === undefined || dst === undefined) return undefined;
  const exporter =
    question.exporter === undefined ? undefined : sources.exporters.get(question.exporter);
  const input = exporter?.interfaceAt(question.inIf ?? 0);
  const output = exporter?.interfaceAt(question.outIf ?? 0);

  let direction: Direction | undefined;
  let directionReason = "";
  if (exporter?.hasBoundaries === true) {
    const side = (found: BoundaryInterface | undefined, name: string, ifIndex: number) =>
      found === undefined
        ? `${name} interface ${ifIndex} unknown`
        : `${name} interface ${found.ifIndex}${found.name === "" ? "" : ` (${found.name})`} is ${found.boundary}${found.declared ? ` (${found.origin})` : " (not declared: internal)"}`;
    if (input !== undefined && output !== undefined) {
      direction =
        input.boundary === "external"
          ? output.boundary === "external"
            ? "transit"
            : "ingress"
          : output.boundary === "external"
            ? "egress"
            : "internal";
    } else if (input?.boundary === "external") direction = "ingress";
    else if (output?.boundary === "external") direction = "egress";
    if (direction !== undefined) {
      directionReason = `${side(input, "input", question.inIf ?? 0)}, ${side(output, "output", question.outIf ?? 0)}`;
    }
  }
  const directionSource = direction === undefined ? "networks" : "interface";
  if (direction === undefined) {
    direction = src.ours ? (dst.ours ? "internal" : "egress") : dst.ours ? "ingress" : "transit";
    const where = (end: AddressExplanation, name: string) =>
      end.network === undefined
        ? `${name} ${end.address} is in no declared network`
        : `${name} ${end.address} is in ${end.network.name} (${end.network.prefix})`;
    directionReason = `${where(src, "source")}, ${where(dst, "destination")}`;
  }
  const farEnd = direction === "ingress" ? "src" : "dst";
  const far = farEnd === "src" ? src : dst;
  const near = farEnd === "src" ? dst : src;
  const nearAttributes = near.network?.attributes ?? {};
  const place: Place | undefined =
    near.network === undefined
      ? undefined
      : {
          provider: nearAttributes["provider"] ?? "",
          region: nearAttributes["region"] ?? "",
          zone: nearAttributes["zone"] ?? "",
        };
  const farMatch = sources.networks.lookup(far.address);
  const farRange = farMatch === undefined ? sources.cloudRanges?.lookup(far.address) : undefined;
  const decision = decideLocality(place, {
    network: farMatch?.attributes,
    cloud: farRange,
    global: far.global,
  });
  return {
    src,
    dst,
    direction,
    directionSource,
    directionReason,
    farEnd,
    locality: decision.locality,
    localityReason: decision.reason,
    exporter:
      exporter === undefined
        ? undefined
        : {
            address: exporter.address,
            name: exporter.name,
            origin: exporter.origin,
            ...(input === undefined ? {} : { input: interfaceExplanation(input) }),
            ...(output === undefined ? {} : { output: interfaceExplanation(output) }),
          },
  };
}
