import { FilterError } from "./errors.ts";

/**
 * Splits filter text into tokens. A bare word runs until white space or one of
 * `( ) , " ' = ! < > ~`, so addresses (`2001:db8::1`), prefixes (`10.0.0.0/8`), volumes
 * (`10MB`), dotted field names and hyphenated values (`ipv6-icmp`, `same-zone`) are each one
 * word; what a word means is decided by the parser from where it stands.
 */

export type TokenKind = "word" | "string" | "(" | ")" | "," | "op" | "end";

export interface Token {
  readonly kind: TokenKind;
  /** The word, the operator, or the decoded string. */
  readonly text: string;
  /** 0-based offset of the first character and offset just past the last, in the filter text. */
  readonly start: number;
  readonly end: number;
}

const DELIMITERS = new Set(["(", ")", ",", '"', "'", "=", "!", "<", ">", "~"]);
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\",
  '"': '"',
  "'": "'",
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
  "0": "\0",
};

function isSpace(char: string): boolean {
  return char === " " || char === "\t" || char === "\n" || char === "\r" || char === "\f";
}

function fail(
  filter: string,
  start: number,
  end: number,
  expected: string[],
  message: string,
): never {
  throw new FilterError(
    { filter, column: start + 1, length: Math.max(1, end - start), expected },
    message,
  );
}

/** A UTF-16 surrogate without its pair: no UTF-8 form, so no store could be asked for it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function tokenize(filter: string): Token[] {
  const lone = LONE_SURROGATE.exec(filter);
  if (lone !== null) {
    fail(filter, lone.index, lone.index + 1, ["text"], "the filter holds a lone UTF-16 surrogate");
  }
  const tokens: Token[] = [];
  let index = 0;
  while (index < filter.length) {
    const char = filter.charAt(index);
    if (isSpace(char)) {
      index++;
      continue;
    }
    const start = index;
    if (char === "(" || char === ")" || char === ",") {
      tokens.push({ kind: char, text: char, start, end: ++index });
    } else if (char === '"' || char === "'") {
      const { value, end } = readString(filter, index);
      if (LONE_SURROGATE.test(value)) {
        fail(
          filter,
          start,
          end,
          ["text"],
          "the string escapes a lone UTF-16 surrogate (\\u escape it as a pair)",
        );
      }
      tokens.push({ kind: "string", text: value, start, end });
      index = end;
    } else if (char === "=" || char === "~") {
      tokens.push({ kind: "op", text: char, start, end: ++index });
    } else if (char === "!") {
      if (filter.charAt(index + 1) !== "=") {
        fail(filter, start, start + 1, ["!="], `"!" must be followed by "=" (write != or not)`);
      }
      index += 2;
      tokens.push({ kind: "op", text: "!=", start, end: index });
    } else if (char === "<") {
      const next = filter.charAt(index + 1);
      const text = next === "=" ? "<=" : next === "<" ? "<<" : "<";
      index += text.length;
      tokens.push({ kind: "op", text, start, end: index });
    } else if (char === ">") {
      const text = filter.charAt(index + 1) === "=" ? ">=" : ">";
      index += text.length;
      tokens.push({ kind: "op", text, start, end: index });
    } else {
      while (index < filter.length) {
        const next = filter.charAt(index);
        if (isSpace(next) || DELIMITERS.has(next)) break;
        index++;
      }
      tokens.push({ kind: "word", text: filter.slice(start, index), start, end: index });
    }
  }
  tokens.push({ kind: "end", text: "", start: filter.length, end: filter.length });
  return tokens;
}

/** Reads a quoted string starting at `start` (its quote): the decoded value and the end offset. */
function readString(filter: string, start: number): { value: string; end: number } {
  const quote = filter.charAt(start);
  let value = "";
  let index = start + 1;
  while (index < filter.length) {
    const char = filter.charAt(index);
    if (char === quote) return { value, end: index + 1 };
    if (char !== "\\") {
      value += char;
      index++;
      continue;
    }
    const escape = filter.charAt(index + 1);
    const simple = SIMPLE_ESCAPES[escape];
    if (simple !== undefined) {
      value += simple;
      index += 2;
    } else if (escape === "x" && /^[0-9a-fA-F]{2}$/.test(filter.slice(index + 2, index + 4))) {
      value += String.fromCharCode(parseInt(filter.slice(index + 2, index + 4), 16));
      index += 4;
    } else if (escape === "u" && /^[0-9a-fA-F]{4}$/.test(filter.slice(index + 2, index + 6))) {
      value += String.fromCharCode(parseInt(filter.slice(index + 2, index + 6), 16));
      index += 6;
    } else if (escape === "u" && filter.charAt(index + 2) === "{") {
      const close = filter.indexOf("}", index + 3);
      const hex = close === -1 ? "" : filter.slice(index + 3, close);
      const codePoint = /^[0-9a-fA-F]{1,6}$/.test(hex) ? parseInt(hex, 16) : -1;
      if (codePoint < 0 || codePoint > 0x10ffff) {
        fail(
          filter,
          index,
          close === -1 ? index + 2 : close + 1,
          ["\\u{hex code point}"],
          "bad \\u{…} escape: expected 1 to 6 hex digits up to 10FFFF",
        );
      }
      value += String.fromCodePoint(codePoint);
      index = close + 1;
    } else {
      fail(
        filter,
        index,
        Math.min(filter.length, index + 2),
        ["\\\\", `\\${quote}`, "\\n", "\\t", "\\xHH", "\\uHHHH"],
        escape === ""
          ? "the string ends with a lone backslash"
          : `unknown escape "\\${escape}" (use \\\\ for a backslash)`,
      );
    }
  }
  return fail(
    filter,
    start,
    filter.length,
    [quote],
    `the string opened here is not closed (expected a closing ${quote})`,
  );
}
