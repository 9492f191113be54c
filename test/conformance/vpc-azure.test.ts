import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlowBatch } from "../../src/core/index.ts";
import type { CloudContext, DecodedFlow } from "../../src/core/index.ts";
import { createAzureFlowDecoder } from "../../src/decoders/azure-flow/index.ts";
import { createFlowLogTally } from "../../src/decoders/flow-log/index.ts";
import type { FlowLogTally } from "../../src/decoders/flow-log/index.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";

// Conformance of the Azure NSG / VNet flow-log decoder with the shared corpus (vpc-azure/, see
// MANIFEST.md): Microsoft's documentation samples. The corpus has no expected files for Azure,
// so the expectations are (1) the facts the documentation states in prose (tuple counts, the
// bandwidth example's totals), and (2) every row rebuilt from its tuple text by a plain reading
// of the documented field list below, independent of the decoder's parser.

const corpus = corpusDir();
const haveCorpus = peerAvailable("the shared corpus", corpus !== undefined);

interface FileExpectation {
  /** Tuples in the file (MANIFEST / counted in the documentation sample). */
  tuples: number;
  /** Rows: one per tuple plus one per tuple with reply (d→s) counters. */
  rows: number;
  /** The cloud context every row carries (written from the sample's ids by hand). */
  context: CloudContext;
}

const azure = (fields: Partial<CloudContext>): CloudContext => ({
  provider: "azure",
  account: "",
  region: "",
  zone: "",
  vpc: "",
  subnet: "",
  instance: "",
  interface: "",
  ...fields,
});

const EXPECTED: Readonly<Record<string, FileExpectation>> = {
  // 2 records of 5 and 4 tuples, then an element nesting 3 more records (5, 4, 3 tuples).
  "azuredocs-nsg-flowlog-v1-sample-doc-nested-records.json": {
    tuples: 21,
    rows: 21,
    context: azure({
      account: "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
      vpc: "FABRIAKMVM1-NSG",
      interface: "000D3AF8801A",
    }),
  },
  // 11 tuples; the E, C, E tuples of DefaultRule_AllowInternetOutBound counted replies.
  "azuredocs-nsg-flowlog-v2-sample.json": {
    tuples: 11,
    rows: 14,
    context: azure({
      account: "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
      vpc: "FABRIAKMVM1-NSG",
      interface: "000D3AF87856",
    }),
  },
  // 19 tuples; the 5 E tuples counted replies.
  "azuredocs-vnet-flowlog-v4-sample.json": {
    tuples: 19,
    rows: 24,
    context: azure({
      account: "00000000-0000-0000-0000-000000000000",
      vpc: "myVNet",
      interface: "00224871C205",
    }),
  },
  // B (empty counters), C and E: the last two counted replies.
  "azuredocs-vnet-flowtuples-bandwidth-example.txt": { tuples: 3, rows: 5, context: azure({}) },
};

interface Decoded {
  batch: FlowBatch;
  tally: FlowLogTally;
}

/** As the importer feeds a blob: each element of the top-level `records` array is one entry. */
function decodeJsonFile(file: string): Decoded {
  const decoder = createAzureFlowDecoder();
  const batch = new FlowBatch(8);
  const tally = createFlowLogTally();
  const blob = JSON.parse(readFileSync(file, "utf8")) as { records: unknown[] };
  for (const element of blob.records) decoder.decodeEntry(element, 1, batch, tally);
  return { batch, tally };
}

/** As the importer feeds a text file: one call per line, newline excluded. */
function decodeTextFile(file: string): Decoded {
  const decoder = createAzureFlowDecoder();
  const batch = new FlowBatch(8);
  const tally = createFlowLogTally();
  const bytes = readFileSync(file);
  let start = 0;
  let line = 1;
  while (start < bytes.length) {
    const newline = bytes.indexOf(10, start);
    const end = newline === -1 ? bytes.length : newline;
    decoder.decodeLine(bytes, start, end, line++, batch, tally);
    start = end + 1;
  }
  return { batch, tally };
}

function decodeFile(file: string): Decoded {
  return file.endsWith(".json") ? decodeJsonFile(file) : decodeTextFile(file);
}

/** A tuple with what its record says around it (rule, ids, version). */
interface SourcedTuple {
  text: string;
  fixed: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** Every tuple of a blob in document order, nested `records` included. */
function tuplesOf(value: unknown): SourcedTuple[] {
  const record = value as Json;
  if (Array.isArray(record["records"])) return list(record["records"]).flatMap(tuplesOf);
  const out: SourcedTuple[] = [];
  if (record["category"] === "NetworkSecurityGroupFlowEvent") {
    const properties = record["properties"] as Json;
    for (const group of list(properties["flows"])) {
      for (const flow of list(group["flows"])) {
        for (const text of flow["flowTuples"] as string[]) {
          out.push({
            text,
            fixed: {
              Version: properties["Version"],
              resourceId: record["resourceId"],
              rule: group["rule"],
            },
          });
        }
      }
    }
  } else {
    for (const acl of list((record["flowRecords"] as Json)["flows"])) {
      for (const group of list(acl["flowGroups"])) {
        for (const text of group["flowTuples"] as string[]) {
          out.push({
            text,
            fixed: {
              flowLogVersion: record["flowLogVersion"],
              targetResourceID: record["targetResourceID"],
              aclID: acl["aclID"],
              rule: group["rule"],
            },
          });
        }
      }
    }
  }
  return out;
}

/**
 * The rows the documentation's field list gives for one tuple: NSG v1 `time,src,dst,sport,
 * dport,T|U,I|O,A|D`, NSG v2 `… ,B|C|E,pkts s→d,bytes s→d,pkts d→s,bytes d→s`, VNet `time,src,
 * dst,sport,dport,IANA protocol,I|O,B|C|E|D,encryption,pkts s→d,bytes s→d,pkts d→s,bytes d→s`.
 */
function documentedRows(tuple: SourcedTuple, context: CloudContext): DecodedFlow[] {
  const f = tuple.text.split(",");
  const at = (index: number): string => f[index] ?? "";
  const vnet = f.length === 13 && /^\d+$/.test(at(5));
  const seconds = Number(at(0));
  const timeMs = at(0).length >= 13 ? seconds : seconds * 1000;
  const count = (index: number) => (at(index) === "" ? 0 : Number(at(index)));
  const state = f.length === 13 ? at(vnet ? 7 : 8) : undefined;
  const denied = vnet ? state === "D" : at(7) === "D";
  const protocol = vnet ? Number(at(5)) : at(5) === "T" ? 6 : 17;
  const ingress = at(6) === "I";
  const extra = (reverse: boolean): Record<string, unknown> | undefined => {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(tuple.fixed)) {
      if (value !== undefined) fields[key] = value;
    }
    if (state !== undefined) fields["state"] = state;
    if (vnet) fields["encryption"] = at(8);
    if (reverse) fields["reverse"] = true;
    return Object.keys(fields).length === 0 ? undefined : fields;
  };
  const row = (reverse: boolean): DecodedFlow => {
    const flow: DecodedFlow = {
      startMs: timeMs,
      endMs: timeMs,
      exporterAddr: "::",
      source: "azure-flow",
      inIf: 0,
      outIf: 0,
      ipVersion: at(1).includes(":") ? 6 : 4,
      srcAddr: reverse ? at(2) : at(1),
      dstAddr: reverse ? at(1) : at(2),
      srcPort: Number(reverse ? at(4) : at(3)),
      dstPort: Number(reverse ? at(3) : at(4)),
      protocol,
      tcpFlags: 0,
      tos: 0,
      srcAs: 0,
      dstAs: 0,
      srcMaskLen: 0,
      dstMaskLen: 0,
      nextHop: "",
      sampledBytes: f.length === 13 ? count(reverse ? 12 : 10) : 0,
      sampledPackets: f.length === 13 ? count(reverse ? 11 : 9) : 0,
      samplingRate: 1,
      samplingRateKnown: true,
      flowDirection: ingress !== reverse ? 0 : 1,
      cloud: context,
      observedAction: denied ? "reject" : "accept",
    };
    const fields = extra(reverse);
    if (fields !== undefined) flow.extra = fields;
    return flow;
  };
  const replied = f.length === 13 && (count(11) !== 0 || count(12) !== 0);
  return replied ? [row(false), row(true)] : [row(false)];
}

describe.runIf(haveCorpus)("Azure flow logs: conformance with the shared corpus", () => {
  const folder = path.join(corpus ?? "", "vpc-azure");
  const files = haveCorpus ? readdirSync(folder).sort() : [];

  it("has an expectation for every vpc-azure/ file", () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of files) {
    it(`${name}: every tuple decoded as the documentation's field list reads it`, () => {
      const expectation = EXPECTED[name];
      expect(expectation).toBeDefined();
      if (expectation === undefined) return;
      const file = path.join(folder, name);
      const { batch, tally } = decodeFile(file);
      expect(tally.skipped).toEqual({});
      expect(tally.examples).toEqual([]);
      expect(tally.records).toBe(expectation.rows);
      expect(batch.length).toBe(expectation.rows);

      const tuples: SourcedTuple[] = name.endsWith(".json")
        ? tuplesOf(JSON.parse(readFileSync(file, "utf8")))
        : readFileSync(file, "utf8")
            .split("\n")
            .filter((text) => text !== "")
            .map((text) => ({ text, fixed: {} }));
      expect(tuples).toHaveLength(expectation.tuples);
      const expected = tuples.flatMap((tuple) => documentedRows(tuple, expectation.context));
      expect(batch.decodedRows()).toEqual(expected);
      // One context object per file, interned once.
      expect(batch.clouds).toEqual([expectation.context]);
    });
  }

  it("bandwidth example: totals are the documentation's 9,125 packets and 5,256,000 bytes", () => {
    // vnet-flow-logs-overview.md, "Log tuple and bandwidth calculation": 1,021 + 52 + 8,005 +
    // 47 packets and 588,096 + 29,952 + 4,610,880 + 27,072 bytes over the three tuples.
    const { batch } = decodeTextFile(
      path.join(folder, "azuredocs-vnet-flowtuples-bandwidth-example.txt"),
    );
    const rows = batch.decodedRows();
    expect(rows.reduce((sum, row) => sum + row.sampledPackets, 0)).toBe(9125);
    expect(rows.reduce((sum, row) => sum + row.sampledBytes, 0)).toBe(5_256_000);
    // Inbound to 10.2.0.4:23 from the client; the reply rows go out of the interface.
    const inbound = rows.filter((row) => row.flowDirection === 0);
    const outbound = rows.filter((row) => row.flowDirection === 1);
    expect(inbound.map((row) => row.dstAddr)).toEqual(["10.2.0.4", "10.2.0.4", "10.2.0.4"]);
    expect(outbound.map((row) => `${row.srcAddr}:${row.srcPort}`)).toEqual([
      "10.2.0.4:23",
      "10.2.0.4:23",
    ]);
    expect(outbound.reduce((sum, row) => sum + row.sampledBytes, 0)).toBe(4_610_880 + 27_072);
  });

  it("v1 sample: the nested records are decoded, and a whole blob decodes like its elements", () => {
    const file = path.join(folder, "azuredocs-nsg-flowlog-v1-sample-doc-nested-records.json");
    const perElement = decodeJsonFile(file);
    const decoder = createAzureFlowDecoder();
    const batch = new FlowBatch(8);
    const tally = createFlowLogTally();
    decoder.decodeEntry(JSON.parse(readFileSync(file, "utf8")), 1, batch, tally);
    expect(batch.decodedRows()).toEqual(perElement.batch.decodedRows());
    expect(tally.units).toBe(1);
    expect(perElement.tally.units).toBe(3);
    // The nested element holds the third record (22:02:32), found nowhere else.
    const times = batch.decodedRows().map((row) => row.startMs / 1000);
    expect(times.filter((time) => time === 1487282505)).toHaveLength(1);
    expect(batch.decodedRows().filter((row) => row.observedAction === "reject")).toHaveLength(6);
  });

  it("VNet sample: denied tuples (state D) are rejections, the rest acceptances", () => {
    const { batch } = decodeJsonFile(path.join(folder, "azuredocs-vnet-flowlog-v4-sample.json"));
    const rows = batch.decodedRows();
    const rejected = rows.filter((row) => row.observedAction === "reject");
    expect(rejected).toHaveLength(9);
    expect(new Set(rejected.map((row) => row.extra?.["state"]))).toEqual(new Set(["D"]));
    expect(new Set(rejected.map((row) => row.extra?.["aclID"]))).toEqual(
      new Set(["01020304-abcd-ef00-1234-102030405060"]),
    );
    // Millisecond tuple times kept to the millisecond.
    expect(rows[0]?.startMs).toBe(1663146003599);
  });
});
