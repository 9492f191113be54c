// Boundary interfaces declared by name, end to end through a running `tollgate serve`: an
// exporter sends its interface table as IPFIX options data (IOS XR layout: scope IEs 10 and
// 14, interfaceDescription and interfaceName NUL-padded to 64 bytes, RFC 7012 IEs 82/83),
// then flows on those interfaces. The direction must come from the interface the declared
// /regex/ matched by name, and the learnt names must survive a hot reload of the inventory
// and a restart (they are saved with the templates).
import dgram from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  dataSet,
  encodeIpfix,
  ipfixOptionsTemplateSet,
  ipfixTemplateSet,
  ipv4,
  record,
} from "../../src/decoders/template/testdata/encode.ts";
import { runCli, startTollgate, type RunningTollgate } from "../helpers/tollgate.ts";

const config = (provider: string) => `inventory:
  registry: { asn: none, country: none }
  networks:
    - { name: ours, cidrs: [10.0.0.0/8] }
  exporters:
    - address: 127.0.0.1
      name: edge1
      interfaces:
        - { name: "/^xe-0\\\\/0\\\\/0/", boundary: external, provider: ${provider} }
`;

/** ifIndex → [name, description] as the router reports them. */
const INTERFACES: [number, string, string][] = [
  [501, "xe-0/0/0", "TRANSIT: Example"],
  [502, "xe-0/0/1", "core"],
];

const encoder = new TextEncoder();
const padded = (value: string): Uint8Array => {
  const bytes = new Uint8Array(64);
  bytes.set(encoder.encode(value));
  return bytes;
};
const u64 = (value: number): Uint8Array => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value));
  return bytes;
};

/** One flow: source, destination, bytes, input and output ifIndex. */
type Flow = [src: string, dst: string, bytes: number, inIf: number, outIf: number];

/**
 * One IPFIX message: the interface table (options template 256 and its data), a data template
 * and the flows. Options data comes first, so the names are known when the flows decode.
 */
function message(flows: readonly Flow[], nowMs: number, withTable: boolean): Uint8Array {
  const startMs = nowMs - 70_000;
  const endMs = nowMs - 60_000;
  const table = withTable
    ? [
        ipfixOptionsTemplateSet([
          {
            id: 256,
            scope: [
              { id: 10, length: 4 },
              { id: 14, length: 4 },
            ],
            fields: [
              { id: 83, length: 64 },
              { id: 82, length: 64 },
            ],
          },
        ]),
        dataSet(
          256,
          INTERFACES.map(([ifIndex, name, description]) =>
            record([[4, ifIndex], [4, ifIndex], padded(description), padded(name)]),
          ),
        ),
      ]
    : [];
  return encodeIpfix({ exportSecs: Math.floor(nowMs / 1000), sequence: 0, domain: 1 }, [
    ...table,
    ipfixTemplateSet([
      {
        id: 300,
        fields: [
          { id: 8, length: 4 },
          { id: 12, length: 4 },
          { id: 10, length: 4 },
          { id: 14, length: 4 },
          { id: 4, length: 1 },
          { id: 1, length: 8 },
          { id: 2, length: 4 },
          { id: 152, length: 8 },
          { id: 153, length: 8 },
        ],
      },
    ]),
    dataSet(
      300,
      flows.map(([src, dst, bytes, inIf, outIf]) =>
        record([
          ipv4(src),
          ipv4(dst),
          [4, inIf],
          [4, outIf],
          [1, 6],
          [8, bytes],
          [4, 1],
          u64(startMs),
          u64(endMs),
        ]),
      ),
    ),
  ]);
}

async function send(port: number, payload: Uint8Array): Promise<void> {
  const socket = dgram.createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.send(payload, port, "127.0.0.1", (error) => {
        if (error === null) resolve();
        else reject(error);
      });
    });
  } finally {
    socket.close();
  }
}

async function top(by: string, server: string): Promise<Record<string, number>> {
  const result = await runCli(["top", "--by", by, "--limit", "50", "--json", "--server", server]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const parsed = JSON.parse(result.stdout) as { rows: { key: string; bytes: number }[] };
  return Object.fromEntries(parsed.rows.map((row) => [row.key, row.bytes]));
}

async function waitForBytes(by: string, server: string, total: number) {
  for (let attempt = 0; ; attempt++) {
    const rows = await top(by, server);
    if (Object.values(rows).reduce((sum, bytes) => sum + bytes, 0) === total) return rows;
    expect(attempt).toBeLessThan(150);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Explained {
  flow: {
    direction: string;
    directionSource: string;
    directionReason: string;
    exporter: { input: { name: string; provider: string; declared: boolean } };
  };
}

async function explainIngress(httpUrl: string): Promise<Explained["flow"]> {
  const response = await fetch(
    `${httpUrl}/api/v1/explain?address=198.51.100.7&address=198.51.100.8&exporter=127.0.0.1&inIf=501&outIf=502`,
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as Explained).flow;
}

describe("boundary interfaces declared by name, learnt from IPFIX options data", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-interface-names-"));
  let serve: RunningTollgate | undefined;
  afterAll(async () => {
    await serve?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("takes direction from the interface the name matched, across a reload and a restart", async () => {
    serve = await startTollgate({ config: config("Example Transit"), dataDir });
    const server = serve.httpUrl;
    // In on the transit port, out to ours; the reverse; and outside → outside through the
    // transit port, which the networks alone would call transit.
    const flows: Flow[] = [
      ["203.0.113.5", "10.0.0.5", 1000, 501, 502],
      ["10.0.0.5", "203.0.113.5", 200, 502, 501],
      ["198.51.100.7", "198.51.100.8", 30, 501, 502],
    ];
    await send(serve.netflowPort, message(flows, Date.now(), true));
    expect(await waitForBytes("direction", server, 1230)).toEqual({ ingress: 1030, egress: 200 });
    expect(await top("direction.source", server)).toEqual({ interface: 1230 });
    expect(await top("boundary.provider", server)).toEqual({ "Example Transit": 1230 });

    const explained = await explainIngress(server);
    expect(explained).toMatchObject({
      direction: "ingress",
      directionSource: "interface",
      exporter: { input: { name: "xe-0/0/0", provider: "Example Transit", declared: true } },
    });
    expect(explained.directionReason).toContain("input interface 501 (xe-0/0/0) is external");
    const status = (await (await fetch(`${server}/api/v1/status`)).json()) as {
      exporters: { templates: { protocol: string; interfaces: number }[] };
    };
    expect(status.exporters.templates).toEqual([
      expect.objectContaining({ protocol: "ipfix", interfaces: 2 }),
    ]);

    // A hot reload builds a new exporter table: the names learnt stay.
    writeFileSync(path.join(dataDir, "tollgate.yaml"), config("Other Transit"));
    const reload = await fetch(`${server}/api/v1/inventory/reload`, { method: "POST" });
    expect(reload.status).toBe(200);
    expect(await explainIngress(server)).toMatchObject({
      directionSource: "interface",
      exporter: { input: { name: "xe-0/0/0", provider: "Other Transit" } },
    });

    // A restart restores them with the templates: flows without a new table still match.
    expect(await serve.stop({ keepDataDir: true })).toBe(0);
    serve = await startTollgate({ config: config("Other Transit"), dataDir });
    expect(await explainIngress(serve.httpUrl)).toMatchObject({
      directionSource: "interface",
      exporter: { input: { name: "xe-0/0/0", provider: "Other Transit" } },
    });
    await send(
      serve.netflowPort,
      message([["203.0.113.9", "10.0.0.9", 4000, 501, 502]], Date.now(), false),
    );
    const byProvider = await waitForBytes("boundary.provider", serve.httpUrl, 5230);
    expect(byProvider).toEqual({ "Example Transit": 1230, "Other Transit": 4000 });
  });
});
