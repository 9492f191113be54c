import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import dgram from "node:dgram";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot, repoRoot } from "../helpers/peers.ts";
import {
  freeTcpPort,
  getJson,
  runCli,
  sendDemoFlows,
  startTollgate,
  waitFor,
  type RunningTollgate,
} from "../helpers/tollgate.ts";

/** The command-line contract: exit codes, one-sentence errors, JSON/CSV shapes, fallbacks. */

const fixture = path.join(repoRoot, "src/decoders/netflow5/testdata/softflowd-v5.pcap");
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "tollgate-cli-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function expectOneSentence(stderr: string): void {
  expect(stderr).toMatch(/^tollgate: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe("usage and configuration errors exit 2", () => {
  it("an unknown command", async () => {
    const result = await runCli(["bogus"]);
    expect(result.code).toBe(2);
    expectOneSentence(result.stderr);
  });

  it("a misspelt config key is named with the fix", async () => {
    const file = path.join(scratch, "bad.yaml");
    writeFileSync(file, "inventory:\n  networks:\n    - name: a\n      cidr: [10.0.0.0/8]\n");
    const result = await runCli(["config", "check", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'inventory.networks[0].cidr: unknown key; did you mean "cidrs"?',
    );
  });

  it("a prefix with host bits set says the right prefix", async () => {
    const file = path.join(scratch, "hostbits.yaml");
    writeFileSync(file, "inventory:\n  networks:\n    - name: a\n      cidrs: [10.1.0.0/8]\n");
    const result = await runCli(["config", "check", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("inventory.networks[0].cidrs[0]");
    expect(result.stderr).toContain("10.0.0.0/8");
  });

  it("an unknown dimension lists the valid ones", async () => {
    const result = await runCli(["top", "--by", "nope", "--data-dir", scratch]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"nope" is not a dimension');
    expect(result.stderr).toContain("dst.addr");
  });

  it("config dump prints the effective config with overrides", async () => {
    const result = await runCli(["config", "dump", "--json", "--data-dir", "/srv/flows"], {
      env: { TOLLGATE_CONFIG: "" },
      cwd: scratch,
    });
    expect(result.code).toBe(0);
    const config = JSON.parse(result.stdout) as { dataDir: string; api: { listen: string } };
    expect(config.dataDir).toBe("/srv/flows");
    expect(config.api.listen).toBe("127.0.0.1:8080");
  });

  it("config check accepts a valid file", async () => {
    const file = path.join(scratch, "good.yaml");
    writeFileSync(
      file,
      "inventory:\n  networks:\n    - name: a\n      cidrs: [10.0.0.0/8, fd00::/8]\n      tags: { team: x }\n",
    );
    const result = await runCli(["config", "check", file]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("valid");
  });
});

describe("operational errors exit 1 with a sentence, never a stack trace", () => {
  let running: RunningTollgate;
  beforeAll(async () => {
    running = await startTollgate();
  });
  afterAll(async () => {
    await running.stop();
  });

  it("a second serve on the same data directory", async () => {
    const result = await runCli([
      "serve",
      "--data-dir",
      running.dataDir,
      "--http-listen",
      `127.0.0.1:${await freeTcpPort()}`,
      "--netflow-listen",
      "127.0.0.1:0",
    ]);
    expect(result.code).toBe(1);
    expectOneSentence(result.stderr);
    expect(result.stderr).toContain("another tollgate serve");
  });

  it("an HTTP port already in use", async () => {
    const result = await runCli([
      "serve",
      "--data-dir",
      path.join(scratch, "other"),
      "--http-listen",
      running.httpUrl.replace("http://", ""),
      "--netflow-listen",
      "127.0.0.1:0",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("already in use");
    expect(result.stderr).toContain("--http-listen");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a NetFlow port already in use", async () => {
    const result = await runCli([
      "serve",
      "--data-dir",
      path.join(scratch, "other2"),
      "--http-listen",
      `127.0.0.1:${await freeTcpPort()}`,
      "--netflow-listen",
      `127.0.0.1:${running.netflowPort}`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("already in use");
    expect(result.stderr).toContain("--netflow-listen");
  });

  it.runIf(isRoot)("an unwritable data directory (as an unprivileged user)", async () => {
    const locked = path.join(scratch, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(scratch, 0o755);
    const result = await runCli(
      [
        "serve",
        "--data-dir",
        path.join(locked, "data"),
        "--netflow-listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
      ],
      { uid: 65534, gid: 65534 },
    );
    expect(result.code).toBe(1);
    expectOneSentence(result.stderr);
    expect(result.stderr).toContain("cannot write to data directory");
  });

  it("a query with no server and no data", async () => {
    const result = await runCli([
      "summary",
      "--data-dir",
      path.join(scratch, "empty"),
      "--server",
      "http://127.0.0.1:1",
    ]);
    expect(result.code).toBe(1);
    expectOneSentence(result.stderr);
  });
});

describe("queries over HTTP and from the data directory agree", () => {
  it("summary --json, top --json/--csv from a server, then from the directory once it stopped", async () => {
    const running = await startTollgate();
    try {
      const sent = await sendDemoFlows({ port: running.netflowPort }, { flows: 1500 });
      // A malformed datagram is counted, never fatal.
      const socket = dgram.createSocket("udp4");
      await new Promise<void>((resolve) => {
        socket.send(Buffer.from([0, 5, 0, 99, 1, 2, 3]), running.netflowPort, "127.0.0.1", () => {
          resolve();
        });
      });
      socket.close();
      await waitFor(async () => {
        const summary = await getJson<{ total: { flows: number } }>(
          running.httpUrl,
          "/api/v1/summary",
        );
        return summary.total.flows === sent.records;
      });
      const status = await getJson<{ collector: { decodeIssues: number } }>(
        running.httpUrl,
        "/api/v1/status",
      );
      expect(status.collector.decodeIssues).toBeGreaterThan(0);

      const remote = await runCli(["summary", "--json", "--server", running.httpUrl]);
      expect(remote.code).toBe(0);
      const summary = JSON.parse(remote.stdout) as Record<
        string,
        { bytes: number; packets: number; flows: number }
      > & {
        range: { from: string; to: string };
      };
      // `source`: which table answered (raw flows or a rollup tier).
      expect(Object.keys(summary).sort()).toEqual([
        "egress",
        "ingress",
        "internal",
        "range",
        "source",
        "total",
        "transit",
      ]);
      const flows = ["ingress", "egress", "internal", "transit"].reduce(
        (sum, d) => sum + (summary[d]?.flows ?? 0),
        0,
      );
      expect(flows).toBe(sent.records);

      const topJson = await runCli([
        "top",
        "--by",
        "dst.addr",
        "--direction",
        "egress",
        "--json",
        "--server",
        running.httpUrl,
      ]);
      const top = JSON.parse(topJson.stdout) as {
        rows: { key: string; bytes: number }[];
        total: { bytes: number };
      };
      expect(top.rows.length).toBe(10);
      expect(top.total.bytes).toBe(summary["egress"]!.bytes);

      const csv = await runCli(["top", "--by", "proto", "--csv", "--server", running.httpUrl]);
      expect(csv.stdout.split("\n")[0]).toBe("proto,bytes,packets,flows");

      const table = await runCli([
        "top",
        "--by",
        "src.addr",
        "--limit",
        "3",
        "--server",
        running.httpUrl,
      ]);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain("(other)");

      await running.stop({ keepDataDir: true });
      // No server any more: the same questions are answered from the data directory.
      const local = await runCli(["summary", "--json", "--data-dir", running.dataDir], {
        env: { TOLLGATE_CONFIG: "" },
      });
      expect(local.stderr).toBe("");
      expect(JSON.parse(local.stdout)).toEqual(summary);
    } finally {
      await running.stop();
      rmSync(running.dataDir, { recursive: true, force: true });
    }
  });
});

describe("import", () => {
  it("stores the NetFlow v5 records of a real softflowd capture", async () => {
    const dataDir = path.join(scratch, "import");
    const result = await runCli(["import", fixture, "--data-dir", dataDir]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("132 flow records, 132 stored");
    const summary = await runCli([
      "summary",
      "--json",
      "--data-dir",
      dataDir,
      "--server",
      "http://127.0.0.1:1",
    ]);
    // --server given explicitly and unreachable: an error, not a silent fallback.
    expect(summary.code).toBe(1);
    const local = await runCli(["summary", "--json", "--data-dir", dataDir]);
    const totals = JSON.parse(local.stdout) as { total: { flows: number; bytes: number } };
    expect(totals.total.flows).toBe(132);
    // tshark's own dissection of the same capture, kept beside it (testdata/README.md).
    const tsv = readFileSync(fixture.replace(/\.pcap$/, ".tshark.tsv"), "utf8")
      .trim()
      .split("\n");
    const octetsColumn = tsv[0]!.split("\t").indexOf("octets");
    const tsharkBytes = tsv
      .slice(1)
      .reduce((sum, line) => sum + Number(line.split("\t")[octetsColumn]), 0);
    expect(totals.total.bytes).toBe(tsharkBytes);
  });

  it("says when a file is neither a flow log nor a capture, and why", async () => {
    const notPcap = path.join(scratch, "notes.txt");
    writeFileSync(notPcap, "hello, this is not a pcap\n");
    const result = await runCli(["import", notPcap, "--data-dir", path.join(scratch, "import2")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("notes.txt is not a flow log or a capture");
    expect(result.stderr).toContain('"hello, this is not a pcap"');
  });
});
