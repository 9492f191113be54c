import { parsePrefix, type Prefix } from "../../core/index.ts";
import type { FilterComparison, FilterExpression, FilterValue } from "./ast.ts";
import type {
  AddressBinding,
  FieldBinding,
  FilterDialect,
  ScalarBinding,
  SqlBinder,
  SqlParamType,
  SqlParamValue,
} from "./dialect.ts";
import { FilterError } from "./errors.ts";
import { findField, tagFieldParts, type ValueKind } from "./fields.ts";
import { printFilter } from "./print.ts";

/** A filter as SQL: a boolean expression, its parameters and the joins its fields need. */
export interface CompiledFilter<Join extends string = string> {
  /** A parenthesised boolean SQL expression, to AND into a WHERE clause. */
  sql: string;
  /** Bound values by placeholder name (empty when the dialect renders literals). */
  params: Record<string, SqlParamValue>;
  /** The joins the fields' SQL reads (the dialect's names), each once, sorted. */
  joins: Join[];
}

/**
 * Compiles a parsed filter for one store. `source` is the text it was parsed from, so a field
 * the store lacks is reported at its column in what the user wrote.
 */
export function compileFilter<Join extends string>(
  expression: FilterExpression,
  dialect: FilterDialect<Join>,
  source?: string,
): CompiledFilter<Join> {
  const binder = dialect.binder();
  const joins = new Set<Join>();
  const compiler = {
    dialect,
    binder,
    joins,
    source: source ?? printFilter(expression),
    exact: source !== undefined,
  };
  const sql = compileNode(expression, compiler);
  return { sql, params: binder.params(), joins: [...joins].sort() };
}

interface Compiler<Join extends string> {
  dialect: FilterDialect<Join>;
  binder: SqlBinder;
  joins: Set<Join>;
  source: string;
  /** Whether `source` is what the spans point into (else the printed filter is shown). */
  exact: boolean;
}

function compileNode<Join extends string>(
  node: FilterExpression,
  compiler: Compiler<Join>,
): string {
  switch (node.kind) {
    case "and":
    case "or":
      return `(${node.operands.map((operand) => compileNode(operand, compiler)).join(node.kind === "and" ? " AND " : " OR ")})`;
    case "not":
      return `(NOT ${compileNode(node.operand, compiler)})`;
    case "compare":
      return compileComparison(node, compiler);
  }
}

function compileComparison<Join extends string>(
  node: FilterComparison,
  compiler: Compiler<Join>,
): string {
  const { binder } = compiler;
  const kind = valueKindOf(node.field);
  const addresses = node.values.filter(
    (value) => value.kind === "address" || value.kind === "prefix",
  );
  const others = node.values.filter((value) => value.kind !== "address" && value.kind !== "prefix");
  const parts: string[] = [];
  if (addresses.length > 0) {
    const addressField = kind.kind === "network" ? kind.address : node.field;
    const binding = bindingOf(addressField, node, compiler);
    if (binding.kind !== "address")
      throw new Error(`${addressField} is bound as a scalar, not an address`);
    for (const value of addresses) parts.push(addressRange(binding, value, binder));
  }
  if (others.length > 0) {
    const binding = bindingOf(node.field, node, compiler);
    if (binding.kind !== "scalar")
      throw new Error(`${node.field} is bound as an address, not a scalar`);
    const type = binding.type ?? paramTypeOf(kind);
    const placeholders = (): string[] =>
      others.map((value) => bindValue(value, binding, type, binder));
    const sql = binding.sql;
    switch (node.op) {
      case "in":
      case "not in":
        parts.push(`${sql} IN (${placeholders().join(", ")})`);
        break;
      case "~": {
        const [value] = others;
        const pattern = value?.kind === "text" ? globToLike(value.value) : "";
        parts.push(compiler.dialect.like(sql, binder.bind(pattern, "text")));
        break;
      }
      case "=":
      case "!=":
      case "<<":
        parts.push(`${sql} = ${placeholders().join("")}`);
        break;
      case "<":
      case "<=":
      case ">":
      case ">=":
        parts.push(`${sql} ${node.op} ${placeholders().join("")}`);
        break;
    }
  }
  const any = parts.length === 1 ? (parts[0] ?? "") : `(${parts.join(" OR ")})`;
  return node.op === "!=" || node.op === "not in" ? `(NOT ${any})` : any;
}

function valueKindOf(field: string): ValueKind {
  const known = findField(field);
  if (known !== undefined) return known.value;
  if (tagFieldParts(field) !== undefined) return { kind: "text" };
  throw new Error(`no field ${field}: expressions come from parseFilterExpression`);
}

function bindingOf<Join extends string>(
  field: string,
  node: FilterComparison,
  compiler: Compiler<Join>,
): FieldBinding<Join> {
  const tag = tagFieldParts(field);
  const binding =
    tag === undefined
      ? compiler.dialect.field(field)
      : compiler.dialect.tag(tag.side, compiler.binder.bind(tag.key, "text"));
  if (binding === undefined) {
    const at = node.at;
    const span =
      compiler.exact && at !== undefined ? at : { column: 1, length: compiler.source.length };
    const what = tag === undefined ? `field ${field}` : "network tags";
    throw new FilterError(
      {
        filter: compiler.source,
        column: span.column,
        length: Math.max(1, span.length),
        expected: ["a field this store has"],
      },
      `${what} ${node.field === field ? "is" : `(for ${node.field}) is`} not available in this store (${compiler.dialect.name})`,
    );
  }
  if (binding.join !== undefined) compiler.joins.add(binding.join);
  return binding;
}

/** The parameter type of a field's values from its kind, when its binding does not say. */
function paramTypeOf(kind: ValueKind): SqlParamType {
  switch (kind.kind) {
    case "integer":
      return kind.max <= 0xff
        ? "u8"
        : kind.max <= 0xffff
          ? "u16"
          : kind.max <= 0xffffffff
            ? "u32"
            : "u64";
    case "protocol":
      return "u8";
    case "volume":
      return "u64";
    case "address":
    case "network":
    case "enum":
    case "text":
    case "country":
      return "text";
  }
}

function bindValue(
  value: FilterValue,
  binding: ScalarBinding,
  type: SqlParamType,
  binder: SqlBinder,
): string {
  if (value.kind === "integer") return binder.bind(value.value, type);
  const codes = binding.codes;
  if (codes !== undefined) {
    const code = codes[value.value];
    // A value the store has no code for is in no row; the parser only lets vocabulary through.
    if (code === undefined) throw new Error(`no stored code for "${value.value}"`);
    return binder.bind(code, type === "text" ? "u8" : type);
  }
  return binder.bind(value.value, "text");
}

const IPV4_MAPPED = 0xffffn << 32n;

/** The first and last 128-bit addresses of a prefix (IPv4 as IPv4-mapped IPv6). */
export function prefixRange(prefix: Prefix): { first: bigint; last: bigint } {
  if (prefix.version === 4) {
    const first = IPV4_MAPPED | BigInt(prefix.network);
    const hostBits = BigInt(32 - prefix.length);
    return { first, last: first | ((1n << hostBits) - 1n) };
  }
  let first = 0n;
  for (const word of prefix.words) first = (first << 32n) | BigInt(word);
  const hostBits = BigInt(128 - prefix.length);
  return { first, last: first | ((1n << hostBits) - 1n) };
}

function addressRange(binding: AddressBinding, value: FilterValue, binder: SqlBinder): string {
  const parsed = parsePrefix(value.kind === "text" ? "" : String(value.value));
  if (!parsed.ok) throw new Error(`not an address or prefix: ${String(value.value)}`);
  const { first, last } = prefixRange(parsed.prefix);
  return binding.inRange(first, last, binder);
}

/**
 * A glob (`*` any run, `?` one character) as a LIKE pattern in which `\` escapes `%`, `_` and
 * itself, so that every other character matches only itself.
 */
export function globToLike(glob: string): string {
  let pattern = "";
  for (const char of glob) {
    if (char === "*") pattern += "%";
    else if (char === "?") pattern += "_";
    else if (char === "%" || char === "_" || char === "\\") pattern += `\\${char}`;
    else pattern += char;
  }
  return pattern;
}
