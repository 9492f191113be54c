/**
 * The one catalog of operational errors (DESIGN.md). Every thrown error a user can meet carries
 * one of these stable codes, a message that says what to do, and a cause. `docs/90-errors.md` is
 * generated from this table (`npm run docs:errors`) and a check fails when it drifts.
 */
export const ERROR_CATALOG = {
  ERR_USAGE: {
    exitCode: 2,
    summary: "A command was called with a missing or invalid argument or option.",
  },
  ERR_CONFIG_READ: { exitCode: 2, summary: "The configuration file cannot be read." },
  ERR_CONFIG_PARSE: { exitCode: 2, summary: "The configuration file is not valid YAML." },
  ERR_CONFIG_INVALID: {
    exitCode: 2,
    summary: "A configuration key is unknown, misspelt or has a value of the wrong kind.",
  },
  ERR_LISTEN_IN_USE: {
    exitCode: 1,
    summary: "A listener's address and port are already taken by another process.",
  },
  ERR_LISTEN_FAILED: { exitCode: 1, summary: "A listener could not bind its address." },
  ERR_DATA_DIR_UNWRITABLE: {
    exitCode: 1,
    summary: "The data directory cannot be created or written to.",
  },
  ERR_DATA_DIR_LOCKED: {
    exitCode: 1,
    summary: "Another `tollgate serve` already uses this data directory.",
  },
  ERR_STORE_OPEN: { exitCode: 1, summary: "The flow store could not be opened." },
  ERR_STORE_WRITE: { exitCode: 1, summary: "A batch of flows could not be written to the store." },
  ERR_STORE_QUERY: { exitCode: 1, summary: "A query against the flow store failed." },
  ERR_SPOOL_OPEN: {
    exitCode: 1,
    summary: "The spool directory (storage.spool.dir) cannot be created or written to.",
  },
  ERR_SPOOL_WRITE: {
    exitCode: 1,
    summary: "A batch could not be written to the spool directory (disk full or unwritable).",
  },
  ERR_QUERY_INVALID: {
    exitCode: 2,
    summary: "A query parameter (time range, dimension, limit) is invalid.",
  },
  ERR_SERVER_UNREACHABLE: {
    exitCode: 1,
    summary: "The Tollgate server named by --server did not answer.",
  },
  ERR_SERVER_RESPONSE: { exitCode: 1, summary: "The Tollgate server answered with an error." },
  ERR_IMPORT_READ: { exitCode: 1, summary: "An input file cannot be read." },
  ERR_IMPORT_FORMAT: {
    exitCode: 2,
    summary: "An input file is not in a format Tollgate can import.",
  },
  ERR_REGISTRY_READ: {
    exitCode: 1,
    summary: "An ASN or country data file (CSV or MMDB) cannot be read or found.",
  },
  ERR_REGISTRY_FORMAT: {
    exitCode: 2,
    summary: "An ASN or country data file is not valid CSV ranges or a valid MaxMind DB (MMDB).",
  },
  ERR_CLOUD_RANGES_READ: {
    exitCode: 1,
    summary: "A cloud provider IP-range file exists but cannot be read.",
  },
  ERR_CLOUD_RANGES_FORMAT: {
    exitCode: 2,
    summary:
      "A cloud provider IP-range file is not in the provider's published format (AWS ip-ranges.json, GCP cloud.json/goog.json, Azure Service Tags).",
  },
  ERR_STORE_UNSUPPORTED: {
    exitCode: 1,
    summary:
      "The storage backend cannot do what was asked (reclassifying or scanning stored flows on ClickHouse).",
  },
  ERR_RECLASSIFY_RUNNING: {
    exitCode: 1,
    summary: "A reclassification is already running on this server; wait for it to finish.",
  },
} as const satisfies Record<string, { exitCode: 1 | 2; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An operational error: stable code, actionable lowercase message, optional cause. */
export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
  }

  /** The process exit code a CLI returns for this error: 2 usage/config, 1 runtime. */
  get exitCode(): 1 | 2 {
    return ERROR_CATALOG[this.code].exitCode;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
