import { describe, expect, it } from "vitest";
import { EntryInterner, countryCodeToText, countryTextToCode } from "./entry.ts";

describe("country codes", () => {
  it("packs two ASCII letters into 16 bits and back", () => {
    expect(countryTextToCode("US")).toBe(0x5553);
    expect(countryTextToCode("us")).toBe(0x5553);
    expect(countryCodeToText(0x5553)).toBe("US");
    for (let first = 65; first <= 90; first++) {
      for (let second = 65; second <= 90; second++) {
        const text = String.fromCharCode(first, second);
        expect(countryCodeToText(countryTextToCode(text))).toBe(text);
      }
    }
  });

  it("gives 0 and empty text for what is not a code", () => {
    for (const text of ["", "U", "USA", "U1", "é1", "--"]) expect(countryTextToCode(text)).toBe(0);
    for (const code of [0, 0x5500, 0x0053, 0x10000 | 0x5553, 0x6173]) {
      expect(countryCodeToText(code)).toBe("");
    }
  });
});

describe("EntryInterner", () => {
  it("returns one frozen object per distinct entry and 0 for nothing", () => {
    const interner = new EntryInterner();
    const first = interner.intern(15169, "Google LLC", "US");
    expect(interner.intern(15169, "Google LLC", "US")).toBe(first);
    expect(interner.intern(15169, "Google LLC", "IE")).not.toBe(first);
    expect(interner.intern(0, "", "")).toBe(0);
    const entry = interner.entries[first];
    expect(Object.isFrozen(entry)).toBe(true);
    expect(entry).toEqual({ asn: 15169, asName: "Google LLC", country: "US", countryCode: 0x5553 });
  });
});
