import { readSummary } from "../../../../test/helpers/tshark-summary.ts";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { FlowBatch, textToWords } from "../../../core/index.ts";
import type { DecodedFlow, DecodeIssue } from "../../../core/index.ts";
import { decodeIpfix } from "../../ipfix/index.ts";
import { decodeNetflow9 } from "../../netflow9/index.ts";
import { createCaptureReader } from "../../pcap/index.ts";
import { createTemplateState } from "../state.ts";

/**
 * Corpus plumbing shared by test/conformance/netflow9.test.ts and ipfix.test.ts: decodes
 * captures through one template state (template files first, as tshark-summary.tsv says) and
 * compares with the goldens. Test code only.
 */

export interface CorpusDecode {
  /** Data records (reverse biflow rows excluded) plus options records of the last file. */
  records: number;
  flows: DecodedFlow[];
  reverseFlows: number;
  optionsRecords: number;
  issueCodes: string[];
}

export function decodeCaptures(root: string, files: readonly string[]): CorpusDecode {
  const state = createTemplateState();
  const flows = new FlowBatch();
  const issues: DecodeIssue[] = [];
  let last = { flows: 0, reverseFlows: 0, optionsRecords: 0, firstRow: 0 };
  for (const file of files) {
    const reader = createCaptureReader();
    const datagrams = reader.push(readFileSync(path.join(root, file))).records;
    last = { flows: 0, reverseFlows: 0, optionsRecords: 0, firstRow: flows.length };
    for (const datagram of datagrams) {
      const exporterWords = new Uint32Array(4);
      textToWords(datagram.srcAddr, exporterWords, 0);
      const context = {
        exporterAddr: datagram.srcAddr,
        exporterWords,
        receivedMs: datagram.timestampMs,
      };
      const payload = datagram.payload;
      const version = payload.byteLength >= 2 ? ((payload[0] ?? 0) << 8) | (payload[1] ?? 0) : 0;
      const out = { flows, counters: [], issues };
      const summary =
        version === 9
          ? decodeNetflow9(payload, context, state, out)
          : version === 10
            ? decodeIpfix(payload, context, state, out)
            : undefined;
      if (summary === undefined) continue;
      last.flows += summary.flows;
      last.reverseFlows += summary.reverseFlows;
      last.optionsRecords += summary.optionsRecords;
    }
  }
  // End of capture: whatever is still held never got its template.
  issues.push(...state.expireHeld(Infinity));
  const rows = Array.from({ length: flows.length - last.firstRow }, (_, index) =>
    flows.decoded(last.firstRow + index),
  );
  return {
    records: last.flows - last.reverseFlows + last.optionsRecords,
    flows: rows,
    reverseFlows: last.reverseFlows,
    optionsRecords: last.optionsRecords,
    issueCodes: [...new Set(issues.map((issue) => issue.code))].sort(),
  };
}

/** tshark-summary.tsv rows keyed by file. */

/** Files to feed (templates first) and tshark's record count, from the summary row. */
export function feedPlan(
  file: string,
  row: Record<string, string>,
): { files: string[]; tsharkRecords: number } {
  const folder = file.split("/")[0] ?? "";
  const prepended = /records=(\d+) after prepending (.*)/.exec(row["with_templates"] ?? "");
  if (prepended !== null) {
    return {
      files: [...(prepended[2] ?? "").split("+").map((name) => `${folder}/${name}`), file],
      tsharkRecords: Number(prepended[1]),
    };
  }
  // flow_records_total counts v5 records too (mixed captures): keep the v9/IPFIX ones.
  return {
    files: [file],
    tsharkRecords: Number(row["flow_records_total"]) - Number(row["v5_records"]),
  };
}

export function captures(root: string, folder: string): string[] {
  return readdirSync(path.join(root, folder))
    .filter((name) => name.endsWith(".pcap"))
    .sort()
    .map((name) => `${folder}/${name}`);
}

type Expected = Record<string, unknown>;

/** Compares golden values with a row's; undefined when the field has no counterpart. */
export type FieldMap = Readonly<Record<string, (flow: DecodedFlow) => unknown>>;

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * For each expected event, the mapped fields (at least two) must all equal those of some
 * decoded row: order-free, since logstash interleaves options records and we do not emit them.
 * Returns the number of field comparisons made and the events no row matched.
 */
export function matchEvents(
  flows: readonly DecodedFlow[],
  events: readonly Expected[],
  fields: FieldMap,
): { compared: number; unmatched: { event: Expected; closest: Expected }[] } {
  let compared = 0;
  const unmatched: { event: Expected; closest: Expected }[] = [];
  for (const event of events) {
    const mapped = Object.entries(event).filter(
      ([name, value]) =>
        fields[name] !== undefined && (typeof value !== "object" || value === null),
    );
    if (mapped.length < 2) continue;
    let best: { score: number; actual: Expected } = { score: -1, actual: {} };
    for (const flow of flows) {
      const actual = Object.fromEntries(mapped.map(([name]) => [name, fields[name]?.(flow)]));
      const score = mapped.filter(([name, value]) => actual[name] === value).length;
      if (score > best.score) best = { score, actual };
    }
    if (best.score === mapped.length) compared += mapped.length;
    else unmatched.push({ event: Object.fromEntries(mapped), closest: best.actual });
  }
  return { compared, unmatched };
}

interface LogstashCase {
  field_assertions?: { event: number; field: string; equals: unknown }[];
  json_events?: { netflow?: Expected }[];
}

/** Every event of ls-logstash-expected.json for `name`: json_events and grouped field_assertions. */
export function logstashEvents(root: string, folder: string, name: string): Expected[] {
  const all = JSON.parse(
    readFileSync(path.join(root, folder, "ls-logstash-expected.json"), "utf8"),
  ) as Record<string, LogstashCase>;
  const entry = all[name];
  if (entry === undefined) return [];
  const events: Expected[] = (entry.json_events ?? []).map((event) => event.netflow ?? {});
  const grouped = new Map<number, Expected>();
  for (const assertion of entry.field_assertions ?? []) {
    const event = grouped.get(assertion.event) ?? {};
    event[assertion.field.replace(/^netflow\./, "")] = assertion.equals;
    grouped.set(assertion.event, event);
  }
  return [...events, ...grouped.values()];
}

export function logstashCases(root: string, folder: string): string[] {
  return Object.keys(
    JSON.parse(
      readFileSync(path.join(root, folder, "ls-logstash-expected.json"), "utf8"),
    ) as object,
  );
}

export { readSummary };
