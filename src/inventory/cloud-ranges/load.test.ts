import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLOUD_RANGE_FILE_NAMES } from "./cloud-range.ts";
import { loadCloudRanges } from "./load.ts";

const testdata = path.join(import.meta.dirname, "testdata");

describe("loadCloudRanges", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tollgate-cloud-ranges-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads the files present and reports the others as absent", async () => {
    for (const source of ["aws", "azure"] as const) {
      const name = CLOUD_RANGE_FILE_NAMES[source];
      await copyFile(path.join(testdata, name), path.join(dir, name));
    }
    const loaded = await loadCloudRanges(dir);
    expect(
      loaded.files.map((file) => [file.source, file.status, path.basename(file.file)]),
    ).toEqual([
      ["aws", "loaded", "aws-ip-ranges.json"],
      ["gcp-cloud", "absent", "gcp-cloud.json"],
      ["gcp-goog", "absent", "gcp-goog.json"],
      ["azure", "loaded", "azure-service-tags.json"],
    ]);
    expect(loaded.files[0]).toMatchObject({
      provider: "aws",
      version: "1717099990",
      createdAt: "2024-05-30T20:13:10Z",
      problemCount: 0,
    });
    expect(loaded.files[0]?.count).toBe(48);
    expect(loaded.files[1]).toMatchObject({ version: "", createdAt: "", count: 0 });
    expect(loaded.table.lookup("52.216.1.1")?.service).toBe("S3");
    expect(loaded.table.lookup("20.38.98.1")?.service).toBe("Storage");
    expect(loaded.table.lookup("8.8.8.8")).toBeUndefined();
    expect(loaded.table.sources.map((source) => source.file)).toEqual([
      path.join(dir, "aws-ip-ranges.json"),
      path.join(dir, "azure-service-tags.json"),
    ]);
    expect(loaded.problems).toEqual([]);
  });

  it("gives an empty table for an empty or missing directory", async () => {
    const loaded = await loadCloudRanges(path.join(dir, "nothing-here"));
    expect(loaded.table.size).toBe(0);
    expect(loaded.table.lookup("52.216.1.1")).toBeUndefined();
    expect(loaded.files.every((file) => file.status === "absent")).toBe(true);
  });

  it("collects the problems of every file", async () => {
    await writeFile(
      path.join(dir, "gcp-goog.json"),
      JSON.stringify({ prefixes: [{ ipv4Prefix: "8.8.8.0/24" }, { ipv4Prefix: "8.8.8/24" }] }),
    );
    const loaded = await loadCloudRanges(dir);
    expect(loaded.problems).toEqual([
      { source: "gcp-goog", path: "prefixes[1].ipv4Prefix", message: expect.any(String) as string },
    ]);
    expect(loaded.files[2]).toMatchObject({ status: "loaded", count: 1, problemCount: 1 });
  });

  it("stops on a file that is not its provider's format, naming the file", async () => {
    await copyFile(path.join(testdata, "gcp-cloud.json"), path.join(dir, "aws-ip-ranges.json"));
    await expect(loadCloudRanges(dir)).rejects.toMatchObject({
      code: "ERR_CLOUD_RANGES_FORMAT",
      message: expect.stringContaining(path.join(dir, "aws-ip-ranges.json")) as string,
    });
  });

  it("stops on a file that exists but cannot be read", async () => {
    await mkdir(path.join(dir, "azure-service-tags.json"));
    await expect(loadCloudRanges(dir)).rejects.toMatchObject({ code: "ERR_CLOUD_RANGES_READ" });
  });
});
