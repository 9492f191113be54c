import type { DatagramContext, DecodeOutput } from "../output.ts";
import { emptySummary, openMessage, pushIssue, reportTrailing } from "../template/index.ts";
import type { TemplateDecodeSummary, TemplateField, TemplateState } from "../template/index.ts";

export const NETFLOW9_VERSION = 9;
/** RFC 3954 §5.1: version, count, sysUpTime, unix_secs, sequence, source id. */
export const NETFLOW9_HEADER_BYTES = 20;
const TEMPLATE_FLOWSET = 0;
const OPTIONS_TEMPLATE_FLOWSET = 1;
const FIRST_DATA_FLOWSET = 256;

/**
 * Decodes one NetFlow v9 export packet (RFC 3954) into `out.flows`: template and options
 * template flowsets update `state`, data flowsets are decoded by their compiled template (or
 * held until it arrives), options data teaches sampling rates. Never throws: problems are
 * issues in `out.issues`. The header count is not trusted (exporters disagree on what it
 * counts); flowset lengths are.
 */
export function decodeNetflow9(
  payload: Uint8Array,
  context: DatagramContext,
  state: TemplateState,
  out: DecodeOutput,
): TemplateDecodeSummary {
  const summary = emptySummary();
  const view = openMessage(payload, NETFLOW9_VERSION, NETFLOW9_HEADER_BYTES, "a v9", out.issues);
  if (view === undefined) return summary;
  const length = view.byteLength;
  const sysUptimeMs = view.getUint32(4);
  const unixSecs = view.getUint32(8);
  const sequence = view.getUint32(12);
  const domain = view.getUint32(16);
  const exportMs = unixSecs === 0 ? context.receivedMs : unixSecs * 1000;
  state.beginMessage("netflow9", context, { domain, exportMs, sysUptimeMs }, out);

  let offset = NETFLOW9_HEADER_BYTES;
  while (length - offset >= 4) {
    const flowsetId = view.getUint16(offset);
    const flowsetLength = view.getUint16(offset + 2);
    if (flowsetLength < 4 || offset + flowsetLength > length) {
      if (isZero(view, offset, length)) break;
      pushIssue(
        out.issues,
        "truncated-set",
        `flowset ${flowsetId} at offset ${offset}: length ${flowsetLength}, ${length - offset} bytes left`,
      );
      offset = length;
      break;
    }
    const start = offset + 4;
    const end = offset + flowsetLength;
    if (flowsetId === TEMPLATE_FLOWSET) templates(view, start, end, domain, state, out, summary);
    else if (flowsetId === OPTIONS_TEMPLATE_FLOWSET)
      optionsTemplates(view, start, end, domain, state, out, summary);
    else if (flowsetId >= FIRST_DATA_FLOWSET)
      state.dataSet(flowsetId, view, start, end, out, summary);
    else pushIssue(out.issues, "bad-set-id", `flowset id ${flowsetId} at offset ${offset}`);
    offset = end;
  }
  reportTrailing(view, offset, length, out.issues);
  // RFC 3954 §5.1: the sequence counts export packets, one per packet.
  state.endMessage(domain, sequence, 1, true);
  return summary;
}

function isZero(view: DataView, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (view.getUint8(index) !== 0) return false;
  return true;
}

function readFields(view: DataView, offset: number, count: number): TemplateField[] {
  const fields: TemplateField[] = [];
  for (let index = 0; index < count; index++) {
    const at = offset + index * 4;
    fields.push({ id: view.getUint16(at), length: view.getUint16(at + 2), enterprise: 0 });
  }
  return fields;
}

/** RFC 3954 §5.2: template id, field count, then (type, length) pairs. */
function templates(
  view: DataView,
  start: number,
  end: number,
  domain: number,
  state: TemplateState,
  out: DecodeOutput,
  summary: TemplateDecodeSummary,
): void {
  let offset = start;
  while (end - offset >= 4) {
    const templateId = view.getUint16(offset);
    const fieldCount = view.getUint16(offset + 2);
    if (templateId === 0 && fieldCount === 0) return; // padding to a 4-byte boundary
    const fieldsEnd = offset + 4 + fieldCount * 4;
    if (templateId < FIRST_DATA_FLOWSET || fieldCount === 0 || fieldsEnd > end) {
      pushIssue(
        out.issues,
        "bad-template",
        `template ${templateId} with ${fieldCount} fields at offset ${offset}, flowset ends at ${end}`,
      );
      return;
    }
    state.defineTemplate(
      {
        kind: "data",
        domain,
        templateId,
        scopeFieldCount: 0,
        fields: readFields(view, offset + 4, fieldCount),
      },
      out,
      summary,
    );
    offset = fieldsEnd;
  }
}

/** RFC 3954 §6.1: template id, scope length, option length (bytes), scope fields, option fields. */
function optionsTemplates(
  view: DataView,
  start: number,
  end: number,
  domain: number,
  state: TemplateState,
  out: DecodeOutput,
  summary: TemplateDecodeSummary,
): void {
  let offset = start;
  while (end - offset >= 6) {
    const templateId = view.getUint16(offset);
    const scopeBytes = view.getUint16(offset + 2);
    const optionBytes = view.getUint16(offset + 4);
    if (templateId === 0 && scopeBytes === 0 && optionBytes === 0) return; // padding
    const fieldsEnd = offset + 6 + scopeBytes + optionBytes;
    if (
      templateId < FIRST_DATA_FLOWSET ||
      scopeBytes % 4 !== 0 ||
      optionBytes % 4 !== 0 ||
      scopeBytes + optionBytes === 0 ||
      fieldsEnd > end
    ) {
      pushIssue(
        out.issues,
        "bad-template",
        `options template ${templateId} (scope ${scopeBytes} B, options ${optionBytes} B) at offset ${offset}, flowset ends at ${end}`,
      );
      return;
    }
    const scopeFieldCount = scopeBytes / 4;
    state.defineTemplate(
      {
        kind: "options",
        domain,
        templateId,
        scopeFieldCount,
        fields: readFields(view, offset + 6, scopeFieldCount + optionBytes / 4),
      },
      out,
      summary,
    );
    offset = fieldsEnd;
  }
}
