import { canonicalIp, parsePrefix } from "../../core/index.ts";
import type {
  FilterComparison,
  FilterExpression,
  FilterOperator,
  FilterValue,
  SourceSpan,
} from "./ast.ts";
import { closest, FilterError } from "./errors.ts";
import {
  FILTER_FIELD_NAMES,
  findField,
  TAG_KEY_MAX_LENGTH,
  TAG_SIDES,
  TAG_VALUE,
  type ValueKind,
} from "./fields.ts";
import { tokenize, type Token } from "./lexer.ts";
import { parseVolume, PROTOCOL_NUMBERS } from "./values.ts";

/**
 * The filter grammar (keywords case-insensitive; `not` binds tighter than `and`, `and` than
 * `or`):
 *
 * ```
 * filter     = or-expr end
 * or-expr    = and-expr { "or" and-expr }
 * and-expr   = unary { "and" unary }
 * unary      = "not" unary | "(" or-expr ")" | comparison
 * comparison = field op value | field [ "not" ] "in" "(" value { "," value } ")"
 * op         = "=" | "!=" | "<" | "<=" | ">" | ">=" | "<<" | "~"
 * value      = word | "quoted" | 'quoted'
 * ```
 *
 * Every value is checked against its field's kind while parsing, so a filter that parses can
 * only fail later because a store lacks a field.
 */

/** Limits that keep a hostile filter from costing more than a normal one. */
export const FILTER_MAX_LENGTH = 10_000;
export const FILTER_MAX_DEPTH = 64;
export const FILTER_MAX_LIST = 1_000;

const KEYWORDS = new Set(["and", "or", "not", "in"]);

const OPERATORS_BY_KIND: Readonly<Record<ValueKind["kind"], readonly FilterOperator[]>> = {
  address: ["=", "!=", "<<", "in", "not in"],
  network: ["=", "!=", "<<", "~", "in", "not in"],
  integer: ["=", "!=", "<", "<=", ">", ">=", "in", "not in"],
  protocol: ["=", "!=", "<", "<=", ">", ">=", "in", "not in"],
  enum: ["=", "!=", "in", "not in"],
  text: ["=", "!=", "~", "in", "not in"],
  country: ["=", "!=", "in", "not in"],
  volume: ["=", "!=", "<", "<=", ">", ">=", "in", "not in"],
};

/** Parses filter text into a validated expression, or throws a FilterError. */
export function parseFilterExpression(filter: string): FilterExpression {
  if (filter.length > FILTER_MAX_LENGTH) {
    throw new FilterError(
      { filter, column: FILTER_MAX_LENGTH + 1, length: 1, expected: ["a shorter filter"] },
      `the filter is ${filter.length} characters long, at most ${FILTER_MAX_LENGTH} are allowed`,
    );
  }
  return new Parser(filter).parse();
}

interface ResolvedField {
  name: string;
  value: ValueKind;
  at: SourceSpan;
}

class Parser {
  private readonly filter: string;
  private readonly tokens: Token[];
  private position = 0;
  private depth = 0;

  constructor(filter: string) {
    this.filter = filter;
    this.tokens = tokenize(filter);
  }

  parse(): FilterExpression {
    const expression = this.orExpression();
    const token = this.peek();
    if (token.kind !== "end") {
      this.fail(
        token,
        ["and", "or", "end of filter"],
        token.kind === ")"
          ? `")" closes no "("`
          : `expected and, or or the end of the filter, found ${this.describe(token)}`,
      );
    }
    return expression;
  }

  private peek(offset = 0): Token {
    const token = this.tokens[Math.min(this.position + offset, this.tokens.length - 1)];
    if (token === undefined) throw new Error("tokenize always ends with an end token");
    return token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.position++;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === "word" && token.text.toLowerCase() === keyword;
  }

  private describe(token: Token): string {
    switch (token.kind) {
      case "end":
        return "the end of the filter";
      case "string":
        return `the string ${JSON.stringify(token.text)}`;
      case "word":
        return `"${token.text}"`;
      case "(":
      case ")":
      case ",":
      case "op":
        return `"${token.text}"`;
    }
  }

  private fail(token: Token, expected: string[], message: string): never {
    this.failAt(token.start, token.end, expected, message);
  }

  private failAt(start: number, end: number, expected: string[], message: string): never {
    throw new FilterError(
      { filter: this.filter, column: start + 1, length: Math.max(1, end - start), expected },
      message,
    );
  }

  private enter(token: Token): void {
    if (++this.depth > FILTER_MAX_DEPTH) {
      this.fail(
        token,
        ["a flatter filter"],
        `the filter nests deeper than ${FILTER_MAX_DEPTH} levels`,
      );
    }
  }

  private orExpression(): FilterExpression {
    const operands = [this.andExpression()];
    while (this.isKeyword(this.peek(), "or")) {
      this.next();
      operands.push(this.andExpression());
    }
    return junction("or", operands);
  }

  private andExpression(): FilterExpression {
    const operands = [this.unary()];
    while (this.isKeyword(this.peek(), "and")) {
      this.next();
      operands.push(this.unary());
    }
    return junction("and", operands);
  }

  private unary(): FilterExpression {
    const token = this.peek();
    if (this.isKeyword(token, "not")) {
      this.next();
      this.enter(token);
      const operand = this.unary();
      this.depth--;
      return { kind: "not", operand };
    }
    if (token.kind === "(") {
      this.next();
      this.enter(token);
      const inner = this.orExpression();
      this.depth--;
      const close = this.peek();
      if (close.kind !== ")") {
        this.fail(
          close,
          ["and", "or", ")"],
          `expected and, or or ")" to close the "(" at column ${token.start + 1}, found ${this.describe(close)}`,
        );
      }
      this.next();
      return inner;
    }
    return this.comparison();
  }

  private comparison(): FilterComparison {
    const field = this.field();
    const opToken = this.next();
    let op: FilterOperator;
    if (opToken.kind === "op") {
      op = opToken.text as FilterOperator;
    } else if (this.isKeyword(opToken, "in")) {
      op = "in";
    } else if (this.isKeyword(opToken, "not") && this.isKeyword(this.peek(), "in")) {
      this.next();
      op = "not in";
    } else {
      this.fail(
        opToken,
        ["an operator"],
        `expected an operator after ${field.name} (${OPERATORS_BY_KIND[field.value.kind].join(", ")}), found ${this.describe(opToken)}`,
      );
    }
    const allowed = OPERATORS_BY_KIND[field.value.kind];
    if (!allowed.includes(op)) {
      this.fail(
        opToken,
        [...allowed],
        `${field.name} does not take "${op}" (it takes ${allowed.join(", ")})`,
      );
    }
    const base = { kind: "compare" as const, field: field.name, op, at: field.at };
    if (op !== "in" && op !== "not in") {
      return { ...base, values: [this.value(field, op)] };
    }
    const open = this.next();
    if (open.kind !== "(") {
      this.fail(
        open,
        ["("],
        `expected "(" to open the list after ${op}, found ${this.describe(open)}`,
      );
    }
    const values: FilterValue[] = [];
    for (;;) {
      values.push(this.value(field, op));
      const separator = this.next();
      if (separator.kind === ")") break;
      if (separator.kind !== ",") {
        this.fail(
          separator,
          [",", ")"],
          `expected "," or ")" in the list, found ${this.describe(separator)}`,
        );
      }
      if (values.length >= FILTER_MAX_LIST) {
        this.fail(separator, [")"], `a list holds at most ${FILTER_MAX_LIST} values`);
      }
    }
    return { ...base, values };
  }

  private field(): ResolvedField {
    const token = this.next();
    if (token.kind !== "word" || KEYWORDS.has(token.text.toLowerCase())) {
      this.fail(
        token,
        ["a field"],
        token.kind === "string"
          ? `expected a field name, found a quoted string (quote values, not fields)`
          : `expected a field (src.addr, dst.port, direction…), found ${this.describe(token)}`,
      );
    }
    const lower = token.text.toLowerCase();
    for (const side of TAG_SIDES) {
      const prefix = `${side}.tag.`;
      if (!lower.startsWith(prefix)) continue;
      let key = token.text.slice(prefix.length);
      let end = token.end;
      const quoted = this.peek();
      if (key === "" && quoted.kind === "string" && quoted.start === token.end) {
        this.next();
        key = quoted.text;
        end = quoted.end;
      }
      const at = { column: token.start + 1, length: end - token.start };
      if (key === "" || key.length > TAG_KEY_MAX_LENGTH) {
        this.failAt(
          token.start,
          end,
          ["a tag key"],
          `${prefix} needs a tag key of 1 to ${TAG_KEY_MAX_LENGTH} characters (${prefix}team, or ${prefix}"cost center")`,
        );
      }
      return { name: `${prefix}${key}`, value: TAG_VALUE, at };
    }
    const known = findField(token.text);
    if (known === undefined) {
      const suggestion = closest(lower, FILTER_FIELD_NAMES);
      this.fail(
        token,
        ["a field"],
        `unknown field "${token.text}"${suggestion === undefined ? "" : `: did you mean ${suggestion}?`} (fields: src.addr, dst.port, proto, direction, bytes… or src.tag.<key>; see docs/33-filter-language.md)`,
      );
    }
    return {
      name: known.name,
      value: known.value,
      at: { column: token.start + 1, length: token.end - token.start },
    };
  }

  private value(field: ResolvedField, op: FilterOperator): FilterValue {
    const token = this.next();
    if (token.kind !== "word" && token.kind !== "string") {
      this.fail(
        token,
        ["a value"],
        `expected a value for ${field.name}, found ${this.describe(token)}`,
      );
    }
    const quoted = token.kind === "string";
    const text = token.text;
    const bad = (expected: string[], message: string): never => this.fail(token, expected, message);
    const kind = field.value;
    switch (kind.kind) {
      case "address":
      case "network": {
        const address = quoted && kind.kind === "network" ? undefined : addressValue(text);
        if (address !== undefined) {
          if (typeof address === "string") bad(["an address or a prefix"], address);
          else return address;
        }
        if (kind.kind === "address") {
          return bad(
            ["an address", "a prefix"],
            `"${text}" is not an IP address or prefix (expected e.g. 192.0.2.1, 10.0.0.0/8, 2001:db8::/32)`,
          );
        }
        if (op === "<<") {
          return bad(["a prefix"], `<< takes a prefix (e.g. 10.0.0.0/8), not the name "${text}"`);
        }
        return { kind: "text", value: text };
      }
      case "integer": {
        const number = /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
        const inRange =
          Number.isSafeInteger(number) &&
          number >= kind.min &&
          number <= kind.max &&
          (kind.only === undefined || kind.only.includes(number));
        if (!inRange) {
          const range =
            kind.only === undefined ? `${kind.min} to ${kind.max}` : kind.only.join(" or ");
          bad([kind.what], `${field.name} takes ${kind.what}, ${range}; "${text}" is not one`);
        }
        return { kind: "integer", value: number };
      }
      case "protocol": {
        const byName = PROTOCOL_NUMBERS[text.toLowerCase()];
        if (byName !== undefined) return { kind: "integer", value: byName };
        const number = /^[0-9]{1,3}$/.test(text) ? Number(text) : NaN;
        if (number >= 0 && number <= 255) return { kind: "integer", value: number };
        const suggestion = closest(text, Object.keys(PROTOCOL_NUMBERS));
        return bad(
          ["a protocol name or number"],
          `"${text}" is not an IP protocol (a name such as tcp, udp, icmp, gre, esp, or a number 0 to 255)${suggestion === undefined ? "" : `: did you mean ${suggestion}?`}`,
        );
      }
      case "volume": {
        const volume = parseVolume(text, kind.unit);
        if (!volume.ok) return bad([`a number of ${kind.unit}`], volume.message);
        return { kind: "integer", value: volume.value };
      }
      case "enum": {
        const lower = text.toLowerCase();
        if (kind.values.includes(lower)) return { kind: "text", value: lower };
        const listed = kind.values.filter((value) => value !== "");
        const suggestion = closest(lower, listed);
        return bad(
          listed,
          `"${text}" is not ${kind.what} (one of ${listed.join(", ")}${kind.values.includes("") ? ', or "" for none' : ""})${suggestion === undefined ? "" : `: did you mean ${suggestion}?`}`,
        );
      }
      case "country": {
        if (/^[A-Za-z]{2}$/.test(text) || (quoted && text === "")) {
          return { kind: "text", value: text.toUpperCase() };
        }
        return bad(
          ["a country code"],
          `"${text}" is not a two-letter country code (ISO 3166-1 alpha-2, e.g. US, DE, JP; "" for unknown)`,
        );
      }
      case "text":
        return { kind: "text", value: text };
    }
  }
}

/**
 * An address or prefix value from text; a message when it looks like a prefix but is wrong
 * (host bits set, bad length); undefined when it is not an address at all.
 */
function addressValue(text: string): FilterValue | string | undefined {
  if (text.includes("/")) {
    const parsed = parsePrefix(text);
    if (parsed.ok) return { kind: "prefix", value: parsed.prefix.text };
    return /^[0-9a-fA-F:.]+\/[0-9]*$/.test(text) ? parsed.message : undefined;
  }
  const address = canonicalIp(text);
  return address === undefined ? undefined : { kind: "address", value: address };
}

function junction(kind: "and" | "or", operands: FilterExpression[]): FilterExpression {
  const [first] = operands;
  if (operands.length === 1 && first !== undefined) return first;
  // Flattened, so a printed filter parses back to the same tree.
  const flat = operands.flatMap((operand) =>
    operand.kind === kind ? operand.operands : [operand],
  );
  return { kind, operands: flat };
}
