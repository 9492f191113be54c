/**
 * What kind of file an import was given, from its first decoded bytes (after gunzip): a
 * capture, one of the cloud flow-log formats, or none of them (then said so, with why).
 */
export const FILE_FORMATS = [
  "pcap",
  "aws-vpc",
  "aws-cloudwatch",
  "gcp-vpc",
  "azure-flow",
  "azure-tuples",
] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export type SniffResult = { format: FileFormat } | { format: "unknown"; reason: string };

/** Bytes of decoded head the sniffer needs at most. */
export const SNIFF_BYTES = 65_536;

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);

/**
 * Fields that only an AWS flow-log header names (default v2 format and common custom ones):
 * a first line made of field-like words that includes one of them is a header.
 */
const AWS_HEADER_MARKERS = new Set([
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "log-status",
  "pkt-srcaddr",
  "pkt-dstaddr",
  "flow-direction",
  "tgw-id",
]);
const AWS_FIELD_WORD = /^[a-z][a-z0-9-]*$/;
/** A default-format (v2) record: version 2, an account id (or "unknown"), an ENI or "-". */
const AWS_V2_RECORD = /^2 +(\d{12}|unknown) +(eni-[0-9a-f]+|-) /;
/** An Azure flow tuple: time, two addresses, two ports, protocol, direction, decision/state. */
const AZURE_TUPLE = /^\d{10,13},[0-9A-Fa-f.:]+,[0-9A-Fa-f.:]+,\d*,\d*,(T|U|\d{1,3}),(I|O),[A-Z]/;

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return (end === -1 ? text : text.slice(0, end)).trim();
}

export function sniffFileFormat(head: Uint8Array): SniffResult {
  if (head.length === 0) return { format: "unknown", reason: "the file is empty" };
  if (head.length >= 4) {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (PCAP_MAGICS.has(view.getUint32(0, false))) return { format: "pcap" };
  }
  let text = new TextDecoder("utf-8", { fatal: false }).decode(head);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const start = text.trimStart();
  const first = start.charAt(0);
  if (first === "{" || first === "[") {
    // Keys that name each provider's records; the head holds the first record's keys.
    if (/"logEvents"\s*:|"messageType"\s*:\s*"(DATA|CONTROL)_MESSAGE"/.test(start)) {
      return { format: "aws-cloudwatch" };
    }
    if (/"flowTuples"|"flowRecords"|NetworkSecurityGroupFlowEvent|FlowLogFlowEvent/.test(start)) {
      return { format: "azure-flow" };
    }
    if (/vpc_flows|"connection"\s*:\s*\{[^}]*"src_ip"|"jsonPayload"/.test(start)) {
      return { format: "gcp-vpc" };
    }
    return {
      format: "unknown",
      reason:
        "JSON, but not a CloudWatch Logs envelope, a GCP VPC flow log entry or an Azure NSG/VNet flow log (none of their keys in the first record)",
    };
  }
  const line = firstLine(start);
  const tokens = line.split(/ +/);
  if (
    tokens.length >= 2 &&
    tokens.every((token) => AWS_FIELD_WORD.test(token)) &&
    tokens.some((token) => AWS_HEADER_MARKERS.has(token))
  ) {
    return { format: "aws-vpc" };
  }
  if (AWS_V2_RECORD.test(line)) return { format: "aws-vpc" };
  if (AZURE_TUPLE.test(line)) return { format: "azure-tuples" };
  const printable = /^[\x20-\x7e\t]*$/.test(line.slice(0, 200));
  return {
    format: "unknown",
    reason: printable
      ? `the first line is neither an AWS flow-log header, an AWS v2 record nor an Azure flow tuple: "${line.slice(0, 80)}"`
      : "binary data that is not a pcap/pcapng capture or gzip",
  };
}
