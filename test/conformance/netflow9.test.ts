import { describe, expect, it } from "vitest";
import { TEMPLATE_ISSUE_CODES } from "../../src/decoders/template/index.ts";
import {
  captures,
  decodeCaptures,
  feedPlan,
  logstashCases,
  logstashEvents,
  matchEvents,
  readSummary,
} from "../../src/decoders/template/testdata/corpus.ts";
import { LOGSTASH_V9_FIELDS } from "../../src/decoders/template/testdata/field-maps.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";

// Conformance of the netflow9 decoder with the shared corpus (shared/corpus/MANIFEST.md):
// record counts (data + options records) against Wireshark 4.0.17's tshark-summary.tsv,
// field values against logstash-codec-netflow's expectations. Template files are fed first
// (with_templates); every capture goes through one template state.

const corpus = corpusDir();
const haveCorpus = peerAvailable("the shared corpus", corpus !== undefined);
const KNOWN = new Set<string>(TEMPLATE_ISSUE_CODES);

/** Where our count differs from tshark's, and why (each checked by hand with tshark -V). */
const COUNT_DIFFERENCES: Readonly<Record<string, { tshark: number; ours: number; why: string }>> = {
  "netflow9/akvorado-data+templates.pcap": {
    tshark: 11,
    ours: 22,
    why: "a data set precedes its template in the PDU: we hold it and decode it when the template arrives; tshark drops it",
  },
  "netflow9/graylog-netflow9.pcap": {
    tshark: 18,
    ours: 22,
    why: "2 data sets arrive before their template: held, then decoded",
  },
  "netflow9/graylog-nprobe-netflow9-4.pcap": {
    tshark: 2,
    ours: 9,
    why: "2 data sets arrive before their template: held, then decoded",
  },
  "netflow9/graylog-nf9-dat-1.pcap": {
    tshark: 0,
    ours: 2,
    why: "header count is 2 (the templates); tshark stops there, we follow flowset lengths and decode the data flowset",
  },
  "netflow9/ls-nf9-invalid-01.pcap": {
    tshark: 0,
    ours: 3,
    why: "header count 2 again: tshark stops after the templates; flowset lengths hold 3 valid records",
  },
  "netflow9/ls-h3c.pcap": {
    tshark: 1,
    ours: 16,
    why: "tshark 4.0 aborts on an IPv4 field of length 2 (MANIFEST); logstash decodes 16, as we do (the field is skipped, bad-field-length)",
  },
};

describe.runIf(haveCorpus)("netflow9 conformance with the shared corpus", () => {
  const root = corpus ?? "";
  const summary = haveCorpus ? readSummary(root) : new Map<string, Record<string, string>>();
  const files = haveCorpus ? captures(root, "netflow9") : [];

  for (const file of files) {
    it(`${file}: record count matches tshark (or a documented difference), issues are known codes`, () => {
      const row = summary.get(file);
      expect(row, `${file} has a tshark-summary.tsv row`).toBeDefined();
      const plan = feedPlan(file, row ?? {});
      const decoded = decodeCaptures(root, plan.files);
      const difference = COUNT_DIFFERENCES[file];
      if (difference === undefined) {
        expect(decoded.records).toBe(plan.tsharkRecords);
      } else {
        expect(plan.tsharkRecords).toBe(difference.tshark);
        expect(decoded.records).toBe(difference.ours);
      }
      for (const code of decoded.issueCodes) expect(KNOWN.has(code), code).toBe(true);
    });
  }

  it("matches logstash's expected field values (json_events and field_assertions)", () => {
    let compared = 0;
    const unmatched: unknown[] = [];
    for (const name of logstashCases(root, "netflow9")) {
      const file = `netflow9/${name}.pcap`;
      const decoded = decodeCaptures(root, feedPlan(file, summary.get(file) ?? {}).files);
      const result = matchEvents(
        decoded.flows,
        logstashEvents(root, "netflow9", name),
        LOGSTASH_V9_FIELDS,
      );
      compared += result.compared;
      unmatched.push(...result.unmatched.map((entry) => ({ name, ...entry })));
    }
    // ls-streamcore: logstash dates two records at .999 of the right second (its millisecond
    // borrow clamps when the age's milliseconds exceed the export's); every other field equal.
    const streamcoreClamp = (entry: unknown) => {
      const { name, event, closest } = entry as {
        name: string;
        event: Record<string, unknown>;
        closest: Record<string, unknown>;
      };
      if (name !== "ls-streamcore") return false;
      return Object.keys(event).every((field) => {
        if (field !== "first_switched" && field !== "last_switched")
          return event[field] === closest[field];
        const expected = String(event[field]);
        return (
          expected.endsWith(".999Z") &&
          expected.slice(0, 19) === String(closest[field]).slice(0, 19)
        );
      });
    };
    expect(unmatched.filter((entry) => streamcoreClamp(entry))).toHaveLength(2);
    expect(unmatched.filter((entry) => !streamcoreClamp(entry))).toEqual([]);
    expect(compared).toBeGreaterThan(30);
  });

  it("dates v9 records from the header (RFC 3954 uptime arithmetic), as tshark's raw fields give", () => {
    const decoded = decodeCaptures(root, ["netflow9/ls-softflowd-nf9-valid01.pcap"]);
    // tshark -V: CurrentSecs 1444331070, SysUptime 45.076 s, StartTime 1.216 s, EndTime 1.217 s.
    expect(decoded.flows[0]?.startMs).toBe(1444331070_000 - (45_076 - 1_216));
    expect(decoded.flows[0]?.endMs).toBe(1444331070_000 - (45_076 - 1_217));
  });

  it("applies per-sampler rates from options data (akvorado multiplesamplingrates)", () => {
    const decoded = decodeCaptures(root, [
      "netflow9/akvorado-multiplesamplingrates-options-template.pcap",
      "netflow9/akvorado-multiplesamplingrates-options-data.pcap",
      "netflow9/akvorado-multiplesamplingrates-template.pcap",
      "netflow9/akvorado-multiplesamplingrates-data.pcap",
    ]);
    const rates = new Set(
      decoded.flows.map((flow) => `${flow.samplingRate}/${flow.samplingRateKnown}`),
    );
    expect(rates.size).toBeGreaterThan(1);
    for (const flow of decoded.flows) expect(flow.samplingRateKnown).toBe(true);
  });
});
