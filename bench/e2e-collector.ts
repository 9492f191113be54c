/**
 * End-to-end collector throughput, per flow protocol: the highest record rate `tollgate serve`
 * takes into DuckDB with < 0.1 % loss, replayed over UDP on 127.0.0.1, and in the same run the
 * same load into the C peers (nfdump's `nfcapd` and pmacct's `nfacctd` for NetFlow v5, v9 and
 * IPFIX; `sfcapd` from nfdump-sflow and `sfacctd` for sFlow v5), so each protocol's section
 * ends with Tollgate/peer ratios.
 *
 *   npx tsx bench/e2e-collector.ts [--protocol v5|v9|ipfix|sflow|all] [--quick] [--seconds S]
 *
 * Loads (real exporter output, `shared/corpus/pcap/`, used in place): softflowd's v5, v9 and
 * IPFIX exports of the 30k-flow synthetic trace and pmacct's sFlow v5 export of the same
 * (`export-softflowd-v{5,9,10}-synth30k.pcap`, `export-pmacct-sflow5-synth6k.pcap`), each sent
 * cyclically at a fixed datagram rate for S seconds (default 4) by the shared harness
 * `shared/tools/flowbench/flowbench.py` (C sendmmsg sender). Records per datagram are counted
 * by our own decoder (`createFlowDecoder`, datagrams fed in capture order so templates are
 * learnt; for sFlow, flow samples). Peers are measured by `flowbench.py run PEER`, as in
 * `shared/reference/peer-baselines.md`; Tollgate the same way here: per run a fresh server
 * (temporary data directory, one UDP listener on 127.0.0.1, 64 MiB receive buffer), blast,
 * wait until the stored count stops growing (bounded), stop it by its PID (SIGTERM flushes).
 * Loss = 1 − stored / sent (pmacct: on packets, its rows are aggregated). CPU % = collector
 * CPU-seconds (all threads, children included, from /proc) per second of sending.
 *
 * Two ratios per peer. The loss-free one compares the highest burst rate each takes without
 * loss. A burst lasts S seconds, and Tollgate holds up to `maxPendingBatches` batches in
 * memory while its store catches up, so a rate its store cannot keep pace with still passes
 * when the queue absorbs the burst. The drained one compares stored records per second from
 * the first datagram to drained at those rates: for a collector that kept pace this is about
 * the offered rate; for one that queued, its store's own rate, which is what a load longer
 * than the queue would hold.
 *
 * Each ladder climbs with one run per rate until a rate loses ≥ 0.1 %, then repeats that rate
 * and the last clean one until each has REPEATS runs (stepping up or down when the median
 * disagrees with the first run), so medians are taken where they decide the answer.
 *
 * Without the shared directory (`../shared` beside the checkout or TOLLGATE_SHARED_DIR) only
 * v5 runs, with the demo traffic model encoded by `encodeNetflow5` and a Node sender, and no
 * peer is measured; a peer that is not installed is skipped with a message.
 *
 * Needs root for `net.core.rmem_max` (raised to 64 MiB for the run, restored after); without
 * it the socket buffers stay capped and the figures say so. Tollgate runs from a private
 * compiled build (tsc with tsconfig.build.json into a temporary directory), not from dist/:
 * writing dist/ would make bin/tollgate.js run stale code for everyone else in the checkout.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FlowBatch, textToWords, type InterfaceCounters } from "../src/core/index.ts";
import type { DecodeIssue } from "../src/core/index.ts";
import {
  createCaptureReader,
  createFlowDecoder,
  encodeNetflow5,
  type DecodeOutput,
} from "../src/decoders/index.ts";
import { createRandom, generateFlows } from "../src/services/demo/traffic.ts";
import { repoRoot, which } from "../test/helpers/peers.ts";

// ------------------------------------------------------------- protocols ----

const PROTOCOLS = ["v5", "v9", "ipfix", "sflow"] as const;
type Protocol = (typeof PROTOCOLS)[number];
type Peer = "nfcapd" | "nfacctd" | "sfcapd" | "sfacctd";
type Listener = "netflow" | "ipfix" | "sflow";

interface LadderPlan {
  /** Datagrams/s, climbing. */
  rates: readonly number[];
  /** Bisection steps between the last clean rate of the climb and the first lossy one. */
  refine: number;
}

interface ProtocolSpec {
  protocol: Protocol;
  title: string;
  pcap: string;
  /** The Tollgate listener the load is sent to (its conventional one; any would decode it). */
  listener: Listener;
  tollgate: { full: LadderPlan; quick: LadderPlan };
  peers: readonly { peer: Peer; full: LadderPlan; quick: LadderPlan }[];
}

/**
 * Tollgate's ladders start at ≈ 28k records/s (1,000 v5/v9/IPFIX datagrams/s of ~28 records,
 * 2,000 sFlow datagrams/s of ~9 flow samples), double from 4,000 / 8,000 and then bisect
 * (geometric middle) twice between the last clean rate and the first lossy one, so the answer
 * is within ~19 % wherever the knee is. The first full multi-protocol run (README) put it at
 * 13,000–23,000 datagrams/s (360–640k records/s) for v5/v9/IPFIX and 19,000 for sFlow.
 * Peers' ladders bracket their knees in peer-baselines.md (nfcapd v5 275k datagrams/s, v9 and
 * IPFIX 100k, nfacctd 35k, sfcapd 130k, sfacctd 90k) in ~20 % steps, starting low enough for
 * a noisy VM; they do not bisect (their steps are already as fine as Tollgate's after it has).
 */
const NETFLOW_TOLLGATE = {
  full: { rates: [1_000, 4_000, 8_000, 16_000, 32_000, 64_000], refine: 2 },
  quick: { rates: [1_000, 4_000, 16_000, 64_000], refine: 1 },
};
const NFCAPD_TEMPLATES = {
  full: { rates: [60_000, 80_000, 100_000, 120_000, 140_000], refine: 0 },
  quick: { rates: [80_000, 120_000], refine: 0 },
};
const NFACCTD = {
  full: { rates: [20_000, 25_000, 30_000, 35_000, 40_000, 50_000], refine: 0 },
  quick: { rates: [20_000, 35_000], refine: 0 },
};
const SPECS: Record<Protocol, ProtocolSpec> = {
  v5: {
    protocol: "v5",
    title: "NetFlow v5",
    pcap: "export-softflowd-v5-synth30k.pcap",
    listener: "netflow",
    tollgate: NETFLOW_TOLLGATE,
    peers: [
      {
        peer: "nfcapd",
        full: { rates: [150_000, 200_000, 250_000, 300_000, 350_000], refine: 0 },
        quick: { rates: [200_000, 300_000], refine: 0 },
      },
      { peer: "nfacctd", ...NFACCTD },
    ],
  },
  v9: {
    protocol: "v9",
    title: "NetFlow v9",
    pcap: "export-softflowd-v9-synth30k.pcap",
    listener: "netflow",
    tollgate: NETFLOW_TOLLGATE,
    peers: [
      { peer: "nfcapd", ...NFCAPD_TEMPLATES },
      { peer: "nfacctd", ...NFACCTD },
    ],
  },
  ipfix: {
    protocol: "ipfix",
    title: "IPFIX",
    pcap: "export-softflowd-v10-synth30k.pcap",
    listener: "ipfix",
    tollgate: NETFLOW_TOLLGATE,
    peers: [
      { peer: "nfcapd", ...NFCAPD_TEMPLATES },
      { peer: "nfacctd", ...NFACCTD },
    ],
  },
  sflow: {
    protocol: "sflow",
    title: "sFlow v5",
    pcap: "export-pmacct-sflow5-synth6k.pcap",
    listener: "sflow",
    tollgate: {
      full: { rates: [2_000, 8_000, 16_000, 32_000, 64_000, 128_000], refine: 2 },
      quick: { rates: [2_000, 8_000, 32_000, 128_000], refine: 1 },
    },
    peers: [
      {
        peer: "sfcapd",
        full: { rates: [100_000, 130_000, 160_000, 200_000], refine: 0 },
        quick: { rates: [100_000, 160_000], refine: 0 },
      },
      {
        peer: "sfacctd",
        full: { rates: [75_000, 90_000, 110_000, 130_000], refine: 0 },
        quick: { rates: [60_000, 110_000], refine: 0 },
      },
    ],
  },
};

// --------------------------------------------------------------- options ----

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const quick = process.argv.includes("--quick");
const SEND_SECONDS = Number(option("--seconds") ?? 4);
const protocolArg = option("--protocol") ?? "all";
if (protocolArg !== "all" && !(PROTOCOLS as readonly string[]).includes(protocolArg)) {
  console.error(`--protocol: one of ${PROTOCOLS.join(", ")} or all, not ${protocolArg}`);
  process.exit(2);
}
if (!(SEND_SECONDS > 0 && SEND_SECONDS <= 60)) {
  console.error(`--seconds: a number of seconds in (0, 60], not ${String(option("--seconds"))}`);
  process.exit(2);
}
const SELECTED: readonly Protocol[] = protocolArg === "all" ? PROTOCOLS : [protocolArg as Protocol];
/** Runs per rate where the answer is decided (the last clean rate and the first lossy one). */
const REPEATS = quick ? 1 : 3;
const LOSS_FREE_PCT = 0.1;
/**
 * After the sender stops, how long the stored count may keep growing. Longer than the batch
 * age limit (storage.batchMaxDelayMs, 1 s by default) plus one append; a collector that needs
 * more than this to work off a 4 s burst is not keeping up with the rate.
 */
const DRAIN_MAX_MS = 5_000;
const POLL_MS = 250;
/** How long after its climbing time a ladder may go on repeating the rates that decide it. */
const CONFIRM_GRACE_MS = 45_000;
const STOP_MAX_MS = 5_000;
const RMEM_BYTES = 64 * 1024 * 1024;
/**
 * How long each ladder may climb (its confirmations may take CONFIRM_GRACE_MS more). A run
 * takes about S + 2 s for a peer (flowbench's start, drain and count) and S + 2..7 s for
 * Tollgate (server start, drain ≤ 5 s, stop), so these caps only stop a ladder that went wrong;
 * the ladders' lengths keep a default run of all four protocols near 10 minutes. A fixed cap per
 * ladder, not a share of a global budget, so a slow ladder never starves the next one.
 */
const CLIMB_MAX_MS = quick
  ? { tollgate: 45_000, peer: 20_000 }
  : { tollgate: 100_000, peer: 45_000 };
const CLOCK_TICKS_PER_S = clockTicksPerSecond();

interface Load {
  /** What is sent, for the output. */
  description: string;
  /** The capture the peers are given (undefined: a Node-made load no peer can replay). */
  pcap: string | undefined;
  /** Records in each datagram, in the order the sender sends them (cyclically). */
  recordsPerDatagram: number[];
  /** Sends `rate` datagrams/s for `seconds` to 127.0.0.1:port; resolves with what it sent. */
  send: (port: number, rate: number, seconds: number) => Promise<{ sent: number; seconds: number }>;
}

interface RunResult {
  rate: number;
  sentDatagrams: number;
  sentRecords: number;
  sendSeconds: number;
  storedRecords: number;
  lossPct: number;
  cpuPct: number;
  drainSeconds: number;
  /** Datagrams the kernel dropped on the collector's socket (receive buffer full). */
  socketDrops: number;
  /** Records the collector decoded but dropped (its batch queue was full); 0 for the peers. */
  queueDrops: number;
  drained: boolean;
  /** Tollgate only: where the time went (from /metrics). */
  inside?: Inside;
}

/** Tollgate's own counters over one run, to tell receive-bound from store-bound. */
interface Inside {
  /** Most batches waiting for (or being written to) the store at any poll. */
  pendingBatchesMax: number;
  /** Batches still waiting when the drain wait ended. */
  pendingBatchesEnd: number;
  /** Most bytes waiting in the socket's receive queue at any poll (the receive backlog). */
  socketQueuedBytesMax: number;
  /** Bytes left in the socket's receive queue when the drain wait ended. */
  socketQueuedBytesEnd: number;
  /** Wall seconds spent in store.append() (tollgate_store_append_seconds_sum). */
  appendSeconds: number;
  appendBatches: number;
  /** Records decoded (the receive side's progress) when the drain wait ended. */
  decodedRecords: number;
}

interface RateSummary {
  rate: number;
  offeredRecordsPerS: number;
  lossMedianPct: number;
  lossMinPct: number;
  lossMaxPct: number;
  cpuMedianPct: number;
  drainMedianSeconds: number;
  /** Records stored per second from the first datagram sent until drained (or the bound). */
  processedMedianRecordsPerS: number;
  socketDropsMedian: number;
  runs: RunResult[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100; // USER_HZ is 100 on every Linux architecture we run on.
  }
}

/** Records in `sent` datagrams sent cyclically from the start of `perDatagram`. */
function recordsSent(perDatagram: readonly number[], sent: number): number {
  const cycle = perDatagram.reduce((sum, count) => sum + count, 0);
  const cycles = Math.floor(sent / perDatagram.length);
  let records = cycles * cycle;
  for (let index = 0; index < sent % perDatagram.length; index++) records += perDatagram[index]!;
  return records;
}

// ------------------------------------------------------------------ /proc ----

/** PIDs of a process and its descendants (through /proc/PID/task/PID/children). */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let index = 0; index < pids.length; index++) {
    const current = pids[index]!;
    try {
      const children = readFileSync(`/proc/${current}/task/${current}/children`, "utf8");
      for (const child of children.split(/\s+/)) if (child !== "") pids.push(Number(child));
    } catch {
      // The process ended between listing and reading: it has no children left to count.
    }
  }
  return pids;
}

/** utime + stime (all threads) of a process tree, plus reaped children (cutime + cstime). */
function cpuTicks(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${member}/stat`, "utf8");
      // Fields after the command name (which may contain spaces) start at field 3 (state).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // Ended meanwhile; its time went to its parent's cutime/cstime.
    }
  }
  return ticks;
}

/** Receive-queue bytes and kernel drops of the UDP socket(s) bound to `port`. */
function udpSocketState(port: number): { queuedBytes: number; drops: number } | undefined {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let state: { queuedBytes: number; drops: number } | undefined;
  for (const file of ["/proc/net/udp", "/proc/net/udp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns[1]?.endsWith(portHex) !== true) continue;
      state ??= { queuedBytes: 0, drops: 0 };
      state.queuedBytes += parseInt(columns[4]?.split(":")[1] ?? "0", 16);
      state.drops += Number(columns.at(-1) ?? 0);
    }
  }
  return state;
}

/** A UDP port free on 127.0.0.1 right now (the kernel picks it). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => {
    socket.close(() => {
      resolve();
    });
  });
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- rmem_max ----

const RMEM_MAX_FILE = "/proc/sys/net/core/rmem_max";
let rmemRestore: number | undefined;

/** Raises net.core.rmem_max to 64 MiB as the peers were measured; false when not allowed. */
function raiseRmemMax(): boolean {
  try {
    const current = Number(readFileSync(RMEM_MAX_FILE, "utf8").trim());
    if (current >= RMEM_BYTES) return true;
    writeFileSync(RMEM_MAX_FILE, String(RMEM_BYTES));
    rmemRestore = current;
    return true;
  } catch {
    return false;
  }
}

function restoreRmemMax(): void {
  if (rmemRestore === undefined) return;
  try {
    writeFileSync(RMEM_MAX_FILE, String(rmemRestore));
    rmemRestore = undefined;
  } catch (error) {
    console.error(`could not restore net.core.rmem_max to ${rmemRestore}: ${String(error)}`);
  }
}

// ------------------------------------------------------------------- loads ----

interface Shared {
  flowbench: string;
  pcapDir: string;
}

function sharedHarness(): Shared | undefined {
  const dir = process.env["TOLLGATE_SHARED_DIR"] ?? path.resolve(repoRoot, "../shared");
  const flowbench = path.join(dir, "tools/flowbench/flowbench.py");
  const pcapDir = path.join(dir, "corpus/pcap");
  if (!existsSync(flowbench) || !existsSync(pcapDir)) return undefined;
  return { flowbench, pcapDir };
}

/** Runs `python3 flowbench.py ARGS` and returns the last JSON line it printed. */
function runFlowbench(shared: Shared, args: string[], timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      "python3",
      [shared.flowbench, ...args],
      { timeout: timeoutMs, killSignal: "SIGTERM", maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`flowbench ${args[0] ?? ""} failed: ${error.message} ${stderr}`));
          return;
        }
        const lines = stdout.trim().split("\n");
        resolve(JSON.parse(lines.at(-1) ?? "null"));
      },
    );
  });
}

/**
 * Flows per datagram as Tollgate decodes them, datagrams fed in capture order so a template
 * is learnt before the data it describes (softflowd sends it first); a datagram holding only
 * templates or options counts 0. For sFlow the flows are the flow samples.
 */
function flowsPerDatagram(payloads: readonly Uint8Array[]): number[] {
  const decoder = createFlowDecoder();
  const exporterWords = new Uint32Array(4);
  textToWords("127.0.0.1", exporterWords, 0);
  const counters: InterfaceCounters[] = [];
  const issues: DecodeIssue[] = [];
  const out: DecodeOutput = { flows: new FlowBatch(64), counters, issues };
  return payloads.map((payload) => {
    out.flows.clear();
    counters.length = 0;
    issues.length = 0;
    return decoder.decode(payload, { exporterAddr: "127.0.0.1", exporterWords, receivedMs: 0 }, out)
      .flows;
  });
}

/** A corpus capture replayed by flowbench's sender. */
function corpusLoad(shared: Shared, spec: ProtocolSpec, blaster: "c" | "py"): Load | undefined {
  const pcap = path.join(shared.pcapDir, spec.pcap);
  if (!existsSync(pcap)) return undefined;
  const reader = createCaptureReader();
  const datagrams = reader.push(readFileSync(pcap)).records;
  reader.finish();
  const recordsPerDatagram = flowsPerDatagram(datagrams.map((datagram) => datagram.payload));
  const total = recordsPerDatagram.reduce((sum, count) => sum + count, 0);
  return {
    description: `${spec.pcap} (${datagrams.length} datagrams, ${fmt(total)} ${spec.protocol === "sflow" ? "flow samples" : "records"}, ${(total / datagrams.length).toFixed(2)} per datagram), flowbench blast --blaster ${blaster}`,
    pcap,
    recordsPerDatagram,
    async send(port, rate, seconds) {
      const result = (await runFlowbench(
        shared,
        [
          "blast",
          pcap,
          "--port",
          String(port),
          "--rate",
          String(rate),
          "--seconds",
          String(seconds),
          "--blaster",
          blaster,
        ],
        (seconds * 1.5 + 20) * 1000,
      )) as { sent: number; seconds: number };
      return result;
    },
  };
}

/** Fallback: the demo traffic model as NetFlow v5, sent by a paced Node sender. */
function demoLoad(): Load {
  const random = createRandom(1);
  // 15:00 UTC, the model's daily peak: one minute at 26k flows/minute.
  const fromMs = Date.UTC(2026, 0, 15, 15, 0, 0);
  const flows = generateFlows(random, fromMs, 60_000, 26_000);
  const datagrams = encodeNetflow5(flows, {
    sysUptimeMs: 3_600_000,
    unixSecs: Math.floor((fromMs + 60_000) / 1000),
    unixNsecs: 0,
    flowSequence: 0,
    engineType: 0,
    engineId: 1,
    samplingMode: 0,
    samplingInterval: 0,
  });
  return {
    description: `demo traffic model, encodeNetflow5 (${datagrams.length} datagrams, ${flows.length} records), Node sender`,
    pcap: undefined,
    recordsPerDatagram: flowsPerDatagram(datagrams),
    send: (port, rate, seconds) => nodeSend(datagrams, port, rate, seconds),
  };
}

/** Paced cyclic sender to 127.0.0.1:port, bounded by count (rate × seconds) and wall time. */
async function nodeSend(
  datagrams: readonly Uint8Array[],
  port: number,
  rate: number,
  seconds: number,
): Promise<{ sent: number; seconds: number }> {
  const socket = dgram.createSocket({ type: "udp4", sendBufferSize: 8 << 20 });
  await new Promise<void>((resolve) => {
    socket.connect(port, "127.0.0.1", resolve);
  });
  const total = Math.floor(rate * seconds);
  const hardDeadlineMs = performance.now() + seconds * 1500 + 5000;
  const startMs = performance.now();
  let sent = 0;
  let index = 0;
  let inFlight = 0;
  while (sent < total && performance.now() < hardDeadlineMs) {
    const due = Math.min(total, Math.floor(((performance.now() - startMs) / 1000) * rate) + 1);
    // Bounded in-flight sends keep memory flat when the loop outruns libuv.
    for (; sent < due && inFlight < 1024; sent++) {
      inFlight++;
      socket.send(datagrams[index]!, () => {
        inFlight--;
      });
      index = (index + 1) % datagrams.length;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (inFlight > 0 && performance.now() < hardDeadlineMs) await sleep(1);
  const elapsedSeconds = (performance.now() - startMs) / 1000;
  socket.close();
  return { sent, seconds: elapsedSeconds };
}

// ---------------------------------------------------------------- tollgate ----

/**
 * Compiles the server into a private directory laid out like the package (bin/, dist/,
 * package.json, node_modules linked to the checkout's), so `bin/tollgate.js` runs the build.
 */
function buildTollgate(): string {
  const root = mkdtempSync(path.join(tmpdir(), "tollgate-bench-build-"));
  execFileSync(
    process.execPath,
    [
      path.join(repoRoot, "node_modules/typescript/bin/tsc"),
      "-p",
      path.join(repoRoot, "tsconfig.build.json"),
      "--outDir",
      path.join(root, "dist"),
    ],
    { stdio: "inherit" },
  );
  mkdirSync(path.join(root, "bin"));
  copyFileSync(path.join(repoRoot, "bin/tollgate.js"), path.join(root, "bin/tollgate.js"));
  copyFileSync(path.join(repoRoot, "package.json"), path.join(root, "package.json"));
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(root, "node_modules"));
  return root;
}

const started = new Set<ChildProcess>();

/** Ends a process this benchmark started: SIGTERM, then SIGKILL after `graceMs`. */
async function stopProcess(child: ChildProcess, graceMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) {
    started.delete(child);
    return true;
  }
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
  child.kill("SIGTERM");
  const graceful = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!graceful) {
    child.kill("SIGKILL");
    await exited;
  }
  started.delete(child);
  return graceful;
}

interface CollectorStats {
  datagrams: number;
  records: number;
  decodeIssues: number;
  stored: number;
  dropped: number;
}

async function fetchStats(httpUrl: string): Promise<CollectorStats> {
  const response = await fetch(`${httpUrl}/api/v1/status`, { signal: AbortSignal.timeout(3000) });
  const body = (await response.json()) as { collector: CollectorStats };
  return body.collector;
}

interface StoreMetrics {
  pendingBatches: number;
  appendSeconds: number;
  appendBatches: number;
}

/** The three /metrics series that say whether the store keeps up; zeros when absent. */
async function fetchStoreMetrics(httpUrl: string): Promise<StoreMetrics> {
  const response = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
  const text = await response.text();
  const value = (name: string): number => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, "m").exec(text);
    return match?.[1] === undefined ? 0 : Number(match[1]);
  };
  return {
    pendingBatches: value("tollgate_pipeline_pending_batches"),
    appendSeconds: value("tollgate_store_append_seconds_sum"),
    appendBatches: value("tollgate_store_append_seconds_count"),
  };
}

interface Serving {
  child: ChildProcess;
  pid: number;
  httpUrl: string;
  port: number;
  log: () => string;
}

/** `tollgate serve` with one UDP listener (`listener`) on 127.0.0.1 and every other one off. */
async function startServe(build: string, workDir: string, listener: Listener): Promise<Serving> {
  const configPath = path.join(workDir, "tollgate.yaml");
  const source = (kind: Listener): string =>
    `  ${kind}:\n    listen: [${kind === listener ? '"127.0.0.1:0"' : ""}]\n    receiveBufferBytes: ${RMEM_BYTES}\n`;
  writeFileSync(
    configPath,
    `sources:\n${source("netflow")}${source("ipfix")}    tcpListen: []\n${source("sflow")}`,
  );
  const child = spawn(
    process.execPath,
    [
      path.join(build, "bin/tollgate.js"),
      "serve",
      "--config",
      configPath,
      "--data-dir",
      path.join(workDir, "data"),
      "--http-listen",
      "127.0.0.1:0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  started.add(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // Start-up is not measured; at load average 11 on the 2 cores, loading the address registry
  // and migrating a new store took more than 15 s (2026-11-22). The listeners open before the
  // registry has loaded (serve answers at once and enriches once it has), so the load waits for
  // it too. Before, each run's start overlapped the registry load on the receive thread (0.1 s
  // from its snapshot, about 4 s when it parses the CSVs) and the AS names being written on the
  // store thread (about 0.7 s).
  const deadlineMs = performance.now() + 60_000;
  const enriched = /AS names written to the store|address registry not loaded|AS names not written/;
  const listening = new RegExp(`^\\s*${listener} \\(udp\\)\\s+127\\.0\\.0\\.1:(\\d+)`, "m");
  while (performance.now() < deadlineMs && child.exitCode === null) {
    const http = /dashboard and API\s+(http:\/\/[\d.]+:\d+)/.exec(output);
    const udp = listening.exec(output);
    if (
      http?.[1] !== undefined &&
      udp?.[1] !== undefined &&
      enriched.test(output) &&
      child.pid !== undefined
    ) {
      return { child, pid: child.pid, httpUrl: http[1], port: Number(udp[1]), log: () => output };
    }
    await sleep(50);
  }
  await stopProcess(child, 1000);
  throw new Error(`tollgate serve did not start:\n${output}`);
}

async function runTollgate(
  build: string,
  load: Load,
  listener: Listener,
  rate: number,
): Promise<RunResult> {
  const workDir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-e2e-"));
  try {
    const server = await startServe(build, workDir, listener);
    try {
      await fetchStats(server.httpUrl);
      const metrics0 = await fetchStoreMetrics(server.httpUrl);
      const drops0 = udpSocketState(server.port)?.drops ?? 0;
      const cpu0 = cpuTicks(server.pid);
      let pendingBatchesMax = 0;
      let socketQueuedBytesMax = 0;
      // Pending batches sampled while sending too: a queue that fills and empties again
      // within the burst shows only here. Two polls a second cost the server little.
      const sampling = { on: true };
      const sampler = (async () => {
        while (sampling.on) {
          await sleep(POLL_MS * 2);
          const sample = await fetchStoreMetrics(server.httpUrl).catch(() => undefined);
          if (sample !== undefined) {
            pendingBatchesMax = Math.max(pendingBatchesMax, sample.pendingBatches);
          }
          const queued = udpSocketState(server.port)?.queuedBytes ?? 0;
          socketQueuedBytesMax = Math.max(socketQueuedBytesMax, queued);
        }
      })();
      const { sent, seconds } = await load.send(server.port, rate, SEND_SECONDS).finally(() => {
        sampling.on = false;
      });
      await sampler;
      const sentAtMs = performance.now();
      // Drained: nothing queued in the socket, every decoded record stored or dropped, and
      // nothing moved since the previous poll. Bounded by DRAIN_MAX_MS.
      let previous = await fetchStats(server.httpUrl);
      let drained = false;
      while (performance.now() - sentAtMs < DRAIN_MAX_MS) {
        await sleep(POLL_MS);
        const [now, store] = await Promise.all([
          fetchStats(server.httpUrl),
          fetchStoreMetrics(server.httpUrl),
        ]);
        pendingBatchesMax = Math.max(pendingBatchesMax, store.pendingBatches);
        const queued = udpSocketState(server.port)?.queuedBytes ?? 0;
        socketQueuedBytesMax = Math.max(socketQueuedBytesMax, queued);
        const settled =
          queued === 0 &&
          now.datagrams === previous.datagrams &&
          now.stored === previous.stored &&
          now.stored + now.dropped === now.records;
        previous = now;
        if (settled) {
          drained = true;
          break;
        }
      }
      const drainSeconds = (performance.now() - sentAtMs) / 1000;
      const cpu1 = cpuTicks(server.pid);
      const socket1 = udpSocketState(server.port);
      const metrics1 = await fetchStoreMetrics(server.httpUrl);
      const sentRecords = recordsSent(load.recordsPerDatagram, sent);
      return {
        rate,
        sentDatagrams: sent,
        sentRecords,
        sendSeconds: seconds,
        storedRecords: previous.stored,
        lossPct: sentRecords === 0 ? 0 : 100 * (1 - previous.stored / sentRecords),
        cpuPct: (100 * (cpu1 - cpu0)) / CLOCK_TICKS_PER_S / seconds,
        drainSeconds,
        socketDrops: (socket1?.drops ?? drops0) - drops0,
        queueDrops: previous.dropped,
        drained,
        inside: {
          pendingBatchesMax,
          pendingBatchesEnd: metrics1.pendingBatches,
          socketQueuedBytesMax,
          socketQueuedBytesEnd: socket1?.queuedBytes ?? 0,
          appendSeconds: metrics1.appendSeconds - metrics0.appendSeconds,
          appendBatches: metrics1.appendBatches - metrics0.appendBatches,
          decodedRecords: previous.records,
        },
      };
    } finally {
      // A server that kept up stops in well under a second; one still working off a backlog
      // flushes it all on SIGTERM, which the figures no longer need.
      await stopProcess(server.child, STOP_MAX_MS);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------- peers ----

interface FlowbenchRun {
  sent_datagrams: number;
  sent_records: number;
  send_seconds: number;
  stored_records: number;
  loss_pct: number | null;
  cpu_pct_during_send: number;
  drain_seconds: number;
  kernel_rcvbuf_errors: number;
}

/** One `flowbench.py run PEER`, as peer-baselines.md measured them. */
async function runPeer(
  shared: Shared,
  peer: Peer,
  pcap: string,
  blaster: "c" | "py",
  rate: number,
): Promise<RunResult> {
  const port = await freeUdpPort();
  const result = (await runFlowbench(
    shared,
    [
      "run",
      peer,
      pcap,
      "--rate",
      String(rate),
      "--seconds",
      String(SEND_SECONDS),
      "--port",
      String(port),
      "--rmem",
      String(RMEM_BYTES),
      "--blaster",
      blaster,
    ],
    (SEND_SECONDS * 1.5 + 60) * 1000,
  )) as FlowbenchRun;
  const lossPct = result.loss_pct ?? 100;
  // pmacct's print plugin aggregates on the 5-tuple, so flowbench compares packet sums; the
  // records it stored are stated as the same share of the records sent.
  const pmacct = peer === "nfacctd" || peer === "sfacctd";
  return {
    rate,
    sentDatagrams: result.sent_datagrams,
    sentRecords: result.sent_records,
    sendSeconds: result.send_seconds,
    storedRecords: pmacct
      ? Math.round(result.sent_records * (1 - lossPct / 100))
      : result.stored_records,
    lossPct,
    cpuPct: result.cpu_pct_during_send,
    drainSeconds: result.drain_seconds,
    // flowbench reports the host-wide RcvbufErrors delta; nothing else receives UDP here.
    socketDrops: result.kernel_rcvbuf_errors,
    queueDrops: 0,
    drained: true,
  };
}

// ------------------------------------------------------------------ ladder ----

function summarize(rate: number, runs: RunResult[]): RateSummary {
  const losses = runs.map((result) => result.lossPct);
  return {
    rate,
    offeredRecordsPerS: median(runs.map((result) => result.sentRecords / result.sendSeconds)),
    lossMedianPct: median(losses),
    lossMinPct: Math.min(...losses),
    lossMaxPct: Math.max(...losses),
    cpuMedianPct: median(runs.map((result) => result.cpuPct)),
    drainMedianSeconds: median(runs.map((result) => result.drainSeconds)),
    processedMedianRecordsPerS: median(
      runs.map((result) => result.storedRecords / (result.sendSeconds + result.drainSeconds)),
    ),
    socketDropsMedian: median(runs.map((result) => result.socketDrops)),
    runs,
  };
}

/** Rounds a rate to two significant digits (11,314 → 11,000), as a ladder rung would be. */
function roundRate(rate: number): number {
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(rate)) - 1);
  return Math.round(rate / unit) * unit;
}

/**
 * Finds the highest clean rate (median loss < LOSS_FREE_PCT) with as few runs as the answer
 * needs. Climb `plan.rates` with one run each until one is lossy (when the first one is, halve
 * it, twice at most); bisect `plan.refine` times
 * (geometric middle, one run each) between the last clean rate and the first lossy one; then
 * confirm: bring the lossy rate to REPEATS runs if its loss was borderline (< 1 %: a single big
 * loss is taken as it is) and climb on if its median is clean after all; bring the clean rate
 * to REPEATS runs and step down to the next lower rate tried while its median is lossy. So the
 * reported rate rests on a median of REPEATS runs, at a fraction of the cost of repeating every
 * rung. Climbing stops at `deadlineMs`; confirming may run CONFIRM_GRACE_MS longer.
 */
async function ladder(
  name: string,
  plan: LadderPlan,
  run: (rate: number) => Promise<RunResult>,
  deadlineMs: number,
): Promise<RateSummary[]> {
  const runs = new Map<number, RunResult[]>();
  const budget = { spent: false };
  /** Runs `rate` until it has `count` runs; false when the time ran out first. */
  const ensureRuns = async (rate: number, count: number, untilMs: number): Promise<boolean> => {
    const done = runs.get(rate) ?? [];
    runs.set(rate, done);
    while (done.length < count) {
      if (performance.now() > untilMs) {
        if (!budget.spent) {
          console.log(`  ${name}: time cap reached, stopping at ${fmt(rate)} datagrams/s`);
        }
        budget.spent = true;
        return false;
      }
      const result = await run(rate);
      done.push(result);
      console.log(`  ${name} ${fmt(rate)} dgram/s run ${done.length}: ${describeRun(result)}`);
    }
    return true;
  };
  const lossy = (rate: number): boolean =>
    median((runs.get(rate) ?? []).map((result) => result.lossPct)) >= LOSS_FREE_PCT;
  const tried = (): number[] =>
    [...runs.entries()]
      .filter(([, done]) => done.length > 0)
      .map(([rate]) => rate)
      .sort((a, b) => a - b);
  const confirmUntilMs = deadlineMs + CONFIRM_GRACE_MS;

  let clean: number | undefined;
  let firstLossy: number | undefined;
  // Each pass either ends or moves `clean` up past a confirmed rate, so passes are few.
  for (let pass = 0; pass < plan.rates.length + plan.refine + 1; pass++) {
    for (const rate of plan.rates) {
      if (clean !== undefined && rate <= clean) continue;
      if (firstLossy !== undefined && rate >= firstLossy) break;
      if (!(await ensureRuns(rate, 1, deadlineMs))) break;
      if (lossy(rate)) {
        firstLossy = rate;
        break;
      }
      clean = rate;
    }
    // The first rung lost already (a busy machine moves knees): halve, twice at most.
    for (let step = 0; step < 2 && clean === undefined && firstLossy !== undefined; step++) {
      const lower = roundRate(firstLossy / 2);
      if (runs.has(lower) || !(await ensureRuns(lower, 1, deadlineMs))) break;
      if (lossy(lower)) firstLossy = lower;
      else clean = lower;
    }
    for (let step = 0; step < plan.refine && !budget.spent; step++) {
      if (clean === undefined || firstLossy === undefined) break;
      const middle = roundRate(Math.sqrt(clean * firstLossy));
      if (middle <= clean || middle >= firstLossy || runs.has(middle)) break;
      if (!(await ensureRuns(middle, 1, deadlineMs))) break;
      if (lossy(middle)) firstLossy = middle;
      else clean = middle;
    }
    if (REPEATS > 1 && firstLossy !== undefined) {
      const borderline = Math.min(...(runs.get(firstLossy) ?? []).map((r) => r.lossPct)) < 1;
      if (borderline && (await ensureRuns(firstLossy, REPEATS, confirmUntilMs))) {
        if (!lossy(firstLossy)) {
          clean = firstLossy;
          firstLossy = tried().find((rate) => rate > firstLossy! && lossy(rate));
          if (!budget.spent) continue;
        }
      }
    }
    while (REPEATS > 1 && clean !== undefined) {
      if (!(await ensureRuns(clean, REPEATS, confirmUntilMs)) || !lossy(clean)) break;
      firstLossy = clean;
      clean = tried()
        .filter((rate) => rate < firstLossy!)
        .at(-1);
    }
    break;
  }
  return tried().map((rate) => summarize(rate, runs.get(rate)!));
}

function describeRun(result: RunResult): string {
  const inside = result.inside;
  const store =
    inside === undefined
      ? ""
      : `, socket queue max ${mib(inside.socketQueuedBytesMax)} MiB, pending batches max ${inside.pendingBatchesMax} (end ${inside.pendingBatchesEnd}), store.append ${inside.appendSeconds.toFixed(1)} s in ${inside.appendBatches} batches`;
  return (
    `sent ${fmt(result.sentRecords)} records in ${result.sendSeconds.toFixed(2)} s, stored ${fmt(result.storedRecords)}, ` +
    `loss ${result.lossPct.toFixed(3)} %, socket drops ${fmt(result.socketDrops)} datagrams, queue drops ${fmt(result.queueDrops)} records, ` +
    `CPU ${result.cpuPct.toFixed(0)} %, drain ${result.drainSeconds.toFixed(1)} s${result.drained ? "" : " (not drained)"}${store}`
  );
}

const fmt = (value: number): string => Math.round(value).toLocaleString("en-US");
const mib = (bytes: number): string => (bytes / (1 << 20)).toFixed(1);

/** Collector CPU time per record offered (CPU % counts CPU-seconds per second of sending). */
const cpuMicrosPerRecord = (row: RateSummary): number =>
  ((row.cpuMedianPct / 100) * 1e6) / row.offeredRecordsPerS;

/** The highest rate whose median loss is clean, among rates with `minRuns` runs or more. */
function lossFreeRow(summaries: readonly RateSummary[], minRuns: number): RateSummary | undefined {
  return summaries
    .filter((row) => row.lossMedianPct < LOSS_FREE_PCT && row.runs.length >= minRuns)
    .reduce<RateSummary | undefined>(
      (best, row) => (best === undefined || row.rate > best.rate ? row : best),
      undefined,
    );
}

function printTable(name: string, summaries: readonly RateSummary[]): RateSummary | undefined {
  console.log(`\n${name}`);
  console.log(
    "  dgram/s   records/s offered   runs   loss % median [min..max]   CPU %   drain s   stored/s to drained   socket drops (dgrams)",
  );
  for (const row of summaries) {
    const loss = `${row.lossMedianPct.toFixed(3)} [${row.lossMinPct.toFixed(3)}..${row.lossMaxPct.toFixed(3)}]`;
    console.log(
      `  ${fmt(row.rate).padStart(7)}   ${fmt(row.offeredRecordsPerS).padStart(17)}   ${String(row.runs.length).padStart(4)}   ${loss.padStart(24)}   ${row.cpuMedianPct.toFixed(0).padStart(5)}   ${row.drainMedianSeconds.toFixed(1).padStart(7)}   ${fmt(row.processedMedianRecordsPerS).padStart(19)}   ${fmt(row.socketDropsMedian).padStart(8)}`,
    );
  }
  // A rate counts only with its full REPEATS runs; with fewer (time ran out) say so.
  const confirmed = lossFreeRow(summaries, REPEATS);
  const single = lossFreeRow(summaries, 1);
  const lossFree = confirmed ?? single;
  console.log(
    lossFree === undefined
      ? `  loss-free (median < ${LOSS_FREE_PCT} %): none of the rates tried`
      : `  loss-free (median < ${LOSS_FREE_PCT} %${confirmed === undefined ? `, ${lossFree.runs.length} run(s) only` : ""}): ${fmt(lossFree.offeredRecordsPerS)} records/s (${fmt(lossFree.rate)} datagrams/s, CPU ${lossFree.cpuMedianPct.toFixed(0)} %, ${cpuMicrosPerRecord(lossFree).toFixed(2)} CPU µs/record); stored ${fmt(lossFree.processedMedianRecordsPerS)} records/s from first datagram to drained`,
  );
  return lossFree;
}

/**
 * Where Tollgate's time went at the first rate it could not take (or the highest it took), from
 * its own counters. A backlog in the socket (kernel queue growing, drops) means the main thread
 * did not read fast enough; batches piling up for the store, records dropped at the full batch
 * queue, or store.append() busy most of the wall time mean the store paces it. Both can show at
 * once because the batch's conversion runs on the main thread: while it converts, the socket
 * fills. The store's share of the wall time then tells which stage sets the pace.
 */
function whereTimeGoes(summaries: readonly RateSummary[]): string | undefined {
  const firstLossy = summaries.find((row) => row.lossMedianPct >= LOSS_FREE_PCT);
  const row = firstLossy ?? summaries.at(-1);
  if (row === undefined) return undefined;
  const runs = row.runs.filter((result) => result.inside !== undefined);
  if (runs.length === 0) return undefined;
  const pick = (value: (result: RunResult, inside: Inside) => number): number =>
    median(runs.map((result) => value(result, result.inside!)));
  const socketDrops = pick((result) => result.socketDrops);
  const queueDrops = pick((result) => result.queueDrops);
  const pendingMax = pick((_, inside) => inside.pendingBatchesMax);
  const pendingEnd = pick((_, inside) => inside.pendingBatchesEnd);
  const queuedMax = pick((_, inside) => inside.socketQueuedBytesMax);
  const queuedEnd = pick((_, inside) => inside.socketQueuedBytesEnd);
  const wallSeconds = (result: RunResult): number => result.sendSeconds + result.drainSeconds;
  const storeBusyPct = pick((result, inside) => (100 * inside.appendSeconds) / wallSeconds(result));
  const decodedPerS = pick((result, inside) => inside.decodedRecords / wallSeconds(result));
  const appendMicros = pick((result, inside) =>
    result.storedRecords === 0 ? 0 : (1e6 * inside.appendSeconds) / result.storedRecords,
  );
  // A quarter of the 64 MiB buffer is ~12k datagrams: seconds of backlog, not jitter.
  const receiveBehind = socketDrops > 0 || queuedEnd > 0 || queuedMax >= RMEM_BYTES / 4;
  const storeBehind = queueDrops > 0 || pendingEnd > 0 || pendingMax >= 4;
  const storePaces = storeBusyPct >= 80;
  const facts =
    `socket drops ${fmt(socketDrops)} datagrams, socket queue max ${mib(queuedMax)} MiB (end ${mib(queuedEnd)}), ` +
    `batch queue drops ${fmt(queueDrops)} records, pending batches max ${pendingMax} (end ${pendingEnd}), ` +
    `store.append() busy ${storeBusyPct.toFixed(0)} % of the wall time (${appendMicros.toFixed(1)} µs/record stored), ` +
    `decoded ${fmt(decodedPerS)} records/s, CPU ${row.cpuMedianPct.toFixed(0)} %`;
  let verdict: string;
  if (row.lossMedianPct < LOSS_FREE_PCT) {
    verdict = `no loss at the top of the ladder: the limit lies above it${storePaces ? " (the store is already busy most of the time)" : ""}`;
  } else if (storeBehind || storePaces) {
    verdict = `store-bound: ${storeBehind ? "batches waited for the store" : "store.append() ran most of the time"}${receiveBehind ? ", and the socket backed up meanwhile (conversion shares the main thread)" : ""}`;
  } else if (receiveBehind) {
    verdict =
      "receive-bound: the socket backed up while the store had time to spare (decode and batching on the main thread)";
  } else {
    verdict = "neither queue backed up: the loss is records still in flight at the drain bound";
  }
  return `  where the time goes at ${fmt(row.rate)} datagrams/s (${firstLossy === undefined ? "highest rate tried" : "first lossy rate"}, median of ${runs.length}): ${facts}\n  → ${verdict}`;
}

// -------------------------------------------------------------------- main ----

interface ProtocolOutcome {
  spec: ProtocolSpec;
  tollgate: RateSummary | undefined;
  peers: { peer: Peer; lossFree: RateSummary | undefined }[];
  limit: string | undefined;
}

function peerInstalled(peer: Peer): boolean {
  // nfcapd/sfcapd results are counted with nfdump.
  const counter = peer === "nfcapd" || peer === "sfcapd" ? which("nfdump") !== undefined : true;
  return which(peer) !== undefined && counter;
}

const PEER_PACKAGES: Record<Peer, string> = {
  nfcapd: "nfdump",
  sfcapd: "nfdump-sflow",
  nfacctd: "pmacct",
  sfacctd: "pmacct",
};

async function benchProtocol(
  spec: ProtocolSpec,
  build: string,
  shared: Shared | undefined,
  blaster: "c" | "py",
): Promise<ProtocolOutcome | undefined> {
  console.log(`\n================ ${spec.title} ================`);
  const load =
    shared !== undefined
      ? corpusLoad(shared, spec, blaster)
      : spec.protocol === "v5"
        ? demoLoad()
        : undefined;
  if (load === undefined) {
    console.log(`no load for ${spec.title} (needs the shared corpus): skipped`);
    return undefined;
  }
  console.log(`load: ${load.description}`);
  const peers = spec.peers.filter(({ peer }) => {
    if (shared === undefined || load.pcap === undefined) return false;
    if (peerInstalled(peer)) return true;
    console.log(`${peer} not installed (Debian package ${PEER_PACKAGES[peer]}): not measured`);
    return false;
  });

  console.log(`\ntollgate serve (${spec.listener} listener)`);
  const tollgateRows = await ladder(
    "tollgate",
    quick ? spec.tollgate.quick : spec.tollgate.full,
    (rate) => runTollgate(build, load, spec.listener, rate),
    performance.now() + CLIMB_MAX_MS.tollgate,
  );
  const peerRows: { peer: Peer; rows: RateSummary[] }[] = [];
  for (const entry of peers) {
    const peer = entry.peer;
    console.log(`\n${peer} (flowbench.py run ${peer})`);
    const rows = await ladder(
      peer,
      quick ? entry.quick : entry.full,
      (rate) => runPeer(shared!, peer, load.pcap!, blaster, rate),
      performance.now() + CLIMB_MAX_MS.peer,
    );
    peerRows.push({ peer, rows });
  }

  const tollgate = printTable(`${spec.title}: tollgate serve → DuckDB`, tollgateRows);
  const limit = whereTimeGoes(tollgateRows);
  if (limit !== undefined) console.log(limit);
  const outcome: ProtocolOutcome = { spec, tollgate, peers: [], limit };
  for (const { peer, rows } of peerRows) {
    const store = peer === "nfcapd" || peer === "sfcapd" ? "nfdump files" : "print plugin, 5-tuple";
    const lossFree = printTable(`${spec.title}: ${peer} → ${store}`, rows);
    outcome.peers.push({ peer, lossFree });
  }
  console.log("");
  for (const { peer, lossFree } of outcome.peers) {
    if (tollgate === undefined || lossFree === undefined) {
      console.log(
        `ratio tollgate / ${peer}: undefined (a collector had no loss-free rate in its ladder)`,
      );
      continue;
    }
    console.log(
      `ratio tollgate / ${peer} (loss-free records/s): ${(tollgate.offeredRecordsPerS / lossFree.offeredRecordsPerS).toFixed(3)}` +
        ` (${fmt(tollgate.offeredRecordsPerS)} / ${fmt(lossFree.offeredRecordsPerS)}); CPU ${tollgate.cpuMedianPct.toFixed(0)} % / ${lossFree.cpuMedianPct.toFixed(0)} %, ` +
        `CPU per record ${(cpuMicrosPerRecord(tollgate) / cpuMicrosPerRecord(lossFree)).toFixed(0)}x ${peer}'s`,
    );
    console.log(
      `ratio tollgate / ${peer} (stored records/s, first datagram to drained, at those rates): ${drainedRatio(tollgate, lossFree)}` +
        ` (${fmt(tollgate.processedMedianRecordsPerS)} / ${fmt(lossFree.processedMedianRecordsPerS)})`,
    );
  }
  if (peers.length === 0) console.log("no peer measured: no ratio");
  return outcome;
}

/** Stored records/s from the first datagram to drained, Tollgate over the peer. */
function drainedRatio(tollgate: RateSummary, peer: RateSummary): string {
  return (tollgate.processedMedianRecordsPerS / peer.processedMedianRecordsPerS).toFixed(3);
}

function printSummary(outcomes: readonly ProtocolOutcome[]): void {
  console.log(
    `\n================ summary: loss-free records/s (median < ${LOSS_FREE_PCT} % loss), CPU % at that rate ================`,
  );
  const cell = (row: RateSummary | undefined): string =>
    row === undefined ? "–" : `${fmt(row.offeredRecordsPerS)} (${row.cpuMedianPct.toFixed(0)} %)`;
  for (const outcome of outcomes) {
    const parts = [`tollgate ${cell(outcome.tollgate)}`];
    for (const { peer, lossFree } of outcome.peers) {
      const ratio =
        outcome.tollgate === undefined || lossFree === undefined
          ? "–"
          : `${(outcome.tollgate.offeredRecordsPerS / lossFree.offeredRecordsPerS).toFixed(3)} (drained ${drainedRatio(outcome.tollgate, lossFree)})`;
      parts.push(`${peer} ${cell(lossFree)}, ratio ${ratio}`);
    }
    console.log(`  ${outcome.spec.title.padEnd(10)} ${parts.join("; ")}`);
  }
}

async function main(): Promise<void> {
  const startMs = performance.now();
  const shared = sharedHarness();
  const python = which("python3") !== undefined;
  const blaster: "c" | "py" = which("gcc") === undefined ? "py" : "c";
  const useShared = shared !== undefined && python ? shared : undefined;
  if (useShared === undefined) {
    console.log(
      "shared harness absent (../shared or TOLLGATE_SHARED_DIR with tools/flowbench and the corpus, and python3): v5 only, Node sender, demo traffic, no peer measured",
    );
  }
  const rmemRaised = raiseRmemMax();
  console.log(
    `e2e collector: ${SELECTED.map((protocol) => SPECS[protocol].title).join(", ")} over UDP on 127.0.0.1, ${SEND_SECONDS} s per run, ${REPEATS} run(s) at the deciding rates${quick ? " (--quick)" : ""}`,
  );
  console.log(
    rmemRaised
      ? `net.core.rmem_max: ${RMEM_BYTES} during the run (64 MiB socket buffers, as the peer baselines)`
      : "net.core.rmem_max could not be raised (not root?): socket buffers are capped, loss comes sooner",
  );

  console.log("building tollgate (tsc, tsconfig.build.json) into a private directory…");
  const build = buildTollgate();
  console.log(`build: ${build}`);
  const outcomes: ProtocolOutcome[] = [];
  try {
    for (const protocol of SELECTED) {
      const outcome = await benchProtocol(SPECS[protocol], build, useShared, blaster);
      if (outcome !== undefined) outcomes.push(outcome);
    }
    printSummary(outcomes);
    console.log(`\ntotal ${((performance.now() - startMs) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

async function cleanUp(): Promise<void> {
  await Promise.all([...started].map((child) => stopProcess(child, 2000)));
  restoreRmemMax();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} finally {
  await cleanUp();
}
