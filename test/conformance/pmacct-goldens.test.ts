import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  FlowBatch,
  textToWords,
  type DecodedFlow,
  type DecodeIssue,
} from "../../src/core/index.ts";
import { createCaptureReader, createFlowDecoder } from "../../src/decoders/index.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";

// Conformance of the NetFlow v9 / IPFIX decoders with pmacct's nfacctd goldens (shared/corpus,
// pmacct/pmacct @ 743f0c06af tests/<NNN>/output-flow-*.json). nfacctd aggregates records by its
// test's `aggregate` primitives and prints one JSON line per aggregate, so the comparison is by
// aggregate: our decoded flows are projected on the primitives a golden line carries (those
// Tollgate decodes), summed by projection, and each golden aggregate's packets and bytes must
// equal ours. Golden lines that differ only by primitives we do not compare (labels, forwarding
// status, MPLS labels, names from options or maps) are summed into one projection first.

const corpus = corpusDir();
const haveCorpus = peerAvailable("the shared corpus", corpus !== undefined);

/**
 * How nfacctd turned the export's time fields into `timestamp_start` / `timestamp_end`
 * (pkt_handlers.c NF_timestamp_start_handler, timestamps_secs: true): `netflow9-uptime` the
 * header's unix_secs minus the uptime difference in integer seconds; `epoch-ms` the time
 * truncated to the second (IPFIX; for IE 22 + IE 160 it truncates each term, the same here
 * since both are whole seconds in test 106); `not-comparable` no timestamp in the golden, or
 * one nfacctd did not take from the record.
 */
type TimeRule = "netflow9-uptime" | "epoch-ms" | "not-comparable";

interface GoldenCase {
  /** Golden file and traffic captures, relative to the corpus, captures in replay order. */
  golden: string;
  traffic: readonly string[];
  /**
   * Capture source address -> `peer_ip_src`: pmacct's traffic reproducer replays each capture
   * from its own address (traffic-reproducer-*.yml `network.map`: src_ip -> repro_ip).
   */
  peers: Readonly<Record<string, string>>;
  /**
   * What the golden counts: `raw` the export's counters (nfacctd_renormalize: false, or no
   * rate known), `exported-rate` counters times the rate the export announced (renormalize
   * with sampling options), or a number: times the rate of the test's sampling_map (config,
   * not the export: Tollgate's decoder leaves such a rate to the pipeline).
   */
  counters: "raw" | "exported-rate" | number;
  /** False where nfacctd took masks from BGP (nfacctd_net: bgp), not from the export. */
  masksFromExport: boolean;
  time: TimeRule;
  /** The test's nfacctd config, as read at pmacct/pmacct tests/<NNN>/nfacctd-00.conf. */
  config: string;
}

const REPLAY_V4 = "172.21.1.101";
const REPLAY_V6 = "fd25::101";

const CASES: readonly GoldenCase[] = [
  {
    golden: "ipfix/pmacct-100-IPFIXv10-CISCO-output-flow-00.json",
    traffic: ["ipfix/pmacct-100-IPFIXv10-CISCO-traffic-00.pcap"],
    peers: { "138.187.0.13": REPLAY_V4 },
    counters: "raw",
    masksFromExport: true,
    time: "not-comparable",
    config: "nfacctd_renormalize: false; no timestamp primitives",
  },
  {
    golden: "netflow9/pmacct-101-NFv9-CISCO-cust_primitives-output-flow-00.json",
    traffic: ["netflow9/pmacct-101-NFv9-CISCO-cust_primitives-traffic-00.pcap"],
    peers: { "138.187.57.55": REPLAY_V4 },
    counters: "raw",
    masksFromExport: true,
    time: "netflow9-uptime",
    config: "nfacctd_renormalize: false; timestamp_start/end aggregated (timestamps_secs: true)",
  },
  {
    golden: "netflow9/pmacct-102-NFv9-CISCO-f2rd-pretag-sampling-reload-output-flow-00.json",
    traffic: ["netflow9/pmacct-102-NFv9-CISCO-f2rd-pretag-sampling-reload-traffic-00.pcap"],
    peers: { "10.10.0.33": REPLAY_V4 },
    counters: 1,
    masksFromExport: true,
    time: "netflow9-uptime",
    config: "nfacctd_renormalize: true; sampling-00.map: id=1 (rate 1) for the replaying peer",
  },
  {
    golden: "netflow9/pmacct-102-NFv9-CISCO-f2rd-pretag-sampling-reload-output-flow-01.json",
    traffic: ["netflow9/pmacct-102-NFv9-CISCO-f2rd-pretag-sampling-reload-traffic-00.pcap"],
    peers: { "10.10.0.33": REPLAY_V4 },
    counters: 1000,
    masksFromExport: true,
    time: "netflow9-uptime",
    config: "after the map reload: sampling-01.map id=1000 (rate 1000), renormalized",
  },
  {
    golden: "ipfix/pmacct-104-IPFIXv10-IPv6-CISCO-sampling_option-output-flow-00.json",
    traffic: ["ipfix/pmacct-104-IPFIXv10-IPv6-CISCO-sampling_option-traffic-00.pcap"],
    peers: { "2a02:a90:4007:700::54": REPLAY_V6 },
    counters: "exported-rate",
    masksFromExport: true,
    time: "not-comparable",
    config: "nfacctd_renormalize: true, rate from options template 257 (samplingPacketInterval)",
  },
  {
    golden: "ipfix/pmacct-106-IPFIXv10-HUAWEI-vrf_name-output-flow-00.json",
    traffic: ["ipfix/pmacct-106-IPFIXv10-HUAWEI-vrf_name-traffic-00.pcap"],
    peers: { "2001:db8:54::1": REPLAY_V6 },
    counters: "exported-rate",
    masksFromExport: true,
    time: "epoch-ms",
    config:
      "nfacctd_renormalize: true (no sampling options: raw); IEs 22/21 with IE 160 in the record",
  },
  {
    golden: "ipfix/pmacct-111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources-output-flow-00.json",
    traffic: [
      "ipfix/pmacct-111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources-traffic-00.pcap",
      "ipfix/pmacct-111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources-traffic-01.pcap",
    ],
    peers: { "138.187.57.55": REPLAY_V4, "2001:4d98:a100:303:0:931:f:1": REPLAY_V6 },
    counters: "raw",
    masksFromExport: true,
    time: "not-comparable",
    config: "nfacctd_renormalize: false; no timestamp primitives",
  },
  {
    golden: "ipfix/pmacct-112-IPFIXv10-CISCO-options-map-reassignment-output-flow-00.json",
    traffic: ["ipfix/pmacct-112-IPFIXv10-CISCO-options-map-reassignment-traffic-00.pcap"],
    peers: { "2001:db8:90::1": REPLAY_V6 },
    counters: "raw",
    masksFromExport: true,
    time: "not-comparable",
    config: "nfacctd_renormalize: false; no timestamp primitives",
  },
  {
    golden: "ipfix/pmacct-500-IPFIXv10-BGP-CISCO-SRv6-output-flow-00.json",
    traffic: ["ipfix/pmacct-500-IPFIXv10-BGP-CISCO-SRv6-traffic-00.pcap"],
    peers: { "198.51.100.54": REPLAY_V4 },
    counters: "raw",
    masksFromExport: false,
    // IEs 22/21 without IE 160 in the record: nfacctd leaves timestamp_start at 0 and falls
    // back to the export header's time (pkt_handlers.c NF_timestamp_start_handler); Tollgate
    // dates the record from systemInitTimeMilliseconds of options template 338 instead.
    time: "not-comparable",
    config: "nfacctd_renormalize: false; nfacctd_net: bgp (masks from BGP)",
  },
];

type Golden = Record<string, unknown>;

/** IANA protocol numbers of the names nfacctd prints (its _protocols table, as in /etc/protocols). */
const PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  "ipv6-icmp": 58,
  vrrp: 112,
};

/** tcpflags_encode_as_array: one name per TCP header flag bit (RFC 9293 §3.1). */
const TCP_FLAG_BITS: Readonly<Record<string, number>> = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
};

/** Golden fields not compared, and why. A field in neither list fails the test. */
const NOT_COMPARED: Readonly<Record<string, string>> = {
  packets: "the compared sum",
  bytes: "the compared sum",
  flows: "always null (no flow counter in these exports)",
  writer_id: "nfacctd plugin name",
  label: "pretag map (config)",
  mpls_vpn_rd:
    "from flow_to_rd_map or VRF options (vrfid:<ingress VRF> otherwise): VRF ids are compared",
  mpls_vpn_rd_origin: "where nfacctd took the RD from",
  net_src: "address masked by mask_src (or BGP): the mask is compared",
  net_dst: "address masked by mask_dst (or BGP): the mask is compared",
  fwd_status: "IE 89 forwardingStatus: not decoded by Tollgate",
  mpls_label_stack: "IEs 70-79: not decoded by Tollgate",
  vrf_name: "options data (VRF name): not joined to flows by the decoder",
  ingress_vrf_name: "options data (VRF name): not joined to flows by the decoder",
  egress_vrf_name: "options data (VRF name): not joined to flows by the decoder",
  iface_name_in: "options data (interface name): not joined to flows by the decoder",
  iface_name_out: "options data (interface name): not joined to flows by the decoder",
  "custom_primitives.mpls_tl_ipv4_address": "IE 47 mplsTopLabelIPv4Address: not decoded",
  "custom_primitives.mpls_tl_prefix_length": "IE 91 mplsTopLabelPrefixLength: not decoded",
  "custom_primitives.mpls_tl_type": "IE 46 mplsTopLabelType: not decoded",
  etype:
    "IE 256 or the outer header's family: with inner IPv4 addresses nfacctd still says 86dd (test 500, template 340); the address family is compared through ip_src/ip_dst",
  comms: "BGP (test 500's BGP session)",
  ecomms: "BGP",
  as_path: "BGP",
  comms_src: "BGP",
  ecomms_src: "BGP",
  as_path_src: "BGP",
  srv6_seg_ipv6_list: "SRv6 segment list: not decoded",
  tunnel_ip_src: "inner-header tunnel primitives: not decoded",
  tunnel_ip_dst: "inner-header tunnel primitives: not decoded",
  tunnel_ip_proto: "inner-header tunnel primitives: not decoded",
  timestamp_start: "compared only where the case's time rule allows",
  timestamp_end: "compared only where the case's time rule allows",
  mask_src: "compared only where masks come from the export",
  mask_dst: "compared only where masks come from the export",
};

const seconds = (text: unknown) => Number.parseFloat(String(text));

/** The comparable primitives: golden value and our value, both as text. */
interface Primitive {
  golden: (line: Golden) => string;
  ours: (flow: DecodedFlow, kase: GoldenCase) => string;
}

function pmacctSeconds(ms: number, rule: TimeRule): string {
  // NetFlow v9: unix_secs - (SysUptime - First) / 1000 in integer (truncating) arithmetic
  // (pkt_handlers.c NF_timestamp_start_handler), i.e. the ceiling of our millisecond time.
  // IPFIX absolute or IE 160-based times: truncated to the second (timestamps_secs: true).
  return String(rule === "netflow9-uptime" ? Math.ceil(ms / 1000) : Math.floor(ms / 1000));
}

const PRIMITIVES: Readonly<Record<string, Primitive>> = {
  peer_ip_src: {
    golden: (line) => String(line["peer_ip_src"]),
    ours: (flow, kase) => kase.peers[flow.exporterAddr] ?? `unmapped ${flow.exporterAddr}`,
  },
  ip_src: { golden: (line) => String(line["ip_src"]), ours: (flow) => flow.srcAddr },
  ip_dst: { golden: (line) => String(line["ip_dst"]), ours: (flow) => flow.dstAddr },
  port_src: { golden: (line) => String(line["port_src"]), ours: (flow) => String(flow.srcPort) },
  port_dst: { golden: (line) => String(line["port_dst"]), ours: (flow) => String(flow.dstPort) },
  ip_proto: {
    golden: (line) =>
      String(PROTOCOLS[String(line["ip_proto"])] ?? `unknown ${String(line["ip_proto"])}`),
    ours: (flow) => String(flow.protocol),
  },
  iface_in: { golden: (line) => String(line["iface_in"]), ours: (flow) => String(flow.inIf) },
  iface_out: { golden: (line) => String(line["iface_out"]), ours: (flow) => String(flow.outIf) },
  tos: { golden: (line) => String(line["tos"]), ours: (flow) => String(flow.tos) },
  tcp_flags: {
    golden: (line) =>
      String(
        (line["tcp_flags"] as string[]).reduce(
          (bits, name) => bits | (TCP_FLAG_BITS[name] ?? 0x100),
          0,
        ),
      ),
    ours: (flow) => String(flow.tcpFlags),
  },
  "custom_primitives.vrf_id_ingress": {
    golden: (line) => String((line["custom_primitives"] as Golden)["vrf_id_ingress"]),
    ours: (flow) => String(flow.inVrf ?? 0),
  },
  "custom_primitives.vrf_id_egress": {
    golden: (line) => String((line["custom_primitives"] as Golden)["vrf_id_egress"]),
    ours: (flow) => String(flow.outVrf ?? 0),
  },
  mask_src: { golden: (line) => String(line["mask_src"]), ours: (flow) => String(flow.srcMaskLen) },
  mask_dst: { golden: (line) => String(line["mask_dst"]), ours: (flow) => String(flow.dstMaskLen) },
  timestamp_start: {
    golden: (line) => String(seconds(line["timestamp_start"])),
    ours: (flow, kase) => pmacctSeconds(flow.startMs, kase.time),
  },
  timestamp_end: {
    golden: (line) => String(seconds(line["timestamp_end"])),
    ours: (flow, kase) => pmacctSeconds(flow.endMs, kase.time),
  },
};

/** A golden line's fields, `custom_primitives` flattened to `custom_primitives.<name>`. */
function fieldNames(line: Golden): string[] {
  return Object.entries(line).flatMap(([name, value]) =>
    name === "custom_primitives"
      ? Object.keys(value as Golden).map((inner) => `${name}.${inner}`)
      : [name],
  );
}

function comparedFields(kase: GoldenCase, line: Golden): string[] {
  return fieldNames(line).filter((name) => {
    if (PRIMITIVES[name] === undefined) return false;
    if (name.startsWith("mask_")) return kase.masksFromExport;
    if (name.startsWith("timestamp_")) return kase.time !== "not-comparable";
    return true;
  });
}

function readGolden(root: string, file: string): Golden[] {
  return readFileSync(path.join(root, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Golden);
}

/** Every capture of a case through one decoder, datagrams in order, exporter = UDP source. */
function decodeTraffic(root: string, files: readonly string[]) {
  const decoder = createFlowDecoder();
  const flows = new FlowBatch();
  const issues: DecodeIssue[] = [];
  for (const file of files) {
    const datagrams = createCaptureReader().push(readFileSync(path.join(root, file))).records;
    for (const datagram of datagrams) {
      const exporterWords = new Uint32Array(4);
      textToWords(datagram.srcAddr, exporterWords, 0);
      decoder.decode(
        datagram.payload,
        { exporterAddr: datagram.srcAddr, exporterWords, receivedMs: datagram.timestampMs },
        { flows, counters: [], issues },
      );
    }
  }
  return { flows: flows.decodedRows(), issues };
}

interface Sums {
  packets: number;
  bytes: number;
  lines: number;
}

function add(map: Map<string, Sums>, key: string, packets: number, bytes: number): void {
  const sums = map.get(key) ?? { packets: 0, bytes: 0, lines: 0 };
  sums.packets += packets;
  sums.bytes += bytes;
  sums.lines += 1;
  map.set(key, sums);
}

function oursCounters(flow: DecodedFlow, kase: GoldenCase): { packets: number; bytes: number } {
  const rate =
    typeof kase.counters === "number"
      ? kase.counters
      : kase.counters === "exported-rate" && flow.samplingRateKnown
        ? flow.samplingRate
        : 1;
  return { packets: flow.sampledPackets * rate, bytes: flow.sampledBytes * rate };
}

/**
 * Compares one case. Returns the differences as lines of text: `golden-only` (an aggregate no
 * flow of ours falls in), `ours-only` (flows of ours no golden line accounts for), `differs`
 * (both have the aggregate, the sums differ).
 */
function compareCase(root: string, kase: GoldenCase) {
  const lines = readGolden(root, kase.golden);
  const fields = comparedFields(kase, lines[0] ?? {});
  const golden = new Map<string, Sums>();
  const unknownFields = new Set<string>();
  for (const line of lines) {
    for (const name of fieldNames(line)) {
      if (PRIMITIVES[name] === undefined && NOT_COMPARED[name] === undefined)
        unknownFields.add(name);
    }
    const key = fields.map((name) => `${name}=${PRIMITIVES[name]?.golden(line) ?? ""}`).join(" ");
    add(golden, key, Number(line["packets"]), Number(line["bytes"]));
  }
  const decoded = decodeTraffic(root, kase.traffic);
  const ours = new Map<string, Sums>();
  for (const flow of decoded.flows) {
    const key = fields
      .map((name) => `${name}=${PRIMITIVES[name]?.ours(flow, kase) ?? ""}`)
      .join(" ");
    const counters = oursCounters(flow, kase);
    add(ours, key, counters.packets, counters.bytes);
  }
  const differences: string[] = [];
  let matched = 0;
  for (const [key, sums] of golden) {
    const mine = ours.get(key);
    if (mine === undefined) {
      differences.push(`golden-only ${key} packets=${sums.packets} bytes=${sums.bytes}`);
    } else if (mine.packets !== sums.packets || mine.bytes !== sums.bytes) {
      differences.push(
        `differs ${key} golden packets=${sums.packets} bytes=${sums.bytes} ours packets=${mine.packets} bytes=${mine.bytes}`,
      );
    } else {
      matched += sums.lines;
    }
  }
  for (const [key, sums] of ours) {
    if (!golden.has(key)) {
      differences.push(`ours-only ${key} packets=${sums.packets} bytes=${sums.bytes}`);
    }
  }
  return {
    lines: lines.length,
    matched,
    fields,
    flows: decoded.flows,
    differences,
    unknownFields: [...unknownFields],
  };
}

/**
 * Decoder bugs the goldens show, each checked by hand with tshark -V. The comparison must give
 * exactly these lines (so a fix fails the test until its entry goes), and an `it.fails` below
 * asserts the full match the fix should bring.
 */
// Empty since the two bugs these goldens showed were fixed in src/decoders/template/compile.ts:
// random n-out-of-N sampling (IEs 309/310, test 104) and the last copy of a repeated IE winning
// (outer/inner header templates, tests 106 and 500).
const DOCUMENTED: Readonly<Record<string, { bug: string; differences: readonly string[] }>> = {};

/** Primitives every golden here aggregates by, so no case compares on less than these. */
const CORE_FIELDS = ["peer_ip_src", "ip_src", "ip_dst", "port_src", "port_dst", "ip_proto"];

describe.runIf(haveCorpus)("pmacct nfacctd goldens (aggregated packets and bytes)", () => {
  const root = corpus ?? "";
  const results = new Map<string, ReturnType<typeof compareCase>>();
  const result = (kase: GoldenCase) => {
    let found = results.get(kase.golden);
    if (found === undefined) {
      found = compareCase(root, kase);
      results.set(kase.golden, found);
    }
    return found;
  };

  for (const kase of CASES) {
    const documented = DOCUMENTED[kase.golden];
    it(`${kase.golden}: packets and bytes of every aggregate (${documented === undefined ? "all equal" : "documented differences"})`, () => {
      const { lines, matched, fields, flows, differences, unknownFields } = result(kase);
      expect(unknownFields, "golden fields neither compared nor explained").toEqual([]);
      expect(fields).toEqual(expect.arrayContaining(CORE_FIELDS));
      expect(flows.length).toBeGreaterThan(0);
      expect(differences).toEqual(documented?.differences ?? []);
      if (documented === undefined) expect(matched).toBe(lines);
      else expect(matched).toBeLessThan(lines);
    });
    if (documented !== undefined) {
      it.fails(`${kase.golden}: fails until fixed: ${documented.bug}`, () => {
        expect(result(kase).differences).toEqual([]);
      });
    }
  }

  it("dates NetFlow v9 records into nfacctd's seconds only with its truncating arithmetic", () => {
    // nfacctd computes unix_secs - (SysUptime - First) / 1000 in integers, the ceiling of our
    // millisecond time: with the floor instead, no aggregate of test 101 falls in its second.
    const kase = CASES.find((entry) => entry.golden.includes("pmacct-101-"));
    if (kase === undefined) throw new Error("test 101 is not in CASES");
    expect(result(kase).matched).toBe(result(kase).lines);
    expect(compareCase(root, { ...kase, time: "epoch-ms" }).matched).toBe(0);
  });
});
