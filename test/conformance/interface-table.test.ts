import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlowBatch, textToWords } from "../../src/core/index.ts";
import type { DecodeIssue } from "../../src/core/index.ts";
import { decodeIpfix } from "../../src/decoders/ipfix/index.ts";
import { decodeNetflow9 } from "../../src/decoders/netflow9/index.ts";
import { createCaptureReader } from "../../src/decoders/pcap/index.ts";
import { createTemplateState } from "../../src/decoders/template/index.ts";
import type { LearntInterface } from "../../src/decoders/template/index.ts";
import { corpusDir, peerAvailable, which } from "../helpers/peers.ts";

// Interface names learnt from real interface table options data (shared/corpus/MANIFEST.md):
// Cisco IOS XR 7.8.2 IPFIX (pmacct 500: options template 256, scope IEs 10 and 14, IE 83 then
// 82, 64-byte NUL-padded), the same router family re-assigning names mid-stream (pmacct 112),
// and an ASR 9000 NetFlow v9 table (a System scope, INPUT_SNMP and IF_DESC). tshark (Wireshark
// 4.0) is the independent reference when installed; the key facts are asserted without it.

const corpus = corpusDir();
const haveCorpus = peerAvailable("the shared corpus", corpus !== undefined);

const CAPTURES = {
  iosXr: "ipfix/pmacct-500-IPFIXv10-BGP-CISCO-SRv6-traffic-00.pcap",
  reassignment: "ipfix/pmacct-112-IPFIXv10-CISCO-options-map-reassignment-traffic-00.pcap",
  asr9kV9: "netflow9/ls-cisco-asr9k-options-tpl256.pcap",
} as const;

/** Decodes a capture through one state; returns the final table, events and issue codes. */
function learn(file: string) {
  const events: LearntInterface[] = [];
  const state = createTemplateState({ onInterface: (learnt) => events.push(learnt) });
  const issues: DecodeIssue[] = [];
  const flows = new FlowBatch();
  const reader = createCaptureReader();
  for (const datagram of reader.push(readFileSync(path.join(corpus ?? "", file))).records) {
    const exporterWords = new Uint32Array(4);
    textToWords(datagram.srcAddr, exporterWords, 0);
    const context = {
      exporterAddr: datagram.srcAddr,
      exporterWords,
      receivedMs: datagram.timestampMs,
    };
    const out = { flows, counters: [], issues };
    const version = ((datagram.payload[0] ?? 0) << 8) | (datagram.payload[1] ?? 0);
    if (version === 9) decodeNetflow9(datagram.payload, context, state, out);
    else if (version === 10) decodeIpfix(datagram.payload, context, state, out);
  }
  const table = new Map(
    state.interfaces().map((entry) => [entry.ifIndex, [entry.name, entry.description]]),
  );
  return { state, events, table, issueCodes: new Set(issues.map((issue) => issue.code)) };
}

/** tshark's reading of every interface table record, in order: [ifIndex, name, description]. */
function tsharkTable(file: string): [number, string, string][] {
  const out = execFileSync(
    "tshark",
    [
      "-r",
      path.join(corpus ?? "", file),
      "-d",
      "udp.port==9991,cflow",
      "-d",
      "udp.port==9992,cflow",
      "-Y",
      "cflow.if_name or cflow.if_descr",
      "-T",
      "fields",
      "-E",
      "separator=/t",
      "-E",
      "occurrence=a",
      "-E",
      "aggregator=|",
      "-e",
      "cflow.inputint",
      "-e",
      "cflow.if_name",
      "-e",
      "cflow.if_descr",
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  return out
    .trimEnd()
    .split("\n")
    .flatMap((line) => {
      const [indexes = "", names = "", descriptions = ""] = line.split("\t");
      const nameList = names === "" ? [] : names.split("|");
      const descriptionList = descriptions === "" ? [] : descriptions.split("|");
      return indexes
        .split("|")
        .map(
          (ifIndex, at) =>
            [Number(ifIndex), nameList[at] ?? "", descriptionList[at] ?? ""] as [
              number,
              string,
              string,
            ],
        );
    });
}

describe.runIf(haveCorpus)("interface tables in the shared corpus", () => {
  const haveTshark = peerAvailable("tshark", which("tshark") !== undefined);

  it("IOS XR IPFIX: scope IEs 10 and 14, NUL-padded names and descriptions", () => {
    const { state, table, issueCodes } = learn(CAPTURES.iosXr);
    expect(issueCodes.has("interface-limit")).toBe(false);
    expect(state.interfaces().map((entry) => [entry.exporterAddr, entry.domain])).toContainEqual([
      "198.51.100.54",
      0,
    ]);
    expect(table.get(42)).toEqual(["TenGigE0_0_0_0", "TenGigE0/0/0/0"]);
    expect(table.get(71)).toEqual(["TenGigE0_0_0_0.524", "TenGigE0/0/0/0.524"]);
    expect(table.size).toBe(4);
  });

  it("IOS XR IPFIX over IPv6: a re-assigned ifIndex takes its new name", () => {
    const { table, events } = learn(CAPTURES.reassignment);
    expect(table.size).toBe(15);
    // ifIndex 167 is TenGigE0/0/0/16.121 in the first table and .100 in the second.
    expect(table.get(167)).toEqual(["TenGigE0_0_0_16.100", "TenGigE0/0/0/16.100"]);
    expect(events.filter((event) => event.ifIndex === 167).map((event) => event.name)).toEqual([
      "TenGigE0_0_0_16.121",
      "TenGigE0_0_0_16.100",
    ]);
    // The second, unchanged, copy of the rest of the table is not told again.
    expect(events).toHaveLength(16);
    expect(events[0]?.exporterAddr).toBe("2001:db8:90::1");
  });

  it("ASR 9000 NetFlow v9: INPUT_SNMP beside a System scope, IF_DESC only", () => {
    const { table, events } = learn(CAPTURES.asr9kV9);
    expect(table.size).toBe(19);
    // logstash-codec-netflow's expectation for the last record (ls-logstash-expected.json).
    expect(table.get(104)).toEqual(["", "TenGigE0_6_0_2"]);
    expect(events.every((event) => event.protocol === "netflow9" && event.domain === 2177)).toBe(
      true,
    );
  });

  it.skipIf(!haveTshark)("every capture's final table is what tshark reads", () => {
    for (const file of Object.values(CAPTURES)) {
      const expected = new Map<number, [string, string]>();
      for (const [ifIndex, name, description] of tsharkTable(file)) {
        expected.set(ifIndex, [name, description]);
      }
      expect(expected.size, file).toBeGreaterThan(0);
      expect(learn(file).table, file).toEqual(expected);
    }
  });
});
