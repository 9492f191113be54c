import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expandImportPaths } from "./files.ts";

const root = mkdtempSync(path.join(tmpdir(), "tollgate-files-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function touch(relative: string): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, "x");
  return file;
}

describe("expandImportPaths", () => {
  const day1 = touch("AWSLogs/1/vpcflowlogs/eu-west-1/2026/11/21/a.log.gz");
  const day2 = touch("AWSLogs/1/vpcflowlogs/eu-west-1/2026/11/22/b.log.gz");
  const other = touch("AWSLogs/1/vpcflowlogs/eu-west-1/2026/11/22/c.txt");
  touch("AWSLogs/.hidden/d.log.gz");

  it("walks directories in sorted order, skipping hidden entries", () => {
    expect(expandImportPaths([path.join(root, "AWSLogs")]).map((file) => file.path)).toEqual([
      day1,
      day2,
      other,
    ]);
  });

  it("matches quoted globs, ** at any depth", () => {
    expect(
      expandImportPaths([path.join(root, "AWSLogs/**/*.log.gz")]).map((file) => file.path),
    ).toEqual([day1, day2]);
    expect(
      expandImportPaths([path.join(root, "AWSLogs/1/vpcflowlogs/*/2026/11/2?/*.txt")]).map(
        (file) => file.path,
      ),
    ).toEqual([other]);
  });

  it("lists a file once however often it is named", () => {
    expect(expandImportPaths([day1, path.join(root, "AWSLogs"), day1])).toHaveLength(3);
  });

  it("names the argument that matches nothing", () => {
    expect(() => expandImportPaths([path.join(root, "missing.log")])).toThrow(
      /cannot read .*missing\.log \(ENOENT\)/,
    );
    expect(() => expandImportPaths([path.join(root, "AWSLogs/**/*.parquet")])).toThrow(
      /no file matches/,
    );
  });
});
