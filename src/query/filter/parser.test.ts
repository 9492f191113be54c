import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/index.ts";
import type { FilterExpression } from "./ast.ts";
import { FilterError, filterErrorDetails, renderFilterCaret } from "./errors.ts";
import { FILTER_FIELDS, findField } from "./fields.ts";
import { parseFilterExpression } from "./parser.ts";
import { printFilter } from "./print.ts";
import { parseVolume } from "./values.ts";

function failure(text: string): FilterError {
  try {
    parseFilterExpression(text);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    expect((error as AppError).code).toBe("ERR_QUERY_INVALID");
    return error as FilterError;
  }
  throw new Error(`${text} parsed`);
}

describe("parseFilterExpression", () => {
  it("parses the examples into the expected trees", () => {
    expect(
      parseFilterExpression(
        "direction = egress and dst.country not in (us, CA) and bytes > 10MB and src.tag.team = payments",
      ),
    ).toEqual({
      kind: "and",
      operands: [
        {
          kind: "compare",
          field: "direction",
          op: "=",
          values: [{ kind: "text", value: "egress" }],
          at: { column: 1, length: 9 },
        },
        {
          kind: "compare",
          field: "dst.country",
          op: "not in",
          values: [
            { kind: "text", value: "US" },
            { kind: "text", value: "CA" },
          ],
          at: { column: 24, length: 11 },
        },
        {
          kind: "compare",
          field: "bytes",
          op: ">",
          values: [{ kind: "integer", value: 10_000_000 }],
          at: { column: 56, length: 5 },
        },
        {
          kind: "compare",
          field: "src.tag.team",
          op: "=",
          values: [{ kind: "text", value: "payments" }],
          at: { column: 73, length: 12 },
        },
      ],
    });
    expect(printFilter(parseFilterExpression("dst.asn = 15169 or dst.net = 203.0.113.0/24"))).toBe(
      "dst.as = 15169 or dst.net = 203.0.113.0/24",
    );
    expect(printFilter(parseFilterExpression("PROTO = TCP AND dst.port IN (443,8443)"))).toBe(
      "proto = tcp and dst.port in (443, 8443)",
    );
    expect(printFilter(parseFilterExpression("src.addr<<10.0.0.0/8"))).toBe(
      "src.addr << 10.0.0.0/8",
    );
    expect(parseFilterExpression("not locality = internet")).toMatchObject({
      kind: "not",
      operand: { field: "locality", values: [{ value: "internet" }] },
    });
  });

  it("binds not tighter than and, and tighter than or", () => {
    const tree = parseFilterExpression("not tos = 1 or proto = 6 and not (tos = 1 or tos = 2)");
    expect(printFilter(tree)).toBe("not tos = 1 or proto = tcp and not (tos = 1 or tos = 2)");
    expect(tree.kind).toBe("or");
    const flat = parseFilterExpression("tos = 1 and (tos = 2 and (tos = 3))");
    expect(flat.kind === "and" && flat.operands.length).toBe(3);
  });

  it("normalises values per field kind", () => {
    const value = (text: string): unknown =>
      (parseFilterExpression(text) as Extract<FilterExpression, { kind: "compare" }>).values;
    expect(value("proto in (ICMPv6, ipv6-icmp, 58, gre, esp, sctp)")).toEqual(
      [58, 58, 58, 47, 50, 132].map((n) => ({ kind: "integer", value: n })),
    );
    expect(value("src.addr = 2001:DB8:0::1")).toEqual([{ kind: "address", value: "2001:db8::1" }]);
    expect(value("src.net = 2001:db8::/32")).toEqual([{ kind: "prefix", value: "2001:db8::/32" }]);
    expect(value('src.net = "10.0.0.0/8"')).toEqual([{ kind: "text", value: "10.0.0.0/8" }]);
    expect(value("direction = EGRESS")).toEqual([{ kind: "text", value: "egress" }]);
    expect(value('observed.action = ""')).toEqual([{ kind: "text", value: "" }]);
    expect(value('cloud.account = "a \\"b\\" \\\\ \\u00e9\\u{1F680}\\x00"')).toEqual([
      { kind: "text", value: 'a "b" \\ é🚀\u0000' },
    ]);
    expect(value('src.tag."cost center" = x')).toEqual([{ kind: "text", value: "x" }]);
    expect(parseFilterExpression('src.tag."cost center" = x')).toMatchObject({
      field: "src.tag.cost center",
      at: { column: 1, length: 21 },
    });
    expect(value("packets >= 1.5k")).toEqual([{ kind: "integer", value: 1500 }]);
  });

  it("reads volumes: SI powers of 10, binary powers of 2, exact decimals", () => {
    expect(parseVolume("10MB", "bytes")).toEqual({ ok: true, value: 10_000_000 });
    expect(parseVolume("10MiB", "bytes")).toEqual({ ok: true, value: 10 * 2 ** 20 });
    expect(parseVolume("1.1M", "bytes")).toEqual({ ok: true, value: 1_100_000 });
    expect(parseVolume("2k", "packets")).toEqual({ ok: true, value: 2000 });
    expect(parseVolume("3T", "bytes")).toEqual({ ok: true, value: 3e12 });
    expect(parseVolume("1.5", "bytes")).toMatchObject({ ok: false });
    expect(parseVolume("10Mb", "bytes")).toMatchObject({ ok: false, message: /bits/ });
    expect(parseVolume("10MB", "packets")).toMatchObject({ ok: false, message: /packets/ });
    expect(parseVolume("99P", "bytes")).toMatchObject({ ok: false, message: /too large/ });
  });

  it.each([
    ["direction = egrss", 13, 5, /"egrss" is not a direction .*did you mean egress\?/],
    ["dst.prot = 443", 1, 8, /unknown field "dst.prot": did you mean dst.port\?/],
    ["dst.port = 70000", 12, 5, /a port, 0 to 65535/],
    ["proto = tpc", 9, 3, /did you mean tcp\?/],
    ["bytes > 10Mb", 9, 4, /bits/],
    ["src.port > 10MB", 12, 4, /a port/],
    ["dst.country = USA", 15, 3, /two-letter country code/],
    ["src.addr = 10.1.0.0/8", 12, 10, /host bits set: did you mean 10\.0\.0\.0\/8\?/],
    ["src.addr = office", 12, 6, /not an IP address or prefix/],
    ["src.net << office", 12, 6, /<< takes a prefix/],
    ["direction > egress", 11, 1, /direction does not take ">"/],
    ["direction = ", 13, 1, /expected a value for direction, found the end of the filter/],
    ["direction egress", 11, 6, /expected an operator after direction/],
    ["(proto = tcp", 13, 1, /to close the "\(" at column 1/],
    ["proto = tcp)", 12, 1, /"\)" closes no "\("/],
    ["proto = tcp tos = 1", 13, 3, /expected and, or or the end/],
    ["proto in 6", 10, 1, /expected "\(" to open the list/],
    ["proto in (6 7)", 13, 1, /expected "," or "\)"/],
    ['proto = "tcp', 9, 4, /not closed/],
    ['src.net = "a\\qb"', 13, 2, /unknown escape "\\q"/],
    ["src.net ! office", 9, 1, /"!" must be followed by "="/],
    ["", 1, 1, /expected a field/],
    ["and = 1", 1, 3, /expected a field/],
    ['"proto" = tcp', 1, 7, /quote values, not fields/],
    ["src.tag. = x", 1, 8, /needs a tag key/],
    ["ip.version = 5", 14, 1, /4 or 6/],
  ] as const)("%j fails at column %i", (text, column, length, message) => {
    const error = failure(text);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(new RegExp(`^invalid filter at column ${column}: `));
    expect(error.details).toMatchObject({ filter: text, column, length });
    expect(error.details.expected.length).toBeGreaterThan(0);
  });

  it("bounds the cost of a hostile filter", () => {
    expect(failure("(".repeat(100) + "tos = 1" + ")".repeat(100)).message).toMatch(/nests deeper/);
    expect(failure("not ".repeat(100) + "tos = 1").message).toMatch(/nests deeper/);
    expect(failure("x".repeat(10_001)).message).toMatch(/at most 10000/);
    const list = Array.from({ length: 1001 }, (_, index) => String(index % 256)).join(",");
    expect(failure(`tos in (${list})`).message).toMatch(/at most 1000 values/);
  });

  it("shows a caret under the mistake", () => {
    const error = failure("direction = egrss and bytes > 10MB");
    expect(renderFilterCaret(error.details)).toBe(
      "  direction = egrss and bytes > 10MB\n              ^^^^^",
    );
    // Details survive a trip through JSON (the API's error body).
    expect(filterErrorDetails(JSON.parse(JSON.stringify({ details: error.details })))).toEqual(
      error.details,
    );
    expect(filterErrorDetails(new AppError("ERR_QUERY_INVALID", "x"))).toBeUndefined();
  });

  it("has one entry per field name and alias, each parsable", () => {
    const names = FILTER_FIELDS.flatMap((field) => [field.name, ...field.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const field of FILTER_FIELDS) {
      expect(findField(field.name.toUpperCase())).toBe(field);
    }
  });

  it("is documented: docs/33-filter-language.md names every field and alias", () => {
    const doc = readFileSync(
      new URL("../../../docs/33-filter-language.md", import.meta.url),
      "utf8",
    );
    for (const field of FILTER_FIELDS) {
      for (const name of [field.name, ...field.aliases]) expect(doc).toContain(`\`${name}\``);
    }
  });
});
