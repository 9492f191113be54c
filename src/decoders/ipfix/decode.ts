import type { DatagramContext, DecodeOutput } from "../output.ts";
import { emptySummary, openMessage, pushIssue, reportTrailing } from "../template/index.ts";
import type { TemplateDecodeSummary, TemplateField, TemplateState } from "../template/index.ts";

export const IPFIX_VERSION = 10;
/** RFC 7011 §3.1: version, length, export time, sequence number, observation domain id. */
export const IPFIX_HEADER_BYTES = 16;
const TEMPLATE_SET = 2;
const OPTIONS_TEMPLATE_SET = 3;
const FIRST_DATA_SET = 256;
const ENTERPRISE_BIT = 0x8000;

/**
 * Decodes one IPFIX datagram (RFC 7011; one message, or several back to back as some capture
 * tools write them) into `out.flows`. Template sets define, redefine and withdraw templates
 * (§8.1); data sets are decoded by their compiled template or held until it arrives; options
 * data teaches sampling rates and systemInitTimeMilliseconds. Never throws.
 */
export function decodeIpfix(
  payload: Uint8Array,
  context: DatagramContext,
  state: TemplateState,
  out: DecodeOutput,
): TemplateDecodeSummary {
  const summary = emptySummary();
  const view = openMessage(payload, IPFIX_VERSION, IPFIX_HEADER_BYTES, "an IPFIX", out.issues);
  if (view === undefined) return summary;
  const length = view.byteLength;
  let offset = 0;
  let messages = 0;
  // Each pass consumes at least one 16-byte header.
  for (;;) {
    messages++;
    const end = message(view, offset, context, state, out, summary);
    if (end >= length) break;
    if (isMessage(view, end, length)) {
      offset = end;
      continue;
    }
    reportTrailing(view, end, length, out.issues);
    break;
  }
  if (messages > 1) {
    pushIssue(out.issues, "concatenated-messages", `${messages} IPFIX messages in one datagram`);
  }
  return summary;
}

/** True when a whole IPFIX header with a plausible length starts at `offset`. */
function isMessage(view: DataView, offset: number, length: number): boolean {
  if (length - offset < IPFIX_HEADER_BYTES) return false;
  if (view.getUint16(offset) !== IPFIX_VERSION) return false;
  const messageLength = view.getUint16(offset + 2);
  return messageLength >= IPFIX_HEADER_BYTES && offset + messageLength <= length;
}

/** Decodes the message at `start`; returns where it ends (clamped to the datagram). */
function message(
  view: DataView,
  start: number,
  context: DatagramContext,
  state: TemplateState,
  out: DecodeOutput,
  summary: TemplateDecodeSummary,
): number {
  const length = view.byteLength;
  const messageLength = view.getUint16(start + 2);
  const exportSecs = view.getUint32(start + 4);
  const sequence = view.getUint32(start + 8);
  const domain = view.getUint32(start + 12);
  let end = start + messageLength;
  if (messageLength < IPFIX_HEADER_BYTES) {
    pushIssue(out.issues, "bad-length", `message length ${messageLength} at offset ${start}`);
    return length;
  }
  if (end > length) {
    pushIssue(
      out.issues,
      "bad-length",
      `message length ${messageLength}, ${length - start} bytes present`,
    );
    end = length;
  }
  const exportMs = exportSecs === 0 ? context.receivedMs : exportSecs * 1000;
  state.beginMessage("ipfix", context, { domain, exportMs, sysUptimeMs: 0 }, out);
  const heldBefore = summary.held;
  let offset = start + IPFIX_HEADER_BYTES;
  while (end - offset >= 4) {
    const setId = view.getUint16(offset);
    const setLength = view.getUint16(offset + 2);
    if (setLength < 4 || offset + setLength > end) {
      pushIssue(
        out.issues,
        "truncated-set",
        `set ${setId} at offset ${offset}: length ${setLength}, ${end - offset} bytes left`,
      );
      offset = end;
      break;
    }
    const setStart = offset + 4;
    const setEnd = offset + setLength;
    if (setId === TEMPLATE_SET || setId === OPTIONS_TEMPLATE_SET) {
      templateSet(
        view,
        setStart,
        setEnd,
        setId === OPTIONS_TEMPLATE_SET,
        domain,
        state,
        out,
        summary,
      );
    } else if (setId >= FIRST_DATA_SET) {
      state.dataSet(setId, view, setStart, setEnd, out, summary);
    } else {
      pushIssue(out.issues, "bad-set-id", `set id ${setId} at offset ${offset}`);
    }
    offset = setEnd;
  }
  if (offset < end) {
    pushIssue(out.issues, "truncated-set", `${end - offset} bytes at the end of the message`);
  }
  // RFC 7011 §3.1: the sequence counts data records sent before this message (options data
  // records included). A held set has an unknown count: the next message resynchronises.
  state.endMessage(domain, sequence, state.messageRecords, summary.held === heldBefore);
  return start + messageLength;
}

/** Template or options template records (RFC 7011 §3.4.1–2), withdrawals (§8.1). */
function templateSet(
  view: DataView,
  start: number,
  end: number,
  options: boolean,
  domain: number,
  state: TemplateState,
  out: DecodeOutput,
  summary: TemplateDecodeSummary,
): void {
  const kind = options ? "options" : "data";
  let offset = start;
  while (end - offset >= 4) {
    const templateId = view.getUint16(offset);
    const fieldCount = view.getUint16(offset + 2);
    if (fieldCount === 0) {
      // Withdrawal: the set id as template id withdraws every template of that kind.
      if (templateId === (options ? OPTIONS_TEMPLATE_SET : TEMPLATE_SET))
        state.withdraw(domain, undefined, kind);
      else if (templateId >= FIRST_DATA_SET) state.withdraw(domain, templateId, kind);
      else if (templateId !== 0) {
        pushIssue(out.issues, "bad-template", `withdrawal of template id ${templateId}`);
      }
      offset += 4;
      continue;
    }
    let at = offset + 4;
    let scopeFieldCount = 0;
    if (options) {
      if (end - at < 2) break;
      scopeFieldCount = view.getUint16(at);
      at += 2;
    }
    const fields: TemplateField[] = [];
    let complete = true;
    for (let index = 0; index < fieldCount; index++) {
      if (end - at < 4) {
        complete = false;
        break;
      }
      const rawId = view.getUint16(at);
      const fieldLength = view.getUint16(at + 2);
      at += 4;
      let enterprise = 0;
      if ((rawId & ENTERPRISE_BIT) !== 0) {
        if (end - at < 4) {
          complete = false;
          break;
        }
        enterprise = view.getUint32(at);
        at += 4;
      }
      fields.push({ id: rawId & 0x7fff, length: fieldLength, enterprise });
    }
    if (!complete || templateId < FIRST_DATA_SET || scopeFieldCount > fieldCount) {
      pushIssue(
        out.issues,
        "bad-template",
        `${kind} template ${templateId} with ${fieldCount} fields (scope ${scopeFieldCount}) at offset ${offset}, set ends at ${end}`,
      );
      return;
    }
    state.defineTemplate({ kind, domain, templateId, scopeFieldCount, fields }, out, summary);
    offset = at;
  }
  if (offset < end) {
    // RFC 7011 §3.3.1: padding after the last template record.
    for (let index = offset; index < end; index++) {
      if (view.getUint8(index) !== 0) {
        pushIssue(
          out.issues,
          "padding",
          `${end - offset} bytes after the last template record are not zero`,
        );
        return;
      }
    }
  }
}
