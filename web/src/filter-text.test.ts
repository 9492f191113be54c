import { describe, expect, it } from "vitest";
import { addCondition, condition, filterValue, pinnedAddress } from "./filter-text.ts";

describe("filter text", () => {
  it("leaves values bare when the lexer reads them back whole", () => {
    expect(filterValue("src.addr", "10.0.3.30")).toBe("10.0.3.30");
    expect(filterValue("src.addr", "2001:db8::1")).toBe("2001:db8::1");
    expect(filterValue("locality", "same-zone")).toBe("same-zone");
    expect(filterValue("proto", "6")).toBe("6");
    expect(filterValue("dst.country", "US")).toBe("US");
    expect(condition("dst.net", "private")).toBe("dst.net = private");
  });

  it("quotes empty values, keywords, delimiters, and addresses named as networks", () => {
    expect(filterValue("dst.country", "")).toBe('""');
    expect(filterValue("src.tag.team", "and")).toBe('"and"');
    expect(filterValue("src.tag.team", "OR")).toBe('"OR"');
    expect(filterValue("src.tag.team", "cost center")).toBe('"cost center"');
    expect(filterValue("src.tag.team", 'say "hi"\\now')).toBe('"say \\"hi\\"\\\\now"');
    expect(filterValue("src.site", "a=b")).toBe('"a=b"');
    expect(filterValue("src.site", "tab\there")).toBe('"tab\\there"');
    // A bare prefix on a network field means "within it", not the network of that name.
    expect(filterValue("src.net", "10.0.0.0/8")).toBe('"10.0.0.0/8"');
    expect(filterValue("src.addr", "10.0.0.0/8")).toBe("10.0.0.0/8");
  });

  it("adds a condition with and, parenthesising an or, without repeating one", () => {
    expect(addCondition("", "proto = 6")).toBe("proto = 6");
    expect(addCondition("  ", "proto = 6")).toBe("proto = 6");
    expect(addCondition("direction = egress", "proto = 6")).toBe(
      "direction = egress and proto = 6",
    );
    expect(addCondition("a = 1 or b = 2", "proto = 6")).toBe("(a = 1 or b = 2) and proto = 6");
    expect(addCondition("proto = 6 AND dst.port = 443", "proto = 6")).toBe(
      "proto = 6 AND dst.port = 443",
    );
  });

  it("finds the address a filter pins an end to, only when it plainly does", () => {
    expect(pinnedAddress("dst.addr = 192.0.2.1", "dst.addr")).toBe("192.0.2.1");
    expect(pinnedAddress("proto = 6 and dst.addr = 2001:db8::1", "dst.addr")).toBe("2001:db8::1");
    expect(pinnedAddress("(dst.addr = 192.0.2.1)", "dst.addr")).toBe("192.0.2.1");
    expect(pinnedAddress("dst.addr = 192.0.2.1", "src.addr")).toBeUndefined();
    expect(pinnedAddress("dst.addr = 192.0.2.0/24", "dst.addr")).toBeUndefined();
    expect(pinnedAddress("dst.addr = 192.0.2.1 or proto = 6", "dst.addr")).toBeUndefined();
    expect(pinnedAddress("not dst.addr = 192.0.2.1", "dst.addr")).toBeUndefined();
    expect(pinnedAddress("xdst.addr = 192.0.2.1", "dst.addr")).toBeUndefined();
    expect(
      pinnedAddress("dst.addr = 192.0.2.1 and dst.addr = 192.0.2.2", "dst.addr"),
    ).toBeUndefined();
  });
});
