import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Direction } from "../../src/core/index.ts";
import { DIRECTIONS, parseIpv4ToU32, parseIpv6Groups } from "../../src/core/index.ts";
import { pcapFile } from "./pcap-writer.ts";
import { repoRoot } from "./peers.ts";
import { getJson, runCli } from "./tollgate.ts";

/**
 * Helpers for the end-to-end tests against real exporters (softflowd, pmacctd, fprobe): a
 * dual-stack pcap writer and deterministic traffic across declared networks, tshark's ground
 * truth per direction, Tollgate's totals through its CLI (also for a Tollgate running inside a
 * network namespace), child processes ended by PID, and veth-joined namespace pairs.
 */

/** Bytes, packets and flows of one direction, as `tollgate summary --json` reports them. */
export interface Totals {
  bytes: number;
  packets: number;
  flows: number;
}

export type DirectionTotals = Record<Direction, Totals>;

/** The prefixes a test declares as its network ("ours"); everything else is outside. */
export interface Inside {
  v4: string;
  v6?: string;
}

/** The pcap tests' network: 10.0.0.0/8 and fd10::/16. */
export const PCAP_INSIDE: Inside = { v4: "10.0.0.0/8", v6: "fd10::/16" };

/** Tollgate config declaring the inside prefixes as one network tagged team=infra. */
export function networksConfig(inside: Inside): string {
  const cidrs = inside.v6 === undefined ? inside.v4 : `${inside.v4}, ${inside.v6}`;
  return `inventory:\n  networks:\n    - name: corp\n      cidrs: [${cidrs}]\n      tags: { team: infra }\n`;
}

/** IANA protocol numbers the writer knows: TCP, UDP, ICMP, ICMPv6. */
export type WireProtocol = 6 | 17 | 1 | 58;

export interface DualStackPacket {
  timeMs: number;
  /** IPv4 or IPv6 text; src and dst must be the same version. */
  src: string;
  dst: string;
  protocol: WireProtocol;
  /** Ports for TCP/UDP; ICMP type and code for ICMP/ICMPv6. */
  srcPort: number;
  dstPort: number;
  /**
   * Whole IP packet length, header included (IPv4 total length; IPv6 40 + payload length),
   * which is what flow exporters count as the packet's octets. Clamped to fit the headers and
   * a 1500-byte MTU.
   */
  ipLength: number;
  /** TCP flags for TCP packets (PSH|ACK when absent). */
  tcpFlags?: number;
}

function sum16(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let index = start; index < end; index += 2) {
    sum += ((bytes[index] ?? 0) << 8) | (index + 1 < end ? (bytes[index + 1] ?? 0) : 0);
  }
  return sum;
}

function fold(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) folded = (folded & 0xffff) + (folded >>> 16);
  return ~folded & 0xffff;
}

function ipv6Bytes(text: string): Uint8Array {
  const groups = parseIpv6Groups(text);
  if (groups === undefined) throw new Error(`not an IPv6 address: ${text}`);
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >>> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** One Ethernet frame carrying the packet, with valid IP and transport checksums. */
function encodeFrame(packet: DualStackPacket): Uint8Array {
  const v6 = packet.src.includes(":");
  if (v6 !== packet.dst.includes(":")) {
    throw new Error(`mixed IP versions: ${packet.src} → ${packet.dst}`);
  }
  const ipHeader = v6 ? 40 : 20;
  const transportHeader = packet.protocol === 6 ? 20 : 8;
  const ipLength = Math.max(ipHeader + transportHeader, Math.min(1500, packet.ipLength));
  const frame = new Uint8Array(14 + ipLength);
  const view = new DataView(frame.buffer);
  frame.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1], 0);
  view.setUint16(12, v6 ? 0x86dd : 0x0800);
  const ip = 14;
  const l4 = ip + ipHeader;
  const l4Length = ipLength - ipHeader;
  let pseudo = 0;
  if (v6) {
    view.setUint32(ip, 0x60000000);
    view.setUint16(ip + 4, l4Length);
    frame[ip + 6] = packet.protocol;
    frame[ip + 7] = 64;
    frame.set(ipv6Bytes(packet.src), ip + 8);
    frame.set(ipv6Bytes(packet.dst), ip + 24);
    // RFC 8200 §8.1: the upper-layer checksum covers a pseudo-header of addresses, length, next header.
    pseudo = sum16(frame, ip + 8, ip + 40) + l4Length + packet.protocol;
  } else {
    frame[ip] = 0x45;
    view.setUint16(ip + 2, ipLength);
    view.setUint16(ip + 4, 1);
    frame[ip + 8] = 64;
    frame[ip + 9] = packet.protocol;
    view.setUint32(ip + 12, parseIpv4ToU32(packet.src));
    view.setUint32(ip + 16, parseIpv4ToU32(packet.dst));
    view.setUint16(ip + 10, fold(sum16(frame, ip, ip + 20)));
    // RFC 793/768: TCP and UDP checksums include the IPv4 pseudo-header; ICMP's does not.
    if (packet.protocol !== 1) pseudo = sum16(frame, ip + 12, ip + 20) + l4Length + packet.protocol;
  }
  let checksumAt: number;
  if (packet.protocol === 1 || packet.protocol === 58) {
    frame[l4] = packet.srcPort; // type
    frame[l4 + 1] = packet.dstPort; // code
    view.setUint16(l4 + 4, 0x1234); // echo identifier
    checksumAt = l4 + 2;
  } else {
    view.setUint16(l4, packet.srcPort);
    view.setUint16(l4 + 2, packet.dstPort);
    if (packet.protocol === 17) {
      view.setUint16(l4 + 4, l4Length);
      checksumAt = l4 + 6;
    } else {
      view.setUint32(l4 + 4, 1);
      frame[l4 + 12] = 0x50;
      frame[l4 + 13] = packet.tcpFlags ?? 0x18;
      view.setUint16(l4 + 14, 65535);
      checksumAt = l4 + 16;
    }
  }
  let checksum = fold(sum16(frame, l4, l4 + l4Length, pseudo));
  // RFC 768: a computed UDP checksum of zero is sent as all ones (zero means "none").
  if (checksum === 0 && packet.protocol === 17) checksum = 0xffff;
  view.setUint16(checksumAt, checksum);
  return frame;
}

/** A classic pcap file (Ethernet link type) of IPv4 and IPv6 packets, in the given order. */
export function writeDualStackPcap(packets: readonly DualStackPacket[]): Uint8Array {
  const frames = packets.map((packet) => ({ timeMs: packet.timeMs, frame: encodeFrame(packet) }));
  return pcapFile(frames);
}

type Conversation = readonly [client: string, server: string, WireProtocol, serverPort: number];

/** Conversations across PCAP_INSIDE's IPv4 prefix: internal, egress (replies ingress), ingress (replies egress), transit. */
const IPV4_CONVERSATIONS: readonly Conversation[] = [
  ["10.1.0.5", "10.2.0.9", 6, 5432],
  ["10.1.0.6", "10.2.0.9", 6, 5432],
  ["10.1.0.5", "151.101.1.69", 6, 443],
  ["10.1.0.7", "142.250.74.46", 6, 443],
  ["10.1.0.8", "9.9.9.9", 17, 53],
  ["81.2.69.160", "10.3.0.10", 6, 443],
  ["176.31.84.249", "10.3.0.11", 17, 51820],
  ["5.6.7.8", "9.9.9.9", 17, 53],
  ["24.1.2.3", "104.16.1.1", 6, 443],
  ["10.1.0.5", "1.1.1.1", 1, 0],
];

/** The same shapes across PCAP_INSIDE's IPv6 prefix. */
const IPV6_CONVERSATIONS: readonly Conversation[] = [
  ["fd10:1::5", "fd10:2::9", 6, 5432],
  ["fd10:1::5", "2a00:1450:4007:80f::200e", 6, 443],
  ["fd10:1::8", "2606:4700:4700::1111", 17, 53],
  ["2001:67c:2e8:22::c100:68b", "fd10:3::10", 6, 22],
  ["2001:4860:4860::8888", "2a00:1450:4001::1", 17, 53],
  ["fd10:1::5", "2606:4700:4700::1001", 58, 0],
];

export interface TrafficOptions {
  startMs: number;
  ipv4?: boolean;
  ipv6?: boolean;
  /** Request/response exchanges per conversation: uniform in [min, max]. */
  exchanges?: readonly [min: number, max: number];
  seed?: number;
}

/**
 * Deterministic request/response traffic in both directions across the declared networks,
 * IPv4 and/or IPv6: every direction (ingress, egress, internal, transit) carries traffic.
 * ICMP conversations are echo request (type 8 / 128) and reply (0 / 129).
 */
export function makeDualStackTraffic(options: TrafficOptions): DualStackPacket[] {
  const [minExchanges, maxExchanges] = options.exchanges ?? [3, 22];
  let seed = options.seed ?? 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const conversations = [
    ...(options.ipv4 === false ? [] : IPV4_CONVERSATIONS),
    ...(options.ipv6 === true ? IPV6_CONVERSATIONS : []),
  ];
  const packets: DualStackPacket[] = [];
  let timeMs = options.startMs;
  conversations.forEach(([client, server, protocol, serverPort], index) => {
    const icmp = protocol === 1 || protocol === 58;
    const request = protocol === 58 ? 128 : 8;
    const reply = protocol === 58 ? 129 : 0;
    const clientPort = 40000 + index;
    const exchanges = minExchanges + Math.floor(random() * (maxExchanges - minExchanges + 1));
    for (let exchange = 0; exchange < exchanges; exchange++) {
      timeMs += 1 + Math.floor(random() * 40);
      packets.push({
        timeMs,
        src: client,
        dst: server,
        protocol,
        srcPort: icmp ? request : clientPort,
        dstPort: icmp ? 0 : serverPort,
        ipLength: 60 + Math.floor(random() * 300),
      });
      timeMs += 1 + Math.floor(random() * 40);
      packets.push({
        timeMs,
        src: server,
        dst: client,
        protocol,
        srcPort: icmp ? reply : serverPort,
        dstPort: icmp ? 0 : clientPort,
        ipLength: 60 + Math.floor(random() * 1440),
      });
    }
  });
  return packets;
}

/** How ground truth counts a packet's bytes. */
export type ByteMeasure =
  /** IP packet length: IPv4 total length, IPv6 payload length + 40 (NetFlow/IPFIX octets). */
  | "ip"
  /** Captured Ethernet frame length + 4 FCS octets (sFlow frame_length as pmacct's sfprobe reports it). */
  | "frame-with-fcs";

export interface GroundTruth {
  directions: DirectionTotals;
  /** Squared byte sizes summed per direction, for the variance of sampled estimates. */
  bytesSquared: Record<Direction, number>;
  /** Bytes per source address (as tshark prints it) per direction. */
  bytesBySource: Record<Direction, Map<string, number>>;
}

/**
 * tshark display filters per direction: tshark's own CIDR matching, independent of Tollgate's
 * classifier. Transit is restricted to IP so that non-IP frames of a live capture stay out.
 */
export function directionFilters(inside: Inside): Record<Direction, string> {
  const ours = (side: "src" | "dst"): string =>
    inside.v6 === undefined
      ? `(ip.${side} == ${inside.v4})`
      : `(ip.${side} == ${inside.v4} || ipv6.${side} == ${inside.v6})`;
  return {
    internal: `${ours("src")} && ${ours("dst")}`,
    egress: `${ours("src")} && !${ours("dst")}`,
    ingress: `!${ours("src")} && ${ours("dst")}`,
    transit: `(ip || ipv6) && !${ours("src")} && !${ours("dst")}`,
  };
}

/**
 * tshark's view of a capture per direction: bytes, packets and unidirectional flows (keyed by
 * addresses, protocol, ports, ICMP type and code, as the exporters key them). `extraFilter`
 * narrows the packets counted (e.g. to the protocols an exporter is told to see).
 */
export function tsharkTruth(
  pcapPath: string,
  options: { inside: Inside; bytes?: ByteMeasure; extraFilter?: string },
): GroundTruth {
  const measure = options.bytes ?? "ip";
  const filters = directionFilters(options.inside);
  const directions = {} as DirectionTotals;
  const bytesSquared = {} as Record<Direction, number>;
  const bytesBySource = {} as Record<Direction, Map<string, number>>;
  for (const direction of DIRECTIONS) {
    const filter =
      options.extraFilter === undefined
        ? filters[direction]
        : `(${filters[direction]}) && (${options.extraFilter})`;
    const fields = [
      "ip.src",
      "ipv6.src",
      "ip.dst",
      "ipv6.dst",
      "ip.proto",
      "ipv6.nxt",
      "tcp.srcport",
      "udp.srcport",
      "icmp.type",
      "icmpv6.type",
      "tcp.dstport",
      "udp.dstport",
      "icmp.code",
      "icmpv6.code",
      "ip.len",
      "ipv6.plen",
      "frame.len",
    ];
    const output = execFileSync(
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
        "-E",
        "occurrence=f",
        ...fields.flatMap((field) => ["-e", field]),
      ],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
    );
    const keys = new Set<string>();
    let bytes = 0;
    let squares = 0;
    let packets = 0;
    const bySource = new Map<string, number>();
    for (const line of output.split("\n")) {
      if (line.trim() === "") continue;
      const column = line.split("|");
      const at = (index: number): string => column[index] ?? "";
      packets++;
      keys.add(
        [
          at(0) + at(1),
          at(2) + at(3),
          at(4) + at(5),
          at(6) + at(7) + at(8) + at(9),
          at(10) + at(11) + at(12) + at(13),
        ].join("|"),
      );
      const ipBytes = at(14) !== "" ? Number(at(14)) : Number(at(15)) + 40;
      const size = measure === "ip" ? ipBytes : Number(at(16)) + 4;
      bytes += size;
      squares += size * size;
      const source = at(0) + at(1);
      bySource.set(source, (bySource.get(source) ?? 0) + size);
    }
    directions[direction] = { bytes, packets, flows: keys.size };
    bytesSquared[direction] = squares;
    bytesBySource[direction] = bySource;
  }
  return { directions, bytesSquared, bytesBySource };
}

/** Sum of the four directions. */
export function totalOf(directions: DirectionTotals): Totals {
  return DIRECTIONS.reduce(
    (sum, direction) => ({
      bytes: sum.bytes + directions[direction].bytes,
      packets: sum.packets + directions[direction].packets,
      flows: sum.flows + directions[direction].flows,
    }),
    { bytes: 0, packets: 0, flows: 0 },
  );
}

/** Where a Tollgate answers: its HTTP URL and, when it runs in one, its network namespace. */
export interface TollgateEndpoint {
  httpUrl: string;
  netns?: string;
  output(): string;
}

/** `ip netns exec NS` prefix, or nothing for the root namespace. */
function inNetns(netns: string | undefined, command: string, args: readonly string[]): string[] {
  return netns === undefined
    ? [command, ...args]
    : ["ip", "netns", "exec", netns, command, ...args];
}

/** Runs a command (in a namespace, if given) to completion, bounded; rejects on failure. */
function runBounded(
  argv: readonly string[],
  timeoutMs: number,
  options: { cwd?: string } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    if (command === undefined) throw new Error("empty command");
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      signalChild(child, "SIGKILL");
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${argv.join(" ")} exited ${code ?? signal}: ${stderr}`));
    });
  });
}

/** GETs JSON from a Tollgate; inside a namespace through a node process started there. */
export async function fetchJson<T>(endpoint: TollgateEndpoint, route: string): Promise<T> {
  if (endpoint.netns === undefined) return getJson<T>(endpoint.httpUrl, route);
  const script =
    "fetch(process.argv[1]).then(async (r) => { const t = await r.text();" +
    " if (!r.ok) { process.stderr.write(r.status + ' ' + t); process.exit(1); }" +
    " process.stdout.write(t); }).catch((e) => { process.stderr.write(String(e)); process.exit(1); })";
  const { stdout } = await runBounded(
    inNetns(endpoint.netns, process.execPath, ["-e", script, `${endpoint.httpUrl}${route}`]),
    10_000,
  );
  return JSON.parse(stdout) as T;
}

/** Per-direction totals from `tollgate summary --json --server URL` (the user's view). */
export async function cliSummary(endpoint: TollgateEndpoint): Promise<DirectionTotals> {
  const args = ["summary", "--json", "--server", endpoint.httpUrl];
  let stdout: string;
  if (endpoint.netns === undefined) {
    const cli = await runCli(args);
    if (cli.code !== 0 || cli.stderr !== "") {
      throw new Error(`tollgate summary failed (${cli.code}): ${cli.stderr}`);
    }
    stdout = cli.stdout;
  } else {
    const tollgate = path.join(repoRoot, "bin", "tollgate.js");
    const cli = await runBounded(
      inNetns(endpoint.netns, process.execPath, [tollgate, ...args]),
      60_000,
      { cwd: repoRoot },
    );
    if (cli.stderr !== "") throw new Error(`tollgate summary wrote to stderr: ${cli.stderr}`);
    stdout = cli.stdout;
  }
  const summary = JSON.parse(stdout) as Record<string, Totals>;
  const result = {} as DirectionTotals;
  for (const direction of DIRECTIONS) {
    const totals = summary[direction];
    if (totals === undefined) throw new Error(`summary has no ${direction}: ${stdout}`);
    result[direction] = { bytes: totals.bytes, packets: totals.packets, flows: totals.flows };
  }
  return result;
}

async function storedTotal(endpoint: TollgateEndpoint): Promise<Totals> {
  return (await fetchJson<{ total: Totals }>(endpoint, "/api/v1/summary")).total;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Waits until Tollgate's stored totals have stopped moving for `quietMs` and, when `packets`
 * is given, reached at least that many packets (so late duplicates would still show up in
 * the comparison that follows). Bounded by `timeoutMs` and never throws on timeout: the exact
 * comparison that follows reports what is missing.
 */
export async function settle(
  endpoint: TollgateEndpoint,
  options: { packets?: number; quietMs?: number; timeoutMs?: number } = {},
): Promise<Totals> {
  const deadlineMs = Date.now() + (options.timeoutMs ?? 20_000);
  const quietMs = options.quietMs ?? 1_000;
  const wanted = options.packets ?? 1;
  let last = await storedTotal(endpoint);
  let lastChangeMs = Date.now();
  for (;;) {
    if (last.packets >= wanted && Date.now() - lastChangeMs >= quietMs) return last;
    if (Date.now() > deadlineMs) return last;
    await sleep(200);
    const next = await storedTotal(endpoint);
    if (next.packets !== last.packets || next.flows !== last.flows) lastChangeMs = Date.now();
    last = next;
  }
}

/** Collector counters and the server's log tail, for failure messages. */
export async function diagnostics(endpoint: TollgateEndpoint): Promise<string> {
  let status: string;
  try {
    status = JSON.stringify(await fetchJson<unknown>(endpoint, "/api/v1/status"));
  } catch (error) {
    status = `unavailable: ${String(error)}`;
  }
  return `tollgate status: ${status}\ntollgate output:\n${endpoint.output().slice(-4000)}`;
}

/** Tollgate's top source address of a direction by bytes: `/api/v1/top?by=src.addr&limit=1`. */
export async function topSource(
  endpoint: TollgateEndpoint,
  direction: Direction,
): Promise<{ key: string; bytes: number } | undefined> {
  const top = await fetchJson<{ rows: (Totals & { key: string })[] }>(
    endpoint,
    `/api/v1/top?by=src.addr&direction=${direction}&limit=1`,
  );
  const row = top.rows[0];
  return row === undefined ? undefined : { key: row.key, bytes: row.bytes };
}

/** The source address with the most bytes in a tshark per-source map. */
export function busiestSource(bySource: Map<string, number>): { key: string; bytes: number } {
  let best = { key: "", bytes: -1 };
  for (const [key, bytes] of bySource) if (bytes > best.bytes) best = { key, bytes };
  return best;
}

/** The row of `/api/v1/top?by=src.addr` for one source address, zero when absent. */
export async function sourceTotals(
  endpoint: TollgateEndpoint,
  direction: Direction,
  srcAddr: string,
): Promise<Totals> {
  const top = await fetchJson<{ rows: (Totals & { key: string })[] }>(
    endpoint,
    `/api/v1/top?by=src.addr&direction=${direction}&limit=1000`,
  );
  const row = top.rows.find((candidate) => candidate.key === srcAddr);
  return { bytes: row?.bytes ?? 0, packets: row?.packets ?? 0, flows: row?.flows ?? 0 };
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started child: its process, its output so far, and a promise of its exit. */
export interface TrackedProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<ExitResult>;
}

/**
 * The children a test starts, so that afterEach/afterAll can end them by PID (SIGTERM, then
 * SIGKILL after a grace period) even when an assertion failed half way.
 */
export interface ProcessSet {
  start(command: string, args: readonly string[], options?: { cwd?: string }): TrackedProcess;
  /** Starts a command and waits for it to exit (killed with SIGKILL after `timeoutMs`). */
  run(command: string, args: readonly string[], timeoutMs: number): Promise<ExitResult>;
  /** Sends `signal` to one tracked child and waits for it to exit (SIGKILL after `graceMs`). */
  stop(target: TrackedProcess, signal?: NodeJS.Signals, graceMs?: number): Promise<ExitResult>;
  stopAll(): Promise<void>;
}

/** Waits until a tracked process prints a line matching `pattern` (bounded); throws otherwise. */
export async function waitForOutput(
  tracked: TrackedProcess,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!pattern.test(tracked.output())) {
    if (tracked.child.exitCode !== null || tracked.child.signalCode !== null) {
      throw new Error(`exited before printing ${String(pattern)}:\n${tracked.output()}`);
    }
    if (Date.now() > deadlineMs) {
      throw new Error(`no ${String(pattern)} within ${timeoutMs} ms:\n${tracked.output()}`);
    }
    await sleep(50);
  }
}

/** Signals one child by its PID unless it has already exited (then there is nothing to end). */
function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(child.pid, signal);
  } catch (error) {
    // ESRCH: it exited between the check and the signal, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

export function createProcessSet(): ProcessSet {
  const running = new Set<TrackedProcess>();
  const start = (
    command: string,
    args: readonly string[],
    options: { cwd?: string } = {},
  ): TrackedProcess => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const tracked: TrackedProcess = {
      child,
      output: () => stdout + stderr,
      exited: new Promise<ExitResult>((resolve) => {
        child.on("error", (error) => {
          stderr += `spawn failed: ${error.message}\n`;
          resolve({ code: null, signal: null, stdout, stderr });
        });
        child.on("close", (code, signal) => {
          running.delete(tracked);
          resolve({ code, signal, stdout, stderr });
        });
      }),
    };
    running.add(tracked);
    return tracked;
  };
  const stop = async (
    tracked: TrackedProcess,
    signal: NodeJS.Signals = "SIGTERM",
    graceMs = 5_000,
  ): Promise<ExitResult> => {
    signalChild(tracked.child, signal);
    const timer = setTimeout(() => {
      signalChild(tracked.child, "SIGKILL");
    }, graceMs);
    const result = await tracked.exited;
    clearTimeout(timer);
    return result;
  };
  return {
    start,
    stop,
    async run(command, args, timeoutMs) {
      const tracked = start(command, args);
      const timer = setTimeout(() => {
        signalChild(tracked.child, "SIGKILL");
      }, timeoutMs);
      const result = await tracked.exited;
      clearTimeout(timer);
      return result;
    },
    async stopAll() {
      await Promise.all([...running].map((tracked) => stop(tracked)));
    },
  };
}

/** Two network namespaces joined by a veth pair, one /30 between them. */
export interface NetnsPair {
  a: string;
  b: string;
  /** The veth ends: ifA lives in namespace a, ifB in namespace b. */
  ifA: string;
  ifB: string;
  addrA: string;
  addrB: string;
}

function ip(args: readonly string[]): void {
  execFileSync("ip", args, { stdio: "pipe", timeout: 10_000 });
}

/**
 * True when this process may create network namespaces (root, `ip` present, a kernel and
 * container that allow it): creates and removes a throwaway namespace.
 */
export function netnsUsable(): boolean {
  const probe = `tgprobe${process.pid}`;
  try {
    ip(["netns", "add", probe]);
    ip(["netns", "del", probe]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates namespaces `${tag}a` and `${tag}b` joined by veth `${tag}a0`/`${tag}b0` with
 * 10.213.x.1/30 and 10.213.x.2/30 (x from the tag, so parallel runs do not share names).
 * Loopback is up in both. Nothing is added to the root namespace.
 */
export function createNetnsPair(tag: string, subnet: number): NetnsPair {
  const pair: NetnsPair = {
    a: `${tag}a`,
    b: `${tag}b`,
    ifA: `${tag}a0`,
    ifB: `${tag}b0`,
    addrA: `10.213.${subnet}.1`,
    addrB: `10.213.${subnet}.2`,
  };
  try {
    ip(["netns", "add", pair.a]);
    ip(["netns", "add", pair.b]);
    ip([
      "link",
      "add",
      pair.ifA,
      "netns",
      pair.a,
      "type",
      "veth",
      "peer",
      "name",
      pair.ifB,
      "netns",
      pair.b,
    ]);
    for (const [ns, dev, addr] of [
      [pair.a, pair.ifA, pair.addrA],
      [pair.b, pair.ifB, pair.addrB],
    ] as const) {
      ip(["-n", ns, "link", "set", "lo", "up"]);
      ip(["-n", ns, "addr", "add", `${addr}/30`, "dev", dev]);
      ip(["-n", ns, "link", "set", dev, "up"]);
    }
  } catch (error) {
    deleteNetnsPair(pair);
    throw error;
  }
  return pair;
}

/** Removes both namespaces (which removes the veth pair); safe to call twice. */
export function deleteNetnsPair(pair: NetnsPair): void {
  for (const ns of [pair.a, pair.b]) {
    try {
      ip(["netns", "del", ns]);
    } catch {
      // Already gone (or never created): nothing to remove.
    }
  }
}

/** A `tollgate serve` running inside a network namespace, on that namespace's loopback. */
export interface NamespacedTollgate extends TollgateEndpoint {
  netns: string;
  netflowPort: number;
  stop(): Promise<ExitResult>;
}

/**
 * Starts `tollgate serve` inside `netns` (`ip netns exec` replaces itself with node, so the
 * tracked PID is the server's). The namespace is fresh, so fixed ports are free. Waits until
 * /healthz answers (bounded, 60 s).
 */
export async function startTollgateInNetns(
  processes: ProcessSet,
  netns: string,
  options: { config: string },
): Promise<NamespacedTollgate> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-netns-"));
  const configPath = path.join(dataDir, "tollgate.yaml");
  writeFileSync(configPath, options.config);
  const httpUrl = "http://127.0.0.1:18080";
  const netflowPort = 2055;
  const server = processes.start(
    "ip",
    [
      "netns",
      "exec",
      netns,
      process.execPath,
      path.join(repoRoot, "bin", "tollgate.js"),
      "serve",
      "--data-dir",
      dataDir,
      "--config",
      configPath,
      "--http-listen",
      "127.0.0.1:18080",
      "--netflow-listen",
      `127.0.0.1:${netflowPort}`,
      "--ipfix-listen",
      "127.0.0.1:4739",
      "--ipfix-tcp-listen",
      "127.0.0.1:4739",
      "--sflow-listen",
      "127.0.0.1:6343",
    ],
    { cwd: repoRoot },
  );
  const endpoint: NamespacedTollgate = {
    httpUrl,
    netns,
    netflowPort,
    output: () => server.output(),
    async stop() {
      const result = await processes.stop(server, "SIGTERM", 30_000);
      rmSync(dataDir, { recursive: true, force: true });
      return result;
    },
  };
  const deadlineMs = Date.now() + 60_000;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`tollgate serve in ${netns} exited before it was ready:\n${server.output()}`);
    }
    try {
      await fetchJson<unknown>(endpoint, "/healthz");
      return endpoint;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadlineMs) {
      await endpoint.stop();
      throw new Error(`tollgate serve in ${netns} not ready in 60 s:\n${server.output()}`);
    }
    await sleep(250);
  }
}
