/**
 * Declared exporters and their boundary interfaces (the Akvorado/Kentik boundary model): an
 * interface is `external` when what is behind it is not ours (transit, peering, an IX, a
 * customer) and `internal` when it is. When a flow's input or output interface is a declared
 * boundary, its direction comes from the interfaces rather than from the addresses
 * (DESIGN.md "Direction"), which is right even for addresses the inventory does not know.
 *
 * An interface is found by ifIndex, or by its name or description (literal, or `/regex/`) as the
 * exporter reports them in IPFIX / NetFlow v9 options data (IEs 82 and 83, RFC 7012), learnt at
 * run time. On an exporter with at least one declared interface, an interface that no rule
 * matches counts as internal: users list their edge, not every port.
 */
import { canonicalIp, textToWords, wordsToText } from "../core/index.ts";

export const BOUNDARIES = ["external", "internal"] as const;
export type Boundary = (typeof BOUNDARIES)[number];

export interface InterfaceDeclaration {
  ifIndex?: number | readonly number[] | undefined;
  name?: string | undefined;
  description?: string | undefined;
  boundary: Boundary;
  connectivity?: string | undefined;
  provider?: string | undefined;
}

export interface ExporterDeclaration {
  address: string;
  name?: string | undefined;
  site?: string | undefined;
  samplingRate?: number | undefined;
  interfaces?: readonly InterfaceDeclaration[] | undefined;
  /** Where it was declared, for `explain`. */
  origin?: string | undefined;
}

/** What one interface of one exporter is, for classification, storage and `explain`. */
export interface BoundaryInterface {
  readonly ifIndex: number;
  readonly boundary: Boundary;
  readonly connectivity: string;
  readonly provider: string;
  /** The name and description the exporter reported, or the rule's literal ones, else "". */
  readonly name: string;
  readonly description: string;
  /** The rule that matched (`inventory.exporters[0].interfaces[1]`), "" when none did. */
  readonly origin: string;
  /** False when no rule matched and the interface is internal by implication. */
  readonly declared: boolean;
}

export interface ExporterInventory {
  /** Canonical address text. */
  readonly address: string;
  readonly name: string;
  readonly site: string;
  readonly samplingRate: number | undefined;
  readonly origin: string;
  /** Whether any interface is declared: only then do interfaces decide direction. */
  readonly hasBoundaries: boolean;
  /** The interface with this ifIndex; undefined for 0 (unknown) or without boundaries. */
  interfaceAt(ifIndex: number): BoundaryInterface | undefined;
  /** Records the name and description the exporter reported for an ifIndex (options data). */
  learnInterface(ifIndex: number, name: string, description: string): void;
}

export interface ExporterTable {
  readonly exporters: readonly ExporterInventory[];
  /** By address text (either family, any spelling). */
  get(address: string): ExporterInventory | undefined;
  /** Hot path: by the 4 address words of a FlowBatch row (`words[base…base+3]`). */
  getByWords(words: Uint32Array, base: number): ExporterInventory | undefined;
}

export interface ExporterTableError {
  path: string;
  message: string;
}

export type ExporterTableResult =
  | { readonly ok: true; readonly table: ExporterTable }
  | { readonly ok: false; readonly errors: readonly ExporterTableError[] };

type Matcher = (value: string) => boolean;

/** ifIndexes below this resolve through an array (most exporters number their ports low). */
const SMALL_IFINDEX = 4096;

/**
 * An exporter's address as the batch spells it: canonical, and IPv4-mapped IPv6 as IPv4 (the
 * batch holds IPv4 exporters in mapped form and prints them as IPv4).
 */
const scratchWords = new Uint32Array(4);

function exporterAddress(text: string): string | undefined {
  if (canonicalIp(text) === undefined) return undefined;
  return textToWords(text, scratchWords, 0) ? wordsToText(scratchWords, 0) : undefined;
}

interface CompiledRule {
  readonly ifIndexes: ReadonlySet<number> | undefined;
  readonly name: Matcher | undefined;
  readonly description: Matcher | undefined;
  readonly literalName: string;
  readonly literalDescription: string;
  readonly boundary: Boundary;
  readonly connectivity: string;
  readonly provider: string;
  readonly origin: string;
}

/** `/regex/flags` or a literal; returns a message for a regex that does not compile. */
function compileMatcher(text: string): Matcher | string {
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(text);
  if (regex === null) return (value) => value === text;
  try {
    const pattern = new RegExp(regex[1] ?? "", regex[2] ?? "");
    return (value) => pattern.test(value);
  } catch (error) {
    return `${text} is not a valid regular expression (${(error as Error).message})`;
  }
}

const isRegex = (text: string | undefined): boolean =>
  text !== undefined && /^\/.*\/[a-z]*$/s.test(text);

export function buildExporterTable(
  declarations: readonly ExporterDeclaration[],
  basePath = "inventory.exporters",
): ExporterTableResult {
  const errors: ExporterTableError[] = [];
  const exporters: ExporterInventory[] = [];
  const byAddress = new Map<string, ExporterInventory>();
  const firstPath = new Map<string, string>();
  declarations.forEach((declaration, index) => {
    const path = declaration.origin ?? `${basePath}[${index}]`;
    const address = exporterAddress(declaration.address);
    if (address === undefined) {
      errors.push({
        path: `${path}.address`,
        message: `"${declaration.address}" is not an IP address: give the address flows arrive from, e.g. 192.0.2.1`,
      });
      return;
    }
    const earlier = firstPath.get(address);
    if (earlier !== undefined) {
      errors.push({
        path: `${path}.address`,
        message: `exporter ${address} is already declared at ${earlier}: merge the two entries`,
      });
      return;
    }
    firstPath.set(address, path);
    const rules: CompiledRule[] = [];
    (declaration.interfaces ?? []).forEach((rule, ruleIndex) => {
      const rulePath = `${path}.interfaces[${ruleIndex}]`;
      if (rule.ifIndex === undefined && rule.name === undefined && rule.description === undefined) {
        errors.push({
          path: rulePath,
          message: "an interface needs an ifIndex, a name or a description to be recognised by",
        });
        return;
      }
      const matchers: (Matcher | undefined)[] = [];
      for (const key of ["name", "description"] as const) {
        const text = rule[key];
        // With an ifIndex, a literal name or description only labels the interface.
        if (text === undefined || (rule.ifIndex !== undefined && !isRegex(text))) {
          matchers.push(undefined);
          continue;
        }
        const matcher = compileMatcher(text);
        if (typeof matcher === "string") {
          errors.push({ path: `${rulePath}.${key}`, message: matcher });
          return;
        }
        matchers.push(matcher);
      }
      const ifIndexes =
        rule.ifIndex === undefined
          ? undefined
          : new Set(typeof rule.ifIndex === "number" ? [rule.ifIndex] : rule.ifIndex);
      rules.push({
        ifIndexes,
        name: matchers[0],
        description: matchers[1],
        literalName: rule.name !== undefined && !isRegex(rule.name) ? rule.name : "",
        literalDescription:
          rule.description !== undefined && !isRegex(rule.description) ? rule.description : "",
        boundary: rule.boundary,
        connectivity: rule.connectivity ?? "",
        provider: rule.provider ?? "",
        origin: rulePath,
      });
    });
    const exporter = createExporter(address, declaration, path, rules);
    exporters.push(exporter);
    byAddress.set(address, exporter);
  });
  if (errors.length > 0) return { ok: false, errors };

  let lastWords = [-1, -1, -1, -1];
  let lastExporter: ExporterInventory | undefined;
  return {
    ok: true,
    table: {
      exporters,
      get(address) {
        const canonical = exporterAddress(address);
        return canonical === undefined ? undefined : byAddress.get(canonical);
      },
      getByWords(words, base) {
        if (byAddress.size === 0) return undefined;
        // Rows of a batch mostly come from one exporter: compare words before building text.
        const w0 = words[base] ?? 0;
        const w1 = words[base + 1] ?? 0;
        const w2 = words[base + 2] ?? 0;
        const w3 = words[base + 3] ?? 0;
        if (
          w0 === lastWords[0] &&
          w1 === lastWords[1] &&
          w2 === lastWords[2] &&
          w3 === lastWords[3]
        ) {
          return lastExporter;
        }
        lastWords = [w0, w1, w2, w3];
        lastExporter = byAddress.get(wordsToText(words, base / 4));
        return lastExporter;
      },
    },
  };
}

function createExporter(
  address: string,
  declaration: ExporterDeclaration,
  origin: string,
  rules: readonly CompiledRule[],
): ExporterInventory {
  const learnt = new Map<number, { name: string; description: string }>();
  const resolved = new Map<number, BoundaryInterface>();
  const resolvedSmall = new Array<BoundaryInterface | undefined>(SMALL_IFINDEX).fill(undefined);
  const resolve = (ifIndex: number): BoundaryInterface => {
    const names = learnt.get(ifIndex);
    const name = names?.name ?? "";
    const description = names?.description ?? "";
    for (const rule of rules) {
      const byIndex = rule.ifIndexes?.has(ifIndex) === true;
      const byName =
        rule.ifIndexes === undefined &&
        (rule.name === undefined || rule.name(name)) &&
        (rule.description === undefined || rule.description(description)) &&
        (rule.name !== undefined || rule.description !== undefined) &&
        names !== undefined;
      if (!byIndex && !byName) continue;
      return Object.freeze({
        ifIndex,
        boundary: rule.boundary,
        connectivity: rule.connectivity,
        provider: rule.provider,
        name: name !== "" ? name : rule.literalName,
        description: description !== "" ? description : rule.literalDescription,
        origin: rule.origin,
        declared: true,
      });
    }
    return Object.freeze({
      ifIndex,
      boundary: "internal",
      connectivity: "",
      provider: "",
      name,
      description,
      origin: "",
      declared: false,
    });
  };
  return {
    address,
    name: declaration.name ?? "",
    site: declaration.site ?? "",
    samplingRate: declaration.samplingRate,
    origin,
    hasBoundaries: rules.length > 0,
    interfaceAt(ifIndex) {
      if (rules.length === 0 || ifIndex === 0) return undefined;
      // Two probes a flow on the classify hot path: an array read for the usual small
      // ifIndexes, a Map beyond.
      if (ifIndex < SMALL_IFINDEX) {
        let known = resolvedSmall[ifIndex];
        if (known === undefined) {
          known = resolve(ifIndex);
          resolvedSmall[ifIndex] = known;
        }
        return known;
      }
      let known = resolved.get(ifIndex);
      if (known === undefined) {
        known = resolve(ifIndex);
        resolved.set(ifIndex, known);
      }
      return known;
    },
    learnInterface(ifIndex, name, description) {
      const previous = learnt.get(ifIndex);
      if (previous?.name === name && previous.description === description) return;
      learnt.set(ifIndex, { name, description });
      resolved.delete(ifIndex);
      if (ifIndex < SMALL_IFINDEX) resolvedSmall[ifIndex] = undefined;
    },
  };
}
