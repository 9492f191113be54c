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
 * Field boundaries of the tuple being parsed: field i is `text.slice(fieldStart[i],
 * fieldEnd[i])`. Parsing reads numbers and letters in place, so a tuple costs two address
 * strings and no array. With `split`, per-call closures and a fresh `extra` text per row (see
 * `rows.ts`), the garbage collector was about half the decoding profile (200,000 VNet tuples,
 * Node 20.20); without them, about 6%.
 */
const fieldStart = new Int32Array(V2_FIELDS);
const fieldEnd = new Int32Array(V2_FIELDS);

/**
 * Finds the field boundaries of `text` and returns the field count, stopping at 14: a tuple has
 * at most 13 fields, so a long line costs nothing more.
 */
function splitFields(text: string): number {
  let count = 0;
  let from = 0;
  for (;;) {
    if (count === V2_FIELDS) return count + 1;
    const at = text.indexOf(",", from);
    fieldStart[count] = from;
    fieldEnd[count] = at === -1 ? text.length : at;
    count++;
    if (at === -1) return count;
    from = at + 1;
  }
}

function fieldText(text: string, index: number): string {
  return text.slice(fieldStart[index] ?? 0, fieldEnd[index] ?? 0);
}

function fieldLength(index: number): number {
  return (fieldEnd[index] ?? 0) - (fieldStart[index] ?? 0);
}

/** The field's only character code, or -1 when it is not one character long. */
function fieldLetter(text: string, index: number): number {
  return fieldLength(index) === 1 ? text.charCodeAt(fieldStart[index] ?? 0) : -1;
}

/**
 * A field's decimal digits as a number; `empty` when the field is empty; -1 when it holds
 * anything but digits or exceeds 2^53 − 1 (beyond it a float64 counter is no longer exact, so
 * the value is refused rather than silently rounded).
 */
function fieldDecimal(text: string, index: number, empty: number): number {
  const start = fieldStart[index] ?? 0;
  const end = fieldEnd[index] ?? 0;
  if (end === start) return empty;
  if (end - start > MAX_DIGITS) return -1;
  let value = 0;
  for (let at = start; at < end; at++) {
    const code = text.charCodeAt(at);
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return value > Number.MAX_SAFE_INTEGER ? -1 : value;
}

/** A value for a problem detail: quoted and cut, whatever the input holds. */
function shown(text: string): string {
  return JSON.stringify(text.length > 48 ? `${text.slice(0, 48)}…` : text);
}

function bad(name: string, text: string, index: number): AzureTupleProblem {
  return { code: "bad-field", detail: `${name} ${shown(fieldText(text, index))}` };
}

const LETTER_A = 65;
const LETTER_B = 66;
const LETTER_C = 67;
const LETTER_D = 68;
const LETTER_E = 69;
const LETTER_I = 73;
const LETTER_O = 79;
const LETTER_T = 84;
const LETTER_U = 85;

/**
 * Parses one flow tuple into `into` and returns undefined, or returns why it cannot be used
 * (`into` is then partly overwritten). Ports may be empty (read as 0: a protocol without ports)
 * and so may counters (0: a Begin tuple carries none).
 */
export function parseAzureTuple(text: string, into: AzureTuple): AzureTupleProblem | undefined {
  const count = splitFields(text);
  if (count !== NSG_V1_FIELDS && count !== V2_FIELDS) {
    return {
      code: "field-count",
      detail: `${count > V2_FIELDS ? "more than 13" : count} fields, want 8 (NSG v1) or 13 (NSG v2, VNet)`,
    };
  }

  const protocolLetter = fieldLetter(text, 5);
  let format: AzureTupleFormat;
  if (protocolLetter === LETTER_T || protocolLetter === LETTER_U) {
    format = count === NSG_V1_FIELDS ? "nsg-v1" : "nsg-v2";
    into.protocol = protocolLetter === LETTER_T ? 6 : 17;
  } else if (count === V2_FIELDS) {
    format = "vnet";
    const protocol = fieldDecimal(text, 5, -1);
    if (protocol < 0 || protocol > 255) return bad("protocol", text, 5);
    into.protocol = protocol;
  } else {
    // NSG tuples name the protocol by letter, T (TCP) or U (UDP) only.
    return bad("protocol", text, 5);
  }
  into.format = format;

  const time = fieldDecimal(text, 0, -1);
  if (time < 0) return bad("time", text, 0);
  into.timeMs = time < MILLISECONDS_FROM ? time * 1000 : time;

  if (!textToWords(fieldText(text, 1), into.srcAddr, 0)) return bad("source address", text, 1);
  if (!textToWords(fieldText(text, 2), into.dstAddr, 0)) {
    return bad("destination address", text, 2);
  }
  const srcIsIpv4 = isIpv4Words(into.srcAddr, 0);
  if (srcIsIpv4 !== isIpv4Words(into.dstAddr, 0)) {
    const both = `${shown(fieldText(text, 1))}, ${shown(fieldText(text, 2))}`;
    return { code: "bad-field", detail: `address families differ: ${both}` };
  }
  into.ipVersion = srcIsIpv4 ? 4 : 6;

  const srcPort = fieldDecimal(text, 3, 0);
  if (srcPort < 0 || srcPort > 0xffff) return bad("source port", text, 3);
  into.srcPort = srcPort;
  const dstPort = fieldDecimal(text, 4, 0);
  if (dstPort < 0 || dstPort > 0xffff) return bad("destination port", text, 4);
  into.dstPort = dstPort;

  const direction = fieldLetter(text, 6);
  if (direction === LETTER_I) into.flowDirection = 0;
  else if (direction === LETTER_O) into.flowDirection = 1;
  else return bad("direction", text, 6);

  into.state = "";
  into.encryption = "";
  into.packetsSrcToDst = 0;
  into.bytesSrcToDst = 0;
  into.packetsDstToSrc = 0;
  into.bytesDstToSrc = 0;

  if (format === "vnet") {
    const state = fieldLetter(text, 7);
    if (state !== LETTER_B && state !== LETTER_C && state !== LETTER_E && state !== LETTER_D) {
      return bad("state", text, 7);
    }
    into.state = STATE_TEXT[state - LETTER_A] ?? "";
    // D is the VNet way of saying the flow was denied; there is no decision field.
    into.action = state === LETTER_D ? OBSERVED_ACTION_REJECT : OBSERVED_ACTION_ACCEPT;
    if (fieldLength(8) === 0) return bad("encryption", text, 8);
    into.encryption = encryptionText(text);
  } else {
    const decision = fieldLetter(text, 7);
    if (decision === LETTER_A) into.action = OBSERVED_ACTION_ACCEPT;
    else if (decision === LETTER_D) into.action = OBSERVED_ACTION_REJECT;
    else return bad("decision", text, 7);
    if (format === "nsg-v1") return undefined;
    const state = fieldLetter(text, 8);
    if (state !== LETTER_B && state !== LETTER_C && state !== LETTER_E) {
      return bad("state", text, 8);
    }
    into.state = STATE_TEXT[state - LETTER_A] ?? "";
  }

  const packetsSrcToDst = fieldDecimal(text, 9, 0);
  if (packetsSrcToDst < 0) return bad("packets sent", text, 9);
  const bytesSrcToDst = fieldDecimal(text, 10, 0);
  if (bytesSrcToDst < 0) return bad("bytes sent", text, 10);
  const packetsDstToSrc = fieldDecimal(text, 11, 0);
  if (packetsDstToSrc < 0) return bad("packets received", text, 11);
  const bytesDstToSrc = fieldDecimal(text, 12, 0);
  if (bytesDstToSrc < 0) return bad("bytes received", text, 12);
  into.packetsSrcToDst = packetsSrcToDst;
  into.bytesSrcToDst = bytesSrcToDst;
  into.packetsDstToSrc = packetsDstToSrc;
  into.bytesDstToSrc = bytesDstToSrc;
  return undefined;
}

/** State letters A–E as strings, so a state costs no allocation. */
const STATE_TEXT: readonly string[] = ["A", "B", "C", "D", "E"];

/** The documented encryption statuses, shared; anything else is kept as written. */
const KNOWN_ENCRYPTIONS: readonly string[] = [
  "NX",
  "X",
  "NX_HW_NOT_SUPPORTED",
  "NX_SW_NOT_READY",
  "NX_NOT_ACCEPTED",
  "NX_NOT_SUPPORTED",
  "NX_LOCAL_DST",
  "NX_FALLBACK",
];

function encryptionText(text: string): string {
  const start = fieldStart[8] ?? 0;
  const length = fieldLength(8);
  for (const known of KNOWN_ENCRYPTIONS) {
    if (known.length === length && text.startsWith(known, start)) return known;
  }
  return fieldText(text, 8);
}
