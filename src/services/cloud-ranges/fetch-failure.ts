/**
 * Tells "this machine cannot reach the provider" (offline, DNS, firewall, timeout: keep the old
 * file and say so) from other download failures. Node's fetch (undici) rejects with
 * `TypeError("fetch failed")` whose `cause` carries the system error code; `AbortSignal.timeout`
 * rejects with a `TimeoutError` DOMException.
 */

/** System and undici error codes that mean the network path is not there. */
const OFFLINE_CODES: Readonly<Record<string, string>> = {
  ENOTFOUND: "DNS lookup failed",
  EAI_AGAIN: "DNS lookup failed",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  ENETUNREACH: "network unreachable",
  EHOSTUNREACH: "host unreachable",
  ENETDOWN: "network down",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed",
};

export interface FetchFailure {
  readonly offline: boolean;
  /** A few words: `connection refused`, `no answer within 30000 ms`. */
  readonly reason: string;
}

export function describeFetchFailure(error: unknown, timeoutMs: number): FetchFailure {
  if (isNamed(error, "TimeoutError")) {
    return { offline: true, reason: `no answer within ${timeoutMs} ms` };
  }
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; depth++) {
    const code = errorCode(current);
    if (code !== undefined) {
      const reason = OFFLINE_CODES[code];
      if (reason !== undefined) return { offline: true, reason };
    }
    // AggregateError (happy eyeballs: one error per address tried).
    if (current instanceof AggregateError) {
      for (const inner of current.errors) {
        const innerCode = errorCode(inner);
        const reason = innerCode === undefined ? undefined : OFFLINE_CODES[innerCode];
        if (reason !== undefined) return { offline: true, reason };
      }
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return { offline: false, reason: error instanceof Error ? error.message : String(error) };
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}
