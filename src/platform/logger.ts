/**
 * A small structured logger: one line per event on stderr, `time level message key=value…`.
 * Messages are lowercase fragments (STYLE.md). Hot paths never log per record: they count, and
 * use `createSampledLogger` for the occasional example.
 */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerConfig {
  level: LogLevel;
  write?: (line: string) => void;
}

export function createLogger(config: LoggerConfig, baseFields: LogFields = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(config.level);
  const write = config.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const merged = { ...baseFields, ...fields };
    const rendered = Object.entries(merged)
      .map(([key, value]) => `${key}=${formatValue(value)}`)
      .join(" ");
    write(
      `${new Date().toISOString()} ${level.padEnd(5)} ${message}${rendered ? ` ${rendered}` : ""}`,
    );
  };
  return {
    debug: (message, fields) => {
      emit("debug", message, fields);
    },
    info: (message, fields) => {
      emit("info", message, fields);
    },
    warn: (message, fields) => {
      emit("warn", message, fields);
    },
    error: (message, fields) => {
      emit("error", message, fields);
    },
    child: (fields) => createLogger(config, { ...baseFields, ...fields }),
  };
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "string") return /[\s="]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  return value === undefined ? "undefined" : JSON.stringify(value);
}

/** A logger that drops everything; for tests and quiet CLI commands. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/**
 * Lets through at most `perIntervalMax` lines per key and interval, then one summary of how
 * many were suppressed. For data problems seen on the hot path (decode issues per exporter).
 */
export function createSampledLogger(
  logger: Logger,
  options: { perIntervalMax: number; intervalMs: number; nowMs: () => number },
): (key: string, message: string, fields?: LogFields) => void {
  const windows = new Map<string, { startMs: number; emitted: number; suppressed: number }>();
  return (key, message, fields) => {
    const nowMs = options.nowMs();
    let window = windows.get(key);
    if (window === undefined || nowMs - window.startMs >= options.intervalMs) {
      if (window !== undefined && window.suppressed > 0) {
        logger.warn("suppressed similar messages", { key, count: window.suppressed });
      }
      window = { startMs: nowMs, emitted: 0, suppressed: 0 };
      windows.set(key, window);
      // Bound the map: keys include exporter addresses, which an attacker can vary.
      if (windows.size > 10_000) windows.clear();
    }
    if (window.emitted < options.perIntervalMax) {
      window.emitted++;
      logger.warn(message, fields);
    } else {
      window.suppressed++;
    }
  };
}
