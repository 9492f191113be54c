/**
 * The filter language's syntax tree: what the parser returns, the printer prints and each
 * store's dialect compiles to SQL. Plain data (no classes, no bigints) so a filter crosses
 * to the store thread by structured clone and into JSON unchanged.
 *
 * Values are already validated and normalised for their field by the parser: a protocol name
 * is its IANA number, a volume with units is a whole number of bytes or packets, an address
 * or a prefix is canonical text, a country code is upper case, an enum value is lower case.
 */

export const COMPARISON_OPERATORS = ["=", "!=", "<", "<=", ">", ">=", "<<", "~"] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** Every operator a comparison can carry: the scalar ones, and list membership. */
export type FilterOperator = ComparisonOperator | "in" | "not in";

export type FilterValue =
  | { readonly kind: "integer"; readonly value: number }
  | { readonly kind: "text"; readonly value: string }
  /** Canonical address text (`192.0.2.1`, `2001:db8::1`). */
  | { readonly kind: "address"; readonly value: string }
  /** Canonical prefix text, always with a length (`10.0.0.0/8`). */
  | { readonly kind: "prefix"; readonly value: string };

/** Where a node came from in the filter text: 1-based column and length in characters. */
export interface SourceSpan {
  readonly column: number;
  readonly length: number;
}

/** `field op value`, or `field in (v, …)` / `field not in (…)` with `values` the list. */
export interface FilterComparison {
  readonly kind: "compare";
  /** The field's canonical name (an alias is resolved), `src.tag.<key>` for a tag. */
  readonly field: string;
  readonly op: FilterOperator;
  /** One value for a scalar operator, one or more for `in` / `not in`. */
  readonly values: readonly FilterValue[];
  /** Where the field name was written, so a store can say which field it lacks. */
  readonly at?: SourceSpan;
}

export interface FilterNot {
  readonly kind: "not";
  readonly operand: FilterExpression;
}

/** `and` / `or` of two or more operands, flattened (`a and (b and c)` is one node of three). */
export interface FilterJunction {
  readonly kind: "and" | "or";
  readonly operands: readonly FilterExpression[];
}

export type FilterExpression = FilterComparison | FilterNot | FilterJunction;
