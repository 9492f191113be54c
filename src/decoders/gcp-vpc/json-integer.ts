/**
 * Integers as Cloud Logging writes them. The proto3 JSON mapping
 * (protobuf.dev/programming-guides/json) writes int64/uint64 as decimal strings
 * (`"bytes_sent": "38144"`) and int32 as numbers (`"dest_port": 443`), and its parsers accept
 * either form for either type; exports through BigQuery or third-party pipelines do the same.
 * So both forms are read for every field.
 */

/** Largest int64 (2^63 − 1): the range of `bytes_sent` / `packets_sent`. */
const INT64_MAX = 9_223_372_036_854_775_807n;

const DECIMAL = /^\d{1,19}$/;

/** A non-negative int64 read from a JSON value. */
export interface JsonCount {
  /** The value as a float64: exact up to 2^53, the nearest double above. */
  value: number;
  /** The exact decimal text when `value` differs from it (some values above 2^53). */
  exactText: string | undefined;
}

/**
 * A non-negative int64 from a JSON number or decimal string; undefined when `raw` is anything
 * else (negative, fractional, not a number, beyond int64).
 */
export function readJsonCount(raw: unknown): JsonCount | undefined {
  if (typeof raw === "number") {
    // A JSON number above 2^53 was already rounded by JSON.parse: no exact text is left.
    if (!Number.isInteger(raw) || raw < 0 || raw > Number(INT64_MAX)) return undefined;
    return { value: raw, exactText: undefined };
  }
  if (typeof raw !== "string" || !DECIMAL.test(raw)) return undefined;
  const value = Number(raw);
  if (Number.isSafeInteger(value)) return { value, exactText: undefined };
  const exact = BigInt(raw);
  if (exact > INT64_MAX) return undefined;
  // Many values above 2^53 are still doubles exactly (2^53, 2^60): only the others need text.
  return { value, exactText: BigInt(value) === exact ? undefined : exact.toString() };
}

/** An integer in [0, max] from a JSON number or decimal string; undefined otherwise. */
export function readJsonUint(raw: unknown, max: number): number | undefined {
  let value: number;
  if (typeof raw === "number") value = raw;
  else if (typeof raw === "string" && /^\d{1,10}$/.test(raw)) value = Number(raw);
  else return undefined;
  return Number.isInteger(value) && value >= 0 && value <= max ? value : undefined;
}
