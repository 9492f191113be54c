import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../core/index.ts";
import { loadConfig } from "./load.ts";
import { loadInventoryDeclarations } from "./inventory.ts";

const root = mkdtempSync(path.join(os.tmpdir(), "tollgate-config-inventory-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(root, "ws-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function load(dir: string) {
  return loadConfig({ configPath: path.join(dir, "tollgate.yaml") }, {});
}

function errorOf(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

describe("inventory.include", () => {
  it("merges included files after the config file's own declarations, each knowing its origin", () => {
    const dir = workspace({
      "tollgate.yaml": `inventory:
  include: [inventory/*.yaml, extra.json]
  networks:
    - { name: office, cidrs: [192.168.0.0/16] }
`,
      "inventory/b.yaml": "networks:\n  - { name: b, cidrs: [10.2.0.0/16], region: eu-west-1 }\n",
      "inventory/a.yaml": `networks:
  - { name: a, cidrs: [10.1.0.0/16], provider: aws }
exporters:
  - address: 192.0.2.1
    interfaces: [{ ifIndex: 1, boundary: external }]
`,
      "inventory/.hidden.yaml": "networks: [{ name: hidden, cidrs: [10.9.0.0/16] }]\n",
      "extra.json": '{"networks": [{"name": "json", "cidrs": ["10.3.0.0/16"]}]}',
    });
    const { config } = load(dir);
    const declarations = loadInventoryDeclarations(config, dir);
    expect(declarations.networks.map((network) => [network.name, network.origin])).toEqual([
      ["office", "inventory.networks[0]"],
      ["a", "inventory/a.yaml networks[0]"],
      ["b", "inventory/b.yaml networks[0]"],
      ["json", "extra.json networks[0]"],
    ]);
    expect(declarations.exporters.map((exporter) => exporter.origin)).toEqual([
      "inventory/a.yaml exporters[0]",
    ]);
    expect(declarations.files.map((file) => path.relative(dir, file))).toEqual([
      "inventory/a.yaml",
      "inventory/b.yaml",
      "extra.json",
    ]);
  });

  it("refuses a bad included file at load, naming the file, the key and the fix", () => {
    const misspelt = workspace({
      "tollgate.yaml": "inventory:\n  include: [inv.yaml]\n",
      "inv.yaml": "networks:\n  - { name: a, cidr: [10.0.0.0/8] }\n",
    });
    expect(errorOf(() => load(misspelt)).message).toMatch(
      /inv\.yaml: networks\[0\]\.cidr: unknown key; did you mean "cidrs"\?/,
    );
    const duplicate = workspace({
      "tollgate.yaml":
        "inventory:\n  include: [inv.yaml]\n  networks: [{ name: a, cidrs: [10.0.0.0/8] }]\n",
      "inv.yaml": "networks:\n  - { name: b, cidrs: [10.0.0.0/8], egress: natgw }\n",
    });
    const message = errorOf(() => load(duplicate)).message;
    expect(message).toMatch(
      /inv\.yaml networks\[0\]\.cidrs\[0\]: 10\.0\.0\.0\/8 is declared by both network "a" \(inventory\.networks\[0\]\.cidrs\[0\]\) and network "b"/,
    );
    expect(message).toMatch(/egress: "natgw" is not an egress path; did you mean "nat"\?/);
    const missing = workspace({ "tollgate.yaml": "inventory:\n  include: [nowhere.yaml]\n" });
    expect(errorOf(() => load(missing)).message).toMatch(
      /cannot read nowhere\.yaml \(no such file\)/,
    );
    const broken = workspace({
      "tollgate.yaml": "inventory:\n  include: [broken.yaml]\n",
      "broken.yaml": "networks: [\n",
    });
    expect(errorOf(() => load(broken)).code).toBe("ERR_CONFIG_PARSE");
  });

  it("checks exporters in the config file itself", () => {
    const dir = workspace({
      "tollgate.yaml": `inventory:
  exporters:
    - { address: edge1, interfaces: [] }
    - { address: 192.0.2.1, samplingRate: 100 }
sources:
  samplingRates: { "192.0.2.1": 1000 }
`,
    });
    const message = errorOf(() => load(dir)).message;
    expect(message).toMatch(/inventory\.exporters\[0\]\.address: "edge1" is not an IP address/);
    expect(message).toMatch(
      /192\.0\.2\.1 has samplingRate 100 but sources\.samplingRates gives 1000/,
    );
  });
});
