import { OBSERVED_ACTIONS } from "../../core/index.ts";
import {
  findField,
  hiLoAddressBinding,
  type FieldBinding,
  type FilterDialect,
  type SqlBinder,
  type SqlParamType,
  type SqlParamValue,
} from "../../query/filter/index.ts";

/**
 * The DuckDB binding of filter fields to SQL. Dimensions reuse the expressions the store groups
 * by (queries.ts passes its FIXED_DIMENSION_SQL in, so a new dimension is filterable the
 * moment it has SQL); what this file adds is what a filter needs beyond grouping:
 * - addresses compared on the stored UBIGINT halves, so that a prefix becomes a range on
 *   `(hi, lo)` DuckDB can check against each row group's min/max zonemaps, instead of on the
 *   128-bit value rebuilt per row;
 * - per-flow measures (bytes, packets, sampling rate, TCP flags, ToS);
 * - the observed action compared on its stored code, not on the text the CASE makes of it;
 * - values bound as typed named parameters (`$filter_1::UBIGINT`), never spliced.
 */

/** A dimension's SQL as queries.ts keeps it (structurally; no import, so no cycle). */
export interface DuckDbDimensionSql {
  readonly sql: string;
  readonly address?: true;
  readonly join?: string;
}

const DUCKDB_TYPES: Readonly<Record<SqlParamType, string>> = {
  u8: "UTINYINT",
  u16: "USMALLINT",
  u32: "UINTEGER",
  u64: "UBIGINT",
  text: "VARCHAR",
};

/** Fields whose filter SQL differs from their grouping SQL, or that are not dimensions. */
const FILTER_ONLY_SQL: Readonly<Record<string, FieldBinding>> = {
  "src.addr": hiLoAddressBinding("src_addr_hi", "src_addr_lo"),
  "dst.addr": hiLoAddressBinding("dst_addr_hi", "dst_addr_lo"),
  exporter: hiLoAddressBinding("e.address_hi", "e.address_lo", "exporter"),
  "observed.action": {
    kind: "scalar",
    // Files from before schema 3 hold NULL for flows stored before the column existed.
    sql: "coalesce(observed_action, 0)",
    type: "u8",
    codes: Object.fromEntries(OBSERVED_ACTIONS.map((action, index) => [action, index])),
  },
  bytes: { kind: "scalar", sql: "bytes" },
  packets: { kind: "scalar", sql: "packets" },
  "sampling.rate": { kind: "scalar", sql: "sampling_rate" },
  "tcp.flags": { kind: "scalar", sql: "tcp_flags" },
  tos: { kind: "scalar", sql: "tos" },
};

/** Named parameters `$filter_<n>`, cast to the column's type in the SQL. */
export function createDuckDbBinder(prefix = "filter_"): SqlBinder {
  const params: Record<string, SqlParamValue> = {};
  let count = 0;
  return {
    bind(value, type) {
      const name = `${prefix}${++count}`;
      params[name] = type === "u64" && typeof value === "number" ? BigInt(value) : value;
      return `$${name}::${DUCKDB_TYPES[type]}`;
    },
    params: () => ({ ...params }),
  };
}

/** The DuckDB filter dialect over the store's dimension SQL (queries.ts FIXED_DIMENSION_SQL). */
export function createDuckDbFilterDialect(
  dimensions: Readonly<Record<string, DuckDbDimensionSql>>,
): FilterDialect {
  const dimensionBinding = (name: string): FieldBinding | undefined => {
    const dimension = dimensions[name];
    if (dimension === undefined) return undefined;
    return dimension.join === undefined
      ? { kind: "scalar", sql: dimension.sql }
      : { kind: "scalar", sql: dimension.sql, join: dimension.join };
  };
  return {
    name: "duckdb",
    field(name) {
      const special = FILTER_ONLY_SQL[name];
      if (special !== undefined) return special;
      const field = findField(name);
      for (const candidate of [name, ...(field?.aliases ?? [])]) {
        const binding = dimensionBinding(candidate);
        if (binding !== undefined) return binding;
      }
      return undefined;
    },
    tag(side, keySql) {
      const alias = side === "src" ? "sn" : "dn";
      return { kind: "scalar", sql: `coalesce(${alias}.tags[${keySql}], '')`, join: side };
    },
    binder: () => createDuckDbBinder(),
    like: (sql, pattern) => `${sql} LIKE ${pattern} ESCAPE '\\'`,
  };
}
