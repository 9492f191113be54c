// The inventory end to end, through the real CLI and a running `tollgate serve`:
// - the same traffic seen twice, as NetFlow v5 from an exporter with declared boundary
//   interfaces (direction from the interfaces) and as AWS VPC flow logs (direction from the
//   networks), classifies the same: direction, locality, far-end cloud service, country;
// - `explain` on the API says why;
// - editing an included inventory file changes the classification of new flows at once.
import dgram from "node:dgram";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DecodedFlow } from "../../src/core/index.ts";
import { encodeNetflow5 } from "../../src/decoders/index.ts";
import { repoRoot } from "../helpers/peers.ts";
import { runCli, startTollgate, type RunningTollgate } from "../helpers/tollgate.ts";

const CLOUD_RANGES = path.join(repoRoot, "src", "inventory", "cloud-ranges", "testdata");

/** One flow of the scenario, with what the inventory must make of it. */
interface Scenario {
  src: string;
  dst: string;
  bytes: number;
  packets: number;
  direction: "ingress" | "egress" | "internal";
  locality: string;
  /** The far end's cloud service, "" when none. */
  service: string;
  srcCountry: string;
}

const SCENARIOS: readonly Scenario[] = [
  // To S3 in the VPC's region: a service of its own cloud.
  {
    src: "10.1.1.10",
    dst: "52.216.8.1",
    bytes: 100_000,
    packets: 80,
    direction: "egress",
    locality: "cloud-service",
    service: "S3",
    srcCountry: "",
  },
  // To S3 in another region.
  {
    src: "10.1.1.10",
    dst: "52.218.1.1",
    bytes: 20_000,
    packets: 20,
    direction: "egress",
    locality: "cross-region",
    service: "S3",
    srcCountry: "",
  },
  // To a CloudFront edge.
  {
    src: "10.1.2.20",
    dst: "13.32.1.1",
    bytes: 7_000,
    packets: 7,
    direction: "egress",
    locality: "cdn",
    service: "CLOUDFRONT",
    srcCountry: "",
  },
  // Between the VPC's two zones, and within one.
  {
    src: "10.1.1.10",
    dst: "10.1.2.20",
    bytes: 3_000,
    packets: 3,
    direction: "internal",
    locality: "cross-zone",
    service: "",
    srcCountry: "",
  },
  {
    src: "10.1.1.10",
    dst: "10.1.1.30",
    bytes: 500,
    packets: 2,
    direction: "internal",
    locality: "same-zone",
    service: "",
    srcCountry: "",
  },
  // From the internet: country and AS from the registry files.
  {
    src: "81.2.69.5",
    dst: "10.1.2.20",
    bytes: 9_000,
    packets: 9,
    direction: "ingress",
    locality: "internet",
    service: "",
    srcCountry: "FR",
  },
];

/** ifIndexes on the exporter: 1 is the transit uplink (external), 2 faces the VPC (internal). */
function interfacesOf(direction: Scenario["direction"]): { inIf: number; outIf: number } {
  if (direction === "ingress") return { inIf: 1, outIf: 2 };
  if (direction === "egress") return { inIf: 2, outIf: 1 };
  return { inIf: 2, outIf: 2 };
}

const INVENTORY_FILE = `networks:
  - name: vpc-main
    cidrs: [10.1.0.0/16]
    provider: aws
    account: "111122223333"
    region: us-east-1
    vpc: vpc-0main
    tags: { env: prod }
  - name: subnet-a
    cidrs: [10.1.1.0/24]
    zone: us-east-1a
    subnet: subnet-0a
    tags: { team: payments }
  - name: subnet-b
    cidrs: [10.1.2.0/24]
    zone: ZONE_B
    subnet: subnet-0b
`;

function writeWorkspace(dir: string, zoneB: string): void {
  mkdirSync(path.join(dir, "inventory"), { recursive: true });
  mkdirSync(path.join(dir, "registry"), { recursive: true });
  writeFileSync(path.join(dir, "inventory", "aws.yaml"), INVENTORY_FILE.replace("ZONE_B", zoneB));
  writeFileSync(
    path.join(dir, "registry", "asn-ipv4.csv"),
    '52.208.0.0,52.221.255.255,16509,"Amazon.com, Inc."\n81.2.69.0,81.2.69.255,64500,Example Transit\n',
  );
  writeFileSync(
    path.join(dir, "registry", "country-ipv4.csv"),
    "52.208.0.0,52.221.255.255,US\n81.2.69.0,81.2.69.255,FR\n",
  );
}

const CONFIG = `inventory:
  include: [inventory/*.yaml]
  registry:
    asn: { csv: { ipv4: registry/asn-ipv4.csv } }
    country: { csv: { ipv4: registry/country-ipv4.csv } }
  cloudRanges:
    dir: ${JSON.stringify(CLOUD_RANGES)}
  exporters:
    - address: 127.0.0.1
      name: edge1
      interfaces:
        - { ifIndex: 1, boundary: external, connectivity: transit, provider: Example Transit }
        - { ifIndex: 2, boundary: internal }
`;

function flowOf(scenario: Scenario, endMs: number): DecodedFlow {
  return {
    startMs: endMs - 10_000,
    endMs,
    exporterAddr: "127.0.0.1",
    source: "netflow5",
    ...interfacesOf(scenario.direction),
    ipVersion: 4,
    srcAddr: scenario.src,
    dstAddr: scenario.dst,
    srcPort: 40_000,
    dstPort: 443,
    protocol: 6,
    tcpFlags: 0x1b,
    tos: 0,
    srcAs: 0,
    dstAs: 0,
    srcMaskLen: 0,
    dstMaskLen: 0,
    nextHop: "",
    sampledBytes: scenario.bytes,
    sampledPackets: scenario.packets,
    samplingRate: 1,
    samplingRateKnown: true,
  };
}

async function sendNetflow(port: number, flows: readonly DecodedFlow[], nowMs: number) {
  const datagrams = encodeNetflow5(flows, {
    sysUptimeMs: 3_600_000,
    unixSecs: Math.floor(nowMs / 1000),
    unixNsecs: (nowMs % 1000) * 1_000_000,
    flowSequence: 0,
    engineType: 0,
    engineId: 0,
    samplingMode: 0,
    samplingInterval: 0,
  });
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

/** The AWS VPC flow log (v5 fields) of the same traffic, one record per flow, as the source ENI logs it. */
function awsLog(endMs: number): string {
  const header =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id region flow-direction";
  const lines = SCENARIOS.map((scenario) => {
    const inbound = scenario.direction === "ingress";
    const subnet = (inbound ? scenario.dst : scenario.src).startsWith("10.1.1.")
      ? "subnet-0a"
      : "subnet-0b";
    return [
      5,
      "111122223333",
      `eni-${subnet}`,
      scenario.src,
      scenario.dst,
      40_000,
      443,
      6,
      scenario.packets,
      scenario.bytes,
      Math.floor((endMs - 10_000) / 1000),
      Math.floor(endMs / 1000),
      "ACCEPT",
      "OK",
      "vpc-0main",
      subnet,
      "us-east-1",
      inbound ? "ingress" : "egress",
    ].join(" ");
  });
  return `${header}\n${lines.join("\n")}\n`;
}

interface TopJson {
  rows: { key: string; bytes: number; flows: number }[];
}

async function top(by: string, where: string[]): Promise<Record<string, number>> {
  const result = await runCli(["top", "--by", by, "--limit", "50", "--json", ...where]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const parsed = JSON.parse(result.stdout) as TopJson;
  return Object.fromEntries(parsed.rows.map((row) => [row.key, row.bytes]));
}

function expectedBy(key: (scenario: Scenario) => string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const scenario of SCENARIOS)
    totals[key(scenario)] = (totals[key(scenario)] ?? 0) + scenario.bytes;
  return totals;
}

describe("the inventory end to end", () => {
  const workspaces: string[] = [];
  let serve: RunningTollgate | undefined;
  afterAll(async () => {
    await serve?.stop();
    for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
  });

  it("classifies NetFlow with boundary interfaces and AWS flow logs of the same traffic alike", async () => {
    const nowMs = Date.now();
    const endMs = nowMs - 60_000;
    // NetFlow into a running server: interfaces decide direction.
    const serveDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-inventory-serve-"));
    writeWorkspace(serveDir, "us-east-1b");
    serve = await startTollgate({ config: CONFIG, dataDir: serveDir });
    await sendNetflow(
      serve.netflowPort,
      SCENARIOS.map((scenario) => flowOf(scenario, endMs)),
      nowMs,
    );
    const server = ["--server", serve.httpUrl];
    const total = SCENARIOS.reduce((sum, scenario) => sum + scenario.bytes, 0);
    for (let attempt = 0; ; attempt++) {
      const stored = await top("direction", server);
      if (Object.values(stored).reduce((sum, bytes) => sum + bytes, 0) === total) break;
      expect(attempt).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // The same traffic as an AWS VPC flow log, imported into another data directory.
    const importDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-inventory-import-"));
    workspaces.push(importDir);
    writeWorkspace(importDir, "us-east-1b");
    writeFileSync(path.join(importDir, "tollgate.yaml"), CONFIG);
    const logFile = path.join(importDir, "flows.log");
    writeFileSync(logFile, awsLog(endMs));
    const imported = await runCli(
      [
        "import",
        "--config",
        path.join(importDir, "tollgate.yaml"),
        "--data-dir",
        path.join(importDir, "data"),
        logFile,
      ],
      { timeoutMs: 120_000 },
    );
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const local = [
      "--config",
      path.join(importDir, "tollgate.yaml"),
      "--data-dir",
      path.join(importDir, "data"),
    ];

    const expectations: [string, Record<string, number>][] = [
      ["direction", expectedBy((scenario) => scenario.direction)],
      ["locality", expectedBy((scenario) => scenario.locality)],
      [
        "dst.service",
        expectedBy((scenario) => (scenario.direction === "ingress" ? "" : scenario.service)),
      ],
      ["src.country", expectedBy((scenario) => scenario.srcCountry)],
      [
        "dst.net",
        expectedBy((scenario) => {
          if (scenario.dst.startsWith("10.1.1.")) return "subnet-a";
          if (scenario.dst.startsWith("10.1.2.")) return "subnet-b";
          const service = scenario.service;
          return service === "CLOUDFRONT"
            ? "aws:CLOUDFRONT"
            : scenario.dst.startsWith("52.216")
              ? "aws:S3:us-east-1"
              : "aws:S3:eu-west-1";
        }),
      ],
      [
        "src.zone",
        expectedBy((scenario) =>
          scenario.src.startsWith("10.1.1.")
            ? "us-east-1a"
            : scenario.src.startsWith("10.1.2.")
              ? "us-east-1b"
              : "",
        ),
      ],
    ];
    for (const [by, expected] of expectations) {
      expect({ by, netflow: await top(by, server) }).toEqual({ by, netflow: expected });
      expect({ by, aws: await top(by, local) }).toEqual({ by, aws: expected });
    }
    // NetFlow's directions came from the interfaces, the logs' from the networks.
    expect(await top("direction.source", server)).toEqual({ interface: total });
    expect(await top("direction.source", local)).toEqual({ networks: total });
    // The edge each flow crossed: the transit uplink, except internal flows, which crossed none.
    const internalBytes = SCENARIOS.filter((scenario) => scenario.direction === "internal").reduce(
      (sum, scenario) => sum + scenario.bytes,
      0,
    );
    expect(await top("connectivity", server)).toEqual({
      transit: total - internalBytes,
      "": internalBytes,
    });
    expect(await top("boundary.provider", server)).toEqual({
      "Example Transit": total - internalBytes,
      "": internalBytes,
    });
    expect(await top("boundary.interface", server)).toEqual({
      "edge1:1": total - internalBytes,
      "": internalBytes,
    });
    // The registry filled the AS the exporter did not give.
    expect(await top("src.as", server)).toMatchObject({ "64500": 9_000 });
    // And its names, which serve and import wrote to their stores from the same registry.
    const amazon = expectedBy((scenario) =>
      /^52\.(20[89]|21\d|22[01])\./.test(scenario.dst) ? "Amazon.com, Inc." : "",
    );
    expect(await top("dst.as.name", server)).toEqual(amazon);
    expect(await top("dst.as.name", local)).toEqual(amazon);
    expect(await top("src.as.name", server)).toMatchObject({ "Example Transit": 9_000 });
    expect(await top("dst.as.name", [...server, "--filter", 'dst.as.name ~ "Amazon*"'])).toEqual({
      "Amazon.com, Inc.": amazon["Amazon.com, Inc."],
    });
  });

  it("explains an address and a flow on the API", async () => {
    if (serve === undefined) throw new Error("the first test starts the server");
    const address = (await (
      await fetch(`${serve.httpUrl}/api/v1/explain?address=10.1.1.10`)
    ).json()) as {
      kind: string;
      address: { network: { name: string; origin: string; tags: unknown[] } };
    };
    expect(address.kind).toBe("address");
    expect(address.address.network).toMatchObject({
      name: "subnet-a",
      origin: "inventory/aws.yaml networks[1]",
    });
    expect(address.address.network.tags).toEqual([
      { key: "env", value: "prod", from: "vpc-main" },
      { key: "team", value: "payments", from: "subnet-a" },
    ]);
    const flow = (await (
      await fetch(
        `${serve.httpUrl}/api/v1/explain?address=81.2.69.5&address=10.1.2.20&exporter=127.0.0.1&inIf=1&outIf=2`,
      )
    ).json()) as { flow: Record<string, unknown> };
    expect(flow.flow).toMatchObject({
      direction: "ingress",
      directionSource: "interface",
      locality: "internet",
      src: { asn: { number: 64500, name: "Example Transit" }, country: { code: "FR" } },
      exporter: { name: "edge1", input: { connectivity: "transit", provider: "Example Transit" } },
    });
    const bad = await fetch(`${serve.httpUrl}/api/v1/explain?address=not-an-ip`);
    expect(bad.status).toBe(400);
  });

  it("applies an edited inventory file to new flows at once", async () => {
    if (serve === undefined) throw new Error("the first test starts the server");
    // subnet-b moves to zone a: the flow between the subnets becomes same-zone.
    writeWorkspace(serve.dataDir, "us-east-1a");
    const explainLocality = async () =>
      (
        (await (
          await fetch(`${serve?.httpUrl ?? ""}/api/v1/explain?address=10.1.1.10&address=10.1.2.20`)
        ).json()) as { flow: { locality: string } }
      ).flow.locality;
    for (let attempt = 0; (await explainLocality()) !== "same-zone"; attempt++) {
      expect(attempt).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const nowMs = Date.now();
    const crossing = SCENARIOS[3];
    if (crossing === undefined) throw new Error("scenario 3 is the cross-zone flow");
    await sendNetflow(serve.netflowPort, [flowOf(crossing, nowMs - 30_000)], nowMs);
    const server = ["--server", serve.httpUrl];
    for (let attempt = 0; ; attempt++) {
      const byLocality = await top("locality", server);
      if (byLocality["same-zone"] === 500 + crossing.bytes) break;
      expect(attempt).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The flows stored before the edit keep what they were given.
    expect((await top("locality", server))["cross-zone"]).toBe(crossing.bytes);
  });

  it("renames stored flows' AS when the registry file changes", async () => {
    if (serve === undefined) throw new Error("the first test starts the server");
    const server = ["--server", serve.httpUrl];
    const before = await top("dst.as.name", server);
    const amazonBytes = before["Amazon.com, Inc."];
    expect(amazonBytes).toBeGreaterThan(0);
    // Flows keep the number; the name is the registry's now, for past flows too.
    writeFileSync(
      path.join(serve.dataDir, "registry", "asn-ipv4.csv"),
      "52.208.0.0,52.221.255.255,16509,AMAZON-02\n81.2.69.0,81.2.69.255,64500,Example Transit\n",
    );
    for (
      let attempt = 0;
      (await top("dst.as.name", server))["AMAZON-02"] !== amazonBytes;
      attempt++
    ) {
      expect(attempt).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await top("dst.as.name", server))["Amazon.com, Inc."]).toBeUndefined();
  });
});
