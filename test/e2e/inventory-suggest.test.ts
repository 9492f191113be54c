import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { contains, parsePrefix, u128ToIp } from "../../src/core/index.ts";
import { runCli } from "../helpers/tollgate.ts";
import { clickhouseAvailable, startClickHouse } from "../helpers/clickhouse.ts";
import {
  AWS_ALL_FIELDS,
  writeAwsVpcLog,
  writeGcpVpcLog,
  type TruthRow,
} from "../helpers/cloud-logs.ts";

// `tollgate inventory suggest` end to end: AWS (with and without flow-direction) and GCP logs
// from the generator, imported; the suggested networks checked against the generator's truth
// (which interface address each record has); then the written file included, and a fresh
// import must put those addresses into the suggested networks with their attributes.

const scratch = mkdtempSync(path.join(os.tmpdir(), "tollgate-suggest-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

interface SuggestedEntry {
  name: string;
  cidrs: string[];
  provider?: string;
  account?: string;
  region?: string;
  zone?: string;
  vpc?: string;
  subnet?: string;
}

/** Truth grouped the way suggestions are: by subnet, or by interface when none is named. */
function truthBySubnet(rows: readonly TruthRow[]): Map<string, TruthRow[]> {
  const groups = new Map<string, TruthRow[]>();
  for (const row of rows) {
    const { context } = row;
    const key =
      context.subnet === ""
        ? `${context.provider}|${context.account}|${context.interface}`
        : `${context.provider}|${context.account}|${context.region}|${context.vpc}|${context.subnet}`;
    const list = groups.get(key) ?? [];
    list.push(row);
    groups.set(key, list);
  }
  return groups;
}

/** No narrower prefix holds them all: both halves of a prefix above the minimum length hold one. */
function isTight(cidr: string, addresses: readonly string[]): boolean {
  const parsed = parsePrefix(cidr);
  if (!parsed.ok) return false;
  const { prefix } = parsed;
  const narrowest = prefix.version === 4 ? 28 : 64;
  if (prefix.length >= narrowest) return true;
  const inside = addresses.filter((address) => contains(prefix, address));
  const halves = [0n, 1n].map((bit) => {
    const length = prefix.length + 1;
    if (prefix.version === 4) {
      const network = prefix.network + Number(bit) * 2 ** (32 - length);
      return `${u128ToIp(0xffff00000000n | BigInt(network))}/${length}`;
    }
    let value = 0n;
    for (const word of prefix.words) value = (value << 32n) | BigInt(word);
    return `${u128ToIp(value | (bit << BigInt(128 - length)))}/${length}`;
  });
  return halves.every((half) => {
    const parsedHalf = parsePrefix(half);
    return parsedHalf.ok && inside.some((address) => contains(parsedHalf.prefix, address));
  });
}

async function networkOfAddresses(
  dataDir: string,
): Promise<Map<string, { name: string; subnet: string; vpc: string; zone: string }>> {
  const instance = await DuckDBInstance.create(path.join(dataDir, "flows.duckdb"), {
    access_mode: "READ_ONLY",
  });
  try {
    const connection = await instance.connect();
    const address = (side: string) =>
      `((f.${side}_addr_hi::UHUGEINT << 64) | f.${side}_addr_lo::UHUGEINT)`;
    const rows = (
      await connection.runAndReadAll(
        `SELECT DISTINCT ${address("src")}, n.name, n.subnet, n.vpc, n.zone FROM flows f JOIN networks n ON n.id = f.src_network_id
         UNION SELECT DISTINCT ${address("dst")}, n.name, n.subnet, n.vpc, n.zone FROM flows f JOIN networks n ON n.id = f.dst_network_id`,
      )
    ).getRows();
    connection.closeSync();
    return new Map(
      rows.map(([value, name, subnet, vpc, zone]) => [
        u128ToIp(value as bigint),
        { name: String(name), subnet: String(subnet), vpc: String(vpc), zone: String(zone) },
      ]),
    );
  } finally {
    instance.closeSync();
  }
}

describe("tollgate inventory suggest", () => {
  it("proposes one network per subnet from AWS and GCP logs, and the written file classifies them", async () => {
    const logs = path.join(scratch, "logs");
    mkdirSync(logs);
    const startMs = Date.UTC(2026, 4, 1);
    const awsV5 = await writeAwsVpcLog(path.join(logs, "aws-v5.log"), {
      records: 3000,
      seed: 31,
      fields: AWS_ALL_FIELDS,
      interfaces: 5,
      ipv6Share: 0.2,
      subnetAddresses: true,
      keepRows: true,
      startMs,
    });
    // The default v2 format: no direction, no subnet: rules 2 and 3 of the near-end rule.
    const awsV2 = await writeAwsVpcLog(path.join(logs, "aws-v2.log"), {
      records: 2000,
      seed: 32,
      interfaces: 3,
      accounts: ["444455556666"],
      subnetAddresses: { firstOctet: 60 },
      keepRows: true,
      startMs,
    });
    const gcp = await writeGcpVpcLog(path.join(logs, "gcp.ndjson"), {
      records: 3000,
      seed: 33,
      style: "logentry-ndjson",
      ipv6Share: 0.1,
      subnetAddresses: true,
      keepRows: true,
      startMs,
    });
    const dataDir = path.join(scratch, "data");
    const configPath = path.join(scratch, "tollgate.yaml");
    writeFileSync(
      configPath,
      "inventory:\n  networks:\n    - name: office\n      cidrs: [192.168.0.0/16]\n",
    );
    const imported = await runCli(["import", logs, "--config", configPath, "--data-dir", dataDir], {
      timeoutMs: 120_000,
    });
    expect(imported.code, imported.stderr).toBe(0);

    const suggested = await runCli(
      ["inventory", "suggest", "--yaml", "--config", configPath, "--data-dir", dataDir],
      { timeoutMs: 120_000 },
    );
    expect(suggested.code, suggested.stderr).toBe(0);
    const file = parse(suggested.stdout) as { networks: SuggestedEntry[] };
    const truthRows = [...(awsV5.rows ?? []), ...(awsV2.rows ?? []), ...(gcp.rows ?? [])];
    const groups = truthBySubnet(truthRows);
    expect(file.networks).toHaveLength(groups.size);

    const nameOfGroup = new Map<string, string>();
    for (const [key, rows] of groups) {
      const { context } = rows[0] as TruthRow;
      const near = [...new Set(rows.map((row) => row.nearAddr ?? ""))];
      // The suggestion holding this subnet's addresses.
      const entry = file.networks.find((network) =>
        network.cidrs.some((cidr) => {
          const parsed = parsePrefix(cidr);
          return parsed.ok && contains(parsed.prefix, near[0] ?? "");
        }),
      );
      expect(entry, key).toBeDefined();
      if (entry === undefined) continue;
      nameOfGroup.set(key, entry.name);
      for (const address of near) {
        expect(
          entry.cidrs.some((cidr) => {
            const parsed = parsePrefix(cidr);
            return parsed.ok && contains(parsed.prefix, address);
          }),
          `${address} of ${key} in ${entry.cidrs.join(", ")}`,
        ).toBe(true);
      }
      for (const cidr of entry.cidrs) expect(isTight(cidr, near), `${cidr} of ${key}`).toBe(true);
      expect(entry.provider).toBe(context.provider);
      expect(entry.account).toBe(context.account);
      if (context.subnet !== "") {
        expect(entry.subnet).toBe(context.subnet);
        expect(entry.vpc).toBe(context.vpc);
        expect(entry.region).toBe(context.region);
        const zones = new Set(rows.map((row) => row.context.zone));
        expect(entry.zone).toBe(zones.size === 1 ? context.zone : undefined);
      } else {
        expect(entry.name).toBe(context.interface);
      }
      if (context.provider === "aws" && context.subnet !== "") {
        // Each generated ENI has its own subnet and addresses 10.<n>.7.4–11: exactly a /28.
        const v4 = near.find((address) => !address.includes(":")) ?? "";
        expect(entry.cidrs).toContain(`${v4.split(".").slice(0, 3).join(".")}.0/28`);
      }
    }
    // The traffic seen, in each entry's comment, is the truth's count of its records.
    const awsSubnet = [...groups.entries()].find(
      ([key]) => key.startsWith("aws|") && !key.endsWith("|"),
    );
    if (awsSubnet !== undefined) {
      const [key, rows] = awsSubnet;
      const name = nameOfGroup.get(key) ?? "";
      const comment = suggested.stdout
        .split("\n")
        .find((line, index, lines) => lines[index + 1]?.includes(`name: ${JSON.stringify(name)}`));
      expect(comment).toContain(`# ${rows.length.toLocaleString("en-US")} flows`);
    }

    // Written, then included: a fresh import classifies each interface address into it.
    const written = path.join(scratch, "suggested.yaml");
    const write = await runCli([
      "inventory",
      "suggest",
      "--write",
      written,
      "--config",
      configPath,
      "--data-dir",
      dataDir,
    ]);
    expect(write.code, write.stderr).toBe(0);
    expect(write.stderr).toContain("does not include it yet");
    expect(write.stderr).toContain('"suggested.yaml"');
    // The same file as printed, but for the time it was made (its first line).
    const withoutDate = (text: string) => text.split("\n").slice(1).join("\n");
    expect(withoutDate(readFileSync(written, "utf8"))).toBe(withoutDate(suggested.stdout));
    const again = await runCli([
      "inventory",
      "suggest",
      "--write",
      written,
      "--config",
      configPath,
      "--data-dir",
      dataDir,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");

    writeFileSync(
      configPath,
      "inventory:\n  include: [suggested.yaml]\n  networks:\n    - name: office\n      cidrs: [192.168.0.0/16]\n",
    );
    const check = await runCli(["config", "check", configPath]);
    expect(check.code, check.stderr).toBe(0);
    const freshDir = path.join(scratch, "data-included");
    const reimported = await runCli(
      ["import", logs, "--config", configPath, "--data-dir", freshDir],
      { timeoutMs: 120_000 },
    );
    expect(reimported.code, reimported.stderr).toBe(0);
    const networks = await networkOfAddresses(freshDir);
    for (const [key, rows] of groups) {
      const { context } = rows[0] as TruthRow;
      for (const address of new Set(rows.map((row) => row.nearAddr ?? ""))) {
        const network = networks.get(address);
        expect(network?.name, `${address} of ${key}`).toBe(nameOfGroup.get(key));
        expect(network?.subnet).toBe(context.subnet);
        expect(network?.vpc).toBe(context.vpc);
      }
    }

    // Everything is declared now: nothing more to suggest, each subnet skipped with its reason.
    const declared = await runCli(
      ["inventory", "suggest", "--config", configPath, "--data-dir", freshDir],
      { timeoutMs: 120_000 },
    );
    expect(declared.code, declared.stderr).toBe(0);
    expect(declared.stdout).toContain("no networks to suggest");
    expect(declared.stdout.match(/^skipped .*already declared as/gm)?.length).toBe(groups.size);
  }, 400_000);

  it.runIf(clickhouseAvailable())(
    "proposes the same networks from flows stored in ClickHouse",
    async () => {
      const logs = path.join(scratch, "logs");
      const server = await startClickHouse();
      try {
        const configPath = path.join(scratch, "clickhouse.yaml");
        writeFileSync(
          configPath,
          `storage:\n  backend: clickhouse\n  clickhouse:\n    url: ${server.url}\n    database: suggest\n`,
        );
        const imported = await runCli(
          ["import", logs, "--config", configPath, "--data-dir", path.join(scratch, "ch-data")],
          { timeoutMs: 180_000 },
        );
        expect(imported.code, imported.stderr).toBe(0);
        const fromClickHouse = await runCli(
          ["inventory", "suggest", "--yaml", "--config", configPath],
          { timeoutMs: 120_000 },
        );
        expect(fromClickHouse.code, fromClickHouse.stderr).toBe(0);
        const duckConfig = path.join(scratch, "duck.yaml");
        writeFileSync(duckConfig, "inventory:\n  networks: []\n");
        const fromDuckDb = await runCli(
          [
            "inventory",
            "suggest",
            "--yaml",
            "--config",
            duckConfig,
            "--data-dir",
            path.join(scratch, "data"),
          ],
          { timeoutMs: 120_000 },
        );
        expect(fromDuckDb.code, fromDuckDb.stderr).toBe(0);
        const body = (text: string) => text.split("\n").slice(1).join("\n");
        expect(body(fromClickHouse.stdout)).toBe(body(fromDuckDb.stdout));
        expect(
          (parse(fromClickHouse.stdout) as { networks: unknown[] }).networks.length,
        ).toBeGreaterThan(5);
      } finally {
        await server.stop();
      }
    },
    400_000,
  );
});
