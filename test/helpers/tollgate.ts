import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { encodeNetflow5 } from "../../src/decoders/index.ts";
import { createRandom, generateFlows } from "../../src/services/demo/traffic.ts";
import { repoRoot } from "./peers.ts";

/** A free TCP port on loopback (bound then released; good enough for tests run one at a time). */
export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** A free UDP port on loopback. */
export async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const port = socket.address().port;
      socket.close(() => {
        resolve(port);
      });
    });
  });
}

export interface RunningTollgate {
  httpUrl: string;
  netflowPort: number;
  /** UDP IPFIX, TCP IPFIX and UDP sFlow ports (127.0.0.1). Any flow protocol decodes on any port. */
  ipfixPort: number;
  ipfixTcpPort: number;
  sflowPort: number;
  dataDir: string;
  process: ChildProcess;
  output(): string;
  /** Stops with SIGTERM (graceful: flushes), waits for the exit, removes the temp data dir. */
  stop(options?: { keepDataDir?: boolean }): Promise<number | null>;
}

/** Runs the `tollgate` command (through bin/tollgate.js) and collects its output. */
export async function runCli(
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    timeoutMs?: number;
    uid?: number;
    gid?: number;
  } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, "bin", "tollgate.js"), ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`tollgate ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts a real `tollgate serve` as a child process on free loopback ports with a fresh data
 * directory (and the given YAML config, if any), and waits until /healthz answers.
 */
export async function startTollgate(
  options: { config?: string; dataDir?: string; extraArgs?: readonly string[] } = {},
): Promise<RunningTollgate> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "tollgate-test-"));
  const httpPort = await freeTcpPort();
  const netflowPort = await freeUdpPort();
  const ipfixPort = await freeUdpPort();
  const ipfixTcpPort = await freeTcpPort();
  const sflowPort = await freeUdpPort();
  const args = [
    path.join(repoRoot, "bin", "tollgate.js"),
    "serve",
    "--data-dir",
    dataDir,
    "--http-listen",
    `127.0.0.1:${httpPort}`,
    "--netflow-listen",
    `127.0.0.1:${netflowPort}`,
    "--ipfix-listen",
    `127.0.0.1:${ipfixPort}`,
    "--ipfix-tcp-listen",
    `127.0.0.1:${ipfixTcpPort}`,
    "--sflow-listen",
    `127.0.0.1:${sflowPort}`,
  ];
  if (options.config !== undefined) {
    const configPath = path.join(dataDir, "tollgate.yaml");
    writeFileSync(configPath, options.config);
    args.push("--config", configPath);
  }
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      resolve(code);
    });
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadlineMs = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `tollgate serve exited with ${child.exitCode} before it was ready:\n${output}`,
      );
    }
    try {
      const response = await fetch(`${httpUrl}/healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadlineMs) {
      child.kill("SIGKILL");
      throw new Error(`tollgate serve did not become ready in 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    httpUrl,
    netflowPort,
    ipfixPort,
    ipfixTcpPort,
    sflowPort,
    dataDir,
    process: child,
    output: () => output,
    async stop(stopOptions = {}) {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(timer);
      if (stopOptions.keepDataDir !== true && options.dataDir === undefined) {
        rmSync(dataDir, { recursive: true, force: true });
      }
      return code;
    },
  };
}

/** Fetches JSON from a running Tollgate. */
export async function getJson<T>(httpUrl: string, route: string): Promise<T> {
  const response = await fetch(`${httpUrl}${route}`);
  if (!response.ok) throw new Error(`${route}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Sends `flows` demo flows (the `tollgate demo` traffic model, ending now) as NetFlow v5 to a
 * collector on 127.0.0.1, paced so that nothing is lost on loopback.
 */
export async function sendDemoFlows(
  target: { port: number },
  options: { flows?: number; seed?: number; spanMs?: number } = {},
): Promise<{ datagrams: number; records: number }> {
  const wanted = options.flows ?? 2000;
  const random = createRandom(options.seed ?? 7);
  const spanMs = options.spanMs ?? 3_600_000;
  const nowMs = Date.now();
  const flows = [];
  while (flows.length < wanted) {
    flows.push(...generateFlows(random, nowMs - spanMs, spanMs, 600));
  }
  flows.length = wanted;
  const datagrams = encodeNetflow5(flows, {
    sysUptimeMs: 10 * 86_400_000,
    unixSecs: Math.floor(nowMs / 1000),
    unixNsecs: 0,
    flowSequence: 0,
    engineType: 0,
    engineId: 0,
    samplingMode: 0,
    samplingInterval: 0,
  });
  const socket = dgram.createSocket("udp4");
  try {
    for (const datagram of datagrams) {
      await new Promise<void>((resolve, reject) => {
        socket.send(datagram, target.port, "127.0.0.1", (error) => {
          if (error === null) resolve();
          else reject(error);
        });
      });
    }
  } finally {
    socket.close();
  }
  return { datagrams: datagrams.length, records: flows.length };
}

/** Polls until `check` returns true (bounded), for counts that arrive asynchronously. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadlineMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
