import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { peerAvailable } from "./peers.ts";

/**
 * A real `clickhouse-server` (the Debian package, 18.16 here) started as a child process for
 * one test file or benchmark: a generated config in a temp dir, loopback only, free HTTP and
 * TCP ports, its own data/tmp/user_files/format_schemas directories and logs in that dir. The
 * caller stops it (`stop()`, by PID); a process exit hook kills it too, so no server outlives
 * the test process even when it is interrupted.
 */

export const CLICKHOUSE_SERVER_BINARY = "/usr/sbin/clickhouse-server";

export interface ClickHouseServer {
  url: string;
  httpPort: number;
  tcpPort: number;
  /** `SELECT version()`, e.g. `18.16.1`. */
  version: string;
  /** The temp dir holding config, data and logs (removed by `stop`). */
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

export interface ClickHouseServerOptions {
  /** Extra XML placed inside `<yandex>` (e.g. `<remote_servers>` of a cluster test). */
  extraConfigXml?: string;
  /** Reuse these ports (the cluster test needs them before the servers start). */
  httpPort?: number;
  tcpPort?: number;
  /** How long to wait for `/ping`. */
  startTimeoutMs?: number;
}

/** True when the binary exists; locally a missing one skips, in CI (CI=true) it throws. */
export function clickhouseAvailable(): boolean {
  return peerAvailable(
    `clickhouse-server (${CLICKHOUSE_SERVER_BINARY}, Debian package clickhouse-server)`,
    existsSync(CLICKHOUSE_SERVER_BINARY),
  );
}

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
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

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // Already gone: nothing to stop.
        }
      }
    }
  });
}

function configXml(dir: string, httpPort: number, tcpPort: number, extra: string): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/log/server.log</log>
    <errorlog>${dir}/log/server.err.log</errorlog>
    <size>100M</size>
    <count>1</count>
  </logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
  ${extra}
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function ping(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return response.ok && (await response.text()).startsWith("Ok");
  } catch {
    return false;
  }
}

/** Starts a server and waits until it answers `/ping` and `SELECT version()`. */
export async function startClickHouse(
  options: ClickHouseServerOptions = {},
): Promise<ClickHouseServer> {
  installExitHook();
  const dir = mkdtempSync(path.join(tmpdir(), "tollgate-clickhouse-"));
  for (const sub of ["data", "tmp", "user_files", "format_schemas", "log"]) {
    mkdirSync(path.join(dir, sub), { recursive: true });
  }
  const httpPort = options.httpPort ?? (await freePort());
  const tcpPort = options.tcpPort ?? (await freePort());
  writeFileSync(path.join(dir, "users.xml"), USERS_XML);
  const configPath = path.join(dir, "config.xml");
  writeFileSync(configPath, configXml(dir, httpPort, tcpPort, options.extraConfigXml ?? ""));
  const child = spawn(CLICKHOUSE_SERVER_BINARY, [`--config-file=${configPath}`], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 16_384) stderr += chunk.toString();
  });
  let exited: number | null | undefined;
  child.once("exit", (code) => {
    exited = code;
    running.delete(child);
  });
  running.add(child);
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (exited === undefined && child.pid !== undefined) {
      const gone = new Promise<void>((resolve) =>
        child.once("exit", () => {
          resolve();
        }),
      );
      process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (exited === undefined && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      }, 10_000);
      await gone;
      clearTimeout(timer);
    }
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await ping(url))) {
    if (exited !== undefined || Date.now() > deadline) {
      const log = readLog(dir);
      await stop();
      throw new Error(
        `clickhouse-server did not start (exit ${String(exited)}): ${stderr.slice(-2000)}${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const response = await fetch(`${url}/?query=${encodeURIComponent("SELECT version()")}`);
  const version = (await response.text()).trim();
  return { url, httpPort, tcpPort, version, dir, pid: child.pid ?? 0, stop };
}

function readLog(dir: string): string {
  try {
    return `\n${readFileSync(path.join(dir, "log", "server.err.log"), "utf8").slice(-2000)}`;
  } catch {
    return "";
  }
}

export interface ClickHouseCluster {
  /** The `remote_servers` name every server of it knows. */
  name: string;
  /** One server per shard, in the cluster's order. */
  shards: ClickHouseServer[];
  stop(): Promise<void>;
}

/**
 * Several servers on loopback, one per shard, each with the same `remote_servers` entry naming
 * all of them (by TCP port), so a Distributed table on any of them spreads over every shard.
 * No ZooKeeper: the shards are not replicated and DDL is run on each server, not ON CLUSTER.
 */
export async function startClickHouseCluster(options: {
  shards: number;
  name?: string;
}): Promise<ClickHouseCluster> {
  const name = options.name ?? "tollgate_test";
  const ports: { httpPort: number; tcpPort: number }[] = [];
  for (let index = 0; index < options.shards; index++) {
    ports.push({ httpPort: await freePort(), tcpPort: await freePort() });
  }
  const shardsXml = ports
    .map(
      ({ tcpPort }) =>
        `<shard><replica><host>127.0.0.1</host><port>${tcpPort}</port></replica></shard>`,
    )
    .join("");
  const extraConfigXml = `<remote_servers><${name}>${shardsXml}</${name}></remote_servers>`;
  const started = await Promise.allSettled(
    ports.map((port) => startClickHouse({ ...port, extraConfigXml })),
  );
  const shards = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(shards.map((server) => server.stop()));
  };
  const failed = started.find((result) => result.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  return { name, shards, stop };
}
