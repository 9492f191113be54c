import {
  formatIpv4,
  ipToU128,
  parseIpv4ToU32,
  parsePrefix,
  u128ToIp,
  type CloudProvider,
} from "../../core/index.ts";
import type { NetworkTable } from "../networks.ts";
import type { AddressTraffic, NearEnds } from "./near-end.ts";

/**
 * From the near-end addresses of cloud interfaces (`near-end.ts`), one proposed network per
 * subnet, for `tollgate inventory suggest`:
 *
 * - a subnet is (provider, account, region, VPC, subnet) as the logs name them; its zone is the
 *   one zone its interfaces report, or none when they report several (GCP subnets are regional,
 *   an AWS subnet lies in one zone);
 * - its prefixes are the smallest covering its addresses, per family, widened to at least /28
 *   (IPv4) or /64 (IPv6), since a subnet is never smaller (AWS's smallest subnet is /28, an IPv6
 *   subnet is /64), and never wider than /16 or /48: addresses that far apart are split by
 *   their /16 or /48 rather than claim a range the subnet cannot hold (AWS's largest IPv4 VPC
 *   block is /16, IPv6 VPCs are /56);
 * - a subnet the inventory already declares is skipped with the reason: every prefix declared
 *   as is, or every address inside a declared network whose `subnet` attribute is the same.
 */
export interface SubnetAttributes {
  provider: CloudProvider;
  account: string;
  region: string;
  zone: string;
  vpc: string;
  subnet: string;
}

export interface SuggestedNetwork {
  name: string;
  cidrs: string[];
  attributes: SubnetAttributes;
  flows: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
  /** Distinct near-end addresses seen. */
  addresses: number;
  /** Distinct interfaces (ENIs, VMs, NICs) that logged them. */
  interfaces: number;
}

export interface SkippedSubnet {
  name: string;
  cidrs: string[];
  reason: string;
}

export interface Suggestions {
  networks: SuggestedNetwork[];
  skipped: SkippedSubnet[];
  bothGlobal: number;
  unresolved: number;
}

export const IPV4_NARROWEST = 28;
export const IPV4_WIDEST = 16;
export const IPV6_NARROWEST = 64;
export const IPV6_WIDEST = 48;

/** What the inventory declares, for skipping what it already has. */
export interface DeclaredNetworks {
  table: NetworkTable | undefined;
  /** Canonical CIDR text → network name. */
  prefixes: ReadonlyMap<string, string>;
}

interface Group {
  attributes: SubnetAttributes;
  zones: Set<string>;
  addresses: Map<string, AddressTraffic>;
  interfaces: Set<string>;
  /** Set when the log names no subnet: the interface the group stands for. */
  ownInterface: string;
}

/** Covering prefixes of IPv4 addresses (sorted, distinct), split below the widest allowed. */
function coverIpv4(addresses: readonly number[]): string[] {
  const first = addresses[0];
  const last = addresses.at(-1);
  if (first === undefined || last === undefined) return [];
  const common = first === last ? 32 : Math.clz32((first ^ last) >>> 0);
  if (common < IPV4_WIDEST) {
    const byBlock = new Map<number, number[]>();
    for (const address of addresses) {
      const block = address >>> (32 - IPV4_WIDEST);
      const list = byBlock.get(block) ?? [];
      list.push(address);
      byBlock.set(block, list);
    }
    return [...byBlock.values()].flatMap(coverIpv4);
  }
  const length = Math.min(common, IPV4_NARROWEST);
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return [`${formatIpv4((first & mask) >>> 0)}/${length}`];
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** Covering prefixes of IPv6 addresses (sorted, distinct), split below the widest allowed. */
function coverIpv6(addresses: readonly bigint[]): string[] {
  const first = addresses[0];
  const last = addresses.at(-1);
  if (first === undefined || last === undefined) return [];
  const common = 128 - bitLength(first ^ last);
  if (common < IPV6_WIDEST) {
    const byBlock = new Map<bigint, bigint[]>();
    for (const address of addresses) {
      const block = address >> BigInt(128 - IPV6_WIDEST);
      const list = byBlock.get(block) ?? [];
      list.push(address);
      byBlock.set(block, list);
    }
    return [...byBlock.values()].flatMap(coverIpv6);
  }
  const length = Math.min(common, IPV6_NARROWEST);
  const hostBits = BigInt(128 - length);
  return [`${u128ToIp((first >> hostBits) << hostBits)}/${length}`];
}

/** The prefixes covering a set of address texts, IPv4 first. */
export function coveringPrefixes(addresses: Iterable<string>): string[] {
  const v4: number[] = [];
  const v6: bigint[] = [];
  for (const text of addresses) {
    const ipv4 = parseIpv4ToU32(text);
    if (ipv4 >= 0) {
      v4.push(ipv4);
      continue;
    }
    const value = ipToU128(text);
    // An IPv4-mapped address written as IPv6 is an IPv4 address.
    if (value !== undefined && value >> 32n === 0xffffn) v4.push(Number(value & 0xffffffffn));
    else if (value !== undefined) v6.push(value);
  }
  v4.sort((a, b) => a - b);
  v6.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...coverIpv4(v4), ...coverIpv6(v6)];
}

/** A readable name: the last path segment of an id that is a path (Azure resource ids). */
function short(id: string): string {
  const trimmed = id.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  return slash === -1 ? trimmed : trimmed.slice(slash + 1);
}

function declaredSubnetOf(
  declared: DeclaredNetworks,
  address: string,
): { name: string; subnet: string } | undefined {
  const table = declared.table;
  if (table === undefined) return undefined;
  const ipv4 = parseIpv4ToU32(address);
  const value = ipv4 >= 0 ? undefined : ipToU128(address);
  const match =
    ipv4 >= 0
      ? table.lookupIpv4(ipv4)
      : value === undefined
        ? undefined
        : value >> 32n === 0xffffn
          ? table.lookupIpv4(Number(value & 0xffffffffn))
          : table.lookupIpv6(
              Number((value >> 96n) & 0xffffffffn),
              Number((value >> 64n) & 0xffffffffn),
              Number((value >> 32n) & 0xffffffffn),
              Number(value & 0xffffffffn),
            );
  return match === undefined ? undefined : { name: match.name, subnet: match.attributes.subnet };
}

export function proposeNetworks(nearEnds: NearEnds, declared: DeclaredNetworks): Suggestions {
  const groups = new Map<string, Group>();
  for (const { context, addresses } of nearEnds.interfaces) {
    if (addresses.size === 0) continue;
    // A log that does not name the subnet (AWS's default v2 format) still names the
    // interface: one network per interface then, rather than one per account.
    const ownInterface = context.subnet === "" ? context.interface || context.instance : "";
    const key = JSON.stringify([
      context.provider,
      context.account,
      context.region,
      context.vpc,
      context.subnet,
      ownInterface,
    ]);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        attributes: {
          provider: context.provider,
          account: context.account,
          region: context.region,
          zone: "",
          vpc: context.vpc,
          subnet: context.subnet,
        },
        zones: new Set(),
        addresses: new Map(),
        interfaces: new Set(),
        ownInterface,
      };
      groups.set(key, group);
    }
    if (context.zone !== "") group.zones.add(context.zone);
    group.interfaces.add(`${context.instance}/${context.interface}`);
    for (const [address, traffic] of addresses) {
      const known = group.addresses.get(address);
      if (known === undefined) {
        group.addresses.set(address, { ...traffic });
        continue;
      }
      known.flows += traffic.flows;
      known.bytes += traffic.bytes;
      known.firstMs = Math.min(known.firstMs, traffic.firstMs);
      known.lastMs = Math.max(known.lastMs, traffic.lastMs);
    }
  }

  const proposals: SuggestedNetwork[] = [];
  for (const group of groups.values()) {
    if (group.zones.size === 1) group.attributes.zone = [...group.zones][0] ?? "";
    let flows = 0;
    let bytes = 0;
    let firstMs = Infinity;
    let lastMs = -Infinity;
    for (const traffic of group.addresses.values()) {
      flows += traffic.flows;
      bytes += traffic.bytes;
      firstMs = Math.min(firstMs, traffic.firstMs);
      lastMs = Math.max(lastMs, traffic.lastMs);
    }
    const { vpc, subnet, provider, account } = group.attributes;
    const name = [short(vpc), short(subnet) || short(group.ownInterface)]
      .filter((part) => part !== "")
      .join("/");
    proposals.push({
      name: name === "" ? `${provider}-${short(account) || "unknown"}` : name,
      cidrs: coveringPrefixes(group.addresses.keys()),
      attributes: group.attributes,
      flows,
      bytes,
      firstMs,
      lastMs,
      addresses: group.addresses.size,
      interfaces: group.interfaces.size,
    });
  }
  // Busiest first: when two subnets claim one prefix, the busier keeps it.
  proposals.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));

  const names = new Map<string, number>();
  for (const proposal of proposals) names.set(proposal.name, (names.get(proposal.name) ?? 0) + 1);
  const networks: SuggestedNetwork[] = [];
  const skipped: SkippedSubnet[] = [];
  const claimed = new Map<string, string>();
  const groupList = [...groups.values()];
  for (const proposal of proposals) {
    // The same VPC and subnet names in two accounts or projects (GCP's "default"): qualify.
    if ((names.get(proposal.name) ?? 0) > 1 && proposal.attributes.account !== "") {
      proposal.name = `${short(proposal.attributes.account)}:${proposal.name}`;
    }
    const group = groupList.find((candidate) => candidate.attributes === proposal.attributes);
    const addresses = [...(group?.addresses.keys() ?? [])];
    const declaredAs = proposal.cidrs.map((cidr) => declared.prefixes.get(cidr));
    if (declaredAs.every((name) => name !== undefined)) {
      skipped.push({
        name: proposal.name,
        cidrs: proposal.cidrs,
        reason: `already declared as ${[...new Set(declaredAs)].join(", ")}`,
      });
      continue;
    }
    const containing = addresses.map((address) => declaredSubnetOf(declared, address));
    if (
      proposal.attributes.subnet !== "" &&
      containing.every(
        (match) => match !== undefined && match.subnet === proposal.attributes.subnet,
      )
    ) {
      const holders = [...new Set(containing.map((match) => match?.name ?? ""))];
      skipped.push({
        name: proposal.name,
        cidrs: proposal.cidrs,
        reason: `its ${addresses.length} addresses are in ${holders.join(", ")} (subnet ${proposal.attributes.subnet})`,
      });
      continue;
    }
    const cidrs: string[] = [];
    for (const cidr of proposal.cidrs) {
      const holder = declared.prefixes.get(cidr) ?? claimed.get(cidr);
      if (holder === undefined) {
        cidrs.push(cidr);
        claimed.set(cidr, proposal.name);
      } else {
        skipped.push({ name: proposal.name, cidrs: [cidr], reason: `${cidr} is ${holder}'s` });
      }
    }
    if (cidrs.length > 0) networks.push({ ...proposal, cidrs });
  }
  return {
    networks,
    skipped,
    bothGlobal: nearEnds.bothGlobal,
    unresolved: nearEnds.unresolved,
  };
}

/** Canonical text of each declared CIDR, by network name (for `DeclaredNetworks.prefixes`). */
export function declaredPrefixes(
  networks: readonly { name: string; cidrs: readonly string[] }[],
): Map<string, string> {
  const prefixes = new Map<string, string>();
  for (const network of networks) {
    for (const cidr of network.cidrs) {
      const parsed = parsePrefix(cidr);
      if (parsed.ok) prefixes.set(parsed.prefix.text, network.name);
    }
  }
  return prefixes;
}
