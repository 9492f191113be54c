import type { DecodeIssue } from "../../core/index.ts";

/**
 * Issue codes of the NetFlow v9 and IPFIX decoders and their template state. Each is a metric
 * label, so the list is closed.
 */
export const TEMPLATE_ISSUE_CODES = [
  /** Fewer bytes than a v9 (20) or IPFIX (16) message header. */
  "truncated-header",
  /** The version field is not 9 (v9) or 10 (IPFIX). */
  "bad-version",
  /** IPFIX message length shorter than its header or longer than the datagram. */
  "bad-length",
  /** A set/flowset id 4–255 (IPFIX, RFC 7011 §3.3.2) or 2–255 (v9, RFC 3954 §5.2). */
  "bad-set-id",
  /** A set whose length is under 4 bytes or runs past the message. */
  "truncated-set",
  /** A data record that runs past its set (a variable-length field too long). */
  "truncated-record",
  /** A template or options template record that cannot be right (field count, lengths). */
  "bad-template",
  /** A template field whose length the column cannot take (IPv4 address of 2 bytes): skipped. */
  "bad-field-length",
  /** Data whose template never arrived: counted when its hold expires or is evicted. */
  "template-missing",
  /** Informational: a data set held until its template arrives (RFC 7011 §8 allows any order). */
  "template-held",
  /** The exporter reached the template limit: its least recently defined template was dropped. */
  "template-limit",
  /** The hold for early data is full for this exporter: the set is counted as template-missing. */
  "hold-full",
  /** Bytes after the last record of a set, or after the last set, that are not zero. */
  "padding",
  /** Informational: zero bytes after the last set (Cisco ACI, PAN-OS pad their datagrams). */
  "zero-padding",
  /** Bytes after the last set that are neither a set nor zero padding. */
  "trailing-bytes",
  /** Informational: several IPFIX messages back to back in one datagram; all were decoded. */
  "concatenated-messages",
  /** IPFIX over TCP: a bad version or length; the stream cannot be resynchronised. */
  "bad-stream",
  /** The exporter reached the limit of interfaces learnt from options data: one not learnt. */
  "interface-limit",
  /** A persisted snapshot entry that failed validation (restore). */
  "bad-snapshot",
] as const;
export type TemplateIssueCode = (typeof TEMPLATE_ISSUE_CODES)[number];

export function pushIssue(issues: DecodeIssue[], code: TemplateIssueCode, detail: string): void {
  issues.push({ code, detail });
}
