/**
 * JSON value splitter throughput (MB/s of input), the first stage every byte of a JSON flow
 * log goes through, against `JSON.parse` of the same bytes measured in the same run (decode to
 * a string + parse the whole file: what an importer without a splitter would do, holding the
 * file in memory). Also splitter + `JSON.parse` of each unit (what the importer does).
 *
 * Inputs are written by the fixture generator (test/helpers/cloud-logs.ts): an Azure NSG v2
 * blob (one line, `{"records":[…]}`), the same pretty-printed as in the docs, and GCP LogEntry
 * NDJSON. Chunks of 64 KiB, as a file stream delivers them. Medians of 7 interleaved runs.
 *
 *   npx tsx bench/json-splitter.ts [--mb 48]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  createJsonValueSplitter,
  isJsonErrorUnit,
} from "../src/decoders/flow-log/json-splitter.ts";
import { writeAzureNsgLog, writeGcpVpcLog } from "../test/helpers/cloud-logs.ts";

const RUNS = 7;
const CHUNK_BYTES = 64 * 1024;
const mbArg = process.argv.indexOf("--mb");
const targetMb = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 48;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs the variants interleaved (a, b, c, a, b, c…) so that load from other processes hits
 * them alike, and returns the median ms of each.
 */
function timeInterleaved(variants: readonly (() => number)[]): { ms: number[]; results: number[] } {
  const times: number[][] = variants.map(() => []);
  const results: number[] = variants.map(() => 0);
  for (let run = 0; run < RUNS; run++) {
    variants.forEach((variant, index) => {
      const started = performance.now();
      results[index] = variant();
      times[index]!.push(performance.now() - started);
    });
  }
  return { ms: times.map(median), results };
}

function splitOnly(bytes: Uint8Array): number {
  const splitter = createJsonValueSplitter();
  let units = 0;
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
    units += splitter.push(bytes.subarray(at, at + CHUNK_BYTES)).length;
  }
  return units + splitter.finish().length;
}

function splitAndParse(bytes: Uint8Array): number {
  const splitter = createJsonValueSplitter();
  let parsed = 0;
  const take = (units: ReturnType<typeof splitter.push>): void => {
    for (const unit of units) {
      if (!isJsonErrorUnit(unit) && JSON.parse(unit.text) !== null) parsed++;
    }
  };
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES)
    take(splitter.push(bytes.subarray(at, at + CHUNK_BYTES)));
  take(splitter.finish());
  return parsed;
}

function parseWhole(bytes: Uint8Array): number {
  const value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  return Array.isArray(value) ? value.length : typeof value === "object" && value !== null ? 1 : 0;
}

/** NDJSON cannot be parsed whole: JSON.parse per line is its baseline. */
function parseLines(bytes: Uint8Array): number {
  let count = 0;
  for (const line of new TextDecoder().decode(bytes).split("\n")) {
    if (line !== "") {
      JSON.parse(line);
      count++;
    }
  }
  return count;
}

const dir = mkdtempSync(path.join(tmpdir(), "tollgate-bench-json-"));
try {
  // About 2.6 KB per 9-tuple NSG v2 record, 1.1 KB per GCP entry (measured on the generator).
  const azureRecords = Math.round((targetMb * 1e6) / 4000);
  const inputs: { name: string; file: string; baseline: "whole" | "lines" }[] = [];
  await writeAzureNsgLog(path.join(dir, "nsg.json"), {
    version: 2,
    records: azureRecords,
    tuplesPerRecord: 16,
    seed: 1,
  });
  inputs.push({ name: "azure nsg v2 blob (compact)", file: "nsg.json", baseline: "whole" });
  await writeAzureNsgLog(path.join(dir, "nsg-pretty.json"), {
    version: 2,
    records: Math.round(azureRecords / 2),
    tuplesPerRecord: 16,
    seed: 1,
    layout: "pretty",
  });
  inputs.push({
    name: "azure nsg v2 blob (pretty, docs)",
    file: "nsg-pretty.json",
    baseline: "whole",
  });
  await writeGcpVpcLog(path.join(dir, "gcp.ndjson"), {
    records: Math.round((targetMb * 1e6) / 1100),
    seed: 1,
    style: "logentry-ndjson",
  });
  inputs.push({ name: "gcp logentry ndjson", file: "gcp.ndjson", baseline: "lines" });

  console.log(`node ${process.version}, ${CHUNK_BYTES / 1024} KiB chunks, median of ${RUNS} runs`);
  console.log(
    "input                               MB    split MB/s  units     split+parse MB/s  JSON.parse MB/s  split/parse",
  );
  for (const input of inputs) {
    const bytes = new Uint8Array(readFileSync(path.join(dir, input.file)));
    const mb = bytes.length / 1e6;
    splitOnly(bytes); // warm-up
    const { ms, results } = timeInterleaved([
      () => splitOnly(bytes),
      () => splitAndParse(bytes),
      () => (input.baseline === "whole" ? parseWhole(bytes) : parseLines(bytes)),
    ]);
    const [splitMs, bothMs, baseMs] = ms as [number, number, number];
    const rate = (value: number): string => (mb / (value / 1000)).toFixed(0);
    console.log(
      `${input.name.padEnd(34)} ${mb.toFixed(1).padStart(5)} ${rate(splitMs).padStart(10)}  ${String(results[0]).padStart(8)}  ${rate(bothMs).padStart(14)}  ${rate(baseMs).padStart(15)}  ${(baseMs / splitMs).toFixed(2).padStart(10)}x`,
    );
  }
  console.log(
    `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; baseline: JSON.parse of the whole decoded file (blobs) or of each line (NDJSON)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
