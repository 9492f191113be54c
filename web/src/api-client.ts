import type {
  Problem,
  StatusResponse,
  SummaryResponse,
  TimeseriesResponse,
  TopResponse,
} from "./api-types.ts";

/** Query parameters as the API takes them: strings, omitted when undefined. */
export type Params = Record<string, string | undefined>;

/**
 * Why a request failed: `unreachable` when no HTTP answer came back (server down, network),
 * `http` when the server answered with an error status (its problem details are kept).
 */
export class ApiError extends Error {
  readonly kind: "unreachable" | "http";
  readonly status: number | undefined;
  readonly problem: Problem | undefined;

  constructor(
    message: string,
    kind: "unreachable" | "http",
    options: { status?: number; problem?: Problem; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.kind = kind;
    this.status = options.status;
    this.problem = options.problem;
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

function url(path: string, params: Params): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(name, value);
  }
  const query = search.toString();
  // Relative to the page so the dashboard also works behind a path prefix.
  return `${path}${query === "" ? "" : `?${query}`}`;
}

async function getJson<T>(path: string, params: Params, signal: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url(path, params), { signal, headers: { accept: "application/json" } });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError("cannot reach the Tollgate server", "unreachable", { cause: error });
  }
  if (!response.ok) {
    let problem: Problem | undefined;
    try {
      problem = (await response.json()) as Problem;
    } catch {
      // Not JSON (a proxy's HTML error page, say): the status line is all there is to show.
      problem = undefined;
    }
    const what = problem?.detail ?? problem?.title ?? response.statusText;
    // A gateway in front of a stopped server answers 502/503/504: that is "unreachable" too.
    const kind = [502, 503, 504].includes(response.status) && problem?.code === undefined;
    return Promise.reject(
      new ApiError(`${path}: ${response.status} ${what}`, kind ? "unreachable" : "http", {
        status: response.status,
        ...(problem === undefined ? {} : { problem }),
      }),
    );
  }
  return (await response.json()) as T;
}

export const api = {
  summary: (params: Params, signal: AbortSignal) =>
    getJson<SummaryResponse>("api/v1/summary", params, signal),
  top: (params: Params, signal: AbortSignal) => getJson<TopResponse>("api/v1/top", params, signal),
  timeseries: (params: Params, signal: AbortSignal) =>
    getJson<TimeseriesResponse>("api/v1/timeseries", params, signal),
  status: (signal: AbortSignal) => getJson<StatusResponse>("api/v1/status", {}, signal),
};
