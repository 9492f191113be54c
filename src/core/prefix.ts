/**
 * IPv4 and IPv6 prefixes (CIDR): parsing into a value that says how to fix bad input, containment,
 * and the IANA special-purpose address checks that decide whether a far end is "internet".
 */
import {
  formatIpv4,
  formatIpv6Groups,
  parseIpv4ToU32,
  parseIpv6Groups,
  parseIpv6ToWords,
} from "./ip.ts";

/** An IPv4 prefix: `network` is the unsigned 32-bit network address, host bits zero. */
export interface Ipv4Prefix {
  readonly version: 4;
  readonly network: number;
  /** Prefix length, 0–32. */
  readonly length: number;
  /** Canonical text, always with a length: `10.0.0.0/8`, `192.0.2.1/32`. */
  readonly text: string;
}

/** An IPv6 prefix: `words` are the four unsigned 32-bit words of the network, most significant first. */
export interface Ipv6Prefix {
  readonly version: 6;
  readonly words: readonly [number, number, number, number];
  /** Prefix length, 0–128. */
  readonly length: number;
  /** Canonical text (RFC 5952 address), always with a length: `2001:db8::/32`. */
  readonly text: string;
}

export type Prefix = Ipv4Prefix | Ipv6Prefix;

/** The result of parsing CIDR text: a prefix, or a message that says what is wrong and the fix. */
export type PrefixParseResult =
  { readonly ok: true; readonly prefix: Prefix } | { readonly ok: false; readonly message: string };

/** The network mask of an IPv4 prefix length as an unsigned 32-bit number (`/8` → 0xff000000). */
export function ipv4Mask(length: number): number {
  return length <= 0 ? 0 : length >= 32 ? 0xffffffff : (0xffffffff << (32 - length)) >>> 0;
}

/** The mask of word `word` (0–3) of an IPv6 prefix of length `length`. */
export function ipv6WordMask(length: number, word: number): number {
  return ipv4Mask(length - 32 * word);
}

/**
 * Parses CIDR text (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a host prefix (/32, /128).
 * A prefix with host bits set is an error whose message names the prefix the user probably meant,
 * because silently masking `10.1.0.0/8` to `10.0.0.0/8` would hide a typo that widens a network.
 */
export function parsePrefix(text: string): PrefixParseResult {
  const slash = text.indexOf("/");
  const addressText = slash === -1 ? text : text.slice(0, slash);
  let length: number | undefined;
  if (slash !== -1) {
    const lengthText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) {
      return invalid(
        `"${text}" has no valid prefix length after "/" (expected a number such as /8 or /64)`,
      );
    }
    length = Number(lengthText);
  }
  const v4 = parseIpv4ToU32(addressText);
  if (v4 >= 0) {
    const prefixLength = length ?? 32;
    if (prefixLength > 32) {
      return invalid(`"${text}" has prefix length ${prefixLength}, IPv4 allows 0 to 32`);
    }
    const network = (v4 & ipv4Mask(prefixLength)) >>> 0;
    const canonical = `${formatIpv4(network)}/${prefixLength}`;
    if (network !== v4) return hostBitsSet(text, canonical);
    return { ok: true, prefix: { version: 4, network, length: prefixLength, text: canonical } };
  }
  const groups = parseIpv6Groups(addressText);
  if (groups !== undefined) {
    const prefixLength = length ?? 128;
    if (prefixLength > 128) {
      return invalid(`"${text}" has prefix length ${prefixLength}, IPv6 allows 0 to 128`);
    }
    const given = groupsToWords(groups);
    const words: [number, number, number, number] = [0, 0, 0, 0];
    for (let word = 0; word < 4; word++) {
      words[word] = ((given[word] ?? 0) & ipv6WordMask(prefixLength, word)) >>> 0;
    }
    const canonical = `${formatIpv6Groups(wordsToGroups(words))}/${prefixLength}`;
    if (words.some((value, word) => value !== given[word])) return hostBitsSet(text, canonical);
    return { ok: true, prefix: { version: 6, words, length: prefixLength, text: canonical } };
  }
  return invalid(
    `"${text}" is not an IPv4 or IPv6 prefix (expected e.g. 10.0.0.0/8 or 2001:db8::/32)`,
  );
}

function invalid(message: string): PrefixParseResult {
  return { ok: false, message };
}

function hostBitsSet(text: string, canonical: string): PrefixParseResult {
  return invalid(`${text} has host bits set: did you mean ${canonical}?`);
}

function groupsToWords(groups: readonly number[]): number[] {
  const words: number[] = [];
  for (let word = 0; word < 4; word++) {
    words.push((((groups[2 * word] ?? 0) << 16) | (groups[2 * word + 1] ?? 0)) >>> 0);
  }
  return words;
}

function wordsToGroups(words: readonly number[]): number[] {
  return words.flatMap((value) => [value >>> 16, value & 0xffff]);
}

/** Whether an IPv4 address (unsigned 32-bit) is in an IPv4 prefix. */
export function containsIpv4(prefix: Ipv4Prefix, address: number): boolean {
  return (address & ipv4Mask(prefix.length)) >>> 0 === prefix.network;
}

/** Whether an IPv6 address (four unsigned 32-bit words) is in an IPv6 prefix. */
export function containsIpv6(
  prefix: Ipv6Prefix,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): boolean {
  const words = prefix.words;
  const length = prefix.length;
  return (
    (w0 & ipv6WordMask(length, 0)) >>> 0 === words[0] &&
    (w1 & ipv6WordMask(length, 1)) >>> 0 === words[1] &&
    (w2 & ipv6WordMask(length, 2)) >>> 0 === words[2] &&
    (w3 & ipv6WordMask(length, 3)) >>> 0 === words[3]
  );
}

const containsScratch = new Uint32Array(4);

/**
 * Whether the address text is in the prefix. False for text that is not an address and across
 * families: an IPv4 address is never in an IPv6 prefix, IPv4-mapped prefixes included.
 */
export function contains(prefix: Prefix, address: string): boolean {
  if (prefix.version === 4) {
    const v4 = parseIpv4ToU32(address);
    return v4 >= 0 && containsIpv4(prefix, v4);
  }
  const words = containsScratch;
  if (!parseIpv6ToWords(address, words)) return false;
  return containsIpv6(prefix, words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
}

/** Whether `outer` contains every address of `inner` (a prefix contains itself). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.version !== inner.version || outer.length > inner.length) return false;
  if (outer.version === 4 && inner.version === 4) return containsIpv4(outer, inner.network);
  if (outer.version === 6 && inner.version === 6) {
    const [w0, w1, w2, w3] = inner.words;
    return containsIpv6(outer, w0, w1, w2, w3);
  }
  return false;
}

/**
 * Total order: IPv4 before IPv6, then by network address, then shorter first. Sorting by it lists
 * every prefix right after the prefixes that contain it, which lets a single stack sweep find
 * each prefix's nearest enclosing prefix.
 */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.version !== b.version) return a.version - b.version;
  if (a.version === 4 && b.version === 4) {
    if (a.network !== b.network) return a.network < b.network ? -1 : 1;
  } else if (a.version === 6 && b.version === 6) {
    for (let word = 0; word < 4; word++) {
      const left = a.words[word] ?? 0;
      const right = b.words[word] ?? 0;
      if (left !== right) return left < right ? -1 : 1;
    }
  }
  return a.length - b.length;
}

function mustParse(text: string): Prefix {
  const result = parsePrefix(text);
  // The tables below are constants of this file: a bad entry is a bug, fail at load.
  if (!result.ok) throw new Error(`core/prefix: bad built-in prefix ${text}: ${result.message}`);
  return result.prefix;
}

/**
 * IPv4 blocks that are not globally reachable: the IANA IPv4 Special-Purpose Address Registry
 * (RFC 6890 §2.2.2 and updates) entries with "Globally Reachable: False", plus multicast and the
 * reserved class E space, which are not unicast destinations on the internet either.
 */
const IPV4_NOT_GLOBAL = [
  "0.0.0.0/8", // "this network", RFC 791 §3.2, RFC 1122 §3.2.1.3
  "10.0.0.0/8", // private, RFC 1918
  "100.64.0.0/10", // shared address space (CGNAT), RFC 6598
  "127.0.0.0/8", // loopback, RFC 1122 §3.2.1.3
  "169.254.0.0/16", // link-local, RFC 3927
  "172.16.0.0/12", // private, RFC 1918
  "192.0.0.0/24", // IETF protocol assignments, RFC 6890 §2.2.2
  "192.0.2.0/24", // TEST-NET-1 documentation, RFC 5737
  "192.168.0.0/16", // private, RFC 1918
  "198.18.0.0/15", // benchmarking, RFC 2544
  "198.51.100.0/24", // TEST-NET-2 documentation, RFC 5737
  "203.0.113.0/24", // TEST-NET-3 documentation, RFC 5737
  "224.0.0.0/4", // multicast, RFC 5771
  "240.0.0.0/4", // reserved, RFC 1112 §4 (includes 255.255.255.255 limited broadcast, RFC 919)
];

/** Globally reachable exceptions inside the blocks above (checked first). */
const IPV4_GLOBAL_EXCEPTIONS = [
  "192.0.0.9/32", // Port Control Protocol anycast, RFC 7723
  "192.0.0.10/32", // TURN anycast, RFC 8155
];

/**
 * IPv6: IANA allocates global unicast only from 2000::/3 (RFC 4291 §2.4, IPv6 Address Space
 * registry); everything else (::1, ::ffff:0:0/96, 100::/64, 5f00::/16, fc00::/7, fe80::/10,
 * ff00::/8, 64:ff9b:1::/48…) is special or reserved, except the NAT64 well-known prefix, whose
 * addresses stand for public IPv4 hosts (RFC 6052 §3.1 forbids embedding private IPv4 in it).
 */
const IPV6_GLOBAL_SPACE = [
  "2000::/3", // global unicast, RFC 4291 §2.4
  "64:ff9b::/96", // NAT64 well-known prefix, RFC 6052 (registry: globally reachable)
];

/** IPv6 Special-Purpose Address Registry entries inside 2000::/3 that are not globally reachable. */
const IPV6_NOT_GLOBAL = [
  "2001::/23", // IETF protocol assignments, RFC 2928 (includes Teredo, benchmarking, ORCHID)
  "2001:db8::/32", // documentation, RFC 3849
  "3fff::/20", // documentation, RFC 9637
];

/** Globally reachable exceptions inside 2001::/23 (checked first). */
const IPV6_GLOBAL_EXCEPTIONS = [
  "2001:1::1/128", // Port Control Protocol anycast, RFC 7723
  "2001:1::2/128", // TURN anycast, RFC 8155
  "2001:1::3/128", // DNS-SD service registration protocol anycast, RFC 9665
  "2001:3::/32", // AMT, RFC 7450
  "2001:4:112::/48", // AS112-v6, RFC 7535
  "2001:20::/28", // ORCHIDv2, RFC 7343
  "2001:30::/28", // drone remote ID, RFC 9374
];

function ipv4Table(texts: readonly string[]): { networks: Uint32Array; masks: Uint32Array } {
  const prefixes = texts.map(mustParse).filter((prefix) => prefix.version === 4);
  return {
    networks: Uint32Array.from(prefixes, (prefix) => prefix.network),
    masks: Uint32Array.from(prefixes, (prefix) => ipv4Mask(prefix.length)),
  };
}

function ipv6Table(texts: readonly string[]): Ipv6Prefix[] {
  return texts.map(mustParse).filter((prefix) => prefix.version === 6);
}

const ipv4NotGlobal = ipv4Table(IPV4_NOT_GLOBAL);
const ipv4GlobalExceptions = ipv4Table(IPV4_GLOBAL_EXCEPTIONS);
const ipv6GlobalSpace = ipv6Table(IPV6_GLOBAL_SPACE);
const ipv6NotGlobal = ipv6Table(IPV6_NOT_GLOBAL);
const ipv6GlobalExceptions = ipv6Table(IPV6_GLOBAL_EXCEPTIONS);

function inIpv4Table(
  table: { networks: Uint32Array; masks: Uint32Array },
  address: number,
): boolean {
  const { networks, masks } = table;
  for (let index = 0; index < networks.length; index++) {
    if ((address & (masks[index] ?? 0)) >>> 0 === networks[index]) return true;
  }
  return false;
}

function inIpv6Table(
  table: readonly Ipv6Prefix[],
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): boolean {
  for (const prefix of table) if (containsIpv6(prefix, w0, w1, w2, w3)) return true;
  return false;
}

/** Whether an IPv4 address (unsigned 32-bit) is globally reachable unicast. No allocation. */
export function isGlobalUnicastIpv4(address: number): boolean {
  if (inIpv4Table(ipv4GlobalExceptions, address)) return true;
  return !inIpv4Table(ipv4NotGlobal, address);
}

/** Whether an IPv6 address (four unsigned 32-bit words) is globally reachable unicast. */
export function isGlobalUnicastIpv6(w0: number, w1: number, w2: number, w3: number): boolean {
  if (!inIpv6Table(ipv6GlobalSpace, w0, w1, w2, w3)) return false;
  if (inIpv6Table(ipv6GlobalExceptions, w0, w1, w2, w3)) return true;
  return !inIpv6Table(ipv6NotGlobal, w0, w1, w2, w3);
}

const specialScratch = new Uint32Array(4);

/**
 * Whether the address text is a globally reachable unicast address: the far end of a flow to it
 * is "internet". False for text that is not an address.
 */
export function isGlobalUnicast(address: string): boolean {
  const v4 = parseIpv4ToU32(address);
  if (v4 >= 0) return isGlobalUnicastIpv4(v4);
  const words = specialScratch;
  if (!parseIpv6ToWords(address, words)) return false;
  return isGlobalUnicastIpv6(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
}

/**
 * Whether the address text is private, special-purpose (IANA registries, RFC 6890 and updates),
 * multicast or reserved: a valid address that is not global unicast. False for non-addresses.
 */
export function isPrivateOrSpecial(address: string): boolean {
  const v4 = parseIpv4ToU32(address);
  if (v4 >= 0) return !isGlobalUnicastIpv4(v4);
  const words = specialScratch;
  if (!parseIpv6ToWords(address, words)) return false;
  return !isGlobalUnicastIpv6(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
}
