import dgram from "node:dgram";
import { readFile } from "node:fs/promises";
import { AppError } from "../../core/index.ts";
import type { Component, Logger, Metrics } from "../../platform/index.ts";

export interface UdpListenAddress {
  host: string;
  port: number;
}

export interface UdpReceiverConfig {
  /** Label used in logs and errors: "netflow". */
  name: string;
  listen: readonly UdpListenAddress[];
  receiveBufferBytes: number;
  /** How often kernel drop counters are read from /proc/net/udp{,6}. */
  dropPollIntervalMs: number;
}

export interface UdpReceiverDeps {
  onDatagram: (payload: Uint8Array, exporterAddr: string, receivedMs: number) => void;
  logger: Logger;
  metrics: Metrics;
  nowMs: () => number;
}

export interface BoundListener {
  protocol: "udp";
  address: string;
  host: string;
  port: number;
  receiveBufferBytes: number;
}

export interface UdpReceiver extends Component {
  /** The addresses actually bound (ports resolved when 0 was asked). */
  listeners(): BoundListener[];
  /** Datagrams the kernel dropped on our sockets since start, as far as /proc shows. */
  socketDrops(): number;
}

/**
 * Receives export datagrams on one or more UDP sockets with a large receive buffer. The kernel
 * drops datagrams when the buffer is full; we cannot prevent that from user space but we can
 * see it: the `drops` column of /proc/net/udp for our sockets is exported as a gauge.
 */
export function createUdpReceiver(config: UdpReceiverConfig, deps: UdpReceiverDeps): UdpReceiver {
  const sockets: { socket: dgram.Socket; listener: BoundListener }[] = [];
  let dropTimer: NodeJS.Timeout | undefined;
  let dropsTotal = 0;

  const bindOne = (address: UdpListenAddress): Promise<void> =>
    new Promise((resolve, reject) => {
      const isV6 = address.host.includes(":");
      const socket = dgram.createSocket({
        type: isV6 ? "udp6" : "udp4",
        ipv6Only: isV6,
        recvBufferSize: config.receiveBufferBytes,
      });
      const display = isV6
        ? `[${address.host}]:${address.port}`
        : `${address.host}:${address.port}`;
      const onError = (error: NodeJS.ErrnoException): void => {
        socket.close();
        reject(listenError(config.name, display, error));
      };
      socket.once("error", onError);
      socket.on("message", (message, remote) => {
        deps.onDatagram(message, remote.address, deps.nowMs());
      });
      socket.bind({ address: address.host, port: address.port, exclusive: true }, () => {
        socket.off("error", onError);
        socket.on("error", (error) => {
          deps.logger.error("udp socket error", { listener: display, error });
        });
        const bound = socket.address();
        let receiveBufferBytes = 0;
        try {
          receiveBufferBytes = socket.getRecvBufferSize();
        } catch {
          // Not every platform reports it; the warning below is then skipped.
        }
        // Linux reports twice the value set (it reserves room for bookkeeping), capped by
        // net.core.rmem_max; a result below the request means the cap applied.
        if (receiveBufferBytes > 0 && receiveBufferBytes < config.receiveBufferBytes) {
          deps.logger.warn("udp receive buffer smaller than configured", {
            listener: display,
            requestedBytes: config.receiveBufferBytes,
            grantedBytes: receiveBufferBytes,
            fix: `sysctl -w net.core.rmem_max=${config.receiveBufferBytes}`,
          });
        }
        const boundDisplay = isV6
          ? `[${bound.address}]:${bound.port}`
          : `${bound.address}:${bound.port}`;
        sockets.push({
          socket,
          listener: {
            protocol: "udp",
            address: boundDisplay,
            host: bound.address,
            port: bound.port,
            receiveBufferBytes,
          },
        });
        resolve();
      });
    });

  const pollDrops = async (): Promise<void> => {
    let total = 0;
    for (const file of ["/proc/net/udp", "/proc/net/udp6"]) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch {
        continue;
      }
      for (const { listener } of sockets) {
        const drops = dropsForPort(text, listener.port);
        if (drops !== undefined) {
          deps.metrics.socketDrops.set({ listener: listener.address }, drops);
          total += drops;
        }
      }
    }
    dropsTotal = total;
  };

  return {
    async start() {
      for (const address of config.listen) {
        try {
          await bindOne(address);
        } catch (error) {
          // An IPv6 wildcard listener on a host without IPv6 is not worth failing start-up
          // for when another listener works; anything else is.
          const code = (error as AppError).cause as NodeJS.ErrnoException | undefined;
          const ipv6Unavailable =
            address.host.includes(":") &&
            (code?.code === "EAFNOSUPPORT" || code?.code === "EADDRNOTAVAIL");
          if (!ipv6Unavailable || config.listen.length === 1) {
            for (const { socket } of sockets) socket.close();
            sockets.length = 0;
            throw error;
          }
          deps.logger.warn("ipv6 unavailable, listener skipped", { listener: address.host });
        }
      }
      dropTimer = setInterval(() => void pollDrops(), config.dropPollIntervalMs);
      dropTimer.unref();
    },
    async stop() {
      if (dropTimer !== undefined) clearInterval(dropTimer);
      await Promise.all(
        sockets.map(
          ({ socket }) =>
            new Promise<void>((resolve) => {
              socket.close(() => {
                resolve();
              });
            }),
        ),
      );
      sockets.length = 0;
    },
    listeners: () => sockets.map(({ listener }) => listener),
    socketDrops: () => dropsTotal,
  };
}

function listenError(name: string, display: string, error: NodeJS.ErrnoException): AppError {
  if (error.code === "EADDRINUSE") {
    return new AppError(
      "ERR_LISTEN_IN_USE",
      `udp ${display} (${name}) is already in use by another process: stop it, or choose another address with --${name}-listen HOST:PORT`,
      { cause: error },
    );
  }
  if (error.code === "EACCES") {
    return new AppError(
      "ERR_LISTEN_FAILED",
      `udp ${display} (${name}): permission denied; ports below 1024 need privileges, choose another with --${name}-listen HOST:PORT`,
      { cause: error },
    );
  }
  return new AppError(
    "ERR_LISTEN_FAILED",
    `udp ${display} (${name}) cannot be bound (${error.code ?? error.message}): check the address with --${name}-listen HOST:PORT`,
    { cause: error },
  );
}

/**
 * Sum of the `drops` column (the last one) of /proc/net/udp lines whose local port matches.
 * Format: `sl local_address rem_address st tx_queue:rx_queue tr tm->when retrnsmt uid timeout
 * inode ref pointer drops`, addresses as HEXADDR:HEXPORT.
 */
export function dropsForPort(procText: string, port: number): number | undefined {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let found = false;
  let drops = 0;
  for (const line of procText.split("\n").slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns[1]?.endsWith(portHex) !== true) continue;
    found = true;
    drops += Number(columns.at(-1) ?? 0);
  }
  return found ? drops : undefined;
}
