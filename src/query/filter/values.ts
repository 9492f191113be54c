/**
 * Literal values of the filter language that need more than a table lookup: volumes with
 * units, and IP protocols by name.
 */

/**
 * Multipliers of volumes. SI prefixes are powers of 10 (10MB = 10·10^6 bytes, as disks and
 * network rates count), binary ones powers of 2 (10MiB = 10·2^20, IEC 80000-13). Letters are
 * case-insensitive because a count of bytes or packets has no milli: 10m is 10M.
 */
const SI_MULTIPLIERS: Readonly<Record<string, bigint>> = {
  k: 10n ** 3n,
  m: 10n ** 6n,
  g: 10n ** 9n,
  t: 10n ** 12n,
  p: 10n ** 15n,
};
const BINARY_MULTIPLIERS: Readonly<Record<string, bigint>> = {
  k: 2n ** 10n,
  m: 2n ** 20n,
  g: 2n ** 30n,
  t: 2n ** 40n,
  p: 2n ** 50n,
};

const VOLUME = /^([0-9]+)(?:\.([0-9]+))?(?:([kKmMgGtTpP])(i)?)?([bB])?$/;

/** A volume's value, or a message saying what is wrong with it. */
export type VolumeResult = { ok: true; value: number } | { ok: false; message: string };

/**
 * Parses `10`, `1.5k`, `10MB`, `10MiB`, `3G` for a field counting `unit`. `B` (bytes) is
 * accepted on bytes only; a lower-case `b` is refused because it means bits, which flows do
 * not count. The result must be a whole number no larger than 2^53 − 1.
 */
export function parseVolume(text: string, unit: "bytes" | "packets"): VolumeResult {
  const match = VOLUME.exec(text);
  if (match === null) {
    return {
      ok: false,
      message: `"${text}" is not a number of ${unit} (expected e.g. 1500, 10k, 10M${unit === "bytes" ? ", 10MB, 10MiB" : ""})`,
    };
  }
  const [, whole = "", fraction = "", prefix, binary, byteSuffix] = match;
  if (byteSuffix === "b") {
    return {
      ok: false,
      message: `"${text}": b means bits, flows count bytes (write ${text.slice(0, -1)}B)`,
    };
  }
  if (byteSuffix === "B" && unit !== "bytes") {
    return { ok: false, message: `"${text}": B means bytes, but this field counts ${unit}` };
  }
  let multiplier = 1n;
  if (prefix !== undefined) {
    const table = binary === undefined ? SI_MULTIPLIERS : BINARY_MULTIPLIERS;
    multiplier = table[prefix.toLowerCase()] ?? 1n;
  }
  // Exact decimal arithmetic: 1.1MB is 1100000, not 1100000.0000000002.
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole + fraction) * multiplier;
  if (scaled % scale !== 0n) {
    return { ok: false, message: `"${text}" is not a whole number of ${unit}` };
  }
  const value = scaled / scale;
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ok: false, message: `"${text}" is too large (at most ${Number.MAX_SAFE_INTEGER})` };
  }
  return { ok: true, value: Number(value) };
}

/**
 * IP protocols by name (IANA "Assigned Internet Protocol Numbers", keywords lower-cased), with
 * the names tools commonly print (icmpv6 for ipv6-icmp, ipip for ipv4).
 */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipv4: 4,
  ipip: 4,
  tcp: 6,
  egp: 8,
  igp: 9,
  udp: 17,
  ipv6: 41,
  "ipv6-route": 43,
  "ipv6-frag": 44,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  "ipv6-icmp": 58,
  icmpv6: 58,
  "ipv6-nonxt": 59,
  "ipv6-opts": 60,
  eigrp: 88,
  ospf: 89,
  ospfigp: 89,
  pim: 103,
  vrrp: 112,
  l2tp: 115,
  isis: 124,
  sctp: 132,
  udplite: 136,
  "mpls-in-ip": 137,
};

/** The name a protocol number prints as (the first name listed for it above). */
export const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(PROTOCOL_NUMBERS)
    .reverse()
    .map(([name, number]) => [number, name] as const),
);
