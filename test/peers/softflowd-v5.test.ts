import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peerAvailable, which } from "../helpers/peers.ts";
import { writePcap, type SyntheticPacket } from "../helpers/pcap-writer.ts";
import {
  getJson,
  runCli,
  startTollgate,
  waitFor,
  type RunningTollgate,
} from "../helpers/tollgate.ts";

/**
 * End to end with a real exporter: softflowd (Debian) reads a pcap this test writes, exports
 * NetFlow v5 to a running `tollgate serve`, and the per-direction totals Tollgate reports must
 * equal the ground truth tshark computes from the same pcap, byte for byte.
 */
const havePeers =
  peerAvailable("softflowd (apt-get install softflowd)", which("softflowd") !== undefined) &&
  peerAvailable("tshark (apt-get install tshark)", which("tshark") !== undefined);

const OURS = "10.0.0.0/8";

/** Deterministic mixed traffic: internal, egress, ingress and transit conversations. */
function makeTraffic(startMs: number): SyntheticPacket[] {
  const packets: SyntheticPacket[] = [];
  let timeMs = startMs;
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const conversations: [string, string, 6 | 17 | 1, number][] = [
    ["10.1.0.5", "10.2.0.9", 6, 5432], // internal
    ["10.1.0.6", "10.2.0.9", 6, 5432],
    ["10.1.0.5", "151.101.1.69", 6, 443], // egress, replies are ingress
    ["10.1.0.7", "142.250.74.46", 6, 443],
    ["10.1.0.8", "9.9.9.9", 17, 53],
    ["10.1.0.9", "52.216.8.1", 6, 443],
    ["81.2.69.160", "10.3.0.10", 6, 443], // ingress, replies are egress
    ["89.160.20.112", "10.3.0.10", 6, 22],
    ["176.31.84.249", "10.3.0.11", 17, 51820],
    ["5.6.7.8", "9.9.9.9", 17, 53], // transit
    ["24.1.2.3", "104.16.1.1", 6, 443],
    ["10.1.0.5", "1.1.1.1", 1, 0], // icmp egress (echo request) and ingress (reply)
  ];
  conversations.forEach(([client, server, protocol, serverPort], index) => {
    const clientPort = protocol === 1 ? 8 : 40000 + index;
    const exchanges = 3 + Math.floor(random() * 20);
    for (let exchange = 0; exchange < exchanges; exchange++) {
      timeMs += 1 + Math.floor(random() * 40);
      packets.push({
        timeMs,
        src: client,
        dst: server,
        protocol,
        srcPort: clientPort,
        dstPort: protocol === 1 ? 0 : serverPort,
        ipLength: 40 + Math.floor(random() * 300),
      });
      timeMs += 1 + Math.floor(random() * 40);
      packets.push({
        timeMs,
        src: server,
        dst: client,
        protocol,
        srcPort: protocol === 1 ? 0 : serverPort,
        dstPort: protocol === 1 ? 0 : clientPort,
        ipLength: 40 + Math.floor(random() * 1460),
      });
    }
  });
  return packets;
}

interface Truth {
  bytes: number;
  packets: number;
  flows: number;
}

/** tshark's own view of the pcap, per direction, with its CIDR display filters. */
function tsharkTruth(
  pcapPath: string,
): Record<"ingress" | "egress" | "internal" | "transit", Truth> {
  const filters = {
    internal: `ip.src == ${OURS} && ip.dst == ${OURS}`,
    egress: `ip.src == ${OURS} && !(ip.dst == ${OURS})`,
    ingress: `!(ip.src == ${OURS}) && ip.dst == ${OURS}`,
    transit: `!(ip.src == ${OURS}) && !(ip.dst == ${OURS})`,
  };
  const result = {} as Record<keyof typeof filters, Truth>;
  for (const [direction, filter] of Object.entries(filters) as [keyof typeof filters, string][]) {
    const lines = execFileSync(
      "tshark",
      [
        "-r",
        pcapPath,
        "-n",
        "-Y",
        filter,
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "ip.src",
        "-e",
        "ip.dst",
        "-e",
        "ip.proto",
        "-e",
        "tcp.srcport",
        "-e",
        "udp.srcport",
        "-e",
        "tcp.dstport",
        "-e",
        "udp.dstport",
        "-e",
        "icmp.type",
        "-e",
        "ip.len",
      ],
      { encoding: "utf8" },
    )
      .split("\n")
      .filter((line) => line.trim() !== "");
    const keys = new Set<string>();
    let bytes = 0;
    for (const line of lines) {
      const [src, dst, proto, tcpSrc, udpSrc, tcpDst, udpDst, icmpType, length] = line.split("|");
      keys.add([src, dst, proto, tcpSrc, udpSrc, tcpDst, udpDst, icmpType].join("|"));
      bytes += Number(length);
    }
    result[direction] = { bytes, packets: lines.length, flows: keys.size };
  }
  return result;
}

describe.runIf(havePeers)("softflowd -v 5 → tollgate serve", () => {
  let tollgate: RunningTollgate;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-softflowd-"));
    tollgate = await startTollgate({
      config: `inventory:\n  networks:\n    - name: corp\n      cidrs: [${OURS}]\n      tags: { team: infra }\n`,
    });
  });

  afterAll(async () => {
    await tollgate.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it("reports per-direction totals equal to tshark's ground truth, byte for byte", async () => {
    const pcapPath = path.join(workDir, "traffic.pcap");
    writeFileSync(pcapPath, writePcap(makeTraffic(Date.now() - 120_000)));
    const truth = tsharkTruth(pcapPath);
    const expectedFlows = Object.values(truth).reduce((sum, t) => sum + t.flows, 0);
    expect(expectedFlows).toBeGreaterThan(20);
    for (const direction of ["ingress", "egress", "internal", "transit"] as const) {
      expect(truth[direction].bytes, `${direction} has traffic`).toBeGreaterThan(0);
    }

    execFileSync(
      "softflowd",
      ["-r", pcapPath, "-n", `127.0.0.1:${tollgate.netflowPort}`, "-v", "5"],
      {
        timeout: 60_000,
        stdio: "pipe",
      },
    );

    await waitFor(async () => {
      const summary = await getJson<{ total: Truth }>(tollgate.httpUrl, "/api/v1/summary");
      return summary.total.flows >= expectedFlows;
    });

    const cli = await runCli(["summary", "--json", "--server", tollgate.httpUrl]);
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
    const summary = JSON.parse(cli.stdout) as Record<string, Truth> & {
      range: { from: string } | null;
    };
    for (const direction of ["ingress", "egress", "internal", "transit"] as const) {
      expect({ direction, ...summary[direction] }).toEqual({ direction, ...truth[direction] });
    }
    expect(summary.range).not.toBeNull();

    // The top egress talker's bytes also match tshark's per-source sum.
    const top = await getJson<{ rows: { key: string; bytes: number }[] }>(
      tollgate.httpUrl,
      "/api/v1/top?by=src.addr&direction=egress&limit=1",
    );
    const leader = top.rows[0]!;
    const leaderBytes = execFileSync(
      "tshark",
      [
        "-r",
        pcapPath,
        "-n",
        "-Y",
        `ip.src == ${leader.key} && !(ip.dst == ${OURS})`,
        "-T",
        "fields",
        "-e",
        "ip.len",
      ],
      { encoding: "utf8" },
    )
      .split("\n")
      .filter((line) => line !== "")
      .reduce((sum, length) => sum + Number(length), 0);
    expect(leader.bytes).toBe(leaderBytes);

    // Tags of the declared network come through to the top-N by tag.
    const byTeam = await getJson<{ rows: { key: string; bytes: number }[] }>(
      tollgate.httpUrl,
      "/api/v1/top?by=src.tag.team&direction=egress",
    );
    expect(byTeam.rows.map((row) => row.key)).toEqual(["infra"]);
    expect(byTeam.rows[0]!.bytes).toBe(truth.egress.bytes);
  });
});
