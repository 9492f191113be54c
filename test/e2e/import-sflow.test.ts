import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { FlowBatch, textToWords, type InterfaceCounters } from "../../src/core/index.ts";
import { createCaptureReader, createFlowDecoder } from "../../src/decoders/index.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";
import { runCli } from "../helpers/tollgate.ts";

// `tollgate import` of a real sFlow capture (tcpdump's sflow_print-v6 test input, shared
// corpus): flow samples become flows, counter samples rows of `interface_counters`, through
// the same pipeline and store thread as live traffic. The decoder itself is checked against
// tshark and tcpdump in test/conformance/sflow.test.ts; this checks the path to the store.

const corpus = corpusDir();
const capture =
  corpus === undefined ? undefined : path.join(corpus, "sflow", "tcpdump-sflow-print-v6.pcap");
const haveCapture = peerAvailable(
  "the shared corpus (sflow/tcpdump-sflow-print-v6.pcap)",
  capture !== undefined,
);

const scratch = mkdtempSync(path.join(os.tmpdir(), "tollgate-import-sflow-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** What the decoder alone finds in the capture. */
function decodeDirectly(file: string): { flows: number; counters: InterfaceCounters[] } {
  const reader = createCaptureReader();
  const datagrams = reader.push(readFileSync(file)).records;
  reader.finish();
  const decoder = createFlowDecoder();
  const out = { flows: new FlowBatch(64), counters: [] as InterfaceCounters[], issues: [] };
  for (const datagram of datagrams) {
    const exporterWords = new Uint32Array(4);
    textToWords(datagram.srcAddr, exporterWords, 0);
    decoder.decode(
      datagram.payload,
      { exporterAddr: datagram.srcAddr, exporterWords, receivedMs: datagram.timestampMs },
      out,
    );
  }
  return { flows: out.flows.length, counters: out.counters };
}

describe.runIf(haveCapture)("tollgate import of an sFlow capture", () => {
  it("stores every flow sample as a flow and every interface counter sample", async () => {
    const file = capture ?? "";
    const expected = decodeDirectly(file);
    // tshark-summary.tsv: 13 flow samples in this capture; counter samples carry generic
    // interface counters, one row each.
    expect(expected.flows).toBe(13);
    expect(expected.counters.length).toBeGreaterThan(0);

    const dataDir = path.join(scratch, "data");
    const result = await runCli(["import", file, "--data-dir", dataDir]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${expected.flows} flow records, ${expected.flows} stored`);

    const instance = await DuckDBInstance.create(path.join(dataDir, "flows.duckdb"), {
      access_mode: "READ_ONLY",
    });
    try {
      const connection = await instance.connect();
      const rows = (
        await connection.runAndReadAll(
          "SELECT if_index, in_octets::DOUBLE, out_octets::DOUBLE FROM interface_counters ORDER BY ALL",
        )
      ).getRows();
      const want = expected.counters
        .map((sample) => [sample.ifIndex, sample.inOctets, sample.outOctets])
        .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
      expect(rows).toEqual(want);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
  }, 60_000);
});
