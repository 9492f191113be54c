import dgram from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCaptureReader } from "../../src/decoders/index.ts";
import { corpusDir, peerAvailable } from "../helpers/peers.ts";
import { getJson, startTollgate, waitFor } from "../helpers/tollgate.ts";

// NetFlow v9 templates survive a restart: a real template datagram (akvorado's fixture, shared
// corpus) goes to one `tollgate serve`, which is stopped; a second one on the same data
// directory then decodes the matching data datagram at once, although the exporter never
// resent its template (exporters resend only every few minutes: data lost meanwhile otherwise).

const corpus = corpusDir();
const haveCorpus = peerAvailable(
  "the shared corpus (netflow9/akvorado-*.pcap)",
  corpus !== undefined,
);

const scratch = mkdtempSync(path.join(os.tmpdir(), "tollgate-template-restart-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function payloads(file: string): Uint8Array[] {
  const reader = createCaptureReader();
  const datagrams = reader.push(readFileSync(file)).records.map((datagram) => datagram.payload);
  reader.finish();
  return datagrams;
}

async function send(port: number, datagrams: readonly Uint8Array[]): Promise<void> {
  const socket = dgram.createSocket("udp4");
  for (const datagram of datagrams) {
    await new Promise<void>((resolve, reject) => {
      socket.send(datagram, port, "127.0.0.1", (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }
  socket.close();
}

interface Status {
  collector: { stored: number; records: number };
  exporters: { templates: { protocol: string; templates: number; templateMisses: number }[] };
}

describe.runIf(haveCorpus)("NetFlow v9 templates across a restart", () => {
  it("decodes data sent after a restart with the template learned before it", async () => {
    const root = corpus ?? "";
    const dataDir = path.join(scratch, "data");
    const first = await startTollgate({ dataDir });
    try {
      await send(first.netflowPort, payloads(path.join(root, "netflow9/akvorado-template.pcap")));
      await waitFor(async () => {
        const status = await getJson<Status>(first.httpUrl, "/api/v1/status");
        return status.exporters.templates.some((entry) => entry.templates > 0);
      });
    } finally {
      expect(await first.stop({ keepDataDir: true })).toBe(0);
    }
    expect(existsSync(path.join(dataDir, "templates.json"))).toBe(true);

    const second = await startTollgate({ dataDir });
    try {
      await send(second.netflowPort, payloads(path.join(root, "netflow9/akvorado-data.pcap")));
      let status: Status | undefined;
      await waitFor(async () => {
        status = await getJson<Status>(second.httpUrl, "/api/v1/status");
        return status.collector.stored >= 4;
      });
      // tshark-summary.tsv: 4 records once the template file is prepended.
      expect(status?.collector.records).toBe(4);
      expect(status?.exporters.templates.every((entry) => entry.templateMisses === 0)).toBe(true);
    } finally {
      await second.stop({ keepDataDir: true });
    }
  }, 90_000);
});
