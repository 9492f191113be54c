import { OBSERVED_ACTIONS } from "../../core/index.ts";
import {
  clickHouseLike,
  compileFilter,
  createClickHouseBinder,
  findField,
  hiLoAddressBinding,
  type FieldBinding,
  type FilterComparison,
  type FilterDialect,
  type FilterExpression,
  type ScalarBinding,
} from "../../query/filter/index.ts";
import { NETWORK_ATTRIBUTE_COLUMNS } from "./schema.ts";
import type { Tables } from "./schema.ts";

/**
 * The ClickHouse binding of filter fields (the DuckDB binding's fields, storage/duckdb/
 * filter-sql.ts, with the same answers). Values are literals written by query/filter's one
 * audited encoder (`createClickHouseBinder("literals")`): 18.16 has no server-side parameters.
 *
 * 18.16 allows one JOIN per SELECT, and on a cluster a JOIN before aggregation would ship every
 * row to the server that was asked. So a comparison on a side table's field is not a join: it
 * becomes `src_network_id IN (SELECT id FROM networks WHERE <comparison>)`, which every shard
 * evaluates against its own full copy of `networks` (docs/34-clickhouse.md, "Cluster"), and the
 * and/or/not tree around it stays as the user wrote it. A flow with no network (id 0) reads
 * the empty attributes, as DuckDB's `coalesce(sn.site, '')` does, through a row of defaults
 * with id 0 added to the subquery.
 */

/** Which table a field's values live in (`src.as`, `dst.as`: that end's `as_names` row). */
type Scope = "flows" | "src" | "dst" | "exporter" | "boundary" | "src.as" | "dst.as";

const isIpv4 = "(src_addr_hi = 0 AND bitShiftRight(src_addr_lo, 32) = 65535)";

/** Per-flow fields: columns of `flows`. */
const FLOW_FIELDS: Readonly<Record<string, FieldBinding>> = {
  "src.addr": hiLoAddressBinding("src_addr_hi", "src_addr_lo"),
  "dst.addr": hiLoAddressBinding("dst_addr_hi", "dst_addr_lo"),
  "src.port": { kind: "scalar", sql: "src_port" },
  "dst.port": { kind: "scalar", sql: "dst_port" },
  proto: { kind: "scalar", sql: "protocol" },
  "in.if": { kind: "scalar", sql: "in_if" },
  "out.if": { kind: "scalar", sql: "out_if" },
  // Enum8 columns compare with their value names; `~` goes through toString (clickHouseLike).
  direction: { kind: "scalar", sql: "direction" },
  "direction.source": { kind: "scalar", sql: "direction_source" },
  locality: { kind: "scalar", sql: "locality" },
  source: { kind: "scalar", sql: "source" },
  "ip.version": { kind: "scalar", sql: `if(${isIpv4}, 4, 6)` },
  "src.as": { kind: "scalar", sql: "src_as" },
  "dst.as": { kind: "scalar", sql: "dst_as" },
  "observed.action": {
    kind: "scalar",
    sql: "observed_action",
    type: "u8",
    codes: Object.fromEntries(OBSERVED_ACTIONS.map((action, index) => [action, index])),
  },
  // Two ASCII bytes back to text (as the dimension, queries.ts): the filter holds upper case.
  "src.country": { kind: "scalar", sql: "reverse(reinterpretAsString(src_country))" },
  "dst.country": { kind: "scalar", sql: "reverse(reinterpretAsString(dst_country))" },
  bytes: { kind: "scalar", sql: "bytes" },
  packets: { kind: "scalar", sql: "packets" },
  "sampling.rate": { kind: "scalar", sql: "sampling_rate" },
  "tcp.flags": { kind: "scalar", sql: "tcp_flags" },
  tos: { kind: "scalar", sql: "tos" },
};

/** Fields of an end's `networks` row, by their name without the side. */
const NETWORK_FIELDS: Readonly<Record<string, ScalarBinding>> = {
  net: { kind: "scalar", sql: "name" },
  service: { kind: "scalar", sql: "service" },
  ...Object.fromEntries(
    NETWORK_ATTRIBUTE_COLUMNS.map((column) => [column, { kind: "scalar", sql: column } as const]),
  ),
};

const EXPORTER_FIELDS: Readonly<Record<string, FieldBinding>> = {
  exporter: hiLoAddressBinding("address_hi", "address_lo"),
  ...Object.fromEntries(
    ["provider", "account", "region", "zone", "vpc", "subnet", "instance", "interface"].map(
      (name) => [`cloud.${name}`, { kind: "scalar", sql: `cloud_${name}` } as const],
    ),
  ),
};

/** Fields of the boundary interface's `networks` row (kind 'boundary'). */
const BOUNDARY_FIELDS: Readonly<Record<string, ScalarBinding>> = {
  connectivity: { kind: "scalar", sql: "connectivity" },
  "boundary.provider": { kind: "scalar", sql: "provider" },
  "boundary.interface": { kind: "scalar", sql: "name" },
};

function sideOf(field: string): { side: "src" | "dst"; rest: string } | undefined {
  for (const side of ["src", "dst"] as const) {
    if (field.startsWith(`${side}.`)) return { side, rest: field.slice(side.length + 1) };
  }
  return undefined;
}

function canonical(field: string): string {
  return findField(field)?.name ?? field;
}

function scopeOf(field: string): Scope {
  const name = canonical(field);
  if (EXPORTER_FIELDS[name] !== undefined) return "exporter";
  if (BOUNDARY_FIELDS[name] !== undefined) return "boundary";
  if (name === "src.as.name") return "src.as";
  if (name === "dst.as.name") return "dst.as";
  const side = sideOf(name);
  if (
    side !== undefined &&
    (side.rest.startsWith("tag.") || NETWORK_FIELDS[side.rest] !== undefined)
  ) {
    return side.side;
  }
  return "flows";
}

function dialectOf(scope: Scope): FilterDialect {
  const common = {
    name: "clickhouse",
    binder: () => createClickHouseBinder("literals"),
    // toString: LIKE takes strings only, and an Enum8 or number column compares as its text.
    like: (sql: string, pattern: string) => clickHouseLike(`toString(${sql})`, pattern),
  };
  switch (scope) {
    case "flows":
      return { ...common, field: (name) => FLOW_FIELDS[canonical(name)], tag: () => undefined };
    case "exporter":
      return { ...common, field: (name) => EXPORTER_FIELDS[canonical(name)], tag: () => undefined };
    case "boundary":
      return { ...common, field: (name) => BOUNDARY_FIELDS[canonical(name)], tag: () => undefined };
    case "src.as":
    case "dst.as":
      return {
        ...common,
        field: (name) =>
          canonical(name) === `${scope}.name` ? { kind: "scalar", sql: "name" } : undefined,
        tag: () => undefined,
      };
    case "src":
    case "dst":
      return {
        ...common,
        field: (name) => {
          const side = sideOf(canonical(name));
          return side?.side === scope ? NETWORK_FIELDS[side.rest] : undefined;
        },
        // indexOf gives 0 for a missing key, and element 0 of an array is the type's default ''.
        tag: (side, keySql) =>
          side === scope
            ? { kind: "scalar", sql: `tag_values[indexOf(tag_keys, ${keySql})]` }
            : undefined,
      };
  }
}

const DIALECTS: Readonly<Record<Scope, FilterDialect>> = {
  flows: dialectOf("flows"),
  src: dialectOf("src"),
  dst: dialectOf("dst"),
  exporter: dialectOf("exporter"),
  boundary: dialectOf("boundary"),
  "src.as": dialectOf("src.as"),
  "dst.as": dialectOf("dst.as"),
};

/**
 * What a rollup tier's rows hold (planner.ts): the canonical field names it answers, the
 * bindings whose SQL differs from the raw one (`ip.version` is a column there). A field outside `fields` throws, so the planner falls back to raw.
 */
export interface FilterRestriction {
  fields: ReadonlySet<string>;
  bindings: Readonly<Record<string, FieldBinding>>;
}

function restricted(dialect: FilterDialect, restriction: FilterRestriction): FilterDialect {
  return {
    ...dialect,
    name: "clickhouse rollup",
    field: (name) => {
      const field = canonical(name);
      if (!restriction.fields.has(field)) return undefined;
      return restriction.bindings[field] ?? dialect.field(name);
    },
    tag: (side, keySql) =>
      restriction.fields.has(`${side}.net`) ? dialect.tag(side, keySql) : undefined,
  };
}

/** The `networks` rows plus one of defaults with id 0 ("no network"). */
function networksWithNone(tables: Tables): string {
  const columns = ["name", "service", "connectivity", ...NETWORK_ATTRIBUTE_COLUMNS];
  return `(SELECT id, tag_keys, tag_values, ${columns.join(", ")} FROM ${tables.networks}
    UNION ALL SELECT toUInt64(0) AS id, emptyArrayString() AS tag_keys, emptyArrayString() AS tag_values, ${columns.map((column) => `'' AS ${column}`).join(", ")})`;
}

/**
 * A filter expression as a ClickHouse boolean over `flows` columns (side-table fields as IN
 * subqueries). `source` is the text it was parsed from, for errors at the user's columns.
 * Throws FilterError (ERR_QUERY_INVALID) for a field this store lacks.
 */
export function compileClickHouseFilter(
  expression: FilterExpression,
  tables: Tables,
  source?: string,
  restriction?: FilterRestriction,
): string {
  const dialects =
    restriction === undefined
      ? DIALECTS
      : (Object.fromEntries(
          Object.entries(DIALECTS).map(([scope, dialect]) => [
            scope,
            restricted(dialect, restriction),
          ]),
        ) as Record<Scope, FilterDialect>);
  const compile = (node: FilterExpression, scope: Scope): string =>
    compileFilter(node, dialects[scope], source).sql;

  const sideTable = (scope: Exclude<Scope, "flows">, condition: string): string => {
    if (scope === "exporter") {
      return `exporter_id IN (SELECT id FROM ${tables.exporters} WHERE ${condition})`;
    }
    if (scope === "src.as" || scope === "dst.as") {
      // A number `as_names` lacks has the name "": it matches when "" does, which the last
      // IN asks of a one-row table of that name (the same condition text, no second compile).
      const column = scope === "src.as" ? "src_as" : "dst_as";
      return `(${column} IN (SELECT asn FROM ${tables.asNames} WHERE ${condition}) OR (${column} NOT IN (SELECT asn FROM ${tables.asNames}) AND 1 IN (SELECT 1 FROM (SELECT '' AS name) WHERE ${condition})))`;
    }
    const idColumn = scope === "boundary" ? "boundary_id" : `${scope}_network_id`;
    return `${idColumn} IN (SELECT id FROM ${networksWithNone(tables)} WHERE ${condition})`;
  };

  const comparison = (node: FilterComparison): string => {
    const scope = scopeOf(node.field);
    if (scope === "flows") return compile(node, "flows");
    // The NOT goes outside the subquery: "site != x" holds for a flow whose network is not x.
    const negative = node.op === "!=" || node.op === "not in";
    const op = node.op === "!=" ? "=" : node.op === "not in" ? "in" : node.op;
    // `src.net = 10.0.0.0/8` means the address is within: a flows column, not a network row.
    const isNetwork = findField(node.field)?.value.kind === "network";
    const isAddress = (kind: string): boolean =>
      isNetwork && (kind === "address" || kind === "prefix");
    const addresses = node.values.filter((v) => isAddress(v.kind));
    const others = node.values.filter((v) => !isAddress(v.kind));
    const parts: string[] = [];
    if (addresses.length > 0) parts.push(compile({ ...node, op, values: addresses }, "flows"));
    if (others.length > 0) {
      parts.push(sideTable(scope, compile({ ...node, op, values: others }, scope)));
    }
    const any = parts.length === 1 ? (parts[0] ?? "") : `(${parts.join(" OR ")})`;
    return negative ? `(NOT ${any})` : `(${any})`;
  };

  const walk = (node: FilterExpression): string => {
    switch (node.kind) {
      case "and":
      case "or":
        return `(${node.operands.map(walk).join(node.kind === "and" ? " AND " : " OR ")})`;
      case "not":
        return `(NOT ${walk(node.operand)})`;
      case "compare":
        return comparison(node);
    }
  };
  return walk(expression);
}
