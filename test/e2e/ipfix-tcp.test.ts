import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRandom } from "../../src/services/demo/traffic.ts";
import { createCaptureReader } from "../../src/decoders/index.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";
import { getJson, startTollgate, waitFor, type RunningTollgate } from "../helpers/tollgate.ts";

// IPFIX over TCP (RFC 7011 §10.4) into a real `tollgate serve`: a real softflowd IPFIX export
// (shared corpus) sent as one byte stream cut at random points, so messages straddle TCP
// segments; every record must be stored. A stream that loses framing is closed and counted.

const corpus = corpusDir();
const exportFile =
  corpus === undefined
    ? undefined
    : path.join(corpus, "pcap", "export-softflowd-v10-synth30k.pcap");
const haveExport = peerAvailable(
  "the shared corpus (pcap/export-softflowd-v10-synth30k.pcap)",
  exportFile !== undefined,
);

/** Data records per the capture's MANIFEST row (softflowd -v 10 over synth30k.pcap). */
const EXPORTED_RECORDS = 30_422;

interface Status {
  collector: { records: number; stored: number; decodeIssues: number };
  exporters: { templates: { protocol: string; flowRecords: number; templateMisses: number }[] };
}

function sendStream(port: number, chunks: readonly Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      const writeNext = (index: number): void => {
        if (index === chunks.length) {
          socket.end(() => {
            resolve();
          });
          return;
        }
        socket.write(chunks[index] as Uint8Array, () => {
          writeNext(index + 1);
        });
      };
      writeNext(0);
    });
    socket.on("error", reject);
  });
}

describe.runIf(haveExport)("IPFIX over TCP → tollgate serve", () => {
  let tollgate: RunningTollgate;
  let stream: Uint8Array;

  beforeAll(async () => {
    tollgate = await startTollgate();
    const reader = createCaptureReader();
    const messages = reader.push(readFileSync(exportFile ?? "")).records.map((d) => d.payload);
    reader.finish();
    stream = new Uint8Array(messages.reduce((sum, message) => sum + message.byteLength, 0));
    let offset = 0;
    for (const message of messages) {
      stream.set(message, offset);
      offset += message.byteLength;
    }
  }, 60_000);

  afterAll(async () => {
    await tollgate.stop();
  });

  it("stores every record of a stream cut at random points", async () => {
    const random = createRandom(11);
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < stream.byteLength;) {
      const size = 1 + Math.floor(random() * 3000);
      chunks.push(stream.subarray(offset, offset + size));
      offset += size;
    }
    await sendStream(tollgate.ipfixTcpPort, chunks);
    let status: Status | undefined;
    await waitFor(async () => {
      status = await getJson<Status>(tollgate.httpUrl, "/api/v1/status");
      return status.collector.stored >= EXPORTED_RECORDS;
    });
    if (status === undefined) throw new Error("no status");
    expect(status.collector.records).toBe(EXPORTED_RECORDS);
    expect(status.collector.stored).toBe(EXPORTED_RECORDS);
    expect(status.collector.decodeIssues).toBe(0);
    const ipfix = status.exporters.templates.find((entry) => entry.protocol === "ipfix");
    expect(ipfix).toMatchObject({ flowRecords: EXPORTED_RECORDS, templateMisses: 0 });
  }, 60_000);

  it("counts a datagram that is no flow protocol against its exporter, by code", async () => {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.send(
        Uint8Array.from([0xde, 0xad, 0xbe, 0xef]),
        tollgate.ipfixPort,
        "127.0.0.1",
        (error) => {
          if (error) reject(error);
          else resolve();
        },
      );
    });
    socket.close();
    let issues: { exporterAddr: string; byCode: Record<string, number> }[] = [];
    await waitFor(async () => {
      const status = await getJson<{ exporters: { issues: typeof issues } }>(
        tollgate.httpUrl,
        "/api/v1/status",
      );
      issues = status.exporters.issues;
      return issues.length > 0;
    });
    expect(issues).toEqual([{ exporterAddr: "127.0.0.1", byCode: { "unknown-protocol": 1 } }]);
  }, 30_000);

  it("closes a connection whose stream is not IPFIX, and keeps serving", async () => {
    const closed = await new Promise<boolean>((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port: tollgate.ipfixTcpPort }, () => {
        // Version 9 where 10 must be: framing is lost, the collector hangs up.
        socket.write(Uint8Array.from([0, 9, 0, 20, ...new Array<number>(16).fill(0)]));
      });
      socket.on("close", () => {
        resolve(true);
      });
      socket.on("error", reject);
      setTimeout(() => {
        resolve(false);
      }, 10_000).unref();
    });
    expect(closed).toBe(true);
    const health = await fetch(`${tollgate.httpUrl}/healthz`);
    expect(health.ok).toBe(true);
    const metrics = await (await fetch(`${tollgate.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /tollgate_collector_decode_issues_total\{[^}]*code="bad-stream"[^}]*\} 1/,
    );
  }, 30_000);
});
