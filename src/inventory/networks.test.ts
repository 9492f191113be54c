import { describe, expect, it } from "vitest";
import { parseIpv4ToU32 } from "../core/index.ts";
import { DEFAULT_NETWORKS, networksOrDefault } from "./default-networks.ts";
import { EMPTY_TAGS, buildNetworkTable } from "./networks.ts";
import type { NetworkDeclaration, NetworkTable } from "./networks.ts";

function build(declarations: readonly NetworkDeclaration[]): NetworkTable {
  const result = buildNetworkTable(declarations);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.table;
}

describe("buildNetworkTable", () => {
  const declarations: NetworkDeclaration[] = [
    { name: "corp", cidrs: ["10.0.0.0/8", "2001:db8::/32"], tags: { team: "net", env: "prod" } },
    { name: "lab", cidrs: ["10.20.0.0/16"], tags: { env: "lab" } },
    { name: "lab-gpu", cidrs: ["10.20.5.0/24"], tags: { service: "training" } },
    { name: "v6-site", cidrs: ["2001:db8:1::/48"], tags: {} },
  ];

  it("answers the most specific network, with the prefix that matched", () => {
    const table = build(declarations);
    expect(table.lookup("10.1.1.1")).toMatchObject({ name: "corp", prefix: "10.0.0.0/8" });
    expect(table.lookup("10.20.1.1")).toMatchObject({ name: "lab", prefix: "10.20.0.0/16" });
    expect(table.lookup("10.20.5.9")).toMatchObject({ name: "lab-gpu", prefix: "10.20.5.0/24" });
    expect(table.lookup("2001:db8:1::5")).toMatchObject({ name: "v6-site" });
    expect(table.lookup("2001:db8:2::5")).toMatchObject({ name: "corp", prefix: "2001:db8::/32" });
    expect(table.lookup("192.0.2.1")).toBeUndefined();
    expect(table.prefixCount).toBe(5);
  });

  it("inherits tags from enclosing networks, inner values winning", () => {
    const table = build(declarations);
    expect(table.lookup("10.20.1.1")?.tags).toEqual({ team: "net", env: "lab" });
    expect(table.lookup("10.20.5.9")?.tags).toEqual({
      team: "net",
      env: "lab",
      service: "training",
    });
    expect(table.lookup("2001:db8:1::5")?.tags).toEqual({ team: "net", env: "prod" });
  });

  it("returns the same frozen match for every address of a prefix", () => {
    const table = build(declarations);
    const first = table.lookup("10.20.5.1");
    expect(table.lookup("10.20.5.200")).toBe(first);
    expect(table.lookupIpv4(parseIpv4ToU32("10.20.5.7"))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.tags)).toBe(true);
    // Same merged tags, same object: corp's two prefixes share one.
    expect(table.lookup("10.1.1.1")?.tags).toBe(table.lookup("2001:db8:2::5")?.tags);
  });

  it("shares the empty tags object when a network has none", () => {
    const table = build([{ name: "bare", cidrs: ["192.0.2.0/24"], tags: {} }]);
    expect(table.lookup("192.0.2.1")?.tags).toBe(EMPTY_TAGS);
  });

  it("reports every bad CIDR with its path and the fix", () => {
    const result = buildNetworkTable([
      { name: "a", cidrs: ["10.0.0.0/8", "10.1.0.0/8", "nope"], tags: {} },
      { name: "b", cidrs: ["192.0.2.0/33"], tags: {} },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.path)).toEqual([
      "inventory.networks[0].cidrs[1]",
      "inventory.networks[0].cidrs[2]",
      "inventory.networks[1].cidrs[0]",
    ]);
    expect(result.errors[0]?.message).toBe(
      "10.1.0.0/8 has host bits set: did you mean 10.0.0.0/8?",
    );
    expect(result.errors[1]?.message).toContain('"nope"');
    expect(result.errors[2]?.message).toContain("0 to 32");
  });

  it("names both networks when a prefix is declared twice, in any spelling", () => {
    const result = buildNetworkTable([
      { name: "a", cidrs: ["2001:db8::/32"], tags: {} },
      { name: "b", cidrs: ["192.0.2.0/24", "2001:DB8:0::/32"], tags: {} },
      { name: "c", cidrs: ["192.0.2.0/24"], tags: {} },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(2);
    expect(result.errors[0]?.path).toBe("inventory.networks[1].cidrs[1]");
    expect(result.errors[0]?.message).toBe(
      '2001:db8::/32 is declared by both network "a" (inventory.networks[0].cidrs[0]) and network "b": a prefix belongs to one network',
    );
    expect(result.errors[1]?.path).toBe("inventory.networks[2].cidrs[0]");
    expect(result.errors[1]?.message).toContain('network "b"');
    expect(result.errors[1]?.message).toContain('network "c"');
  });

  it("rejects empty and repeated network names", () => {
    const result = buildNetworkTable(
      [
        { name: "", cidrs: [], tags: {} },
        { name: "x", cidrs: [], tags: {} },
        { name: "x", cidrs: [], tags: {} },
      ],
      "networks",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.path)).toEqual([
      "networks[0].name",
      "networks[2].name",
    ]);
  });
});

describe("DEFAULT_NETWORKS", () => {
  it("holds the private ranges and CGNAT as one network tagged origin=default", () => {
    const table = build(DEFAULT_NETWORKS);
    for (const address of ["10.1.2.3", "172.20.0.1", "192.168.1.1", "100.64.1.1", "fd00::1"]) {
      expect(table.lookup(address)).toMatchObject({ name: "private", tags: { origin: "default" } });
    }
    for (const address of ["8.8.8.8", "172.32.0.1", "2001:db8::1", "fe80::1"]) {
      expect(table.lookup(address)).toBeUndefined();
    }
  });

  it("applies only when the user declares no network", () => {
    expect(networksOrDefault([])).toBe(DEFAULT_NETWORKS);
    const mine = [{ name: "mine", cidrs: ["192.0.2.0/24"], tags: {} }];
    expect(networksOrDefault(mine)).toBe(mine);
  });
});

describe("network attributes", () => {
  it("inherit from enclosing networks like tags, inner values winning, and say where they came from", () => {
    const table = build([
      {
        name: "vpc",
        cidrs: ["10.1.0.0/16"],
        tags: { env: "prod" },
        provider: "aws",
        region: "us-east-1",
        vpc: "vpc-1",
        origin: "inventory/aws.yaml networks[0]",
      },
      {
        name: "subnet-a",
        cidrs: ["10.1.1.0/24"],
        tags: {},
        zone: "us-east-1a",
        subnet: "subnet-a",
        origin: "inventory/aws.yaml networks[1]",
      },
      {
        name: "moved",
        cidrs: ["10.1.1.128/25"],
        tags: {},
        region: "us-west-2",
        zone: "us-west-2b",
      },
    ]);
    const subnet = table.lookup("10.1.1.7");
    expect(subnet?.attributes).toMatchObject({
      provider: "aws",
      region: "us-east-1",
      vpc: "vpc-1",
      zone: "us-east-1a",
      subnet: "subnet-a",
      site: "",
    });
    expect(subnet?.tags).toEqual({ env: "prod" });
    expect(subnet?.origin).toBe("inventory/aws.yaml networks[1]");
    expect(subnet?.enclosing.map((outer) => outer.name)).toEqual(["vpc"]);
    const moved = table.lookup("10.1.1.200");
    expect(moved?.attributes).toMatchObject({
      region: "us-west-2",
      zone: "us-west-2b",
      subnet: "subnet-a",
    });
    expect(moved?.enclosing.map((outer) => outer.name)).toEqual(["subnet-a", "vpc"]);
    // Interned: two networks with the same resulting attributes share one object.
    expect(table.lookup("10.1.2.3")?.attributes).toBe(table.lookup("10.1.9.9")?.attributes);
  });

  it("names the file a duplicate comes from", () => {
    const result = buildNetworkTable([
      { name: "a", cidrs: ["10.0.0.0/8"], tags: {}, origin: "inventory/a.yaml networks[0]" },
      { name: "a", cidrs: ["11.0.0.0/8"], tags: {}, origin: "inventory/b.yaml networks[4]" },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toEqual({
      path: "inventory/b.yaml networks[4].name",
      message:
        'network name "a" is already used by inventory/a.yaml networks[0]: merge their cidrs into one network',
    });
  });
});
