import { awsVpcField } from "./fields.ts";

/**
 * What the decoder does with each field of a format, as small integers so the per-field
 * dispatch is a switch on a number, not a string comparison per field per line.
 */
export const KIND = {
  /** Read and dropped: `version` (a property of the format, not of the flow). */
  ignore: 0,
  /** Context slots (the interned strings of the CloudContext). */
  account: 1,
  region: 2,
  zone: 3,
  vpc: 4,
  subnet: 5,
  instance: 6,
  interface: 7,
  srcAddr: 8,
  dstAddr: 9,
  srcPort: 10,
  dstPort: 11,
  protocol: 12,
  packets: 13,
  bytes: 14,
  start: 15,
  end: 16,
  action: 17,
  logStatus: 18,
  tcpFlags: 19,
  type: 20,
  pktSrcAddr: 21,
  pktDstAddr: 22,
  flowDirection: 23,
  /** Kept in `extra` as a JSON string. */
  extraText: 24,
  /** Kept in `extra` as a number when it is one (documented integer fields). */
  extraNumber: 25,
  /** A field Tollgate does not know: a number when it looks like one, else text. */
  extraUnknown: 26,
} as const;

/** Context slot of each context kind (KIND.account … KIND.interface → 0 … 6). */
export const CONTEXT_SLOTS = 7;

const KIND_BY_NAME: Readonly<Record<string, number>> = {
  version: KIND.ignore,
  "account-id": KIND.account,
  region: KIND.region,
  "az-id": KIND.zone,
  "vpc-id": KIND.vpc,
  "subnet-id": KIND.subnet,
  "instance-id": KIND.instance,
  "interface-id": KIND.interface,
  srcaddr: KIND.srcAddr,
  dstaddr: KIND.dstAddr,
  srcport: KIND.srcPort,
  dstport: KIND.dstPort,
  protocol: KIND.protocol,
  packets: KIND.packets,
  bytes: KIND.bytes,
  start: KIND.start,
  end: KIND.end,
  action: KIND.action,
  "log-status": KIND.logStatus,
  "tcp-flags": KIND.tcpFlags,
  type: KIND.type,
  "pkt-srcaddr": KIND.pktSrcAddr,
  "pkt-dstaddr": KIND.pktDstAddr,
  "flow-direction": KIND.flowDirection,
};

/** A format made ready for decoding: one kind and one JSON key prefix per field. */
export interface CompiledFormat {
  names: readonly string[];
  kinds: Uint8Array;
  /** `"name":` for each field, the text an `extra` member starts with. */
  jsonKeys: readonly string[];
  /** The same, as ASCII bytes (for JsonObjectBytes). */
  jsonKeyBytes: readonly Uint8Array[];
  hasAccount: boolean;
  hasTime: boolean;
}

export function compileFormat(names: readonly string[]): CompiledFormat {
  const kinds = new Uint8Array(names.length);
  names.forEach((name, index) => {
    const known = awsVpcField(name);
    kinds[index] =
      KIND_BY_NAME[name] ??
      (known === undefined
        ? KIND.extraUnknown
        : known.parquetType === "STRING"
          ? KIND.extraText
          : KIND.extraNumber);
  });
  return {
    names: [...names],
    kinds,
    jsonKeys: names.map((name) => JSON.stringify(name) + ":"),
    jsonKeyBytes: names.map((name) => new TextEncoder().encode(JSON.stringify(name) + ":")),
    hasAccount: kinds.includes(KIND.account),
    hasTime: kinds.includes(KIND.start) || kinds.includes(KIND.end),
  };
}
