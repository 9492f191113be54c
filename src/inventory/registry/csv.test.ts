import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/index.ts";
import { loadAddressRegistry } from "./load.ts";

const directory = mkdtempSync(path.join(tmpdir(), "tollgate-registry-csv-"));

function file(name: string, text: string): string {
  const target = path.join(directory, name);
  writeFileSync(target, text);
  return target;
}

async function load(
  asnText: string,
  countryText = "",
): Promise<Awaited<ReturnType<typeof loadAddressRegistry>>> {
  return loadAddressRegistry({
    asn: { csv: { ipv4: file("asn.csv", asnText) } },
    country: countryText === "" ? "none" : { csv: { ipv4: file("country.csv", countryText) } },
  });
}

describe("range CSV files", () => {
  it("reads quoted names with commas and doubled quotes", async () => {
    const registry = await load(
      [
        '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
        '2.26.200.0,2.26.215.255,201907,"LLC ""SPUTNIK"""',
        "3.0.0.0,3.0.0.255,16509,Amazon.com Inc.",
        "4.0.0.0,4.0.0.255,3356,",
      ].join("\n"),
    );
    expect(registry.lookup("1.0.0.1")?.asName).toBe("Cloudflare, Inc.");
    expect(registry.lookup("2.26.201.3")).toEqual({
      asn: 201907,
      asName: 'LLC "SPUTNIK"',
      country: "",
      countryCode: 0,
    });
    expect(registry.lookup("3.0.0.9")?.asName).toBe("Amazon.com Inc.");
    expect(registry.lookup("4.0.0.9")).toEqual({
      asn: 3356,
      asName: "",
      country: "",
      countryCode: 0,
    });
    expect(registry.lookup("1.0.1.0")).toBeUndefined();
  });

  it("reads IPv6 in every text form, decimal IPv4, CRLF, comments and a header", async () => {
    const registry = await load(
      [
        "start,end,asn,name",
        "# a comment",
        "2001:db8::,2001:db8:0:ffff:ffff:ffff:ffff:ffff,64500,Compressed",
        "2001:0DB8:0001:0000:0000:0000:0000:0000,2001:db8:1::ffff,64501,Full upper case",
        "::ffff:0:0,::ffff:0:ffff,64502,Embedded",
        "64:ff9b::1.2.3.0,64:ff9b::1.2.3.255,64503,Dotted tail",
        "16777216,16777471,13335,Decimal",
        "",
      ].join("\r\n"),
    );
    expect(registry.lookup("2001:db8::42")?.asn).toBe(64500);
    expect(registry.lookup("2001:db8:1::fffe")?.asn).toBe(64501);
    expect(registry.lookup("2001:db8:1::1:0")).toBeUndefined();
    expect(registry.lookup("64:ff9b::1.2.3.4")?.asn).toBe(64503);
    expect(registry.lookup("1.0.0.7")?.asName).toBe("Decimal");
    expect(registry.sources[0]?.ranges).toBe(5);
  });

  it("reads country codes in any case and skips empty ones", async () => {
    const registry = await load(
      "9.0.0.0,9.0.0.255,1,A\n",
      ["9.0.0.0,9.0.0.127,us", "9.0.0.128,9.0.0.191,", "10.0.0.0,10.0.0.0,GB"].join("\n"),
    );
    expect(registry.lookup("9.0.0.5")).toEqual({
      asn: 1,
      asName: "A",
      country: "US",
      countryCode: 0x5553,
    });
    expect(registry.lookup("9.0.0.130")?.country).toBe("");
    expect(registry.lookup("10.0.0.0")).toEqual({
      asn: 0,
      asName: "",
      country: "GB",
      countryCode: 0x4742,
    });
  });

  it.each([
    ["1.0.0.0,1.0.0.300,1,X", 'line 1 has end "1.0.0.300", not an IP address'],
    ["1.0.0.0,1.0.0.255,1,X\n1.0.0.9,1.0.0.1,2,Y", "line 2 has its start after its end"],
    ["1.0.0.0,1.0.0.255,twelve,X", 'line 1 has ASN "twelve", not a number'],
    ["1.0.0.0,1.0.0.255,1", "line 1 has no name field after the ASN"],
    ["1.0.0.0,2001:db8::,1,X", "line 1 mixes an IPv4 and an IPv6 address"],
    ["1.0.0.0,1.0.0.255,1,X\nnot an address,1.0.0.1,2,Y", 'line 2 has start "not an address"'],
  ])("rejects %j naming the file and line", async (text, message) => {
    const error = await load(text).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("ERR_REGISTRY_FORMAT");
    expect((error as AppError).message).toContain(path.join(directory, "asn.csv"));
    expect((error as AppError).message).toContain(message);
  });

  it("rejects a country that is not two letters", async () => {
    await expect(load("1.0.0.0,1.0.0.255,1,X", "1.0.0.0,1.0.0.255,USA")).rejects.toThrow(
      /country.csv line 1 has country "USA", not an ISO 3166-1 alpha-2 code/,
    );
  });

  it("names a missing file", async () => {
    const missing = path.join(directory, "missing.csv");
    await expect(
      loadAddressRegistry({ asn: { csv: { ipv4: missing } }, country: "none" }),
    ).rejects.toMatchObject({
      code: "ERR_REGISTRY_READ",
      message: expect.stringContaining(missing) as unknown,
    });
  });
});
