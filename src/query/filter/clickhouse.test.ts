import { describe, expect, it } from "vitest";
import { clickHouseLiteral, createClickHouseBinder } from "./clickhouse.ts";
import { compileFilter, globToLike, prefixRange } from "./compile.ts";
import { hiLoAddressBinding, type FilterDialect } from "./dialect.ts";
import { parseFilterExpression } from "./parser.ts";
import { parsePrefix } from "../../core/index.ts";

describe("clickHouseLiteral", () => {
  it.each([
    ["plain", "'plain'"],
    ["x' OR 1=1 --", "'x\\' OR 1=1 --'"],
    ["back\\slash", "'back\\\\slash'"],
    ["\\'", "'\\\\\\''"],
    ["nul\u0000tab\tnl\nend\u007f", "'nul\\x00tab\\x09nl\\x0aend\\x7f'"],
    ["{p1:String}", "'\\x7bp1:String\\x7d'"],
    ["ünï 🚀 \u202e", "'ünï 🚀 \u202e'"],
    ["", "''"],
  ])("quotes %j", (value, literal) => {
    expect(clickHouseLiteral(value, "text")).toBe(literal);
  });

  it("writes whole numbers in range as digits and refuses anything else", () => {
    expect(clickHouseLiteral(443, "u16")).toBe("443");
    expect(clickHouseLiteral(0xffffffffffffffffn, "u64")).toBe("18446744073709551615");
    expect(() => clickHouseLiteral(65_536, "u16")).toThrow(RangeError);
    expect(() => clickHouseLiteral(-1, "u8")).toThrow(RangeError);
    expect(() => clickHouseLiteral(1.5, "u32")).toThrow(TypeError);
    expect(() => clickHouseLiteral(Number.NaN, "u32")).toThrow(TypeError);
    expect(() => clickHouseLiteral(1e300, "u64")).toThrow(TypeError);
    expect(() => clickHouseLiteral("1 OR 1=1", "u32")).toThrow(TypeError);
    expect(() => clickHouseLiteral(1, "text")).toThrow(TypeError);
    expect(() => clickHouseLiteral(1n << 64n, "u64")).toThrow(RangeError);
    expect(() => clickHouseLiteral("\ud800", "text")).toThrow(RangeError);
  });

  it("every literal reads back as one string token with the same value", () => {
    // An independent reader of ClickHouse's quoted strings (the escapes the encoder emits).
    const read = (literal: string): string => {
      expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
      const body = literal.slice(1, -1);
      expect(body).not.toMatch(/(^|[^\\])(\\\\)*'/);
      return body.replace(/\\(x[0-9a-f]{2}|.)/gs, (_, escape: string) =>
        escape.startsWith("x") && escape.length === 3
          ? String.fromCharCode(parseInt(escape.slice(1), 16))
          : escape,
      );
    };
    for (let code = 0; code < 0x3000; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const value = `a${String.fromCharCode(code)}'\\${String.fromCharCode(code)}z`;
      expect(read(clickHouseLiteral(value, "text"))).toBe(value);
    }
  });
});

describe("ClickHouse binders", () => {
  const dialect = (mode: "params" | "literals"): FilterDialect => ({
    name: "clickhouse",
    field: (name) =>
      name === "src.addr"
        ? hiLoAddressBinding("src_addr_hi", "src_addr_lo")
        : { kind: "scalar", sql: name.replaceAll(".", "_") },
    tag: (side, keySql) => ({ kind: "scalar", sql: `${side}_tags[${keySql}]` }),
    binder: () => createClickHouseBinder(mode),
    like: (sql, pattern) => `${sql} LIKE ${pattern}`,
  });
  const text = 'src.addr << 10.0.0.0/8 and dst.port in (443, 8443) and src.tag.team ~ "pay*_%"';

  it("emits typed server-side parameters", () => {
    const compiled = compileFilter(parseFilterExpression(text), dialect("params"), text);
    expect(compiled.sql).toBe(
      "((src_addr_hi = {f1:UInt64} AND src_addr_lo BETWEEN {f2:UInt64} AND {f3:UInt64}) AND dst_port IN ({f4:UInt16}, {f5:UInt16}) AND src_tags[{f6:String}] LIKE {f7:String})",
    );
    expect(compiled.params).toEqual({
      f1: 0n,
      f2: 0xffff0a000000n,
      f3: 0xffff0affffffn,
      f4: 443,
      f5: 8443,
      f6: "team",
      f7: "pay%\\_\\%",
    });
  });

  it("or literals, for servers without parameters", () => {
    const compiled = compileFilter(parseFilterExpression(text), dialect("literals"), text);
    expect(compiled.sql).toBe(
      "((src_addr_hi = 0 AND src_addr_lo BETWEEN 281470849515520 AND 281470866292735) AND dst_port IN (443, 8443) AND src_tags['team'] LIKE 'pay%\\\\_\\\\%')",
    );
    expect(compiled.params).toEqual({});
  });
});

describe("address ranges", () => {
  const range = (text: string): [string, string] => {
    const parsed = parsePrefix(text);
    if (!parsed.ok) throw new Error(parsed.message);
    const { first, last } = prefixRange(parsed.prefix);
    return [first.toString(16), last.toString(16)];
  };

  it("maps IPv4 into ::ffff:0:0/96 and IPv6 as is", () => {
    expect(range("10.0.0.0/8")).toEqual(["ffff0a000000", "ffff0affffff"]);
    expect(range("0.0.0.0/0")).toEqual(["ffff00000000", "ffffffffffff"]);
    expect(range("192.0.2.1")).toEqual(["ffffc0000201", "ffffc0000201"]);
    expect(range("2001:db8::/32")).toEqual([
      "20010db8000000000000000000000000",
      "20010db8ffffffffffffffffffffffff",
    ]);
    expect(range("::/0")).toEqual(["0", "f".repeat(32)]);
  });

  it("compares hi alone for prefixes shorter than /64", () => {
    const params: unknown[] = [];
    const binder = {
      bind: (value: unknown) => {
        params.push(value);
        return "?";
      },
      params: () => ({}),
    };
    const binding = hiLoAddressBinding("h", "l");
    const parsed = parsePrefix("2001:db8::/32");
    if (!parsed.ok) throw new Error(parsed.message);
    const { first, last } = prefixRange(parsed.prefix);
    expect(binding.inRange(first, last, binder)).toBe("(h BETWEEN ? AND ?)");
    expect(binding.inRange(first, first, binder)).toBe("(h = ? AND l = ?)");
  });

  it("turns globs into escaped LIKE patterns", () => {
    expect(globToLike("a*b?c%d_e\\f")).toBe("a%b_c\\%d\\_e\\\\f");
  });
});
