import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createCaptureReader } from "../pcap/index.ts";
import { decodeNetflow5 } from "./decode.ts";
import type { Netflow5Result } from "./decode.ts";

// Table-driven golden test (STYLE.md "Decoder fixtures"): every testdata/<case>.pcap is decoded
// and compared with <case>.golden.json (refresh with `npx vitest run -u`, review like code);
// where testdata/<case>.tshark.tsv exists, every record is also compared field by field with
// tshark's own dissection of the same capture (see testdata/README.md).

const testdataDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata");

/** Records and issue counts each case must give, so a golden refresh cannot hide a change. */
const EXPECTED: Readonly<Record<string, { datagrams: number; records: number; issues: number }>> = {
  "softflowd-v5": { datagrams: 5, records: 132, issues: 0 },
};

/** JSON with keys sorted at every level: a stable golden whatever the construction order. */
function stableJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, inner: unknown) =>
      inner !== null && typeof inner === "object" && !Array.isArray(inner)
        ? Object.fromEntries(
            Object.entries(inner as Record<string, unknown>).sort(([a], [b]) =>
              a < b ? -1 : a > b ? 1 : 0,
            ),
          )
        : inner,
    1,
  );
}

interface DecodedDatagram {
  timestampMs: number;
  exporter: string;
  result: Netflow5Result;
}

function decodeCapture(file: string): DecodedDatagram[] {
  const reader = createCaptureReader();
  const pushed = reader.push(readFileSync(file));
  const summary = reader.finish();
  expect(summary.issues).toEqual([]);
  return pushed.records.map((datagram) => ({
    timestampMs: datagram.timestampMs,
    exporter: `${datagram.srcAddr}:${datagram.srcPort}`,
    result: decodeNetflow5(datagram.payload, {
      exporterAddr: datagram.srcAddr,
      receivedMs: datagram.timestampMs,
    }),
  }));
}

/** tshark prints v5 First/Last as uptime seconds with 9 decimals and flags/ToS in hex. */
function tsharkNumber(text: string): number {
  return text.startsWith("0x") ? Number.parseInt(text, 16) : Number(text);
}

function tsharkMs(text: string): number {
  return Math.round(Number(text) * 1000);
}

const cases = readdirSync(testdataDir)
  .filter((name) => name.endsWith(".pcap"))
  .map((name) => name.slice(0, -".pcap".length));

describe("netflow5 testdata goldens", () => {
  it("has an expectation for every capture", () => {
    expect(cases.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of cases) {
    it(`${name}: matches ${name}.golden.json`, async () => {
      const decoded = decodeCapture(path.join(testdataDir, `${name}.pcap`));
      const records = decoded.flatMap((entry) => entry.result.records);
      const issues = decoded.flatMap((entry) => entry.result.issues);
      expect({
        datagrams: decoded.length,
        records: records.length,
        issues: issues.length,
      }).toEqual(EXPECTED[name]);
      const golden = decoded.map((entry) => ({
        exporter: entry.exporter,
        timestampMs: entry.timestampMs,
        headers: entry.result.headers,
        issues: entry.result.issues,
        records: entry.result.records,
      }));
      await expect(stableJson(golden) + "\n").toMatchFileSnapshot(
        path.join(testdataDir, `${name}.golden.json`),
      );
    });

    const tsharkFile = path.join(testdataDir, `${name}.tshark.tsv`);
    const tsharkRows = (() => {
      try {
        return readFileSync(tsharkFile, "utf8").trimEnd().split("\n");
      } catch {
        return undefined;
      }
    })();
    if (tsharkRows === undefined) continue;

    it(`${name}: every record equals tshark's dissection`, () => {
      const decoded = decodeCapture(path.join(testdataDir, `${name}.pcap`));
      const [headerLine, ...rows] = tsharkRows;
      const columns = (headerLine ?? "").split("\t");
      const records = decoded.flatMap((entry) =>
        entry.result.records.map((record) => ({ record, header: entry.result.headers[0] })),
      );
      expect(rows.length).toBe(records.length);
      rows.forEach((row, index) => {
        const cells = row.split("\t");
        const cell = (column: string): string => cells[columns.indexOf(column)] ?? "";
        const entry = records[index]!;
        const { record, header } = entry;
        expect(header!.sysUptimeMs).toBe(tsharkMs(cell("sysuptime")));
        expect(header!.unixSecs).toBe(Number(cell("unix_secs")));
        expect(header!.unixNsecs).toBe(Number(cell("unix_nsecs")));
        expect(header!.flowSequence).toBe(Number(cell("sequence")));
        expect(header!.samplingMode).toBe(Number(cell("samplingmode")));
        expect(header!.samplingInterval).toBe(Number(cell("samplerate")));
        expect({
          srcAddr: record.srcAddr,
          dstAddr: record.dstAddr,
          nextHop: record.nextHop,
          inIf: record.inIf,
          outIf: record.outIf,
          sampledPackets: record.sampledPackets,
          sampledBytes: record.sampledBytes,
          srcPort: record.srcPort,
          dstPort: record.dstPort,
          tcpFlags: record.tcpFlags,
          protocol: record.protocol,
          tos: record.tos,
          srcAs: record.srcAs,
          dstAs: record.dstAs,
          srcMaskLen: record.srcMaskLen,
          dstMaskLen: record.dstMaskLen,
        }).toEqual({
          srcAddr: cell("srcaddr"),
          dstAddr: cell("dstaddr"),
          nextHop: cell("nexthop"),
          inIf: tsharkNumber(cell("inputint")),
          outIf: tsharkNumber(cell("outputint")),
          sampledPackets: tsharkNumber(cell("packets")),
          sampledBytes: tsharkNumber(cell("octets")),
          srcPort: tsharkNumber(cell("srcport")),
          dstPort: tsharkNumber(cell("dstport")),
          tcpFlags: tsharkNumber(cell("tcpflags")),
          protocol: tsharkNumber(cell("protocol")),
          tos: tsharkNumber(cell("tos")),
          srcAs: tsharkNumber(cell("srcas")),
          dstAs: tsharkNumber(cell("dstas")),
          srcMaskLen: tsharkNumber(cell("srcmask")),
          dstMaskLen: tsharkNumber(cell("dstmask")),
        });
        // tshark shows First/Last as raw uptime; the epoch time is export time minus the age.
        const exportMs =
          Number(cell("unix_secs")) * 1000 + Math.floor(Number(cell("unix_nsecs")) / 1e6);
        const uptimeMs = tsharkMs(cell("sysuptime"));
        expect(record.startMs).toBe(exportMs - ((uptimeMs - tsharkMs(cell("timestart"))) | 0));
        expect(record.endMs).toBe(exportMs - ((uptimeMs - tsharkMs(cell("timeend"))) | 0));
      });
    });
  }
});
