import { AppError } from "../core/index.ts";

/**
 * Asks a running Tollgate over HTTP. Returns undefined when nothing listens there (so the
 * caller can fall back to reading the data directory); throws on any answer that is an error.
 */
export async function fetchFromServer<T>(
  server: string,
  route: string,
  params: Readonly<Record<string, string | undefined>>,
): Promise<T | undefined> {
  const url = new URL(route, server.endsWith("/") ? server : `${server}/`);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (
      cause?.code === "ECONNREFUSED" ||
      cause?.code === "ENOTFOUND" ||
      cause?.code === "EHOSTUNREACH"
    ) {
      return undefined;
    }
    throw new AppError(
      "ERR_SERVER_UNREACHABLE",
      `no answer from ${server} (${String(error)}): check --server`,
      {
        cause: error,
      },
    );
  }
  const body = (await response.json().catch(() => undefined)) as
    { detail?: string; code?: string } | undefined;
  if (!response.ok) {
    const detail = body?.detail ?? `HTTP ${response.status}`;
    throw new AppError(
      body?.code === "ERR_QUERY_INVALID" ? "ERR_QUERY_INVALID" : "ERR_SERVER_RESPONSE",
      `${server}: ${detail}`,
    );
  }
  return body as T;
}
