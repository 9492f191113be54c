import type { FlowRecord } from "../../core/index.ts";
import { networkAttribute } from "./contract-flows.ts";

/**
 * Filter expressions every backend must answer alike, each with the reference predicate on the
 * contract's records (contract-flows.ts: its addresses, networks, exporters and countries). They
 * cover every kind of field binding: address prefixes on both halves (IPv4, IPv6 shorter and
 * longer than /64), per-flow columns, enums, countries, tags, network names and attributes
 * (flows without a network included), cloud-range networks, exporters and their cloud context,
 * measures with units, and not / or / and around side-table fields.
 */
export interface ContractFilter {
  filter: string;
  matches: (record: FlowRecord) => boolean;
}

const isV6 = (address: string): boolean => address.includes(":");
const src = (r: FlowRecord, attribute: string): string => networkAttribute(r.srcNetwork, attribute);
const dst = (r: FlowRecord, attribute: string): string => networkAttribute(r.dstNetwork, attribute);

export const CONTRACT_FILTERS: readonly ContractFilter[] = [
  { filter: "src.addr << 10.0.0.0/8", matches: (r) => r.srcAddr.startsWith("10.") },
  { filter: "dst.addr = 10.0.0.2", matches: (r) => r.dstAddr === "10.0.0.2" },
  // Shorter than /64: a range on the high half only.
  { filter: "src.addr << 2001:db8::/32", matches: (r) => r.srcAddr.startsWith("2001:db8:") },
  // /64 and longer: the high half equal, a range on the low half.
  {
    filter: "dst.addr << 2001:db8::/120",
    matches: (r) => r.dstAddr === "2001:db8::1" || r.dstAddr === "2001:db8::ff",
  },
  { filter: "not src.addr << 0.0.0.0/0", matches: (r) => isV6(r.srcAddr) },
  {
    filter: "proto = tcp and dst.port in (443, 80) and bytes > 1M",
    matches: (r) => r.protocol === 6 && (r.dstPort === 443 || r.dstPort === 80) && r.bytes > 1e6,
  },
  { filter: "ip.version = 6", matches: (r) => r.ipVersion === 6 },
  {
    filter: "direction in (egress, transit) and locality != internet",
    matches: (r) =>
      (r.direction === "egress" || r.direction === "transit") && r.locality !== "internet",
  },
  {
    filter: "src.country = de and not dst.country in (US, JP)",
    matches: (r) => r.srcCountry === "DE" && r.dstCountry !== "US" && r.dstCountry !== "JP",
  },
  { filter: 'dst.country = ""', matches: (r) => r.dstCountry === "" },
  { filter: "src.tag.team = platform", matches: (r) => r.srcTags["team"] === "platform" },
  {
    filter: `dst.tag."cost-center" = "r&d 'x'" or dst.tag.env != prod`,
    matches: (r) => r.dstTags["cost-center"] === "r&d 'x'" || r.dstTags["env"] !== "prod",
  },
  { filter: "src.net != office", matches: (r) => r.srcNetwork !== "office" },
  { filter: 'src.net ~ "dc-*"', matches: (r) => r.srcNetwork.startsWith("dc-") },
  {
    // A name or a prefix: the prefix means "the address is within".
    filter: "dst.net in (lab, 2001:db8::/64)",
    matches: (r) => r.dstNetwork === "lab" || r.dstAddr.startsWith("2001:db8::"),
  },
  { filter: "src.site = fra1", matches: (r) => src(r, "site") === "fra1" },
  { filter: 'dst.site = ""', matches: (r) => dst(r, "site") === "" },
  {
    filter: "src.provider = aws and dst.region != eu-central-1",
    matches: (r) => src(r, "provider") === "aws" && dst(r, "region") !== "eu-central-1",
  },
  {
    filter: "dst.service = S3 or src.site = par1",
    matches: (r) => dst(r, "service") === "S3" || src(r, "site") === "par1",
  },
  {
    filter: "src.account = 111122223333 or dst.zone ~ euc1-*",
    matches: (r) => src(r, "account") === "111122223333" || dst(r, "zone").startsWith("euc1-"),
  },
  {
    filter: 'src.vpc = vpc-a and dst.subnet = ""',
    matches: (r) => src(r, "vpc") === "vpc-a" && dst(r, "subnet") === "",
  },
  { filter: "exporter = 192.0.2.1", matches: (r) => r.exporterAddr === "192.0.2.1" },
  { filter: "exporter << 2001:db8::/32", matches: (r) => r.exporterAddr === "2001:db8:e::1" },
  {
    filter: "cloud.provider = aws and observed.action = reject",
    matches: (r) => r.cloud?.provider === "aws" && r.observedAction === "reject",
  },
  {
    filter: "not (cloud.region = us-east1 or src.tag.team in (it, research))",
    matches: (r) =>
      r.cloud?.region !== "us-east1" &&
      r.srcTags["team"] !== "it" &&
      r.srcTags["team"] !== "research",
  },
];

/**
 * Values that would end their literal early if spliced naively: quotes, backslashes before
 * quotes, a NUL, comment starters, braces (query-parameter syntax). Each must match no row.
 */
export const FILTER_INJECTIONS: readonly string[] = [
  `src.net = "x' OR 1=1 --"`,
  `src.net = "x\\\\' OR 1=1 --"`,
  `src.tag.team = "' OR ''='"`,
  `src.tag."x') OR 1=1 --" = platform`,
  `dst.site = "\\x00' OR 1=1"`,
  `src.net = "\\\\"`,
  `cloud.account = "{f1:String}"`,
  `cloud.vpc = "'; DROP TABLE flows; --"`,
  `src.net ~ "*' OR 1=1 OR name LIKE '*"`,
];
