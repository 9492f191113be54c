import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cliSummary,
  createNetnsPair,
  createProcessSet,
  deleteNetnsPair,
  diagnostics,
  netnsUsable,
  networksConfig,
  settle,
  startTollgateInNetns,
  totalOf,
  tsharkTruth,
  waitForOutput,
  type NamespacedTollgate,
  type NetnsPair,
} from "../helpers/exporters.ts";
import { isRoot, peerAvailable, which } from "../helpers/peers.ts";

/**
 * A live capture exporter end to end: fprobe (Debian, NetFlow v5 only: `-n` accepts 1, 5 or 7)
 * captures one end of a veth pair between two network namespaces this test creates, while
 * bounded traffic (ping, UDP request/response, TCP transfers of fixed sizes) runs between them.
 * tcpdump captures the same interface in the same window; tshark's totals per direction over
 * that capture are the ground truth, and Tollgate's must equal them exactly.
 *
 * Where Tollgate runs: inside the exporter's namespace (`ip netns exec A node bin/tollgate.js
 * serve`), on that namespace's loopback. A namespace cannot reach the root namespace's
 * 127.0.0.1, and the alternative (a third veth end with an address in the root namespace)
 * would change the host's own interfaces and routes; this way nothing is added outside the two
 * namespaces, and deleting them removes everything. Queries run inside A too (the CLI and a
 * small fetch through `ip netns exec`).
 *
 * Namespace A (10.213.x.1) is "ours", B (10.213.x.2) is outside: A → B is egress, B → A is
 * ingress, and nothing is internal or transit.
 *
 * Measured here: fprobe 1.1 exports every flow exactly when a collector listens. (Sniffing its
 * export with nothing bound to the port loses about half of the records: its socket is
 * connected, so each ICMP port-unreachable makes the next send fail with ECONNREFUSED.)
 */
const canRun =
  peerAvailable("root (network namespaces and capture)", isRoot) &&
  peerAvailable("ip netns (iproute2, and a kernel that allows namespaces)", netnsUsable()) &&
  peerAvailable("fprobe (apt-get install fprobe)", which("fprobe") !== undefined) &&
  peerAvailable("tcpdump (apt-get install tcpdump)", which("tcpdump") !== undefined) &&
  peerAvailable("tshark (apt-get install tshark)", which("tshark") !== undefined);

const UDP_PORT = 5353;
const TCP_PORT = 8080;
const UDP_QUERIES = 25;
const TCP_TRANSFERS = 2;
const TCP_UPLOAD_BYTES = 20_000;
const TCP_REPLY_BYTES = 5_000;

/** Servers in B: UDP echo (half-size replies) and TCP (read the upload, send the reply). */
const SERVERS_SCRIPT = `
const dgram = require("node:dgram");
const net = require("node:net");
const [udpPort, tcpPort, uploadBytes, replyBytes, lifetimeMs] = process.argv.slice(1).map(Number);
const udp = dgram.createSocket("udp4");
udp.on("message", (message, peer) => {
  udp.send(message.subarray(0, Math.max(1, message.length >> 1)), peer.port, peer.address);
});
const tcp = net.createServer((socket) => {
  let received = 0;
  socket.on("data", (chunk) => {
    received += chunk.length;
    if (received >= uploadBytes) socket.end(Buffer.alloc(replyBytes, 7));
  });
  socket.on("error", () => socket.destroy());
});
let bound = 0;
const ready = () => { if (++bound === 2) console.log("ready"); };
udp.bind(udpPort, ready);
tcp.listen(tcpPort, ready);
setTimeout(() => { udp.close(); tcp.close(); process.exit(0); }, lifetimeMs).unref();
setInterval(() => {}, 1000);
`;

/** Client in A: UDP queries from distinct sockets, then TCP transfers; exits when done. */
const CLIENT_SCRIPT = `
const dgram = require("node:dgram");
const net = require("node:net");
const [host, udpPort, queries, tcpPort, transfers, uploadBytes, replyBytes] = process.argv.slice(1);
(async () => {
  let udpReplies = 0;
  for (let index = 0; index < Number(queries); index++) {
    const socket = dgram.createSocket("udp4");
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      socket.once("message", () => { udpReplies++; clearTimeout(timer); resolve(); });
      socket.send(Buffer.alloc(60 + index * 17, 1), Number(udpPort), host);
    });
    socket.close();
  }
  let tcpBytes = 0;
  for (let index = 0; index < Number(transfers); index++) {
    await new Promise((resolve, reject) => {
      const socket = net.connect(Number(tcpPort), host, () => socket.write(Buffer.alloc(Number(uploadBytes), 3)));
      socket.on("data", (chunk) => { tcpBytes += chunk.length; });
      socket.on("end", () => { socket.end(); resolve(); });
      socket.on("error", reject);
      socket.setTimeout(10000, () => reject(new Error("tcp timeout")));
    });
  }
  console.log(JSON.stringify({ udpReplies, tcpBytes }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe.runIf(canRun)("fprobe live in a network namespace → tollgate serve", () => {
  const processes = createProcessSet();
  const tag = `tg${process.pid % 100_000}`;
  const subnet = (process.pid % 250) + 1;
  let workDir: string;
  let pair: NetnsPair | undefined;
  let tollgate: NamespacedTollgate | undefined;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-fprobe-"));
    pair = createNetnsPair(tag, subnet);
    tollgate = await startTollgateInNetns(processes, pair.a, {
      config: networksConfig({ v4: `${pair.addrA}/32` }),
    });
  });

  afterAll(async () => {
    // Each step runs even if an earlier one failed: processes by PID, then the namespaces.
    try {
      await tollgate?.stop();
    } finally {
      try {
        await processes.stopAll();
      } finally {
        if (pair !== undefined) deleteNetnsPair(pair);
        rmSync(workDir, { recursive: true, force: true });
      }
    }
  });

  it("reports ingress and egress totals equal to a tcpdump of the same interface", async () => {
    const { a, b, ifA, addrA, addrB } = pair!;
    const endpoint = tollgate!;
    const inA = (command: string, args: readonly string[]) => [
      "netns",
      "exec",
      a,
      command,
      ...args,
    ];
    const inB = (command: string, args: readonly string[]) => [
      "netns",
      "exec",
      b,
      command,
      ...args,
    ];

    const truthPath = path.join(workDir, "truth.pcap");
    const tcpdump = processes.start(
      "ip",
      inA("tcpdump", ["-i", ifA, "-n", "-U", "--immediate-mode", "-w", truthPath, "ip"]),
    );
    await waitForOutput(tcpdump, /listening on/);

    // -n 5: NetFlow v5; -s 1: scan every second; -d 2: a flow idle for 2 s is exported (our
    // conversations never pause that long); -e 60: no active-timeout split within the test;
    // -q 65536: a deep pending queue; -l 2: log to stdout, which keeps fprobe in the
    // foreground so its PID is ours; -f ip: IPv4 only, as NetFlow v5 carries only IPv4.
    const fprobe = processes.start(
      "ip",
      inA("fprobe", [
        "-i",
        ifA,
        "-p",
        "-n",
        "5",
        "-s",
        "1",
        "-d",
        "2",
        "-e",
        "60",
        "-q",
        "65536",
        "-l",
        "2",
        "-f",
        "ip",
        `127.0.0.1:${endpoint.netflowPort}`,
      ]),
    );
    await waitForOutput(fprobe, /collector #1/);

    const servers = processes.start(
      "ip",
      inB(process.execPath, [
        "-e",
        SERVERS_SCRIPT,
        String(UDP_PORT),
        String(TCP_PORT),
        String(TCP_UPLOAD_BYTES),
        String(TCP_REPLY_BYTES),
        "45000",
      ]),
    );
    await waitForOutput(servers, /ready/);

    const pingOut = await processes.run(
      "ip",
      inA("ping", ["-c", "10", "-i", "0.05", "-W", "1", addrB]),
      20_000,
    );
    expect(pingOut.code, pingOut.stdout + pingOut.stderr).toBe(0);
    const pingIn = await processes.run(
      "ip",
      inB("ping", ["-c", "10", "-i", "0.05", "-W", "1", addrA]),
      20_000,
    );
    expect(pingIn.code, pingIn.stdout + pingIn.stderr).toBe(0);
    const client = await processes.run(
      "ip",
      inA(process.execPath, [
        "-e",
        CLIENT_SCRIPT,
        addrB,
        String(UDP_PORT),
        String(UDP_QUERIES),
        String(TCP_PORT),
        String(TCP_TRANSFERS),
        String(TCP_UPLOAD_BYTES),
        String(TCP_REPLY_BYTES),
      ]),
      30_000,
    );
    expect(client.code, client.stderr).toBe(0);
    expect(JSON.parse(client.stdout)).toEqual({
      udpReplies: UDP_QUERIES,
      tcpBytes: TCP_TRANSFERS * TCP_REPLY_BYTES,
    });

    // tcpdump in immediate mode writes each packet as it comes; give the last ones a moment
    // to be written before stopping it (SIGTERM: it then closes the file properly).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await processes.stop(tcpdump);
    const truth = tsharkTruth(truthPath, { inside: { v4: `${addrA}/32` } }).directions;
    // Pings (request + reply flows each way), UDP queries and TCP transfers, both directions.
    expect(truth.egress.flows).toBe(2 + UDP_QUERIES + TCP_TRANSFERS);
    expect(truth.ingress.flows).toBe(2 + UDP_QUERIES + TCP_TRANSFERS);

    // First through fprobe's own idle expiry, then SIGTERM, which exports the whole cache.
    await settle(endpoint, { packets: totalOf(truth).packets, timeoutMs: 20_000 });
    const fprobeExit = await processes.stop(fprobe, "SIGTERM", 10_000);
    expect(fprobeExit.stdout).toMatch(/Emitting flows cache/);
    await settle(endpoint, { packets: totalOf(truth).packets, quietMs: 1_500, timeoutMs: 10_000 });

    const summary = await cliSummary(endpoint);
    const report = await diagnostics(endpoint);
    expect({ direction: "egress", ...summary.egress }, report).toEqual({
      direction: "egress",
      ...truth.egress,
    });
    expect({ direction: "ingress", ...summary.ingress }, report).toEqual({
      direction: "ingress",
      ...truth.ingress,
    });
    expect(summary.internal).toEqual({ bytes: 0, packets: 0, flows: 0 });
    expect(summary.transit).toEqual({ bytes: 0, packets: 0, flows: 0 });
  });
});
