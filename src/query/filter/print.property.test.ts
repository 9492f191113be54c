import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../core/index.ts";
import type { FilterExpression } from "./ast.ts";
import { FilterError } from "./errors.ts";
import { parseFilterExpression } from "./parser.ts";
import { printFilter } from "./print.ts";

/** The tree without source positions, which differ between a filter and its printed form. */
function withoutSpans(expression: FilterExpression): unknown {
  return JSON.parse(
    JSON.stringify(expression, (key, value: unknown) => (key === "at" ? undefined : value)),
  );
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const text = fc
  .string({ unit: "binary", maxLength: 12 })
  .filter((value) => !LONE_SURROGATE.test(value));
const comparison = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        ["direction", ["egress", "INGRESS", "transit"]] as const,
        ["locality", ["internet", "cdn", "same-zone"]] as const,
        ["source", ["ipfix", "aws-vpc", "Demo"]] as const,
      ),
      fc.constantFrom("=", "!="),
      fc.nat(2),
    )
    .map(([[field, values], op, index]) => `${field} ${op} ${values[index] ?? ""}`),
  fc
    .tuple(
      fc.constantFrom("src.port", "dst.port", "tos", "proto"),
      fc.constantFrom("=", "!=", "<", "<=", ">", ">="),
      fc.integer({ min: 0, max: 255 }),
    )
    .map(([field, op, value]) => `${field} ${op} ${value}`),
  fc
    .tuple(
      fc.constantFrom("bytes", "packets"),
      fc.constantFrom("<", ">="),
      fc.integer({ min: 0, max: 999 }),
      fc.constantFrom("", "k", "M", "Gi"),
    )
    .map(([field, op, value, unit]) => `${field} ${op} ${value}${unit}`),
  fc
    .tuple(
      fc.constantFrom("src.addr", "dst.addr", "src.net", "exporter"),
      fc.constantFrom("=", "<<", "!="),
      fc.ipV4(),
      fc.integer({ min: 0, max: 32 }),
    )
    .map(([field, op, address, length]) => {
      const words = address.split(".").map(Number);
      const value =
        (((words[0] ?? 0) * 256 + (words[1] ?? 0)) * 256 + (words[2] ?? 0)) * 256 + (words[3] ?? 0);
      const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
      const network = (value & mask) >>> 0;
      return `${field} ${op} ${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join(".")}/${length}`;
    }),
  fc
    .tuple(fc.constantFrom("src.addr", "dst.addr"), fc.ipV6())
    .map(([field, address]) => `${field} = ${address}`),
  fc
    .tuple(
      fc.constantFrom("cloud.account", "src.net", "src.tag.team", "dst.as.name"),
      fc.constantFrom("=", "!=", "~"),
      text,
    )
    .map(([field, op, value]) => `${field} ${op} ${JSON.stringify(value)}`),
  fc
    .tuple(
      text.filter((key) => key.length > 0),
      text,
    )
    .map(([key, value]) => `dst.tag.${JSON.stringify(key)} = ${JSON.stringify(value)}`),
  fc
    .tuple(
      fc.constantFrom("dst.port", "src.as", "proto"),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
    )
    .map(
      ([field, negated, values]) => `${field} ${negated ? "not in" : "in"} (${values.join(", ")})`,
    ),
);

const filterText: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    comparison,
    tie("node").map((node) => `not ${node}`),
    tie("node").map((node) => `(${node})`),
    fc
      .tuple(tie("node"), fc.constantFrom(" and ", " or ", " AND ", " Or "), tie("node"))
      .map(([a, op, b]) => `${a}${op}${b}`),
  ),
})).node;

describe("filter printer", () => {
  it("prints what parses back to the same tree, and printing again changes nothing", () => {
    fc.assert(
      fc.property(filterText, (source) => {
        let parsed: FilterExpression;
        try {
          parsed = parseFilterExpression(source);
        } catch (error) {
          // Only generated nesting past the depth limit may be refused.
          expect(error).toBeInstanceOf(FilterError);
          expect((error as FilterError).message).toMatch(/nests deeper/);
          return;
        }
        const printed = printFilter(parsed);
        const reparsed = parseFilterExpression(printed);
        expect(withoutSpans(reparsed)).toEqual(withoutSpans(parsed));
        expect(printFilter(reparsed)).toBe(printed);
      }),
      { numRuns: 2000 },
    );
  });
});

const soupToken = fc.constantFrom(
  "and",
  "or",
  "not",
  "in",
  "(",
  ")",
  ",",
  "=",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "<<",
  "~",
  "!",
  '"',
  "'",
  "\\",
  "src.addr",
  "dst.port",
  "proto",
  "bytes",
  "src.tag.",
  "src.tag.x",
  "direction",
  "egress",
  "tcp",
  "10MB",
  "10.0.0.0/8",
  "2001:db8::/32",
  "::",
  "1.2.3.4",
  "443",
  '"a b"',
  "'q'",
  "\\u{110000}",
  "\u0000",
  "\ud800",
  " ",
  "\t",
);

describe("filter parser on token soup", () => {
  it("returns a tree or throws ERR_QUERY_INVALID, nothing else", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(fc.array(soupToken, { maxLength: 40 }), fc.boolean())
            .map(([tokens, spaced]) => tokens.join(spaced ? " " : "")),
          fc.string({ unit: "binary", maxLength: 60 }),
        ),
        (source) => {
          try {
            const parsed = parseFilterExpression(source);
            // Whatever parses prints to something that parses to the same tree.
            expect(withoutSpans(parseFilterExpression(printFilter(parsed)))).toEqual(
              withoutSpans(parsed),
            );
          } catch (error) {
            expect(isAppError(error) && error.code === "ERR_QUERY_INVALID").toBe(true);
            const details = (error as FilterError).details;
            expect(details.column).toBeGreaterThanOrEqual(1);
            expect(details.column).toBeLessThanOrEqual(source.length + 1);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});
