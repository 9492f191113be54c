import type { FilterExpression, FilterValue } from "./ast.ts";
import { findField, tagFieldParts } from "./fields.ts";
import { PROTOCOL_NAMES } from "./values.ts";

/**
 * Prints an expression as filter text that parses back to the same expression (the canonical
 * form: lower-case keywords, values as the parser normalised them, protocols by name,
 * parentheses only where precedence needs them).
 */
export function printFilter(expression: FilterExpression): string {
  switch (expression.kind) {
    case "or":
      return expression.operands.map((operand) => printFilter(operand)).join(" or ");
    case "and":
      return expression.operands
        .map((operand) =>
          operand.kind === "or" ? `(${printFilter(operand)})` : printFilter(operand),
        )
        .join(" and ");
    case "not": {
      const operand = expression.operand;
      const inner = printFilter(operand);
      return operand.kind === "and" || operand.kind === "or" ? `not (${inner})` : `not ${inner}`;
    }
    case "compare": {
      const field = printField(expression.field);
      const values = expression.values.map((value) => printValue(expression.field, value));
      if (expression.op === "in" || expression.op === "not in") {
        return `${field} ${expression.op} (${values.join(", ")})`;
      }
      return `${field} ${expression.op} ${values.join(", ")}`;
    }
  }
}

const BARE_WORD = /^[^\s()",'=!<>~]+$/;
const KEYWORDS = new Set(["and", "or", "not", "in"]);

function printField(name: string): string {
  const tag = tagFieldParts(name);
  if (tag === undefined || isBare(tag.key)) return name;
  return `${tag.side}.tag.${quote(tag.key)}`;
}

function printValue(field: string, value: FilterValue): string {
  switch (value.kind) {
    case "integer":
      if (findField(field)?.value.kind === "protocol") {
        return PROTOCOL_NAMES.get(value.value) ?? String(value.value);
      }
      return String(value.value);
    case "address":
    case "prefix":
      return value.value;
    case "text": {
      // A network name that reads as an address must stay a name: quoted.
      const kind = findField(field)?.value.kind;
      const looksLikeAddress =
        kind === "network" && /^[0-9a-fA-F:.]+(\/[0-9]*)?$/.test(value.value);
      return isBare(value.value) && !looksLikeAddress ? value.value : quote(value.value);
    }
  }
}

function isBare(text: string): boolean {
  return BARE_WORD.test(text) && !KEYWORDS.has(text.toLowerCase());
}

/** A double-quoted string the lexer reads back as `text`. */
export function quote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === "\\") quoted += `\\${char}`;
    else if (char === "\n") quoted += "\\n";
    else if (char === "\r") quoted += "\\r";
    else if (char === "\t") quoted += "\\t";
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code >= 0xd800 && code <= 0xdfff) quoted += `\\u${code.toString(16)}`;
    else quoted += char;
  }
  return `${quoted}"`;
}
