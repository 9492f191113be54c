/**
 * The one literal encoder of the ClickHouse adapter: every value that is not a fixed piece of
 * this folder's SQL goes through here. ClickHouse 18.16 has no server-side query parameters
 * (`{name:Type}` arrived in 19.x; 18.16 answers `Unknown setting param_x`), so values are
 * spliced as literals, and only in the two forms below, whose escaping is complete:
 *
 * - strings: single-quoted, with backslash and quote escaped (ClickHouse string literals
 *   understand C escapes, so a lone backslash must be doubled), and NUL/newline/CR/tab written
 *   as escapes so a literal never spans a line;
 * - integers: safe JavaScript integers only, written in decimal.
 *
 * Identifiers (database names) are checked against a pattern and backquoted; nothing else is.
 */

export function sqlString(text: string): string {
  let out = "'";
  for (const char of text) {
    switch (char) {
      case "\\":
        out += "\\\\";
        break;
      case "'":
        out += "\\'";
        break;
      case "\0":
        out += "\\0";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      default:
        out += char;
    }
  }
  return `${out}'`;
}

export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`${value} is not a safe integer`);
  return String(value);
}

export function sqlUInt64(value: bigint): string {
  if (value < 0n || value >= 1n << 64n) throw new Error(`${value} is not a UInt64`);
  return `toUInt64('${value.toString()}')`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

export function sqlIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain identifier`);
  return `\`${name}\``;
}
