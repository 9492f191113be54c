import type { FlowBatch } from "../../core/index.ts";
import { appendReverseRow } from "./biflow.ts";
import type { TemplateField, TemplateKind, TemplateProtocol } from "./definition.ts";
import { fieldValue } from "./field-value.ts";
import { IE, REVERSE_PEN, VARIABLE_LENGTH, enterpriseKey } from "./ie.ts";
import type { OptionsValues, RecordContext } from "./record-context.ts";

/**
 * Decodes one data record at `offset` into `batch` (one row, two for a biflow with reverse
 * traffic). Returns the offset after the record, or -1 when the record runs past `end`
 * (nothing is appended then).
 */
export type RecordDecoder = (
  view: DataView,
  offset: number,
  end: number,
  batch: FlowBatch,
  context: RecordContext,
) => number;

/** Reads the sampling facts of one options record into `values`; same return as RecordDecoder. */
export type OptionsDecoder = (
  view: DataView,
  offset: number,
  end: number,
  values: OptionsValues,
) => number;

export interface CompiledLayout {
  /** Smallest record: fixed bytes plus one length byte per variable-length field. */
  minRecordBytes: number;
  decode: RecordDecoder | undefined;
  decodeOptions: OptionsDecoder | undefined;
  /** Fields skipped because their length does not fit their column (bad-field-length). */
  fieldProblems: string[];
}

/** Where a field's bytes are: a constant offset from a segment base, or a variable-length slot. */
interface Placed {
  field: TemplateField;
  /** Expression of the field's first byte. */
  at: string;
  /** Fixed length, or -1 for variable length (its length is in `lengthVar`). */
  length: number;
  lengthVar: string;
}

interface Layout {
  traversal: string;
  placed: Placed[];
  minRecordBytes: number;
}

/** Names the offsets of every field: segments of fixed fields between variable-length ones. */
function place(fields: readonly TemplateField[]): Layout {
  const placed: Placed[] = [];
  const lines: string[] = ["let p = o;"];
  let segment = 0;
  let segmentBase = "o";
  let segmentBytes = 0;
  let minRecordBytes = 0;
  let pendingPlaced: Placed[] = [];
  const closeSegment = () => {
    if (segmentBytes > 0) {
      lines.push(`if (p + ${segmentBytes} > end) return -1;`, `p += ${segmentBytes};`);
    }
    placed.push(...pendingPlaced);
    pendingPlaced = [];
  };
  for (const field of fields) {
    if (field.length === VARIABLE_LENGTH) {
      closeSegment();
      segment++;
      // RFC 7011 §7: one length byte, or 255 then a 16-bit length.
      lines.push(
        "if (p + 1 > end) return -1;",
        `let n${segment} = v.getUint8(p); p += 1;`,
        `if (n${segment} === 255) { if (p + 2 > end) return -1; n${segment} = v.getUint16(p); p += 2; }`,
        `const d${segment} = p; p += n${segment};`,
        "if (p > end) return -1;",
        `const s${segment} = p;`,
      );
      placed.push({ field, at: `d${segment}`, length: -1, lengthVar: `n${segment}` });
      segmentBase = `s${segment}`;
      segmentBytes = 0;
      minRecordBytes += 1;
      continue;
    }
    pendingPlaced.push({
      field,
      at: segmentBytes === 0 ? segmentBase : `${segmentBase} + ${segmentBytes}`,
      length: field.length,
      lengthVar: "",
    });
    segmentBytes += field.length;
    minRecordBytes += field.length;
  }
  closeSegment();
  return { traversal: lines.join("\n"), placed, minRecordBytes };
}

/** Big-endian unsigned read of 1–8 bytes as a number (exact to 2^53; RFC 7011 §6.2 reduced size). */
function readUint(at: string, length: number): string {
  switch (length) {
    case 1:
      return `v.getUint8(${at})`;
    case 2:
      return `v.getUint16(${at})`;
    case 3:
      return `(v.getUint16(${at}) * 256 + v.getUint8(${at} + 2))`;
    case 4:
      return `v.getUint32(${at})`;
    default:
      return `(${readUint(at, length - 4)} * 4294967296 + v.getUint32(${at} + ${length - 4}))`;
  }
}

/** NTP timestamp (RFC 7011 §6.1.9–10: seconds since 1900, 2^-32 fractions) to epoch ms. */
function readNtpMs(at: string): string {
  return `((v.getUint32(${at}) - 2208988800) * 1000 + Math.floor(v.getUint32(${at} + 4) / 4294967.296))`;
}

interface Helpers {
  reverse: typeof appendReverseRow;
  value: typeof fieldValue;
}

const HELPERS: Helpers = { reverse: appendReverseRow, value: fieldValue };

/** Fails fast on anything but a safe integer: the only values ever put into generated code. */
function integer(value: number): number {
  if (!Number.isSafeInteger(value))
    throw new Error(`template compiler: ${value} is not an integer`);
  return value;
}

/**
 * The one place generated code is built. Callers pass source made only of integers validated
 * by `integer()` and identifiers from this file; template bytes never become source text.
 */
function generate(parameters: readonly string[], source: string): (...args: unknown[]) => unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the compiled decoder is the point: see above
  return new Function(...parameters, source) as (...args: unknown[]) => unknown;
}

/**
 * The fields of a template by IE. When a template carries an IE twice, the LAST copy wins:
 * templates that describe an encapsulated packet send the outer header's fields first and the
 * inner header's after (Huawei template 6017 with an IPv6 outer and IPv4 inner header, Cisco
 * SRv6 template 340; corpus pmacct-106 and -500), and the inner header is the flow. nfacctd
 * does the same, and keeping the first copy mixed the inner addresses with the outer
 * protocol (4, IPIP) and ports (0).
 */
class FieldIndex {
  private readonly byKey = new Map<string, Placed>();
  readonly problems: string[] = [];
  constructor(placed: readonly Placed[]) {
    for (const entry of placed) {
      this.byKey.set(`${entry.field.enterprise}.${entry.field.id}`, entry);
    }
  }
  /** A field of any length, variable included (strings: interfaceName, RFC 7011 §6.1.6). */
  bytes(id: number): Placed | undefined {
    const entry = this.byKey.get(`0.${id}`);
    return entry === undefined || entry.length === 0 ? undefined : entry;
  }
  /** The field with this IE whose fixed length is one of `lengths` (any 1–8 when omitted). */
  get(id: number, lengths?: readonly number[], enterprise = 0): Placed | undefined {
    const entry = this.byKey.get(`${enterprise}.${id}`);
    if (entry === undefined || entry.length === 0) return undefined;
    const ok =
      lengths === undefined
        ? entry.length >= 1 && entry.length <= 8
        : lengths.includes(entry.length);
    if (!ok) {
      this.problems.push(
        `IE ${enterprise === 0 ? "" : `${enterprise}.`}${id} with length ${entry.length === -1 ? "variable" : entry.length}`,
      );
      return undefined;
    }
    return entry;
  }
}

const U = undefined;

function first(...candidates: (Placed | undefined)[]): Placed | undefined {
  return candidates.find((candidate) => candidate !== U);
}

function uint(entry: Placed): string {
  return readUint(entry.at, entry.length);
}

/** Code writing an address column from an IPv4 (4 bytes) and/or IPv6 (16 bytes) field. */
function addressCode(
  column: string,
  v4: Placed | undefined,
  v6: Placed | undefined,
  pick: string,
): string {
  const four = (entry: Placed) =>
    `{ const w = b.${column}; w[k] = v.getUint32(${entry.at}); w[k + 1] = 65535; w[k + 2] = 0; w[k + 3] = 0; }`;
  const six = (entry: Placed) =>
    `{ const w = b.${column}; w[k + 3] = v.getUint32(${entry.at}); w[k + 2] = v.getUint32(${entry.at} + 4); w[k + 1] = v.getUint32(${entry.at} + 8); w[k] = v.getUint32(${entry.at} + 12); }`;
  if (v4 !== U && v6 !== U) return `if (${pick}) ${six(v6)} else ${four(v4)}`;
  if (v4 !== U) return four(v4);
  if (v6 !== U) return six(v6);
  return "";
}

function startTime(
  index: FieldIndex,
  protocol: TemplateProtocol,
  ids: readonly number[],
): string | undefined {
  const [ms, micro, nano, seconds, delta, uptime] = ids as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const msField = index.get(ms, [8]);
  if (msField !== U) return uint(msField);
  const ntp = first(index.get(micro, [8]), index.get(nano, [8]));
  if (ntp !== U) return readNtpMs(ntp.at);
  const secondsField = index.get(seconds, [4]);
  if (secondsField !== U) return `${uint(secondsField)} * 1000`;
  const deltaField = index.get(delta, [4]);
  if (deltaField !== U) return `c.exportMs - Math.floor(${uint(deltaField)} / 1000)`;
  const uptimeField = index.get(uptime, [4]);
  if (uptimeField !== U) {
    // v9: uptime-relative to the header's sysUpTime; the difference modulo 2^32 read as signed
    // handles the uptime wrap (as netflow5). IPFIX: relative to systemInitTimeMilliseconds.
    if (protocol === "netflow9") return `c.exportMs - ((c.sysUptimeMs - ${uint(uptimeField)}) | 0)`;
    return `(sysInit >= 0 ? sysInit + ${uint(uptimeField)} : c.exportMs)`;
  }
  const observed = index.get(IE.observationTimeMilliseconds, [8]);
  if (observed !== U) return uint(observed);
  return U;
}

/**
 * Random n-out-of-N sampling (RFC 5476 §6.5.2.3, selectorAlgorithm 3) states samplingSize n
 * (IE 309) and samplingPopulation N (IE 310): one packet in N / n. It comes before the
 * systematic count-based fields (305/306) because exporters send samplingPacketInterval 1
 * beside it (corpus pmacct-104: size 1, population 256, interval 1: the rate is 256, not 1).
 */
function randomSamplingCode(index: FieldIndex, target: string): string[] {
  const size = index.get(IE.samplingSize);
  const population = index.get(IE.samplingPopulation);
  if (size === U || population === U) return [];
  return [
    `if (${target} === 0) { const n = ${uint(size)}, N = ${uint(population)}; if (n > 0 && N >= n) ${target} = Math.round(N / n); }`,
  ];
}

function compileData(protocol: TemplateProtocol, fields: readonly TemplateField[]): CompiledLayout {
  const layout = place(fields);
  const index = new FieldIndex(layout.placed);
  const body: string[] = [layout.traversal, "const row = b.addRow();", "const k = row * 4;"];
  const scalar = (column: string, entry: Placed | undefined) => {
    if (entry !== U) body.push(`b.${column}[row] = ${uint(entry)};`);
  };

  scalar(
    "sampledBytes",
    first(
      index.get(IE.octetDeltaCount),
      index.get(IE.octetTotalCount),
      index.get(IE.postOctetDeltaCount),
      index.get(IE.initiatorOctets),
    ),
  );
  scalar(
    "sampledPackets",
    first(
      index.get(IE.packetDeltaCount),
      index.get(IE.packetTotalCount),
      index.get(IE.postPacketDeltaCount),
      index.get(IE.initiatorPackets),
    ),
  );
  scalar("protocol", index.get(IE.protocolIdentifier));
  scalar("tos", index.get(IE.ipClassOfService));
  scalar("tcpFlags", index.get(IE.tcpControlBits, [1, 2]));
  const srcPort = index.get(IE.sourceTransportPort, [2]);
  const dstPort = index.get(IE.destinationTransportPort, [2]);
  scalar("srcPort", srcPort);
  scalar("dstPort", dstPort);
  scalar("srcAs", index.get(IE.bgpSourceAsNumber, [2, 4]));
  scalar("dstAs", index.get(IE.bgpDestinationAsNumber, [2, 4]));
  scalar("inIf", first(index.get(IE.ingressInterface), index.get(IE.ingressPhysicalInterface)));
  scalar("outIf", first(index.get(IE.egressInterface), index.get(IE.egressPhysicalInterface)));
  scalar("flowDirection", index.get(IE.flowDirection, [1]));
  const nsel = (id: number) => (protocol === "netflow9" ? index.get(id, [2]) : U);
  scalar("postNatSrcPort", first(index.get(IE.postNAPTSourceTransportPort, [2]), nsel(40003)));
  scalar("postNatDstPort", first(index.get(IE.postNAPTDestinationTransportPort, [2]), nsel(40004)));
  scalar("inVrf", index.get(IE.ingressVRFID, [4]));
  scalar("outVrf", index.get(IE.egressVRFID, [4]));
  for (const [column, v4Id, v6Id] of [
    ["srcMaskLen", IE.sourceIPv4PrefixLength, IE.sourceIPv6PrefixLength],
    ["dstMaskLen", IE.destinationIPv4PrefixLength, IE.destinationIPv6PrefixLength],
  ] as const) {
    const v4 = index.get(v4Id, [1]);
    const v6 = index.get(v6Id, [1]);
    if (v4 !== U && v6 !== U) body.push(`b.${column}[row] = ${uint(v4)} || ${uint(v6)};`);
    else scalar(column, v4 ?? v6);
  }

  // Addresses: the family present decides; with both, IPv6 when the IPv4 pair is all zero
  // (dual-stack templates fill one family and zero the other).
  const src4 = index.get(IE.sourceIPv4Address, [4]);
  const dst4 = index.get(IE.destinationIPv4Address, [4]);
  const src6 = index.get(IE.sourceIPv6Address, [16]);
  const dst6 = index.get(IE.destinationIPv6Address, [16]);
  const has4 = src4 !== U || dst4 !== U;
  const has6 = src6 !== U || dst6 !== U;
  if (has4 && has6) {
    const zero4 = [src4, dst4]
      .filter((entry): entry is Placed => entry !== U)
      .map((entry) => `v.getUint32(${entry.at}) === 0`)
      .join(" && ");
    body.push(`const six = ${zero4};`, "b.ipVersion[row] = six ? 6 : 4;");
    body.push(addressCode("srcAddr", src4, src6, "six"), addressCode("dstAddr", dst4, dst6, "six"));
    // A family without its src or dst field still needs the IPv4-mapped form.
    if (src4 === U || dst4 === U) {
      const missing = src4 === U ? "srcAddr" : "dstAddr";
      body.push(`if (!six) { const w = b.${missing}; w[k] = 0; w[k + 1] = 65535; }`);
    }
  } else if (has6) {
    body.push(
      "b.ipVersion[row] = 6;",
      addressCode("srcAddr", U, src6, ""),
      addressCode("dstAddr", U, dst6, ""),
    );
  } else {
    // IPv4 or no address at all: v5-like 0.0.0.0 in IPv4-mapped form.
    body.push("b.ipVersion[row] = 4;");
    body.push(src4 === U ? "b.srcAddr[k + 1] = 65535;" : addressCode("srcAddr", src4, U, ""));
    body.push(dst4 === U ? "b.dstAddr[k + 1] = 65535;" : addressCode("dstAddr", dst4, U, ""));
  }
  const hopPair = (v4Id: number, v6Id: number) =>
    [index.get(v4Id, [4]), index.get(v6Id, [16])] as const;
  const ipHop = hopPair(IE.ipNextHopIPv4Address, IE.ipNextHopIPv6Address);
  const [hop4, hop6] =
    ipHop[0] !== U || ipHop[1] !== U
      ? ipHop
      : hopPair(IE.bgpNextHopIPv4Address, IE.bgpNextHopIPv6Address);
  if (hop4 !== U || hop6 !== U) {
    body.push(
      addressCode("nextHop", hop4, hop6, hop4 === U ? "" : `v.getUint32(${hop4.at}) === 0`),
    );
  }
  for (const [column, v4Id, v6Id] of [
    ["postNatSrcAddr", IE.postNATSourceIPv4Address, IE.postNATSourceIPv6Address],
    ["postNatDstAddr", IE.postNATDestinationIPv4Address, IE.postNATDestinationIPv6Address],
  ] as const) {
    // Cisco ASA NSEL v9 exports NAT translations as 40001/40002 (Cisco NSEL guide, "NetFlow
    // Version 9 Field Types for NSEL"), not the IANA 225/226.
    const v4 = first(
      index.get(v4Id, [4]),
      protocol === "netflow9"
        ? index.get(v4Id === IE.postNATSourceIPv4Address ? 40001 : 40002, [4])
        : U,
    );
    const v6 = index.get(v6Id, [16]);
    if (v4 !== U || v6 !== U) {
      body.push(addressCode(column, v4, v6, v4 === U ? "" : `v.getUint32(${v4.at}) === 0`));
    }
  }

  // ICMP type/code (IEs 32, 139) go to dstPort when the record has no port: the convention of
  // NetFlow v5 exporters and tshark's display, so ICMP flows stay distinguishable.
  const icmp = first(index.get(IE.icmpTypeCodeIPv4, [2]), index.get(IE.icmpTypeCodeIPv6, [2]));
  if (icmp !== U) {
    body.push(
      dstPort === U
        ? `b.dstPort[row] = ${uint(icmp)};`
        : `if (b.dstPort[row] === 0) b.dstPort[row] = ${uint(icmp)};`,
    );
  }

  // Times (RFC 7011 §6.1.7–10, RFC 7012 IEs 150–160, RFC 3954 FIRST/LAST_SWITCHED).
  const sysInit = index.get(IE.systemInitTimeMilliseconds, [8]);
  body.push(`const sysInit = ${sysInit === U ? "c.systemInitMs" : uint(sysInit)};`);
  const start = startTime(index, protocol, [152, 154, 156, 150, 158, 22]);
  const end = startTime(index, protocol, [153, 155, 157, 151, 159, 21]);
  body.push(`b.startMs[row] = ${start ?? "c.exportMs"};`, `b.endMs[row] = ${end ?? "c.exportMs"};`);

  // Sampling precedence: the record's own rate, its sampler/selector id's rate from options
  // data, then the set's rate (domain-wide options, configuration, or 1 unknown).
  const interval = index.get(IE.samplingInterval);
  const random = index.get(IE.samplerRandomInterval);
  const packetInterval = index.get(IE.samplingPacketInterval);
  const packetSpace = index.get(IE.samplingPacketSpace);
  const sampler = first(index.get(IE.samplerId), index.get(IE.selectorId));
  const randomSampling = randomSamplingCode(index, "rate");
  if (
    interval !== U ||
    random !== U ||
    packetInterval !== U ||
    sampler !== U ||
    randomSampling.length > 0
  ) {
    body.push("let rate = 0;");
    if (interval !== U) body.push(`rate = ${uint(interval)};`);
    if (random !== U) body.push(`if (rate === 0) rate = ${uint(random)};`);
    body.push(...randomSampling);
    if (packetInterval !== U) {
      body.push(
        `if (rate === 0) { const i = ${uint(packetInterval)}; if (i > 0) rate = Math.round((i + ${packetSpace === U ? "0" : uint(packetSpace)}) / i); }`,
      );
    }
    if (sampler !== U) body.push(`if (rate === 0) rate = c.samplerRate(${uint(sampler)});`);
    body.push(
      "if (rate > 0) { b.samplingRate[row] = rate; b.samplingRateKnown[row] = 1; }",
      "else { b.samplingRate[row] = c.samplingRate; b.samplingRateKnown[row] = c.samplingKnown; }",
    );
  } else {
    body.push(
      "b.samplingRate[row] = c.samplingRate;",
      "b.samplingRateKnown[row] = c.samplingKnown;",
    );
  }

  body.push(
    "b.receivedMs[row] = c.receivedMs;",
    "{ const e = b.exporter, w = c.exporterWords; e[k] = w[0]; e[k + 1] = w[1]; e[k + 2] = w[2]; e[k + 3] = w[3]; }",
    "b.source[row] = c.source;",
    "b.observationDomain[row] = c.domain;",
  );

  // Enterprise fields go to `extra`, reverse counters excepted (they make the reverse row).
  const reverseBytes = first(index.get(1, U, REVERSE_PEN), index.get(85, U, REVERSE_PEN));
  const reversePackets = first(index.get(2, U, REVERSE_PEN), index.get(86, U, REVERSE_PEN));
  const reverseFlags = index.get(6, [1, 2], REVERSE_PEN);
  const consumed = new Set(
    [reverseBytes, reversePackets, reverseFlags].filter((entry) => entry !== U),
  );
  const extras = layout.placed.filter(
    (entry) => entry.field.enterprise !== 0 && entry.length !== 0 && !consumed.has(entry),
  );
  if (extras.length > 0) {
    body.push("const x = {};");
    for (const entry of extras) {
      const key = JSON.stringify(
        enterpriseKey(integer(entry.field.enterprise), integer(entry.field.id)),
      );
      const length = entry.length === -1 ? `${entry.lengthVar}, true` : String(entry.length);
      body.push(`x[${key}] = h.value(v, ${entry.at}, ${length});`);
    }
    body.push("b.setExtra(row, x);");
  }
  if (reverseBytes !== U || reversePackets !== U) {
    body.push(
      `const rb = ${reverseBytes === U ? "0" : uint(reverseBytes)};`,
      `const rp = ${reversePackets === U ? "0" : uint(reversePackets)};`,
      `if (rb > 0 || rp > 0) h.reverse(b, row, rb, rp, ${reverseFlags === U ? "0" : uint(reverseFlags)});`,
    );
  }
  body.push("return p;");
  const source = `"use strict";\nreturn function decodeRecord(v, o, end, b, c) {\n${body.join("\n")}\n};`;
  // Only integers (offsets, lengths, IE numbers via enterpriseKey) and names from this file are
  // interpolated: template bytes never reach the generated source as text.
  const decode = generate(["h"], source)(HELPERS) as RecordDecoder;
  return {
    minRecordBytes: layout.minRecordBytes,
    decode,
    decodeOptions: U,
    fieldProblems: index.problems,
  };
}

/** RFC 3954 §6.1: v9 options scope field type 2 is "Interface" (its value an ifIndex). */
const V9_SCOPE_INTERFACE = 2;

function compileOptions(
  protocol: TemplateProtocol,
  fields: readonly TemplateField[],
  scopeFieldCount: number,
): CompiledLayout {
  const layout = place(fields);
  const index = new FieldIndex(layout.placed);
  const body: string[] = [
    layout.traversal,
    "r.samplerId = -1; r.rate = 0; r.systemInitMs = -1;",
    "r.ifIndex = -1; r.nameAt = -1; r.nameBytes = 0; r.descriptionAt = -1; r.descriptionBytes = 0;",
  ];
  const sampler = first(index.get(IE.samplerId), index.get(IE.selectorId));
  if (sampler !== U) body.push(`r.samplerId = ${uint(sampler)};`);
  const interval = index.get(IE.samplingInterval);
  if (interval !== U) body.push(`r.rate = ${uint(interval)};`);
  const random = index.get(IE.samplerRandomInterval);
  if (random !== U) body.push(`if (r.rate === 0) r.rate = ${uint(random)};`);
  body.push(...randomSamplingCode(index, "r.rate"));
  const packetInterval = index.get(IE.samplingPacketInterval);
  const packetSpace = index.get(IE.samplingPacketSpace);
  if (packetInterval !== U) {
    // RFC 5476 §6.5.2.1: count-based systematic sampling selects `interval` packets out of
    // every `interval + space`.
    body.push(
      `if (r.rate === 0) { const i = ${uint(packetInterval)}; if (i > 0) r.rate = Math.round((i + ${packetSpace === U ? "0" : uint(packetSpace)}) / i); }`,
    );
  }
  const sysInit = index.get(IE.systemInitTimeMilliseconds, [8]);
  if (sysInit !== U) body.push(`r.systemInitMs = ${uint(sysInit)};`);
  body.push(...interfaceTableCode(protocol, fields, scopeFieldCount, layout.placed, index));
  body.push("return p;");
  const source = `"use strict";\nreturn function decodeOptions(v, o, end, r) {\n${body.join("\n")}\n};`;
  const decodeOptions = generate([], source)() as OptionsDecoder;
  return {
    minRecordBytes: layout.minRecordBytes,
    decode: U,
    decodeOptions,
    fieldProblems: index.problems,
  };
}

/**
 * The interface table option (Cisco "option interface-table", IOS XR and Juniper alike): an
 * interface index with interfaceName (IE 82) and/or interfaceDescription (IE 83), strings of a
 * fixed (NUL-padded) or variable length (RFC 7012 §4, RFC 7011 §6.1.6). The index is IE 10,
 * else IE 14, in the scope (IPFIX, IOS XR sends both with the same value) or as a plain field
 * (ASR 9000 v9: a System scope then INPUT_SNMP), else a v9 "Interface" scope. Only offsets are
 * read here: the strings are decoded by the state when it learns them.
 */
function interfaceTableCode(
  protocol: TemplateProtocol,
  fields: readonly TemplateField[],
  scopeFieldCount: number,
  placed: readonly Placed[],
  index: FieldIndex,
): string[] {
  const name = index.bytes(IE.interfaceName);
  const description = index.bytes(IE.interfaceDescription);
  if (name === U && description === U) return [];
  const scope = new Set(fields.slice(0, scopeFieldCount));
  const v9Scope =
    protocol === "netflow9"
      ? placed.find(
          (entry) =>
            scope.has(entry.field) &&
            entry.field.id === V9_SCOPE_INTERFACE &&
            entry.length >= 1 &&
            entry.length <= 8,
        )
      : U;
  const ifIndex = first(index.get(IE.ingressInterface), index.get(IE.egressInterface), v9Scope);
  if (ifIndex === U) return [];
  const length = (entry: Placed) => (entry.length === -1 ? entry.lengthVar : String(entry.length));
  const body = [`r.ifIndex = ${uint(ifIndex)};`];
  if (name !== U) body.push(`r.nameAt = ${name.at}; r.nameBytes = ${length(name)};`);
  if (description !== U) {
    body.push(`r.descriptionAt = ${description.at}; r.descriptionBytes = ${length(description)};`);
  }
  return body;
}

/** Compiled layouts shared by every exporter that sends the same template (bounded LRU). */
const cache = new Map<string, CompiledLayout>();
const CACHE_ENTRIES = 2048;

/**
 * Compiles a template into a specialised record decoder, once per distinct layout: generated
 * code reads each mapped field at its precomputed offset straight into the batch columns, with
 * no per-field dispatch and no allocation per record (enterprise fields in `extra` excepted).
 */
export function compileTemplate(
  protocol: TemplateProtocol,
  kind: TemplateKind,
  fields: readonly TemplateField[],
  scopeFieldCount = 0,
): CompiledLayout {
  let signature = `${protocol}/${kind}/${integer(scopeFieldCount)}`;
  for (const field of fields) {
    signature += `/${integer(field.enterprise)}.${integer(field.id)}:${integer(field.length)}`;
  }
  const cached = cache.get(signature);
  if (cached !== undefined) {
    cache.delete(signature);
    cache.set(signature, cached);
    return cached;
  }
  const compiled =
    kind === "data"
      ? compileData(protocol, fields)
      : compileOptions(protocol, fields, scopeFieldCount);
  if (cache.size >= CACHE_ENTRIES) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(signature, compiled);
  return compiled;
}
