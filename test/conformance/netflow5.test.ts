import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { DecodedFlow } from "../../src/core/index.ts";
import {
  createCaptureReader,
  decodeNetflow5,
  detectFlowProtocol,
} from "../../src/decoders/index.ts";
import type { FlowProtocol, Netflow5Header, Netflow5Result } from "../../src/decoders/index.ts";

type FlowDatagramResult = Netflow5Result & { protocol: FlowProtocol };

/** v5 datagrams decoded, others only named: this suite is about the v5 decoder. */
function decodeFlowDatagram(
  payload: Uint8Array,
  context: { exporterAddr: string; receivedMs: number },
): FlowDatagramResult {
  const protocol = detectFlowProtocol(payload);
  if (protocol !== "netflow5") return { protocol, records: [], issues: [], headers: [] };
  return { protocol, ...decodeNetflow5(payload, context) };
}
import { readSummary } from "../helpers/tshark-summary.ts";
import { corpusDir, peerAvailable, repoRoot, which } from "../helpers/peers.ts";

// Conformance of the NetFlow v5 decoder with the shared corpus (shared/corpus/MANIFEST.md):
// record counts against Wireshark 4.0.17 (tshark-summary.tsv), field values against
// logstash-codec-netflow's spec (ls-logstash-expected.json), issue codes for the invalid files.
// Every UDP datagram of a capture is decoded whatever its port: detection is by version field.

const corpus = corpusDir();
const haveCorpus = peerAvailable("the shared corpus", corpus !== undefined);

interface DecodedCapture {
  datagrams: number;
  results: FlowDatagramResult[];
  records: DecodedFlow[];
  headers: Netflow5Header[];
  issueCodes: string[];
}

function decodeCapture(file: string): DecodedCapture {
  const reader = createCaptureReader();
  const pushed = reader.push(readFileSync(file));
  const summary = reader.finish();
  expect(summary.issues).toEqual([]);
  expect(summary.format).toBe("pcap");
  const results = pushed.records.map((datagram) =>
    decodeFlowDatagram(datagram.payload, {
      exporterAddr: datagram.srcAddr,
      receivedMs: datagram.timestampMs,
    }),
  );
  return {
    datagrams: pushed.records.length,
    results,
    records: results.flatMap((result) => result.records),
    headers: results.flatMap((result) => [...result.headers]),
    issueCodes: results.flatMap((result) => result.issues.map((found) => found.code)),
  };
}

/**
 * Where our count differs from tshark's on purpose. The concatenated capture is one UDP payload
 * holding 12 v5 messages back to back (a netcat artefact, MANIFEST): tshark and logstash decode
 * only the first message (2 records); we decode all 12 (30 records, the same as the split
 * capture of the same bytes) and report `concatenated-messages`.
 */
const COUNT_DIFFERENCES: Readonly<Record<string, { tshark: number; ours: number }>> = {
  "netflow5/ls-softflowd-nf5-12-concatenated-msgs.pcap": { tshark: 2, ours: 30 },
};

/**
 * Files outside netflow5/ that carry v5 datagrams although tshark's v5_records column says 0:
 * tshark dissects UDP 6343 as sFlow and calls these malformed; the row's notes count them.
 */
const EXTRA_V5_FILES: Readonly<Record<string, number>> = {
  "sflow/tcpdump-sflow_multiple_counter_30_pdus.pcap": 7,
};

/** Issue codes each netflow5/ file must give (in order), the invalid ones included. */
const EXPECTED_ISSUES: Readonly<Record<string, readonly string[]>> = {
  "akvorado-nfv5.pcap": [],
  "goflow2-nf5.pcap": [],
  "graylog-netflow5.pcap": [],
  "graylog-netgraph-netflow5.pcap": [],
  "graylog-pmacctd-netflow5.pcap": [],
  "ls-juniper-mx80-nf5.pcap": [],
  "ls-mikrotik-nf5.pcap": [],
  // Header count 55582 (invalid-01) and 163 (invalid-02) over 1464 bytes: 30 records fit.
  "ls-nf5-invalid-01.pcap": ["bad-count", "count-mismatch"],
  "ls-nf5-invalid-02.pcap": ["bad-count", "count-mismatch"],
  "ls-softflowd-nf5-12-concatenated-msgs.pcap": ["concatenated-messages"],
  "ls-softflowd-nf5-12-msgs-split.pcap": [],
  // 29 records then 6 bytes (vflow's test literal).
  "vflow-nf5-29rec-trailing-bytes.pcap": ["trailing-bytes"],
};

/** logstash `netflow.*` names of record fields → DecodedFlow fields. */
const RECORD_FIELDS: Readonly<Record<string, keyof DecodedFlow>> = {
  ipv4_src_addr: "srcAddr",
  ipv4_dst_addr: "dstAddr",
  ipv4_next_hop: "nextHop",
  input_snmp: "inIf",
  output_snmp: "outIf",
  in_pkts: "sampledPackets",
  in_bytes: "sampledBytes",
  first_switched: "startMs",
  last_switched: "endMs",
  l4_src_port: "srcPort",
  l4_dst_port: "dstPort",
  tcp_flags: "tcpFlags",
  protocol: "protocol",
  src_tos: "tos",
  src_as: "srcAs",
  dst_as: "dstAs",
  src_mask: "srcMaskLen",
  dst_mask: "dstMaskLen",
};

/** logstash names of header fields → Netflow5Header fields. */
const HEADER_FIELDS: Readonly<Record<string, keyof Netflow5Header>> = {
  version: "version",
  flow_seq_num: "flowSequence",
  engine_type: "engineType",
  engine_id: "engineId",
  sampling_algorithm: "samplingMode",
  sampling_interval: "samplingInterval",
  flow_records: "count",
};

/**
 * Times where logstash-codec-netflow is wrong and we are not (checked against tshark's raw
 * First/Last/SysUptime): it does not handle the uptime wrap (softflowd sent First = 0xFFFFFFFF,
 * 1 ms before its uptime 0, and logstash dates the flow 2^32 ms = 49.7 days later), and it drops
 * the borrow when the age's milliseconds exceed the export's (1 s late). Each entry: the
 * logstash value, our value, and the difference that explains it.
 */
const TIME_DEVIATIONS: readonly {
  file: string;
  event: number;
  field: string;
  logstash: string;
  ours: string;
  reason: "uptime-wrap" | "missing-borrow";
}[] = [
  ...[0, 1].flatMap((event) => [
    {
      file: "ls-softflowd-nf5-12-concatenated-msgs",
      event,
      field: "first_switched",
      logstash: "2015-06-21T11:40:52.194Z",
      ours: "2015-05-02T18:38:04.898Z",
      reason: "uptime-wrap" as const,
    },
    {
      file: "ls-softflowd-nf5-12-concatenated-msgs",
      event,
      field: "last_switched",
      logstash: "2015-05-02T18:38:08.476Z",
      ours: "2015-05-02T18:38:07.476Z",
      reason: "missing-borrow" as const,
    },
  ]),
  ...["first_switched", "last_switched"].map((field) => ({
    file: "ls-juniper-mx80-nf5",
    event: 28,
    field,
    logstash: "2016-07-21T13:52:34.936Z",
    ours: "2016-07-21T13:52:33.936Z",
    reason: "missing-borrow" as const,
  })),
];

interface LogstashCase {
  field_assertions: { event: number; field: string; equals: unknown }[];
  json_events?: { "@timestamp": string; netflow: Record<string, unknown> }[];
  json_event_comparisons?: { decoded_event: number; json_event: number }[];
}

describe.runIf(haveCorpus)("NetFlow v5 conformance with the shared corpus", () => {
  const root = corpus ?? "";
  const summary = haveCorpus ? readSummary(root) : new Map<string, Record<string, string>>();
  const netflow5Files = haveCorpus
    ? readdirSync(path.join(root, "netflow5"))
        .filter((name) => name.endsWith(".pcap"))
        .sort()
    : [];

  it("covers every netflow5/ capture with an issue expectation", () => {
    expect(netflow5Files).toEqual(Object.keys(EXPECTED_ISSUES).sort());
  });

  for (const name of netflow5Files) {
    const key = `netflow5/${name}`;
    it(`${name}: record count matches tshark, issues as expected`, () => {
      const row = summary.get(key);
      expect(row, `${key} has a tshark-summary.tsv row`).toBeDefined();
      const tsharkRecords = Number(row?.["v5_records"]);
      const difference = COUNT_DIFFERENCES[key];
      const decoded = decodeCapture(path.join(root, key));
      if (difference === undefined) {
        expect(decoded.records).toHaveLength(tsharkRecords);
      } else {
        expect(tsharkRecords).toBe(difference.tshark);
        expect(decoded.records).toHaveLength(difference.ours);
      }
      expect(decoded.issueCodes).toEqual(EXPECTED_ISSUES[name]);
    });
  }

  it("decodes the concatenated capture like its split twin (30 records, 12 headers)", () => {
    const joined = decodeCapture(
      path.join(root, "netflow5/ls-softflowd-nf5-12-concatenated-msgs.pcap"),
    );
    const split = decodeCapture(path.join(root, "netflow5/ls-softflowd-nf5-12-msgs-split.pcap"));
    expect(joined.datagrams).toBe(1);
    expect(split.datagrams).toBe(12);
    expect(joined.headers).toEqual(split.headers);
    expect(joined.records).toEqual(split.records);
  });

  it("counts v5 records in captures outside netflow5/ (mixed v5/v9, v5 on the sFlow port)", () => {
    const others = [...summary.entries()].filter(
      ([file, row]) =>
        !file.startsWith("netflow5/") && file.endsWith(".pcap") && Number(row["v5_records"]) > 0,
    );
    expect(others.map(([file]) => file)).toContain("netflow9/graylog-nprobe-netflow9.pcap");
    for (const [file, row] of others) {
      const decoded = decodeCapture(path.join(root, file));
      expect(decoded.records, file).toHaveLength(Number(row["v5_records"]));
    }
    for (const [file, count] of Object.entries(EXTRA_V5_FILES)) {
      expect(summary.get(file)?.["v5_records"]).toBe("0");
      const decoded = decodeCapture(path.join(root, file));
      expect(decoded.records, file).toHaveLength(count);
      // The other datagrams are sFlow: detected by version, reported unsupported, not dropped.
      expect(new Set(decoded.results.map((result) => result.protocol))).toEqual(
        new Set(["netflow5", "sflow5"]),
      );
    }
  });

  it("matches every field of logstash's expectations (field_assertions and json_events)", () => {
    const expectations = JSON.parse(
      readFileSync(path.join(root, "netflow5/ls-logstash-expected.json"), "utf8"),
    ) as Record<string, LogstashCase>;
    let compared = 0;
    const deviationsSeen = new Set<string>();
    for (const [caseName, expectation] of Object.entries(expectations)) {
      const decoded = decodeCapture(path.join(root, "netflow5", `${caseName}.pcap`));
      // logstash decodes only the first message of a datagram: its events are ours in order.
      const eventHeader = (event: number): Netflow5Header | undefined => {
        let seen = 0;
        for (const header of decoded.headers) {
          seen += Math.min(header.count, 30);
          if (event < seen) return header;
        }
        return decoded.headers.at(-1);
      };
      const check = (event: number, field: string, expected: unknown): void => {
        const record = decoded.records[event];
        expect(record, `${caseName} event ${event}`).toBeDefined();
        const header = eventHeader(event);
        const where = `${caseName} event ${event} netflow.${field}`;
        const recordField = RECORD_FIELDS[field];
        const headerField = HEADER_FIELDS[field];
        if (recordField !== undefined) {
          let actual: unknown = record?.[recordField];
          if (field === "first_switched" || field === "last_switched") {
            actual = new Date(actual as number).toISOString();
            const deviation = TIME_DEVIATIONS.find(
              (entry) => entry.file === caseName && entry.event === event && entry.field === field,
            );
            if (deviation !== undefined) {
              expect(expected, where).toBe(deviation.logstash);
              expect(actual, where).toBe(deviation.ours);
              const gapMs = Date.parse(deviation.logstash) - Date.parse(deviation.ours);
              expect(gapMs, where).toBe(deviation.reason === "uptime-wrap" ? 2 ** 32 : 1000);
              deviationsSeen.add(`${caseName}/${event}/${field}`);
              compared++;
              return;
            }
          }
          expect(actual, where).toEqual(expected);
        } else if (headerField !== undefined) {
          expect(header?.[headerField], where).toEqual(expected);
        } else {
          throw new Error(`${where}: no mapping for this logstash field`);
        }
        compared++;
      };
      for (const assertion of expectation.field_assertions) {
        check(assertion.event, assertion.field.replace(/^netflow\./, ""), assertion.equals);
      }
      for (const pair of expectation.json_event_comparisons ?? []) {
        const event = expectation.json_events?.[pair.json_event];
        expect(event).toBeDefined();
        for (const [field, value] of Object.entries(event?.netflow ?? {})) {
          check(pair.decoded_event, field, value);
        }
        // @timestamp is the export time from the header.
        const header = eventHeader(pair.decoded_event);
        expect(
          new Date(
            (header?.unixSecs ?? 0) * 1000 + Math.floor((header?.unixNsecs ?? 0) / 1e6),
          ).toISOString(),
        ).toBe(event?.["@timestamp"]);
      }
      // logstash's expected_event_count is the first message only; ours adds the rest.
      const counted = (expectation as { expected_event_count?: number | null })
        .expected_event_count;
      if (typeof counted === "number" && caseName !== "ls-softflowd-nf5-12-concatenated-msgs") {
        expect(decoded.records, caseName).toHaveLength(counted);
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(deviationsSeen.size).toBe(TIME_DEVIATIONS.length);
  });
});

describe("softflowd fixture against a live tshark", () => {
  const fixtureDir = path.join(repoRoot, "src/decoders/netflow5/testdata");
  const haveTshark = peerAvailable("tshark", which("tshark") !== undefined);

  it.skipIf(!haveTshark)(
    "tshark still dissects softflowd-v5.pcap as the committed TSV says",
    () => {
      const fields = [
        "cflow.srcaddr",
        "cflow.dstaddr",
        "cflow.octets",
        "cflow.packets",
        "cflow.srcport",
        "cflow.dstport",
      ];
      const out = execFileSync(
        "tshark",
        [
          "-r",
          path.join(fixtureDir, "softflowd-v5.pcap"),
          "-d",
          "udp.port==39755,cflow",
          "-T",
          "fields",
          "-E",
          "separator=/t",
          "-E",
          "occurrence=a",
          "-E",
          "aggregator=|",
          ...fields.flatMap((field) => ["-e", field]),
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
      );
      const live = out
        .trimEnd()
        .split("\n")
        .flatMap((line) => {
          const columns = line.split("\t").map((cell) => cell.split("|"));
          return (columns[0] ?? []).map((_, index) =>
            columns.map((column) => column[index] ?? "").join("\t"),
          );
        });
      const [headerLine, ...rows] = readFileSync(
        path.join(fixtureDir, "softflowd-v5.tshark.tsv"),
        "utf8",
      )
        .trimEnd()
        .split("\n");
      const names = (headerLine ?? "").split("\t");
      const committed = rows.map((row) => {
        const cells = row.split("\t");
        return ["srcaddr", "dstaddr", "octets", "packets", "srcport", "dstport"]
          .map((name) => cells[names.indexOf(name)] ?? "")
          .join("\t");
      });
      expect(live).toHaveLength(132);
      expect(live).toEqual(committed);
    },
  );
});
