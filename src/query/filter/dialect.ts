/**
 * What a store tells the filter compiler: the SQL of each field, how to bind a value, and how
 * to write the few constructs that differ between SQL dialects. The compiler never splices a
 * user's value into SQL; it asks `bind` for a placeholder (or an audited literal).
 */

/** Parameter types, named by width; each dialect maps them to its SQL types. */
export const SQL_PARAM_TYPES = ["u8", "u16", "u32", "u64", "text"] as const;
export type SqlParamType = (typeof SQL_PARAM_TYPES)[number];

/** A value as the compiler binds it: a whole number (bigint for 64-bit halves) or text. */
export type SqlParamValue = number | bigint | string;

/** Placeholders are handed out by a binder that collects the parameters of one compilation. */
export interface SqlBinder {
  /** SQL text standing for `value` of `type`: a placeholder, or a literal when the dialect says so. */
  bind(value: SqlParamValue, type: SqlParamType): string;
  /** The parameters bound so far, by name, as the driver takes them. */
  params(): Record<string, SqlParamValue>;
}

/**
 * A scalar field: one SQL expression compared with bound values. `type` overrides the type
 * values are bound with (default: from the field's kind); `codes` maps the filter's text
 * values to what the column stores (an enum kept as a small integer).
 */
export interface ScalarBinding<Join extends string = string> {
  readonly kind: "scalar";
  readonly sql: string;
  readonly type?: SqlParamType;
  readonly codes?: Readonly<Record<string, number>>;
  readonly join?: Join;
}

/**
 * An address field: the store says how to test that an address is within an inclusive range
 * of 128-bit addresses (IPv4 as IPv4-mapped IPv6, as core/ip.ts's `ipToU128`). Equality is
 * the one-address range. `hiLoAddressBinding` writes it for addresses kept as two UInt64 halves.
 */
export interface AddressBinding<Join extends string = string> {
  readonly kind: "address";
  inRange(first: bigint, last: bigint, binder: SqlBinder): string;
  readonly join?: Join;
}

export type FieldBinding<Join extends string = string> = ScalarBinding<Join> | AddressBinding<Join>;

export interface FilterDialect<Join extends string = string> {
  /** The store's name, in "not available in this store (…)" errors. */
  readonly name: string;
  /** The binding of a named field (canonical name), or undefined when the store lacks it. */
  field(name: string): FieldBinding<Join> | undefined;
  /**
   * The text expression of a tag of the source or destination network, given the SQL that
   * stands for the bound key; undefined when the store keeps no tags.
   */
  tag(side: "src" | "dst", keySql: string): ScalarBinding<Join> | undefined;
  /** A fresh binder for one compilation. */
  binder(): SqlBinder;
  /**
   * SQL true when `sql` matches `pattern`, a LIKE pattern in which `\` escapes `%`, `_` and
   * itself (both DuckDB, with `ESCAPE '\'`, and ClickHouse read it so).
   */
  like(sql: string, pattern: string): string;
}

const U64_MASK = (1n << 64n) - 1n;

/** An address binding over two UInt64 columns holding bits 64–127 and 0–63 of the address. */
export function hiLoAddressBinding<Join extends string>(
  hiSql: string,
  loSql: string,
  join?: Join,
): AddressBinding<Join> {
  return {
    kind: "address",
    ...(join === undefined ? {} : { join }),
    inRange(first, last, binder) {
      const firstHi = first >> 64n;
      const lastHi = last >> 64n;
      const firstLo = first & U64_MASK;
      const lastLo = last & U64_MASK;
      if (firstHi === lastHi) {
        // A prefix of /64 or longer (every IPv4 prefix): one hi value, a lo range.
        const hi = `${hiSql} = ${binder.bind(firstHi, "u64")}`;
        if (firstLo === lastLo) return `(${hi} AND ${loSql} = ${binder.bind(firstLo, "u64")})`;
        if (firstLo === 0n && lastLo === U64_MASK) return `(${hi})`;
        return `(${hi} AND ${loSql} BETWEEN ${binder.bind(firstLo, "u64")} AND ${binder.bind(lastLo, "u64")})`;
      }
      // Shorter than /64: every lo value of the hi range, so the test is on hi alone, a range
      // the store's min/max indexes (DuckDB zonemaps, ClickHouse minmax) can skip on.
      if (firstLo !== 0n || lastLo !== U64_MASK) {
        throw new Error("an address range shorter than /64 must cover whole hi values");
      }
      return `(${hiSql} BETWEEN ${binder.bind(firstHi, "u64")} AND ${binder.bind(lastHi, "u64")})`;
    },
  };
}
