import type { DecodeIssue } from "../../core/index.ts";
import { flowSourceIndex } from "../../core/index.ts";
import type { DatagramContext, DecodeOutput } from "../output.ts";
import { compileTemplate } from "./compile.ts";
import type { CompiledLayout } from "./compile.ts";
import { TEMPLATE_KINDS, TEMPLATE_PROTOCOLS, sameFields } from "./definition.ts";
import type { TemplateDefinition, TemplateField, TemplateProtocol } from "./definition.ts";
import { VARIABLE_LENGTH } from "./ie.ts";
import { pushIssue } from "./issues.ts";
import type { OptionsValues, RecordContext } from "./record-context.ts";
import { advanceSequence } from "./sequence.ts";
import type { SequenceTrack } from "./sequence.ts";

export interface TemplateStateOptions {
  /** Templates and options templates per (exporter, protocol); the least recently defined goes. */
  maxTemplatesPerExporter?: number;
  /** Exporters remembered; the least recently seen goes (its held data counted missing). */
  maxExporters?: number;
  /** Data sets held per exporter while their template has not arrived. */
  maxHeldSetsPerExporter?: number;
  maxHeldBytesPerExporter?: number;
  /** How long a held data set waits for its template, measured on receive times. */
  maxHoldAgeMs?: number;
  /** Configured fallback 1-in-N rate for an exporter that states none. */
  samplingRateFor?: (exporterAddr: string) => number | undefined;
  /** Interfaces (ifIndex → name, description) learnt from options data per exporter. */
  maxInterfacesPerExporter?: number;
  /**
   * Told when options data teaches an interface's name or description that differs from what
   * was known (not on every refresh: exporters resend the whole table periodically), and for
   * each interface `restore()` loads. Called synchronously while the datagram decodes (only
   * on a change, so the steady state allocates nothing); must not throw.
   */
  onInterface?: (learnt: LearntInterface) => void;
}

export const defaultTemplateStateOptions = {
  maxTemplatesPerExporter: 4096,
  maxExporters: 10_000,
  maxHeldSetsPerExporter: 64,
  maxHeldBytesPerExporter: 256 * 1024,
  maxHoldAgeMs: 30_000,
  maxInterfacesPerExporter: 65_536,
} as const;

/** Longest interface name or description kept, in bytes (IOS allows 240, Junos about 900). */
const MAX_INTERFACE_TEXT_BYTES = 1024;

const utf8 = new TextDecoder("utf-8");

/** Observation domains (sequence tracks, sampling tables) remembered per exporter. */
const MAX_DOMAINS_PER_EXPORTER = 256;
/** Sampler ids remembered per exporter and domain. */
const MAX_SAMPLERS_PER_DOMAIN = 1024;
/** Beyond these a sequence jump is a restart, not loss (v9 counts packets, IPFIX records). */
const MAX_GAP = { netflow9: 100_000, ipfix: 10_000_000 } as const;

/** What this datagram produced (records released from the hold included). */
export interface TemplateDecodeSummary {
  /** Rows appended (biflow reverse rows included). */
  flows: number;
  /** Of `flows`, the reverse rows of biflow records (RFC 5103): flows − this = data records. */
  reverseFlows: number;
  optionsRecords: number;
  templates: number;
  held: number;
}

export interface ExporterTemplateStats {
  exporterAddr: string;
  protocol: TemplateProtocol;
  packets: number;
  flowRecords: number;
  optionsRecords: number;
  /** Templates and options templates currently known. */
  templates: number;
  /** Data sets dropped because their template never came (expired, evicted, hold full). */
  templateMisses: number;
  /** Lost export packets (v9) or data records (IPFIX) inferred from sequence numbers. */
  sequenceGaps: number;
  /** Data sets held now. */
  held: number;
  /** Interfaces whose name or description options data taught (all domains). */
  interfaces: number;
}

/**
 * An interface name and description from an exporter's interface table options data
 * (IEs 10/14 with 82/83, RFC 7012). `name`/`description` are "" when the exporter sent none.
 */
export interface LearntInterface {
  protocol: TemplateProtocol;
  exporterAddr: string;
  domain: number;
  ifIndex: number;
  name: string;
  description: string;
}

export interface InterfaceSnapshot {
  domain: number;
  ifIndex: number;
  name: string;
  description: string;
}

export interface SamplingSnapshot {
  domain: number;
  /** -1: the rate applies to the whole domain (options data without a sampler id). */
  samplerId: number;
  rate: number;
}

export interface TemplateSnapshot {
  version: 1;
  exporters: {
    protocol: TemplateProtocol;
    exporterAddr: string;
    templates: TemplateDefinition[];
    sampling: SamplingSnapshot[];
    systemInit: { domain: number; systemInitMs: number }[];
    /** Absent in snapshots written before interface names were learnt. */
    interfaces?: InterfaceSnapshot[];
  }[];
}

interface StoredTemplate {
  definition: TemplateDefinition;
  compiled: CompiledLayout;
}

interface HeldSet {
  domain: number;
  templateId: number;
  bytes: Uint8Array;
  exportMs: number;
  sysUptimeMs: number;
  receivedMs: number;
}

interface Exporter {
  protocol: TemplateProtocol;
  exporterAddr: string;
  /** Key: domain * 65536 + template id (below 2^48, exact). */
  templates: Map<number, StoredTemplate>;
  /** domain → sampler id (-1 = domain-wide) → rate. */
  sampling: Map<number, Map<number, number>>;
  systemInit: Map<number, number>;
  /** domain → ifIndex → names; `stats.interfaces` counts them all. */
  interfaces: Map<number, Map<number, { name: string; description: string }>>;
  sequences: Map<number, SequenceTrack>;
  held: HeldSet[];
  heldBytes: number;
  stats: ExporterTemplateStats;
}

/** Message-level facts the decoders pass in. */
export interface MessageFacts {
  domain: number;
  exportMs: number;
  sysUptimeMs: number;
}

function templateKey(domain: number, templateId: number): number {
  return domain * 65536 + templateId;
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Checks a template definition (parsed or restored): ids and lengths in range and a record of
 * at least one byte (a zero-length record would never advance). Returns a problem or undefined.
 */
export function templateProblem(definition: TemplateDefinition): string | undefined {
  if (!isUint(definition.templateId, 65535) || definition.templateId < 256) {
    return `template id ${String(definition.templateId)}`;
  }
  if (!isUint(definition.domain, 0xffffffff)) return `domain ${String(definition.domain)}`;
  if (!TEMPLATE_KINDS.includes(definition.kind)) return `kind ${definition.kind}`;
  const fields: unknown = definition.fields;
  if (!Array.isArray(fields) || fields.length === 0 || fields.length > 65535) return "no fields";
  if (!isUint(definition.scopeFieldCount, fields.length)) return "scope field count";
  let recordBytes = 0;
  for (const field of fields as unknown[]) {
    const candidate = field as Partial<TemplateField> | null;
    if (
      candidate === null ||
      typeof candidate !== "object" ||
      !isUint(candidate.id, 0xffff) ||
      !isUint(candidate.length, 65535) ||
      !isUint(candidate.enterprise, 0xffffffff)
    ) {
      return "bad field specifier";
    }
    recordBytes += candidate.length === VARIABLE_LENGTH ? 1 : candidate.length;
  }
  if (recordBytes === 0) return "records of zero length";
  return undefined;
}

/**
 * Templates, options-learned sampling rates, held early data and per-exporter counters of the
 * NetFlow v9 and IPFIX decoders, keyed (protocol, exporter address, domain, template id).
 * Bounded in every dimension (see TemplateStateOptions) so that a flood of random templates or
 * exporters cannot grow it without limit. Pure: time comes from the datagram context.
 */
export class TemplateState {
  private readonly limits: typeof defaultTemplateStateOptions;
  private readonly samplingRateFor: ((exporterAddr: string) => number | undefined) | undefined;
  private readonly onInterface: ((learnt: LearntInterface) => void) | undefined;
  private readonly exporters = new Map<string, Exporter>();
  private current: Exporter | undefined;
  /** Reused for every record: see RecordContext. */
  readonly context: RecordContext;
  private readonly optionsValues: OptionsValues = {
    samplerId: -1,
    rate: 0,
    systemInitMs: -1,
    ifIndex: -1,
    nameAt: -1,
    nameBytes: 0,
    descriptionAt: -1,
    descriptionBytes: 0,
  };
  private configRate = 0;

  constructor(options: TemplateStateOptions = {}) {
    this.limits = {
      maxTemplatesPerExporter:
        options.maxTemplatesPerExporter ?? defaultTemplateStateOptions.maxTemplatesPerExporter,
      maxExporters: options.maxExporters ?? defaultTemplateStateOptions.maxExporters,
      maxHeldSetsPerExporter:
        options.maxHeldSetsPerExporter ?? defaultTemplateStateOptions.maxHeldSetsPerExporter,
      maxHeldBytesPerExporter:
        options.maxHeldBytesPerExporter ?? defaultTemplateStateOptions.maxHeldBytesPerExporter,
      maxHoldAgeMs: options.maxHoldAgeMs ?? defaultTemplateStateOptions.maxHoldAgeMs,
      maxInterfacesPerExporter:
        options.maxInterfacesPerExporter ?? defaultTemplateStateOptions.maxInterfacesPerExporter,
    } as typeof defaultTemplateStateOptions;
    this.samplingRateFor = options.samplingRateFor;
    this.onInterface = options.onInterface;
    this.context = {
      exportMs: 0,
      sysUptimeMs: 0,
      systemInitMs: -1,
      receivedMs: 0,
      exporterWords: new Uint32Array(4),
      source: 0,
      domain: 0,
      samplingRate: 1,
      samplingKnown: 0,
      samplerRate: (samplerId: number) =>
        this.current?.sampling.get(this.context.domain)?.get(samplerId) ?? 0,
    };
  }

  // ---- used by the decoders -------------------------------------------------------------

  /**
   * Starts a message from `context.exporterAddr`: finds or creates the exporter (evicting the
   * least recently seen beyond the limit), expires its old held data, fills the record context.
   * @internal for the v9 and IPFIX decoders.
   */
  beginMessage(
    protocol: TemplateProtocol,
    datagram: DatagramContext,
    facts: MessageFacts,
    out: DecodeOutput,
  ): void {
    const key = `${protocol}|${datagram.exporterAddr}`;
    let exporter = this.exporters.get(key);
    if (exporter === undefined) {
      exporter = this.newExporter(protocol, datagram.exporterAddr);
      if (this.exporters.size >= this.limits.maxExporters) {
        const oldest = this.exporters.entries().next();
        if (oldest.done !== true) {
          this.dropHeld(
            oldest.value[1],
            oldest.value[1].held.length,
            out.issues,
            "exporter evicted",
          );
          this.exporters.delete(oldest.value[0]);
        }
      }
    } else {
      this.exporters.delete(key);
    }
    this.exporters.set(key, exporter);
    this.current = exporter;
    this.messageRecords = 0;
    exporter.stats.packets++;
    this.expire(exporter, datagram.receivedMs, out.issues);
    const context = this.context;
    context.receivedMs = datagram.receivedMs;
    context.exporterWords = datagram.exporterWords;
    context.source = flowSourceIndex(protocol);
    const configured = this.samplingRateFor?.(datagram.exporterAddr);
    this.configRate =
      configured !== undefined && Number.isFinite(configured) && configured >= 1
        ? Math.round(configured)
        : 0;
    this.setMessage(facts);
  }

  private setMessage(facts: MessageFacts): void {
    const context = this.context;
    context.domain = facts.domain;
    context.exportMs = facts.exportMs;
    context.sysUptimeMs = facts.sysUptimeMs;
  }

  /** Counts the message's sequence number. @internal */
  endMessage(domain: number, sequence: number, advance: number, countable: boolean): void {
    const exporter = this.current;
    if (exporter === undefined) return;
    const track = exporter.sequences.get(domain);
    if (track === undefined) {
      if (exporter.sequences.size >= MAX_DOMAINS_PER_EXPORTER) {
        const oldest = exporter.sequences.keys().next();
        if (oldest.done !== true) exporter.sequences.delete(oldest.value);
      }
      exporter.sequences.set(domain, { next: (sequence + advance) >>> 0, countable });
      return;
    }
    exporter.stats.sequenceGaps += advanceSequence(
      track,
      sequence,
      advance,
      countable,
      MAX_GAP[exporter.protocol],
    );
  }

  /** Stores a template (or options template) and decodes data held for it. @internal */
  defineTemplate(
    definition: TemplateDefinition,
    out: DecodeOutput,
    summary: TemplateDecodeSummary,
  ): void {
    const exporter = this.current;
    if (exporter === undefined) return;
    const problem = templateProblem(definition);
    if (problem !== undefined) {
      pushIssue(out.issues, "bad-template", `template ${definition.templateId}: ${problem}`);
      return;
    }
    if (!this.store(exporter, definition, out.issues)) return;
    summary.templates++;
    this.release(exporter, definition.domain, definition.templateId, out, summary);
  }

  /** RFC 7011 §8.1 withdrawal: one template id, or all (`templateId` undefined) of a kind. @internal */
  withdraw(domain: number, templateId: number | undefined, kind: "data" | "options"): void {
    const exporter = this.current;
    if (exporter === undefined) return;
    if (templateId !== undefined) {
      exporter.templates.delete(templateKey(domain, templateId));
    } else {
      for (const [key, stored] of exporter.templates) {
        if (stored.definition.domain === domain && stored.definition.kind === kind)
          exporter.templates.delete(key);
      }
    }
    exporter.stats.templates = exporter.templates.size;
  }

  /**
   * Decodes one data set (bytes `start`–`end` of `view`) with its template, or holds it until
   * the template arrives. @internal
   */
  dataSet(
    templateId: number,
    view: DataView,
    start: number,
    end: number,
    out: DecodeOutput,
    summary: TemplateDecodeSummary,
  ): void {
    const exporter = this.current;
    if (exporter === undefined) return;
    const stored = exporter.templates.get(templateKey(this.context.domain, templateId));
    if (stored === undefined) {
      this.hold(exporter, templateId, view, start, end, out, summary);
      return;
    }
    this.decodeWith(exporter, stored, view, start, end, out, summary);
  }

  private decodeWith(
    exporter: Exporter,
    stored: StoredTemplate,
    view: DataView,
    start: number,
    end: number,
    out: DecodeOutput,
    summary: TemplateDecodeSummary,
  ): void {
    const compiled = stored.compiled;
    const context = this.context;
    let offset = start;
    let records = 0;
    if (compiled.decode !== undefined) {
      this.resolveSetRate(exporter);
      const decode = compiled.decode;
      const batch = out.flows;
      const before = batch.length;
      while (end - offset >= compiled.minRecordBytes) {
        const next = decode(view, offset, end, batch, context);
        if (next < 0) {
          pushIssue(
            out.issues,
            "truncated-record",
            `template ${stored.definition.templateId} record at offset ${offset} runs past its set`,
          );
          offset = end;
          break;
        }
        offset = next;
        records++;
      }
      const rows = batch.length - before;
      summary.flows += rows;
      summary.reverseFlows += rows - records;
      exporter.stats.flowRecords += rows;
    } else if (compiled.decodeOptions !== undefined) {
      const values = this.optionsValues;
      while (end - offset >= compiled.minRecordBytes) {
        const next = compiled.decodeOptions(view, offset, end, values);
        if (next < 0) {
          pushIssue(
            out.issues,
            "truncated-record",
            `options template ${stored.definition.templateId} record at offset ${offset} runs past its set`,
          );
          offset = end;
          break;
        }
        offset = next;
        records++;
        this.learn(exporter, values);
        if (values.ifIndex >= 0) this.learnFromRecord(exporter, values, view, out.issues);
      }
      summary.optionsRecords += records;
      exporter.stats.optionsRecords += records;
    }
    // RFC 7011 §3.3.1: padding after the last record is zero bytes shorter than a record.
    for (let index = offset; index < end; index++) {
      if (view.getUint8(index) !== 0) {
        pushIssue(
          out.issues,
          "padding",
          `${end - offset} bytes after the last record of template ${stored.definition.templateId} are not zero`,
        );
        break;
      }
    }
    this.messageRecords += records;
  }

  /** Data records decoded since `beginMessage` (for the IPFIX sequence). @internal */
  messageRecords = 0;

  private learn(exporter: Exporter, values: OptionsValues): void {
    const domain = this.context.domain;
    if (values.rate > 0) {
      let samplers = exporter.sampling.get(domain);
      if (samplers === undefined) {
        if (exporter.sampling.size >= MAX_DOMAINS_PER_EXPORTER) exporter.sampling.clear();
        samplers = new Map();
        exporter.sampling.set(domain, samplers);
      }
      if (!samplers.has(values.samplerId) && samplers.size >= MAX_SAMPLERS_PER_DOMAIN)
        samplers.clear();
      samplers.set(values.samplerId, values.rate);
    }
    if (values.systemInitMs >= 0) {
      if (!exporter.systemInit.has(domain) && exporter.systemInit.size >= MAX_DOMAINS_PER_EXPORTER)
        exporter.systemInit.clear();
      exporter.systemInit.set(domain, values.systemInitMs);
    }
  }

  /** Decodes the strings of an interface table record (rare: not the per-flow path). */
  private learnFromRecord(
    exporter: Exporter,
    values: OptionsValues,
    view: DataView,
    issues: DecodeIssue[],
  ): void {
    this.learnInterface(
      exporter,
      this.context.domain,
      values.ifIndex,
      values.nameAt < 0 ? undefined : text(view, values.nameAt, values.nameBytes),
      values.descriptionAt < 0
        ? undefined
        : text(view, values.descriptionAt, values.descriptionBytes),
      issues,
    );
  }

  /**
   * Records an interface's names. A string the record lacks keeps the one known (an exporter
   * may send names and descriptions in different options templates). A new ifIndex beyond the
   * per-exporter limit is refused and reported (`interface-limit`): the interfaces learnt first
   * stay, so a flood of invented indexes cannot push the real ones out.
   */
  private learnInterface(
    exporter: Exporter,
    domain: number,
    ifIndex: number,
    name: string | undefined,
    description: string | undefined,
    issues: DecodeIssue[],
  ): void {
    let table = exporter.interfaces.get(domain);
    const known = table?.get(ifIndex);
    if (known === undefined) {
      if (exporter.stats.interfaces >= this.limits.maxInterfacesPerExporter) {
        pushIssue(
          issues,
          "interface-limit",
          `${exporter.stats.interfaces} interfaces known: ifIndex ${ifIndex} of domain ${domain} not learnt`,
        );
        return;
      }
      if (table === undefined) {
        table = new Map();
        exporter.interfaces.set(domain, table);
      }
      const entry = { name: name ?? "", description: description ?? "" };
      table.set(ifIndex, entry);
      exporter.stats.interfaces++;
      this.announce(exporter, domain, ifIndex, entry);
      return;
    }
    const nextName = name ?? known.name;
    const nextDescription = description ?? known.description;
    if (nextName === known.name && nextDescription === known.description) return;
    known.name = nextName;
    known.description = nextDescription;
    this.announce(exporter, domain, ifIndex, known);
  }

  private announce(
    exporter: Exporter,
    domain: number,
    ifIndex: number,
    names: { name: string; description: string },
  ): void {
    this.onInterface?.({
      protocol: exporter.protocol,
      exporterAddr: exporter.exporterAddr,
      domain,
      ifIndex,
      name: names.name,
      description: names.description,
    });
  }

  /** Sets the rate of records without a sampling IE: domain-wide options, configuration, 1. */
  private resolveSetRate(exporter: Exporter): void {
    const context = this.context;
    const domainRate = exporter.sampling.get(context.domain)?.get(-1);
    if (domainRate !== undefined) {
      context.samplingRate = domainRate;
      context.samplingKnown = 1;
    } else if (this.configRate > 0) {
      context.samplingRate = this.configRate;
      context.samplingKnown = 1;
    } else {
      context.samplingRate = 1;
      context.samplingKnown = 0;
    }
    context.systemInitMs = exporter.systemInit.get(context.domain) ?? -1;
  }

  private hold(
    exporter: Exporter,
    templateId: number,
    view: DataView,
    start: number,
    end: number,
    out: DecodeOutput,
    summary: TemplateDecodeSummary,
  ): void {
    const bytes = end - start;
    const context = this.context;
    const detail = `template ${templateId} of domain ${context.domain}`;
    if (
      exporter.held.length >= this.limits.maxHeldSetsPerExporter ||
      exporter.heldBytes + bytes > this.limits.maxHeldBytesPerExporter
    ) {
      pushIssue(out.issues, "hold-full", `${detail}: ${bytes} bytes not held`);
      pushIssue(out.issues, "template-missing", `${detail}: no template, hold full`);
      exporter.stats.templateMisses++;
      return;
    }
    const copy = new Uint8Array(bytes);
    copy.set(new Uint8Array(view.buffer, view.byteOffset + start, bytes));
    exporter.held.push({
      domain: context.domain,
      templateId,
      bytes: copy,
      exportMs: context.exportMs,
      sysUptimeMs: context.sysUptimeMs,
      receivedMs: context.receivedMs,
    });
    exporter.heldBytes += bytes;
    exporter.stats.held = exporter.held.length;
    summary.held++;
    pushIssue(
      out.issues,
      "template-held",
      `${detail}: ${bytes} bytes held until the template arrives`,
    );
  }

  private release(
    exporter: Exporter,
    domain: number,
    templateId: number,
    out: DecodeOutput,
    summary: TemplateDecodeSummary,
  ): void {
    if (exporter.held.length === 0) return;
    const stored = exporter.templates.get(templateKey(domain, templateId));
    if (stored === undefined) return;
    const context = this.context;
    const saved = {
      domain: context.domain,
      exportMs: context.exportMs,
      sysUptimeMs: context.sysUptimeMs,
      receivedMs: context.receivedMs,
    };
    const keep: HeldSet[] = [];
    const records = this.messageRecords;
    for (const held of exporter.held) {
      if (held.domain !== domain || held.templateId !== templateId) {
        keep.push(held);
        continue;
      }
      exporter.heldBytes -= held.bytes.byteLength;
      this.setMessage(held);
      context.receivedMs = held.receivedMs;
      const view = new DataView(held.bytes.buffer, held.bytes.byteOffset, held.bytes.byteLength);
      this.decodeWith(exporter, stored, view, 0, held.bytes.byteLength, out, summary);
    }
    // Released records belong to earlier messages: not this message's sequence count.
    this.messageRecords = records;
    exporter.held = keep;
    exporter.stats.held = keep.length;
    this.setMessage(saved);
    context.receivedMs = saved.receivedMs;
  }

  private expire(exporter: Exporter, nowMs: number, issues: DecodeIssue[]): void {
    if (exporter.held.length === 0) return;
    const maxAgeMs = this.limits.maxHoldAgeMs;
    const kept = exporter.held.filter((held) => {
      if (nowMs - held.receivedMs <= maxAgeMs) return true;
      exporter.heldBytes -= held.bytes.byteLength;
      exporter.stats.templateMisses++;
      pushIssue(
        issues,
        "template-missing",
        `template ${held.templateId} of domain ${held.domain} never arrived (${held.bytes.byteLength} bytes held ${nowMs - held.receivedMs} ms)`,
      );
      return false;
    });
    exporter.held = kept;
    exporter.stats.held = kept.length;
  }

  private dropHeld(exporter: Exporter, count: number, issues: DecodeIssue[], why: string): void {
    for (const held of exporter.held.slice(0, count)) {
      exporter.stats.templateMisses++;
      pushIssue(
        issues,
        "template-missing",
        `template ${held.templateId} of domain ${held.domain}: ${why}`,
      );
    }
    exporter.held = exporter.held.slice(count);
    exporter.heldBytes = exporter.held.reduce((sum, held) => sum + held.bytes.byteLength, 0);
    exporter.stats.held = exporter.held.length;
  }

  private newExporter(protocol: TemplateProtocol, exporterAddr: string): Exporter {
    return {
      protocol,
      exporterAddr,
      templates: new Map(),
      sampling: new Map(),
      systemInit: new Map(),
      interfaces: new Map(),
      sequences: new Map(),
      held: [],
      heldBytes: 0,
      stats: {
        exporterAddr,
        protocol,
        packets: 0,
        flowRecords: 0,
        optionsRecords: 0,
        templates: 0,
        templateMisses: 0,
        sequenceGaps: 0,
        held: 0,
        interfaces: 0,
      },
    };
  }

  /** Stores a valid definition; false when unchanged would still be fine (returns true). */
  private store(
    exporter: Exporter,
    definition: TemplateDefinition,
    issues: DecodeIssue[],
  ): boolean {
    const key = templateKey(definition.domain, definition.templateId);
    const existing = exporter.templates.get(key);
    if (
      existing !== undefined &&
      existing.definition.kind === definition.kind &&
      sameFields(existing.definition.fields, definition.fields)
    ) {
      // A refresh (exporters resend templates periodically): keep the compiled decoder.
      return true;
    }
    const compiled = compileTemplate(
      exporter.protocol,
      definition.kind,
      definition.fields,
      definition.scopeFieldCount,
    );
    if (compiled.fieldProblems.length > 0) {
      pushIssue(
        issues,
        "bad-field-length",
        `template ${definition.templateId}: ${compiled.fieldProblems.join(", ")} skipped`,
      );
    }
    if (existing !== undefined) exporter.templates.delete(key);
    else if (exporter.templates.size >= this.limits.maxTemplatesPerExporter) {
      const oldest = exporter.templates.entries().next();
      if (oldest.done !== true) {
        exporter.templates.delete(oldest.value[0]);
        pushIssue(
          issues,
          "template-limit",
          `${exporter.templates.size + 1} templates: dropped template ${oldest.value[1].definition.templateId} of domain ${oldest.value[1].definition.domain}`,
        );
      }
    }
    exporter.templates.set(key, {
      definition: { ...definition, fields: definition.fields.map((field) => ({ ...field })) },
      compiled,
    });
    exporter.stats.templates = exporter.templates.size;
    return true;
  }

  // ---- public ------------------------------------------------------------------------------

  /** Every template and learned sampling fact as plain JSON-serialisable data. */
  snapshot(): TemplateSnapshot {
    return {
      version: 1,
      exporters: [...this.exporters.values()].map((exporter) => ({
        protocol: exporter.protocol,
        exporterAddr: exporter.exporterAddr,
        templates: [...exporter.templates.values()].map((stored) => ({
          ...stored.definition,
          fields: stored.definition.fields.map((field) => ({ ...field })),
        })),
        sampling: [...exporter.sampling].flatMap(([domain, samplers]) =>
          [...samplers].map(([samplerId, rate]) => ({ domain, samplerId, rate })),
        ),
        systemInit: [...exporter.systemInit].map(([domain, systemInitMs]) => ({
          domain,
          systemInitMs,
        })),
        interfaces: [...exporter.interfaces].flatMap(([domain, table]) =>
          [...table].map(([ifIndex, names]) => ({ domain, ifIndex, ...names })),
        ),
      })),
    };
  }

  /**
   * Loads a snapshot (from `snapshot()`, possibly persisted and corrupted): every valid entry
   * is kept, every invalid one reported. Never throws.
   */
  restore(snapshot: unknown): { templates: number; issues: DecodeIssue[] } {
    const issues: DecodeIssue[] = [];
    let templates = 0;
    const root = snapshot as Partial<TemplateSnapshot> | null;
    if (
      root === null ||
      typeof root !== "object" ||
      root.version !== 1 ||
      !Array.isArray(root.exporters)
    ) {
      pushIssue(issues, "bad-snapshot", "not a version 1 template snapshot");
      return { templates, issues };
    }
    for (const entry of root.exporters as unknown[]) {
      const candidate = entry as Partial<TemplateSnapshot["exporters"][number]> | null;
      if (
        candidate === null ||
        typeof candidate !== "object" ||
        !TEMPLATE_PROTOCOLS.includes(candidate.protocol as TemplateProtocol) ||
        typeof candidate.exporterAddr !== "string" ||
        candidate.exporterAddr.length > 64
      ) {
        pushIssue(issues, "bad-snapshot", "exporter entry without protocol or address");
        continue;
      }
      const protocol = candidate.protocol as TemplateProtocol;
      const key = `${protocol}|${candidate.exporterAddr}`;
      let exporter = this.exporters.get(key);
      if (exporter === undefined) {
        if (this.exporters.size >= this.limits.maxExporters) {
          pushIssue(issues, "bad-snapshot", `exporter limit reached at ${candidate.exporterAddr}`);
          continue;
        }
        exporter = this.newExporter(protocol, candidate.exporterAddr);
        this.exporters.set(key, exporter);
      }
      for (const definition of Array.isArray(candidate.templates)
        ? (candidate.templates as unknown[])
        : []) {
        const problem =
          definition === null || typeof definition !== "object"
            ? "not an object"
            : templateProblem(definition as TemplateDefinition);
        if (problem !== undefined) {
          pushIssue(issues, "bad-snapshot", `${candidate.exporterAddr}: template ${problem}`);
          continue;
        }
        const valid = definition as TemplateDefinition;
        this.store(
          exporter,
          {
            kind: valid.kind,
            domain: valid.domain,
            templateId: valid.templateId,
            scopeFieldCount: valid.scopeFieldCount,
            fields: valid.fields.map((field) => ({
              id: field.id,
              length: field.length,
              enterprise: field.enterprise,
            })),
          },
          issues,
        );
        templates++;
      }
      for (const sampling of Array.isArray(candidate.sampling)
        ? (candidate.sampling as unknown[])
        : []) {
        const value = sampling as Partial<SamplingSnapshot> | null;
        if (
          value === null ||
          typeof value !== "object" ||
          !isUint(value.domain, 0xffffffff) ||
          !(value.samplerId === -1 || isUint(value.samplerId, Number.MAX_SAFE_INTEGER)) ||
          !isUint(value.rate, 0xffffffff) ||
          value.rate === 0
        ) {
          pushIssue(issues, "bad-snapshot", `${candidate.exporterAddr}: bad sampling entry`);
          continue;
        }
        this.learnInto(exporter, value.domain, {
          ...this.optionsValues,
          samplerId: value.samplerId,
          rate: value.rate,
          systemInitMs: -1,
        });
      }
      for (const init of Array.isArray(candidate.systemInit)
        ? (candidate.systemInit as unknown[])
        : []) {
        const value = init as { domain?: unknown; systemInitMs?: unknown } | null;
        if (
          value === null ||
          typeof value !== "object" ||
          !isUint(value.domain, 0xffffffff) ||
          !isUint(value.systemInitMs, Number.MAX_SAFE_INTEGER)
        ) {
          pushIssue(issues, "bad-snapshot", `${candidate.exporterAddr}: bad system init entry`);
          continue;
        }
        this.learnInto(exporter, value.domain, {
          ...this.optionsValues,
          samplerId: -1,
          rate: 0,
          systemInitMs: value.systemInitMs,
        });
      }
      for (const entry of Array.isArray(candidate.interfaces)
        ? (candidate.interfaces as unknown[])
        : []) {
        const value = entry as Partial<InterfaceSnapshot> | null;
        if (
          value === null ||
          typeof value !== "object" ||
          !isUint(value.domain, 0xffffffff) ||
          !isUint(value.ifIndex, Number.MAX_SAFE_INTEGER) ||
          typeof value.name !== "string" ||
          typeof value.description !== "string" ||
          value.name.length > MAX_INTERFACE_TEXT_BYTES ||
          value.description.length > MAX_INTERFACE_TEXT_BYTES
        ) {
          pushIssue(issues, "bad-snapshot", `${candidate.exporterAddr}: bad interface entry`);
          continue;
        }
        this.learnInterface(
          exporter,
          value.domain,
          value.ifIndex,
          value.name,
          value.description,
          issues,
        );
      }
    }
    return { templates, issues };
  }

  private learnInto(exporter: Exporter, domain: number, values: OptionsValues): void {
    const saved = this.context.domain;
    this.context.domain = domain;
    this.learn(exporter, values);
    this.context.domain = saved;
  }

  /**
   * Every interface learnt from options data, of one exporter address (both protocols) or of
   * all: what a consumer replays into a fresh inventory (the `onInterface` events tell only
   * changes). Allocates: call it on reload or restore, not per datagram.
   */
  interfaces(exporterAddr?: string): LearntInterface[] {
    const learnt: LearntInterface[] = [];
    for (const exporter of this.exporters.values()) {
      if (exporterAddr !== undefined && exporter.exporterAddr !== exporterAddr) continue;
      for (const [domain, table] of exporter.interfaces) {
        for (const [ifIndex, names] of table) {
          learnt.push({
            protocol: exporter.protocol,
            exporterAddr: exporter.exporterAddr,
            domain,
            ifIndex,
            name: names.name,
            description: names.description,
          });
        }
      }
    }
    return learnt;
  }

  /** Counters per (exporter, protocol). */
  exporterStats(): ExporterTemplateStats[] {
    return [...this.exporters.values()].map((exporter) => ({ ...exporter.stats }));
  }

  /**
   * Counts as template-missing every held data set older than the hold age at `nowMs`
   * (`Infinity`: all of them, e.g. at the end of a capture or at shutdown).
   */
  expireHeld(nowMs: number): DecodeIssue[] {
    const issues: DecodeIssue[] = [];
    for (const exporter of this.exporters.values()) this.expire(exporter, nowMs, issues);
    return issues;
  }
}

/**
 * An IPFIX/v9 string (RFC 7011 §6.1.6: UTF-8; invalid sequences become U+FFFD). It ends at
 * the first NUL: Cisco sends names in fixed 64-byte fields padded with NULs, and what follows
 * a C string's terminator is padding, never text. At most MAX_INTERFACE_TEXT_BYTES are kept.
 */
function text(view: DataView, at: number, bytes: number): string {
  let length = Math.min(bytes, MAX_INTERFACE_TEXT_BYTES);
  for (let index = 0; index < length; index++) {
    if (view.getUint8(at + index) === 0) {
      length = index;
      break;
    }
  }
  return utf8.decode(new Uint8Array(view.buffer, view.byteOffset + at, length));
}

export function createTemplateState(options?: TemplateStateOptions): TemplateState {
  return new TemplateState(options);
}
