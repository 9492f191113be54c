/**
 * End to end `tollgate import` of cloud flow logs: generated files of each provider's exact
 * format (test/helpers/cloud-logs.ts), imported by the real CLI into a fresh DuckDB store.
 * Prints records/s over the whole command (start-up, gunzip, decode, classify, store, commit),
 * MB/s of log text and the peak resident memory, and, in the same run, DuckDB's own CSV
 * reader loading the AWS files into a table of the same 14 typed fields: the fastest way into
 * DuckDB there is, with no classification, cloud context, checkpoints or skips counted.
 *
 *   npx tsx bench/import-cloud-logs.ts [--records 10000000] [--only aws-v2,gcp]
 *
 * Generated files are cached under $TMPDIR/tollgate-bench-cloud-logs (by format and size):
 * generating 10 M records takes longer than importing them. Tollgate runs compiled, as users
 * run it after `npm start`: the bench compiles src/ into node_modules/.cache (not dist/, which
 * the tests would then pick up); through tsx the same import costs about 40% more CPU.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  AWS_ALL_FIELDS,
  writeAwsVpcLog,
  writeAzureNsgLog,
  writeAzureVnetLog,
  writeGcpVpcLog,
} from "../test/helpers/cloud-logs.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const RECORDS = Number(option("records") ?? 10_000_000);
const ONLY = option("only")?.split(",");

interface Case {
  name: string;
  file: string;
  /** Writes the file; returns the records a correct import stores. */
  write: (file: string) => Promise<number>;
  /** DuckDB read_csv of the same file, for AWS text. */
  csvPeer?: boolean;
}

const cacheDir = path.join(tmpdir(), "tollgate-bench-cloud-logs");
const tuplesPerRecord = 1000;
const cases: Case[] = [
  {
    name: "aws-v2",
    file: `aws-v2-${RECORDS}.log`,
    write: async (file) => (await writeAwsVpcLog(file, { records: RECORDS, seed: 1 })).records,
    csvPeer: true,
  },
  {
    name: "aws-v2-gzip",
    file: `aws-v2-${RECORDS}.log.gz`,
    write: async (file) =>
      (await writeAwsVpcLog(file, { records: RECORDS, seed: 1, gzip: true })).records,
    csvPeer: true,
  },
  {
    name: "aws-v5",
    file: `aws-v5-${RECORDS}.log`,
    write: async (file) =>
      (await writeAwsVpcLog(file, { records: RECORDS, seed: 2, fields: AWS_ALL_FIELDS })).records,
  },
  {
    name: "aws-v5-gzip",
    file: `aws-v5-${RECORDS}.log.gz`,
    write: async (file) =>
      (
        await writeAwsVpcLog(file, {
          records: RECORDS,
          seed: 2,
          fields: AWS_ALL_FIELDS,
          gzip: true,
        })
      ).records,
  },
  {
    name: "gcp",
    file: `gcp-${RECORDS}.json.gz`,
    write: async (file) =>
      (
        await writeGcpVpcLog(file, {
          records: RECORDS,
          seed: 3,
          style: "logentry-ndjson",
          gzip: true,
        })
      ).records,
  },
  {
    name: "azure-nsg-v2",
    file: `azure-nsg-v2-${RECORDS}.json`,
    write: async (file) =>
      (
        await writeAzureNsgLog(file, {
          version: 2,
          records: Math.ceil(RECORDS / tuplesPerRecord),
          tuplesPerRecord,
          seed: 4,
        })
      ).records,
  },
  {
    name: "azure-vnet",
    file: `azure-vnet-${RECORDS}.json`,
    write: async (file) =>
      (
        await writeAzureVnetLog(file, {
          records: Math.ceil(RECORDS / tuplesPerRecord),
          tuplesPerRecord,
          seed: 5,
        })
      ).records,
  },
];

/** Runs a command; resolves its output and the peak RSS that GNU time reports (kB). */
function run(
  args: readonly string[],
): Promise<{ code: number | null; out: string; peakKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "PEAK_KB=%M", ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const peak = /PEAK_KB=(\d+)/.exec(out);
      resolve({ code, out, peakKb: Number(peak?.[1] ?? 0) });
    });
  });
}

async function csvPeer(file: string, dir: string): Promise<number> {
  const instance = await DuckDBInstance.create(path.join(dir, "peer.duckdb"));
  const connection = await instance.connect();
  try {
    const t0 = performance.now();
    await connection.run(
      `CREATE TABLE flows AS SELECT * FROM read_csv($file, delim = ' ', header = true, nullstr = '-',
         columns = {'version': 'UTINYINT', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',
           'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'USMALLINT', 'dstport': 'USMALLINT',
           'protocol': 'UTINYINT', 'packets': 'UBIGINT', 'bytes': 'UBIGINT', 'start': 'BIGINT',
           'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'})`,
      { file },
    );
    return performance.now() - t0;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Compiles src/ once per run; returns a script that runs the compiled CLI. */
function compiledCli(): string {
  const outDir = path.join(repoRoot, "node_modules", ".cache", "tollgate-bench", "dist");
  process.stderr.write("compiling src/ for the bench…\n");
  execFileSync(
    process.execPath,
    [
      path.join(repoRoot, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      outDir,
    ],
    { cwd: repoRoot, stdio: "inherit" },
  );
  // The compiled code finds its version in ../package.json, as dist/ does.
  writeFileSync(
    path.join(outDir, "..", "package.json"),
    readFileSync(path.join(repoRoot, "package.json")),
  );
  const runner = path.join(outDir, "..", "tollgate.mjs");
  writeFileSync(
    runner,
    `import { main } from ${JSON.stringify(path.join(outDir, "services", "main.js"))};\nprocess.exitCode = await main();\n`,
  );
  return runner;
}

async function main(): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const cli = compiledCli();
  console.log(
    `node ${process.version}; ${RECORDS.toLocaleString("en-US")} records per case; one run each (10 M records per run are their own average)`,
  );
  console.log(
    "case            MB      tollgate rec/s   MB/s   peak RSS    DuckDB read_csv rec/s  ratio",
  );
  for (const entry of cases) {
    if (ONLY !== undefined && !ONLY.includes(entry.name)) continue;
    const file = path.join(cacheDir, entry.file);
    let expected: number;
    const truthFile = `${file}.records`;
    if (existsSync(file) && existsSync(truthFile)) {
      expected = Number(readFileSync(truthFile, "utf8"));
    } else {
      process.stderr.write(`generating ${entry.file}…\n`);
      expected = await entry.write(file);
      writeFileSync(truthFile, String(expected));
    }
    const megabytes = statSync(file).size / 1e6;
    const dir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-import-"));
    try {
      const t0 = performance.now();
      const result = await run([
        process.execPath,
        cli,
        "import",
        file,
        "--no-progress",
        "--data-dir",
        path.join(dir, "data"),
      ]);
      const seconds = (performance.now() - t0) / 1000;
      const stored = /([\d,]+) stored/.exec(result.out)?.[1]?.replaceAll(",", "");
      if (result.code !== 0 || Number(stored) !== expected) {
        throw new Error(`${entry.name}: expected ${expected} stored\n${result.out}`);
      }
      let peer = "";
      if (entry.csvPeer === true) {
        const peerMs = await csvPeer(file, dir);
        const peerRate = expected / (peerMs / 1000);
        peer = `${Math.round(peerRate).toLocaleString("en-US").padStart(12)}            ${(expected / seconds / peerRate).toFixed(2)}×`;
      }
      console.log(
        `${entry.name.padEnd(14)} ${megabytes.toFixed(0).padStart(6)} ${Math.round(
          expected / seconds,
        )
          .toLocaleString("en-US")
          .padStart(
            14,
          )}  ${(megabytes / seconds).toFixed(0).padStart(5)}  ${(result.peakKb / 1024).toFixed(0).padStart(6)} MiB    ${peer}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
