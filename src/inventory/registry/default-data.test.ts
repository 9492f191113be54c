/** Spot checks on the bundled @ip-location-db data (loaded once: about 2 s). */
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAddressRegistry } from "./load.ts";
import type { AddressRegistry } from "./load.ts";

let registry: AddressRegistry;

beforeAll(async () => {
  registry = await loadAddressRegistry();
}, 120_000);

describe("the default registry", () => {
  it("knows well-known addresses", () => {
    expect(registry.lookup("1.0.0.1")).toMatchObject({ asn: 13335, asName: "Cloudflare, Inc." });
    expect(registry.lookup("8.8.8.8")).toEqual({
      asn: 15169,
      asName: "Google LLC",
      country: "US",
      countryCode: 0x5553,
    });
    expect(registry.lookup("2001:4860:4860::8888")).toMatchObject({ asn: 15169, country: "US" });
    expect(registry.lookup("10.1.2.3")).toBeUndefined();
  });

  it("answers the hot-path forms like the text form, IPv4-mapped included", () => {
    const google = registry.lookup("8.8.8.8");
    expect(registry.lookupIpv4(0x08080808)).toBe(google);
    expect(registry.lookupIpv6(0, 0, 0xffff, 0x08080808)).toBe(google);
    expect(registry.lookupIpv6(0x20014860, 0x48600000, 0, 0x8888)).toBe(
      registry.lookup("2001:4860:4860::8888"),
    );
  });

  it("says which files and versions it was built from", () => {
    const require = createRequire(import.meta.url);
    const version = (require("@ip-location-db/asn/package.json") as { version: string }).version;
    expect(registry.sources).toHaveLength(4);
    expect(registry.sources[0]).toMatchObject({
      field: "asn",
      kind: "default",
      version: `@ip-location-db/asn ${version}`,
      families: [4],
    });
    expect(registry.sources[0]?.ranges).toBeGreaterThan(400_000);
    const description = registry.describe("8.8.8.8");
    expect(description?.asnRange).toBe("8.8.8.0 - 8.8.8.255");
    expect(description?.asnSource?.file).toMatch(/asn-ipv4\.csv$/);
    expect(description?.countrySource?.file).toMatch(/geo-whois-asn-country-ipv4\.csv$/);
    expect(registry.memoryBytes()).toBeGreaterThan(registry.rangeCount * 8);
  });
});
