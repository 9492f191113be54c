import net from "node:net";
import { AppError, canonicalIp, type DecodeIssue } from "../../core/index.ts";
import type { Component, Logger, Metrics } from "../../platform/index.ts";
import type { UdpListenAddress } from "./udp.ts";

/** Splits a byte stream into protocol messages (IPFIX over TCP: RFC 7011 §10.4). */
export interface StreamFramer {
  push(chunk: Uint8Array): { messages: Uint8Array[]; issues: DecodeIssue[] };
}

export interface TcpReceiverConfig {
  /** Label used in logs and errors: "ipfix". */
  name: string;
  listen: readonly UdpListenAddress[];
  /** At most this many exporters connected at once; more are refused (a flood of connections). */
  maxConnections: number;
  /** A connection silent this long is closed (exporters send templates and data regularly). */
  idleTimeoutMs: number;
}

export interface TcpReceiverDeps {
  createFramer: () => StreamFramer;
  onMessage: (payload: Uint8Array, exporterAddr: string, receivedMs: number) => void;
  /** Framing problems; a `bad-stream` issue closes the connection. */
  onIssues: (issues: readonly DecodeIssue[], exporterAddr: string) => void;
  logger: Logger;
  metrics: Metrics;
  nowMs: () => number;
}

export interface BoundTcpListener {
  protocol: "tcp";
  address: string;
}

export interface TcpReceiver extends Component {
  listeners(): BoundTcpListener[];
  connections(): number;
}

/**
 * Receives flow export messages over TCP: one framer per connection reassembles messages across
 * segment boundaries; a stream that stops making sense (bad version or length) is closed, since
 * TCP gives no way to find the next message boundary again.
 */
export function createTcpReceiver(config: TcpReceiverConfig, deps: TcpReceiverDeps): TcpReceiver {
  const servers: { server: net.Server; listener: BoundTcpListener }[] = [];
  const sockets = new Set<net.Socket>();

  const onConnection = (socket: net.Socket): void => {
    const exporterAddr = canonicalIp(socket.remoteAddress ?? "") ?? "0.0.0.0";
    if (sockets.size >= config.maxConnections) {
      deps.logger.warn("tcp connection refused: too many exporters connected", {
        listener: config.name,
        exporter: exporterAddr,
        maxConnections: config.maxConnections,
      });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const framer = deps.createFramer();
    socket.setTimeout(config.idleTimeoutMs);
    socket.on("timeout", () => socket.destroy());
    socket.on("error", (error) => {
      deps.logger.warn("tcp exporter connection error", { exporter: exporterAddr, error });
    });
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", (chunk: Buffer) => {
      const receivedMs = deps.nowMs();
      const { messages, issues } = framer.push(chunk);
      for (const message of messages) deps.onMessage(message, exporterAddr, receivedMs);
      if (issues.length > 0) {
        deps.onIssues(issues, exporterAddr);
        if (issues.some((issue) => issue.code === "bad-stream")) socket.destroy();
      }
    });
  };

  const bindOne = (address: UdpListenAddress): Promise<void> =>
    new Promise((resolve, reject) => {
      const server = net.createServer(onConnection);
      const isV6 = address.host.includes(":");
      const display = isV6
        ? `[${address.host}]:${address.port}`
        : `${address.host}:${address.port}`;
      server.once("error", (error: NodeJS.ErrnoException) => {
        reject(
          new AppError(
            error.code === "EADDRINUSE" ? "ERR_LISTEN_IN_USE" : "ERR_LISTEN_FAILED",
            error.code === "EADDRINUSE"
              ? `tcp ${display} (${config.name}) is already in use by another process: stop it, or choose another address with --${config.name}-tcp-listen HOST:PORT`
              : `tcp ${display} (${config.name}) cannot be bound (${error.code ?? error.message}): check the address with --${config.name}-tcp-listen HOST:PORT`,
            { cause: error },
          ),
        );
      });
      server.listen({ host: address.host, port: address.port, ipv6Only: isV6 }, () => {
        const bound = server.address() as net.AddressInfo;
        servers.push({
          server,
          listener: {
            protocol: "tcp",
            address: isV6 ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`,
          },
        });
        resolve();
      });
    });

  return {
    async start() {
      for (const address of config.listen) {
        try {
          await bindOne(address);
        } catch (error) {
          const ipv6Unavailable =
            address.host.includes(":") &&
            ((error as AppError).cause as NodeJS.ErrnoException | undefined)?.code ===
              "EAFNOSUPPORT";
          if (!ipv6Unavailable || config.listen.length === 1) throw error;
          deps.logger.warn("ipv6 unavailable, listener skipped", { listener: address.host });
        }
      }
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        servers.map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              server.close(() => {
                resolve();
              });
            }),
        ),
      );
      servers.length = 0;
    },
    listeners: () => servers.map(({ listener }) => listener),
    connections: () => sockets.size,
  };
}
