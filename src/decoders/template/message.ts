import type { DecodeIssue } from "../../core/index.ts";
import { pushIssue } from "./issues.ts";
import type { TemplateDecodeSummary } from "./state.ts";

export function emptySummary(): TemplateDecodeSummary {
  return { flows: 0, reverseFlows: 0, optionsRecords: 0, templates: 0, held: 0 };
}

/**
 * The checks both template protocols start with: the version field (a datagram of another
 * version never reaches a decoder through detection, but a caller may call one directly) and
 * room for the fixed header. Returns a view of the payload, or undefined after reporting.
 */
export function openMessage(
  payload: Uint8Array,
  version: number,
  headerBytes: number,
  name: string,
  issues: DecodeIssue[],
): DataView | undefined {
  const length = payload.byteLength;
  const view = new DataView(payload.buffer, payload.byteOffset, length);
  if (length >= 2 && view.getUint16(0) !== version) {
    pushIssue(issues, "bad-version", `version ${view.getUint16(0)}, expected ${version}`);
    return undefined;
  }
  if (length < headerBytes) {
    pushIssue(issues, "truncated-header", `${length} bytes, ${name} header needs ${headerBytes}`);
    return undefined;
  }
  return view;
}
