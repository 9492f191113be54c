/**
 * Writing filter expressions (docs/33-filter-language.md) from the page: a top-N key turned
 * into a condition, added to what the user typed. The server parses and checks; this side only
 * has to write text that reads back as the same value.
 */

/** The characters that end a bare word in the filter lexer, besides white space. */
const WORD_BREAK = /[\s()," '=!<>~]/;
const KEYWORDS = new Set(["and", "or", "not", "in"]);
/** On a network field, a bare address or prefix means "within it"; a quoted one is a name. */
const ADDRESS_LIKE = /^[0-9A-Fa-f:.]*[.:][0-9A-Fa-f:.]*(\/\d+)?$/;
const NETWORK_FIELDS = new Set(["src.net", "dst.net"]);

function quote(value: string): string {
  let text = "";
  for (const char of value) {
    if (char === "\\" || char === '"') text += `\\${char}`;
    else if (char === "\n") text += "\\n";
    else if (char === "\r") text += "\\r";
    else if (char === "\t") text += "\\t";
    else if (char < " ") text += `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
    else text += char;
  }
  return `"${text}"`;
}

/** A top-N key written as a filter value: bare when the lexer reads it back whole, else quoted. */
export function filterValue(dimension: string, key: string): string {
  const needsQuotes =
    key === "" ||
    WORD_BREAK.test(key) ||
    key.includes("\\") ||
    KEYWORDS.has(key.toLowerCase()) ||
    (NETWORK_FIELDS.has(dimension) && ADDRESS_LIKE.test(key));
  return needsQuotes ? quote(key) : key;
}

/** `dimension = key`, the drill-down condition for one row of a top-N. */
export function condition(dimension: string, key: string): string {
  return `${dimension} = ${filterValue(dimension, key)}`;
}

/**
 * Adds a condition to a filter with `and`. An expression holding `or` is parenthesised first,
 * since `and` binds tighter (`a or b and c` is `a or (b and c)`); one that already states the
 * condition as one of its `and` parts is left as it is.
 */
export function addCondition(filter: string, added: string): string {
  const current = filter.trim();
  if (current === "") return added;
  if (!/\bor\b/i.test(current)) {
    const parts = current.split(/\s+and\s+/i).map((part) => part.trim());
    if (parts.includes(added)) return current;
    return `${current} and ${added}`;
  }
  return `(${current}) and ${added}`;
}

/**
 * The one address a filter pins `field` to (`dst.addr = 192.0.2.1`, possibly among other `and`
 * conditions), if it plainly does; undefined for anything with `or` or `not`, a prefix, or
 * several such conditions, where rows need not share that end.
 */
export function pinnedAddress(filter: string, field: "src.addr" | "dst.addr"): string | undefined {
  if (/\b(or|not)\b/i.test(filter)) return undefined;
  const escaped = field.replace(".", "\\.");
  const pattern = new RegExp(
    `(?:^|[\\s(])${escaped}\\s*=\\s*"?([0-9A-Fa-f:.]+)"?(?=$|[\\s)])`,
    "gi",
  );
  const found = [...filter.matchAll(pattern)].map((match) => match[1]);
  const [only] = found;
  return found.length === 1 && only !== undefined && /[.:]/.test(only) ? only : undefined;
}
