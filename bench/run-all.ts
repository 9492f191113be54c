/**
 * Runs every benchmark in bench/ (each `*.ts` but this one and `_scratch.ts` files) one after another (`npx tsx bench/<name>.ts`), forwarding
 * `--quick`, with a header per benchmark and a final list of which ran and which failed. Exits
 * 1 when any failed. `npm run bench` calls it.
 *
 *   npx tsx bench/run-all.ts [--quick]
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const self = path.basename(fileURLToPath(import.meta.url));
const forwarded = process.argv.includes("--quick") ? ["--quick"] : [];

interface Outcome {
  name: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
}

function runBench(file: string): Promise<Outcome> {
  const startedMs = performance.now();
  return new Promise((resolve) => {
    // Benchmarks run one at a time with the terminal: they measure a machine that should be
    // otherwise idle, and a Ctrl-C reaches the running one directly.
    const child = spawn("npx", ["tsx", path.join("bench", file), ...forwarded], {
      cwd: path.dirname(benchDir),
      stdio: "inherit",
    });
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      resolve({ name: file, exitCode, signal, seconds: (performance.now() - startedMs) / 1000 });
    };
    child.once("error", (error) => {
      console.error(`cannot start ${file}: ${error.message}`);
      finish(null, null);
    });
    child.once("exit", finish);
  });
}

const benches = readdirSync(benchDir)
  // A leading "_" marks a scratch script, not a benchmark.
  .filter((file) => file.endsWith(".ts") && file !== self && !file.startsWith("_"))
  .sort();

const outcomes: Outcome[] = [];
for (const [index, file] of benches.entries()) {
  const title = `bench ${index + 1}/${benches.length}: ${file}${forwarded.length > 0 ? " --quick" : ""}`;
  console.log(`\n${"=".repeat(title.length)}\n${title}\n${"=".repeat(title.length)}`);
  const outcome = await runBench(file);
  outcomes.push(outcome);
  if (outcome.signal === "SIGINT") break;
}

console.log("\nbenchmarks:");
for (const outcome of outcomes) {
  const status =
    outcome.exitCode === 0
      ? "ok"
      : `FAILED (${outcome.signal ?? (outcome.exitCode === null ? "not started" : `exit ${outcome.exitCode}`)})`;
  console.log(`  ${outcome.name.padEnd(28)} ${status.padEnd(20)} ${outcome.seconds.toFixed(0)} s`);
}
for (const file of benches.slice(outcomes.length)) console.log(`  ${file.padEnd(28)} not run`);
const failed = outcomes.filter((outcome) => outcome.exitCode !== 0).length;
const notRun = benches.length - outcomes.length;
console.log(
  `${outcomes.length - failed} ran, ${failed} failed${notRun > 0 ? `, ${notRun} not run` : ""}`,
);
process.exitCode = failed > 0 || notRun > 0 ? 1 : 0;
