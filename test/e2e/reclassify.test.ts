import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, startTollgate } from "../helpers/tollgate.ts";
import { AWS_ALL_FIELDS, writeAwsVpcLog } from "../helpers/cloud-logs.ts";

// `tollgate reclassify` end to end: flows imported under inventory A, the config changed to
// inventory B, a range reclassified through the real CLI; the rows in the range must then be
// exactly what a fresh import under B stores, and the rows outside it what A stored.

const scratch = mkdtempSync(path.join(os.tmpdir(), "tollgate-reclassify-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const T0_MS = Date.UTC(2026, 5, 1, 0, 0, 0);

const INVENTORY_A = `
inventory:
  networks:
    - name: all-private
      cidrs: [10.0.0.0/8]
      tags: { team: a }
`;

// Different networks, attributes and boundaries: direction, locality and networks all move.
const INVENTORY_B = `
inventory:
  networks:
    - name: low-half
      cidrs: [10.0.0.0/9]
      provider: aws
      region: us-east-1
      zone: use1-az1
      tags: { team: b }
    - name: aws-public
      cidrs: [52.0.0.0/8, 54.0.0.0/8]
      provider: aws
      region: eu-west-1
`;

/** Every stored flow as text, with its classification, sorted; split by the end time. */
async function storedRows(
  dataDir: string,
  range: { fromMs: number; toMs: number },
): Promise<{ inside: string[]; outside: string[] }> {
  const instance = await DuckDBInstance.create(path.join(dataDir, "flows.duckdb"), {
    access_mode: "READ_ONLY",
  });
  try {
    const connection = await instance.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT f.end_ms::DOUBLE, f.start_ms, f.src_addr_hi, f.src_addr_lo, f.dst_addr_hi, f.dst_addr_lo,
           f.src_port, f.dst_port, f.protocol, f.sampled_bytes, f.bytes, f.packets,
           f.direction::VARCHAR, f.direction_source::VARCHAR, f.locality::VARCHAR,
           coalesce(sn.name, ''), coalesce(sn.tags::VARCHAR, ''), coalesce(sn.zone, ''),
           coalesce(dn.name, ''), coalesce(dn.tags::VARCHAR, ''), coalesce(dn.region, ''),
           f.src_country, f.dst_country, f.src_as, f.dst_as, f.flow_direction, f.observed_action
         FROM flows f
         LEFT JOIN networks sn ON sn.id = f.src_network_id
         LEFT JOIN networks dn ON dn.id = f.dst_network_id`,
      )
    ).getRows();
    connection.closeSync();
    const inside: string[] = [];
    const outside: string[] = [];
    for (const row of rows) {
      const endMs = Number(row[0]);
      const text = JSON.stringify(row, (_key, value: unknown) =>
        typeof value === "bigint" ? value.toString() : value,
      );
      (endMs >= range.fromMs && endMs < range.toMs ? inside : outside).push(text);
    }
    return { inside: inside.sort(), outside: outside.sort() };
  } finally {
    instance.closeSync();
  }
}

describe("tollgate reclassify", () => {
  it("rewrites exactly the flows of the range, to what a fresh import under the new inventory stores", async () => {
    const logs = path.join(scratch, "logs");
    const log = path.join(logs, "aws.log");
    mkdirSync(logs);
    // v5 fields (flow-direction, az-id, subnet…) so classification has a cloud context too.
    await writeAwsVpcLog(log, {
      records: 4000,
      seed: 5,
      fields: AWS_ALL_FIELDS,
      startMs: T0_MS,
      ipv6Share: 0.1,
    });
    const configPath = path.join(scratch, "tollgate.yaml");
    const dataDir = path.join(scratch, "data-a");
    writeFileSync(configPath, INVENTORY_A);
    const imported = await runCli(["import", logs, "--config", configPath, "--data-dir", dataDir], {
      timeoutMs: 120_000,
    });
    expect(imported.code, imported.stderr).toBe(0);

    // One capture window of the four (AWS windows are a minute, one per 1000 records).
    const range = { fromMs: T0_MS + 90_000, toMs: T0_MS + 150_000 };
    const before = await storedRows(dataDir, range);
    expect(before.inside.length).toBeGreaterThan(500);
    expect(before.outside.length).toBeGreaterThan(1500);

    writeFileSync(configPath, INVENTORY_B);
    const since = new Date(range.fromMs).toISOString();
    const until = new Date(range.toMs).toISOString();
    // Not confirmed, and no terminal to ask on: refused, nothing changed.
    const unconfirmed = await runCli([
      "reclassify",
      "--since",
      since,
      "--until",
      until,
      "--config",
      configPath,
      "--data-dir",
      dataDir,
    ]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("pass --yes");
    expect(await storedRows(dataDir, range)).toEqual(before);

    const result = await runCli(
      [
        "reclassify",
        "--since",
        since,
        "--until",
        until,
        "--yes",
        "--config",
        configPath,
        "--data-dir",
        dataDir,
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `reclassified ${before.inside.length.toLocaleString("en-US")} flows`,
    );
    const changedDirection = Number(
      /direction changed +([\d,]+)/.exec(result.stdout)?.[1]?.replaceAll(",", ""),
    );
    expect(changedDirection).toBeGreaterThan(0);

    const freshDir = path.join(scratch, "data-b");
    const fresh = await runCli(["import", logs, "--config", configPath, "--data-dir", freshDir], {
      timeoutMs: 120_000,
    });
    expect(fresh.code, fresh.stderr).toBe(0);
    const underB = await storedRows(freshDir, range);
    const after = await storedRows(dataDir, range);
    expect(after.inside).toEqual(underB.inside);
    expect(after.inside).not.toEqual(before.inside);
    expect(after.outside).toEqual(before.outside);
  }, 300_000);

  it("reclassifies on a running server through POST /api/v1/reclassify, and the CLI points there", async () => {
    const logs = path.join(scratch, "logs");
    const configA = path.join(scratch, "a.yaml");
    writeFileSync(configA, INVENTORY_A);
    const dataDir = path.join(scratch, "data-api");
    const imported = await runCli(["import", logs, "--config", configA, "--data-dir", dataDir], {
      timeoutMs: 120_000,
    });
    expect(imported.code, imported.stderr).toBe(0);
    const range = { fromMs: T0_MS + 90_000, toMs: T0_MS + 150_000 };
    const before = await storedRows(dataDir, range);

    // The flows are dated 2026-06-01: the server's retention (raw 15 days by default) would
    // delete them at start, before the reclassify.
    const server = await startTollgate({
      config: `${INVENTORY_B}\nstorage:\n  retention:\n    raw: forever\n    1m: forever\n`,
      dataDir,
    });
    try {
      const refused = await runCli([
        "reclassify",
        "--yes",
        "--config",
        configA,
        "--data-dir",
        dataDir,
        "--server",
        server.httpUrl,
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("in use by tollgate serve");
      expect(refused.stderr).toContain(`curl -X POST '${server.httpUrl}/api/v1/reclassify'`);

      const query = new URLSearchParams({
        since: new Date(range.fromMs).toISOString(),
        until: new Date(range.toMs).toISOString(),
      });
      const response = await fetch(`${server.httpUrl}/api/v1/reclassify?${query.toString()}`, {
        method: "POST",
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body["rows"]).toBe(before.inside.length);
      expect(body["directionChanged"]).toBeGreaterThan(0);
    } finally {
      await server.stop({ keepDataDir: true });
    }
    const after = await storedRows(dataDir, range);
    const underB = await storedRows(path.join(scratch, "data-b"), range);
    expect(after.inside).toEqual(underB.inside);
    expect(after.outside).toEqual(before.outside);
  }, 300_000);
});
