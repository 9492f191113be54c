import type {
  ExplainResponse,
  FilterErrorDetails,
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

/** The filter mistake a 400 answer points at, when the error is one. */
export function filterErrorOf(error: unknown): FilterErrorDetails | undefined {
  if (!(error instanceof ApiError) || error.problem?.code !== "ERR_QUERY_INVALID") return undefined;
  const details = error.problem.details as Partial<FilterErrorDetails> | undefined;
  if (
    typeof details?.filter !== "string" ||
    typeof details.column !== "number" ||
    typeof details.length !== "number"
  ) {
    return undefined;
  }
  return {
    filter: details.filter,
    column: details.column,
    length: details.length,
    expected: Array.isArray(details.expected) ? details.expected : [],
  };
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

function url(path: string, params: Params, repeated: readonly [string, string][] = []): string {
  const search = new URLSearchParams([...repeated]);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(name, value);
  }
  const query = search.toString();
  // Relative to the page so the dashboard also works behind a path prefix.
  return `${path}${query === "" ? "" : `?${query}`}`;
}

async function getJson<T>(
  path: string,
  params: Params,
  signal: AbortSignal,
  // A parameter given more than once (`address=A&address=B`), which a record cannot hold.
  repeated: readonly [string, string][] = [],
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url(path, params, repeated), {
      signal,
      headers: { accept: "application/json" },
    });
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
  /** One address (what is it?) or two, source then destination (a flow). */
  explain: (addresses: readonly [string] | readonly [string, string], signal: AbortSignal) =>
    getJson<ExplainResponse>(
      "api/v1/explain",
      {},
      signal,
      addresses.map((a) => ["address", a]),
    ),
  status: (signal: AbortSignal) => getJson<StatusResponse>("api/v1/status", {}, signal),
};
