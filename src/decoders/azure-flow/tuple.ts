import {
  isIpv4Words,
  OBSERVED_ACTION_ACCEPT,
  OBSERVED_ACTION_REJECT,
  textToWords,
} from "../../core/index.ts";

/**
 * The three shapes of an Azure flow tuple (one comma-separated string per flow), told apart by
 * the tuple itself: its field count and whether the protocol is a letter or an IANA number.
 *
 * - `nsg-v1` (NSG flow logs Version 1), 8 fields:
 *   `time(s),src,dst,srcPort,dstPort,protocol T|U,direction I|O,decision A|D`
 * - `nsg-v2` (NSG flow logs Version 2), 13 fields: v1 then
 *   `state B|C|E,packets s→d,bytes s→d,packets d→s,bytes d→s` (counters empty on B)
 * - `vnet` (VNet flow logs, flowLogVersion 4), 13 fields:
 *   `time(ms),src,dst,srcPort,dstPort,protocol (IANA number),direction I|O,state B|C|E|D,
 *   encryption,packets s→d,bytes s→d,packets d→s,bytes d→s`
 *
 * Source: Microsoft Learn, "Flow logging for network security groups" (log format, Version 1
 * and 2) and "Virtual network flow logs" (log format), MicrosoftDocs/azure-docs @ 03464f2bba
 * and @ 010d565da0; the samples are in the shared corpus (`vpc-azure/`).
 */
export const AZURE_TUPLE_FORMATS = ["nsg-v1", "nsg-v2", "vnet"] as const;
export type AzureTupleFormat = (typeof AZURE_TUPLE_FORMATS)[number];

/** One parsed tuple. Reused: `parseAzureTuple` overwrites every field. */
export interface AzureTuple {
  format: AzureTupleFormat;
  timeMs: number;
  ipVersion: 4 | 6;
  /** Address words (see core `address-words.ts`), row 0. */
  srcAddr: Uint32Array;
  dstAddr: Uint32Array;
  srcPort: number;
  dstPort: number;
  protocol: number;
  /** IPFIX IE 61 as the tuple states it: I → 0 (ingress), O → 1 (egress). */
  flowDirection: 0 | 1;
  /** OBSERVED_ACTION_ACCEPT or OBSERVED_ACTION_REJECT. */
  action: number;
  /** Flow state letter (B, C, E; D on VNet tuples), "" on Version 1 tuples. */
  state: string;
  /** VNet encryption status (`X`, `NX`, `NX_…`) as written, "" on NSG tuples. */
  encryption: string;
  packetsSrcToDst: number;
  bytesSrcToDst: number;
  packetsDstToSrc: number;
  bytesDstToSrc: number;
}

/** Why a tuple was not decoded: a `tally.ts` reason code and a detail for the user. */
export interface AzureTupleProblem {
  code: "field-count" | "bad-field";
  detail: string;
}

export function createAzureTuple(): AzureTuple {
  return {
    format: "nsg-v1",
    timeMs: 0,
    ipVersion: 4,
    srcAddr: new Uint32Array(4),
    dstAddr: new Uint32Array(4),
    srcPort: 0,
    dstPort: 0,
    protocol: 0,
    flowDirection: 0,
    action: OBSERVED_ACTION_ACCEPT,
    state: "",
    encryption: "",
    packetsSrcToDst: 0,
    bytesSrcToDst: 0,
    packetsDstToSrc: 0,
    bytesDstToSrc: 0,
  };
}

const NSG_V1_FIELDS = 8;
const V2_FIELDS = 13;

/**
 * Below this a tuple time is seconds, at or above it milliseconds. NSG tuples are seconds and
 * VNet tuples milliseconds, but the VNet documentation's own bandwidth example writes seconds
 * (`1493763938,…,6,I,B,NX,,,,`), so the magnitude decides: 10^11 s is the year 5138 and
 * 10^11 ms is March 1973, before any cloud flow log.
 */
const MILLISECONDS_FROM = 1e11;

/** Longest decimal text read: 16 digits holds 2^53 − 1 (9,007,199,254,740,991). */
const MAX_DIGITS = 16;

/**
 * Decimal digits to a number; -1 when `text` is empty, holds anything but digits, or exceeds
 * 2^53 − 1 (beyond it a float64 counter is no longer exact, so the value is refused rather than
 * silently rounded).
 */
function parseDecimal(text: string): number {
  const length = text.length;
  if (length === 0 || length > MAX_DIGITS) return -1;
  let value = 0;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return value > Number.MAX_SAFE_INTEGER ? -1 : value;
}

/** A value for a problem detail: quoted and cut, whatever the input holds. */
function shown(text: string): string {
  return JSON.stringify(text.length > 48 ? `${text.slice(0, 48)}…` : text);
}

function bad(field: string, text: string): AzureTupleProblem {
  return { code: "bad-field", detail: `${field} ${shown(text)}` };
}

/** Counts commas, stopping early: a tuple has at most 12, so a long line costs nothing more. */
function fieldCount(text: string): number {
  let commas = 0;
  let from = 0;
  for (;;) {
    const at = text.indexOf(",", from);
    if (at === -1) return commas + 1;
    commas++;
    if (commas >= V2_FIELDS) return commas + 1;
    from = at + 1;
  }
}

/**
 * Parses one flow tuple into `into` and returns undefined, or returns why it cannot be used
 * (`into` is then partly overwritten). Ports may be empty (read as 0: a protocol without ports)
 * and so may counters (0: a Begin tuple carries none).
 */
export function parseAzureTuple(text: string, into: AzureTuple): AzureTupleProblem | undefined {
  const count = fieldCount(text);
  if (count !== NSG_V1_FIELDS && count !== V2_FIELDS) {
    return {
      code: "field-count",
      detail: `${count > V2_FIELDS ? "more than 13" : count} fields, want 8 (NSG v1) or 13 (NSG v2, VNet)`,
    };
  }
  const fields = text.split(",");
  const field = (index: number): string => fields[index] ?? "";

  const protocolText = field(5);
  let format: AzureTupleFormat;
  if (protocolText === "T" || protocolText === "U") {
    format = count === NSG_V1_FIELDS ? "nsg-v1" : "nsg-v2";
    into.protocol = protocolText === "T" ? 6 : 17;
  } else if (count === V2_FIELDS) {
    format = "vnet";
    const protocol = parseDecimal(protocolText);
    if (protocol < 0 || protocol > 255) return bad("protocol", protocolText);
    into.protocol = protocol;
  } else {
    // NSG tuples name the protocol by letter, T (TCP) or U (UDP) only.
    return bad("protocol", protocolText);
  }
  into.format = format;

  const timeText = field(0);
  const time = parseDecimal(timeText);
  if (time < 0) return bad("time", timeText);
  into.timeMs = time < MILLISECONDS_FROM ? time * 1000 : time;

  const srcText = field(1);
  if (!textToWords(srcText, into.srcAddr, 0)) return bad("source address", srcText);
  const dstText = field(2);
  if (!textToWords(dstText, into.dstAddr, 0)) return bad("destination address", dstText);
  const srcIsIpv4 = isIpv4Words(into.srcAddr, 0);
  if (srcIsIpv4 !== isIpv4Words(into.dstAddr, 0)) {
    return {
      code: "bad-field",
      detail: `address families differ: ${shown(srcText)}, ${shown(dstText)}`,
    };
  }
  into.ipVersion = srcIsIpv4 ? 4 : 6;

  const srcPortText = field(3);
  const srcPort = srcPortText === "" ? 0 : parseDecimal(srcPortText);
  if (srcPort < 0 || srcPort > 0xffff) return bad("source port", srcPortText);
  into.srcPort = srcPort;
  const dstPortText = field(4);
  const dstPort = dstPortText === "" ? 0 : parseDecimal(dstPortText);
  if (dstPort < 0 || dstPort > 0xffff) return bad("destination port", dstPortText);
  into.dstPort = dstPort;

  const directionText = field(6);
  if (directionText === "I") into.flowDirection = 0;
  else if (directionText === "O") into.flowDirection = 1;
  else return bad("direction", directionText);

  into.state = "";
  into.encryption = "";
  into.packetsSrcToDst = 0;
  into.bytesSrcToDst = 0;
  into.packetsDstToSrc = 0;
  into.bytesDstToSrc = 0;

  if (format === "vnet") {
    const state = field(7);
    if (state !== "B" && state !== "C" && state !== "E" && state !== "D") {
      return bad("state", state);
    }
    into.state = state;
    // D is the VNet way of saying the flow was denied; there is no decision field.
    into.action = state === "D" ? OBSERVED_ACTION_REJECT : OBSERVED_ACTION_ACCEPT;
    const encryption = field(8);
    if (encryption === "") return bad("encryption", encryption);
    into.encryption = encryption;
  } else {
    const decision = field(7);
    if (decision === "A") into.action = OBSERVED_ACTION_ACCEPT;
    else if (decision === "D") into.action = OBSERVED_ACTION_REJECT;
    else return bad("decision", decision);
    if (format === "nsg-v1") return undefined;
    const state = field(8);
    if (state !== "B" && state !== "C" && state !== "E") return bad("state", state);
    into.state = state;
  }

  const counter = (index: number): number => {
    const counterText = field(index);
    return counterText === "" ? 0 : parseDecimal(counterText);
  };
  const packetsSrcToDst = counter(9);
  if (packetsSrcToDst < 0) return bad("packets sent", field(9));
  const bytesSrcToDst = counter(10);
  if (bytesSrcToDst < 0) return bad("bytes sent", field(10));
  const packetsDstToSrc = counter(11);
  if (packetsDstToSrc < 0) return bad("packets received", field(11));
  const bytesDstToSrc = counter(12);
  if (bytesDstToSrc < 0) return bad("bytes received", field(12));
  into.packetsSrcToDst = packetsSrcToDst;
  into.bytesSrcToDst = bytesSrcToDst;
  into.packetsDstToSrc = packetsDstToSrc;
  into.bytesDstToSrc = bytesDstToSrc;
  return undefined;
}
