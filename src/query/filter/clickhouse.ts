import type { SqlBinder, SqlParamType, SqlParamValue } from "./dialect.ts";

/**
 * ClickHouse's side of filter compilation, shared with storage/clickhouse: a binder that emits
 * server-side query parameters (`{f1:UInt64}`, ClickHouse 19.x and newer), or, for servers
 * without them (Debian's 18.16), literals written by ONE audited encoder, `clickHouseLiteral`.
 */

export const CLICKHOUSE_TYPES: Readonly<Record<SqlParamType, string>> = {
  u8: "UInt8",
  u16: "UInt16",
  u32: "UInt32",
  u64: "UInt64",
  text: "String",
};

const MAX_BY_TYPE: Readonly<Record<Exclude<SqlParamType, "text">, bigint>> = {
  u8: 0xffn,
  u16: 0xffffn,
  u32: 0xffffffffn,
  u64: 0xffffffffffffffffn,
};

/**
 * A ClickHouse SQL literal for a value of `type`.
 *
 * - Numbers: only a JS safe integer or a bigint, in the type's range, written as decimal
 *   digits (nothing else can reach the text: NaN, fractions, exponents and negatives throw).
 * - Strings: single-quoted. Backslash and quote are escaped (`\\`, `\'`), as ClickHouse's
 *   lexer requires ("String literals", ClickHouse SQL syntax docs); control characters, DEL
 *   and `{` `}` (so no query-parameter substitution can see a placeholder) are written as
 *   `\xHH`. Everything else, UTF-8 included, stands for itself. A lone UTF-16 surrogate,
 *   which has no UTF-8 form, throws rather than being replaced.
 */
export function clickHouseLiteral(value: SqlParamValue, type: SqlParamType): string {
  if (type === "text") {
    if (typeof value !== "string")
      throw new TypeError(`a String literal needs text, got ${typeof value}`);
    return quoteClickHouseString(value);
  }
  let integer: bigint;
  if (typeof value === "bigint") {
    integer = value;
  } else if (typeof value === "number" && Number.isSafeInteger(value)) {
    integer = BigInt(value);
  } else {
    throw new TypeError(
      `a ${CLICKHOUSE_TYPES[type]} literal needs a whole number, got ${String(value)}`,
    );
  }
  if (integer < 0n || integer > MAX_BY_TYPE[type]) {
    throw new RangeError(`${integer} is out of range for ${CLICKHOUSE_TYPES[type]}`);
  }
  return integer.toString(10);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function quoteClickHouseString(text: string): string {
  if (LONE_SURROGATE.test(text))
    throw new RangeError("a string with a lone UTF-16 surrogate has no UTF-8 form");
  let quoted = "'";
  for (let index = 0; index < text.length; index++) {
    const char = text.charAt(index);
    const code = text.charCodeAt(index);
    if (char === "\\") quoted += "\\\\";
    else if (char === "'") quoted += "\\'";
    else if (code < 0x20 || code === 0x7f || char === "{" || char === "}") {
      quoted += `\\x${code.toString(16).padStart(2, "0")}`;
    } else quoted += char;
  }
  return `${quoted}'`;
}

/** How a ClickHouse binder writes values: server-side parameters or audited literals. */
export type ClickHouseBindMode = "params" | "literals";

/**
 * A binder for ClickHouse. In `params` mode placeholders are `{f1:UInt64}` and `params()` is
 * the client's `query_params`; in `literals` mode values are literals and `params()` is empty.
 */
export function createClickHouseBinder(mode: ClickHouseBindMode, prefix = "f"): SqlBinder {
  const params: Record<string, SqlParamValue> = {};
  let count = 0;
  return {
    bind(value, type) {
      if (mode === "literals") return clickHouseLiteral(value, type);
      // Checked by the same rules as a literal, so both modes refuse the same values.
      clickHouseLiteral(value, type);
      const name = `${prefix}${++count}`;
      params[name] = value;
      return `{${name}:${CLICKHOUSE_TYPES[type]}}`;
    },
    params: () => ({ ...params }),
  };
}

/** ClickHouse's LIKE reads `\` as the escape of `%`, `_` and itself by default. */
export function clickHouseLike(sql: string, pattern: string): string {
  return `${sql} LIKE ${pattern}`;
}
