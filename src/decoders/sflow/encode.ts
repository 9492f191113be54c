import { parseIpv4ToU32, parseIpv6ToWords } from "../../core/index.ts";

/**
 * A minimal sFlow v5 encoder (XDR, sFlow v5 specification): builds datagrams for tests,
 * property tests and synthetic load. Not a full agent: it writes what it is given, including
 * deliberately odd values (bad lengths are made by editing the bytes afterwards).
 */

/** A record or sample given as its data_format and body bytes (padded to 4 when written). */
export interface SflowOpaque {
  format: number;
  body: Uint8Array;
}

export interface SflowFlowSampleSpec {
  kind: "flow";
  expanded?: boolean;
  sequence: number;
  sourceClass?: number;
  sourceIndex: number;
  samplingRate: number;
  samplePool?: number;
  drops?: number;
  /** Compact: the raw 32-bit field; expanded: format and value. */
  input: number | { format: number; value: number };
  output: number | { format: number; value: number };
  records: SflowOpaque[];
}

export interface SflowCounterSampleSpec {
  kind: "counters";
  expanded?: boolean;
  sequence: number;
  sourceClass?: number;
  sourceIndex: number;
  records: SflowOpaque[];
}

export type SflowSampleSpec = SflowFlowSampleSpec | SflowCounterSampleSpec | SflowOpaque;

export interface SflowDatagramSpec {
  /** IPv4 or IPv6 text, or "" for address type UNKNOWN. */
  agentAddr: string;
  subAgentId: number;
  sequence: number;
  uptimeMs: number;
  samples: SflowSampleSpec[];
  /** Overrides the sample count written (to make count mismatches). */
  sampleCount?: number;
}

/** Grows a big-endian word buffer. */
class XdrWriter {
  private bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    next.set(this.bytes);
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u32(value: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, value >>> 0);
    this.length += 4;
    return this;
  }

  u64(value: number): this {
    return this.u32(Math.floor(value / 2 ** 32)).u32(value % 2 ** 32);
  }

  /** Raw bytes, zero-padded to a multiple of 4 (XDR opaque without its length). */
  opaque(bytes: Uint8Array): this {
    const padded = Math.ceil(bytes.length / 4) * 4;
    this.reserve(padded);
    this.bytes.set(bytes, this.length);
    this.bytes.fill(0, this.length + bytes.length, this.length + padded);
    this.length += padded;
    return this;
  }

  address(text: string): this {
    if (text === "") return this.u32(0);
    if (!text.includes(":")) return this.u32(1).u32(parseIpv4ToU32(text));
    const words = new Uint32Array(4);
    parseIpv6ToWords(text, words);
    return this.u32(2)
      .u32(words[0] ?? 0)
      .u32(words[1] ?? 0)
      .u32(words[2] ?? 0)
      .u32(words[3] ?? 0);
  }

  /** data_format, length, padded body. */
  tagged(item: SflowOpaque): this {
    return this.u32(item.format)
      .u32(Math.ceil(item.body.length / 4) * 4)
      .opaque(item.body);
  }

  done(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function body(write: (writer: XdrWriter) => void): Uint8Array {
  const writer = new XdrWriter();
  write(writer);
  return writer.done();
}

/** flow_data 1 sampled_header. */
export function sampledHeaderRecord(
  headerProtocol: number,
  frameLength: number,
  header: Uint8Array,
  stripped = 4,
): SflowOpaque {
  return {
    format: 1,
    body: body((w) =>
      w.u32(headerProtocol).u32(frameLength).u32(stripped).u32(header.length).opaque(header),
    ),
  };
}

/** flow_data 3 sampled_ipv4 / 4 sampled_ipv6 (chosen by the source address). */
export function sampledIpRecord(fields: {
  length: number;
  protocol: number;
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  tos: number;
}): SflowOpaque {
  const v6 = fields.srcAddr.includes(":");
  return {
    format: v6 ? 4 : 3,
    body: body((w) => {
      w.u32(fields.length).u32(fields.protocol);
      // The address without its type word: sampled_ipv4/6 hold bare addresses.
      const src = new XdrWriter().address(fields.srcAddr).done().subarray(4);
      const dst = new XdrWriter().address(fields.dstAddr).done().subarray(4);
      w.opaque(src).opaque(dst);
      w.u32(fields.srcPort).u32(fields.dstPort).u32(fields.tcpFlags).u32(fields.tos);
    }),
  };
}

/** flow_data 1001 extended_switch. */
export function extendedSwitchRecord(srcVlan: number, dstVlan: number): SflowOpaque {
  return { format: 1001, body: body((w) => w.u32(srcVlan).u32(0).u32(dstVlan).u32(0)) };
}

/** flow_data 1002 extended_router. */
export function extendedRouterRecord(
  nextHop: string,
  srcMaskLen: number,
  dstMaskLen: number,
): SflowOpaque {
  return { format: 1002, body: body((w) => w.address(nextHop).u32(srcMaskLen).u32(dstMaskLen)) };
}

/** flow_data 1003 extended_gateway with one AS_SEQUENCE segment. */
export function extendedGatewayRecord(fields: {
  nextHop: string;
  routerAs: number;
  srcAs: number;
  srcPeerAs: number;
  asPath: number[];
  communities: number[];
  localPref: number;
}): SflowOpaque {
  return {
    format: 1003,
    body: body((w) => {
      w.address(fields.nextHop).u32(fields.routerAs).u32(fields.srcAs).u32(fields.srcPeerAs);
      if (fields.asPath.length === 0) w.u32(0);
      else {
        w.u32(1).u32(2).u32(fields.asPath.length);
        for (const asn of fields.asPath) w.u32(asn);
      }
      w.u32(fields.communities.length);
      for (const community of fields.communities) w.u32(community);
      w.u32(fields.localPref);
    }),
  };
}

/** counter_data 1 if_counters; fields in the specification's order. */
export function ifCountersRecord(fields: {
  ifIndex: number;
  ifType: number;
  ifSpeedBps: number;
  ifDirection: number;
  ifStatus: number;
  inOctets: number;
  inUcastPkts: number;
  inMulticastPkts: number;
  inBroadcastPkts: number;
  inDiscards: number;
  inErrors: number;
  inUnknownProtos: number;
  outOctets: number;
  outUcastPkts: number;
  outMulticastPkts: number;
  outBroadcastPkts: number;
  outDiscards: number;
  outErrors: number;
  promiscuousMode: number;
}): SflowOpaque {
  return {
    format: 1,
    body: body((w) =>
      w
        .u32(fields.ifIndex)
        .u32(fields.ifType)
        .u64(fields.ifSpeedBps)
        .u32(fields.ifDirection)
        .u32(fields.ifStatus)
        .u64(fields.inOctets)
        .u32(fields.inUcastPkts)
        .u32(fields.inMulticastPkts)
        .u32(fields.inBroadcastPkts)
        .u32(fields.inDiscards)
        .u32(fields.inErrors)
        .u32(fields.inUnknownProtos)
        .u64(fields.outOctets)
        .u32(fields.outUcastPkts)
        .u32(fields.outMulticastPkts)
        .u32(fields.outBroadcastPkts)
        .u32(fields.outDiscards)
        .u32(fields.outErrors)
        .u32(fields.promiscuousMode),
    ),
  };
}

function encodeSample(sample: SflowSampleSpec): SflowOpaque {
  if (!("kind" in sample)) return sample;
  const expanded = sample.expanded === true;
  const sourceClass = sample.sourceClass ?? 0;
  if (sample.kind === "counters") {
    return {
      format: expanded ? 4 : 2,
      body: body((w) => {
        w.u32(sample.sequence);
        if (expanded) w.u32(sourceClass).u32(sample.sourceIndex);
        else w.u32(((sourceClass << 24) | (sample.sourceIndex & 0xffffff)) >>> 0);
        w.u32(sample.records.length);
        for (const record of sample.records) w.tagged(record);
      }),
    };
  }
  return {
    format: expanded ? 3 : 1,
    body: body((w) => {
      w.u32(sample.sequence);
      if (expanded) w.u32(sourceClass).u32(sample.sourceIndex);
      else w.u32(((sourceClass << 24) | (sample.sourceIndex & 0xffffff)) >>> 0);
      w.u32(sample.samplingRate)
        .u32(sample.samplePool ?? 0)
        .u32(sample.drops ?? 0);
      for (const face of [sample.input, sample.output]) {
        if (typeof face === "number") w.u32(face);
        else w.u32(face.format).u32(face.value);
      }
      w.u32(sample.records.length);
      for (const record of sample.records) w.tagged(record);
    }),
  };
}

/** One sFlow v5 datagram. */
export function encodeSflow5(datagram: SflowDatagramSpec): Uint8Array {
  const writer = new XdrWriter();
  writer
    .u32(5)
    .address(datagram.agentAddr)
    .u32(datagram.subAgentId)
    .u32(datagram.sequence)
    .u32(datagram.uptimeMs)
    .u32(datagram.sampleCount ?? datagram.samples.length);
  for (const sample of datagram.samples) writer.tagged(encodeSample(sample));
  return writer.done();
}
