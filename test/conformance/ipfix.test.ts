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
import { LOGSTASH_IPFIX_FIELDS } from "../../src/decoders/template/testdata/field-maps.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";

// Conformance of the ipfix decoder with the shared corpus (shared/corpus/MANIFEST.md):
// record counts (data + options records) against Wireshark 4.0.17's tshark-summary.tsv,
// field values against logstash-codec-netflow's expectations. Template files are fed first
// (with_templates); every capture goes through one template state.

const corpus = corpusDir();
const haveCorpus = peerAvailable("the shared corpus", corpus !== undefined);
const KNOWN = new Set<string>(TEMPLATE_ISSUE_CODES);

/** Where our count differs from tshark's, and why (each checked by hand with tshark -V). */
const COUNT_DIFFERENCES: Readonly<Record<string, { tshark: number; ours: number; why: string }>> = {
  "ipfix/akvorado-ethernet-over-mpls-with-control-word-data.pcap": {
    tshark: 4,
    ours: 10,
    why: "tshark's set header says 10 flows; its Flow-line count stops at 4 when the inner frame dissection fails",
  },
  "ipfix/akvorado-ipfixprobe-data.pcap": {
    tshark: 4,
    ours: 4,
    why: "same records; 2 biflows also give reverse rows (not records)",
  },
  "ipfix/ls-softflowd-ipfix-3-concatenated-msgs.pcap": {
    tshark: 7,
    ours: 13,
    why: "3 messages in one payload: tshark decodes the first, we all (as the split twin: 13)",
  },
  "ipfix/pmacct-112-IPFIXv10-CISCO-options-map-reassignment-traffic-00.pcap": {
    tshark: 76,
    ours: 85,
    why: "6 data sets arrive before their template: held, then decoded (9 records)",
  },
};

describe.runIf(haveCorpus)("ipfix conformance with the shared corpus", () => {
  const root = corpus ?? "";
  const summary = haveCorpus ? readSummary(root) : new Map<string, Record<string, string>>();
  const files = haveCorpus ? captures(root, "ipfix") : [];

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
    for (const name of logstashCases(root, "ipfix")) {
      const file = `ipfix/${name}.pcap`;
      const decoded = decodeCaptures(root, feedPlan(file, summary.get(file) ?? {}).files);
      const result = matchEvents(
        decoded.flows,
        logstashEvents(root, "ipfix", name),
        LOGSTASH_IPFIX_FIELDS,
      );
      compared += result.compared;
      unmatched.push(...result.unmatched.map((entry) => ({ name, ...entry })));
    }
    expect(unmatched).toEqual([]);
    expect(compared).toBeGreaterThan(250);
  });

  it("emits reverse rows for ipfixprobe biflows (RFC 5103) with swapped endpoints", () => {
    const decoded = decodeCaptures(root, [
      "ipfix/akvorado-ipfixprobe-templates.pcap",
      "ipfix/akvorado-ipfixprobe-data.pcap",
    ]);
    expect(decoded.reverseFlows).toBe(2);
    expect(decoded.flows).toHaveLength(6);
  });
});
