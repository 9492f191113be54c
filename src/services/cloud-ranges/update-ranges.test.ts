import { readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadCloudRanges } from "../../inventory/cloud-ranges/index.ts";
import { renderUpdateReport } from "./render-report.ts";
import { updateCloudRanges } from "./update-ranges.ts";
import type { CloudRangeUrls } from "./update-ranges.ts";

// Only a server of this test on 127.0.0.1 is ever asked: never a provider's real URL.
const testdata = path.join(import.meta.dirname, "../../inventory/cloud-ranges/testdata");
const fixture = (name: string): string => readFileSync(path.join(testdata, name), "utf8");

interface Route {
  status: number;
  body: string;
  hang?: boolean;
}

const routes = new Map<string, Route>();
let server: Server;
let base = "";

function serveFixtures(): void {
  routes.clear();
  routes.set("/aws/ip-ranges.json", { status: 200, body: fixture("aws-ip-ranges.json") });
  routes.set("/gcp/cloud.json", { status: 200, body: fixture("gcp-cloud.json") });
  routes.set("/gcp/goog.json", { status: 200, body: fixture("gcp-goog.json") });
  routes.set("/download/details.aspx", {
    status: 200,
    body: `<html><body><a href="${base}/download/7/1/d/71d86715/ServiceTags_Public_20240520.json">old</a>
      <script>var data = {"url":"${base.replaceAll("/", "\\/")}\\/download\\/7\\/1\\/d\\/71d86716\\/ServiceTags_Public_20240527.json"};</script>
      </body></html>`,
  });
  routes.set("/download/7/1/d/71d86716/ServiceTags_Public_20240527.json", {
    status: 200,
    body: fixture("azure-service-tags.json"),
  });
}

function urls(): CloudRangeUrls {
  return {
    aws: `${base}/aws/ip-ranges.json`,
    gcpCloud: `${base}/gcp/cloud.json`,
    gcpGoog: `${base}/gcp/goog.json`,
    azurePage: `${base}/download/details.aspx`,
    azure: "",
  };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const route = routes.get(new URL(request.url ?? "/", base).pathname);
    if (route?.hang === true) return;
    response.writeHead(route?.status ?? 404, { "content-type": "application/json" });
    response.end(route?.body ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
});

describe("updateCloudRanges", () => {
  let dir = "";
  beforeEach(async () => {
    serveFixtures();
    dir = await mkdtemp(path.join(tmpdir(), "tollgate-update-ranges-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("downloads every source, finds the newest Azure link, and the files load", async () => {
    const report = await updateCloudRanges({ dir, urls: urls(), timeoutMs: 10_000 });
    expect(report.sources.map((update) => [update.source, update.status, update.date])).toEqual([
      ["aws", "updated", "2024-05-30"],
      ["gcp-cloud", "updated", "2024-05-30"],
      ["gcp-goog", "updated", "2024-05-30"],
      ["azure", "updated", "2024-05-27"],
    ]);
    expect(report.sources[3]?.url).toBe(
      `${base}/download/7/1/d/71d86716/ServiceTags_Public_20240527.json`,
    );
    expect(await readFile(path.join(dir, "aws-ip-ranges.json"), "utf8")).toBe(
      fixture("aws-ip-ranges.json"),
    );
    expect((await readdir(dir)).sort()).toEqual([
      "aws-ip-ranges.json",
      "azure-service-tags.json",
      "gcp-cloud.json",
      "gcp-goog.json",
    ]);
    const loaded = await loadCloudRanges(dir);
    expect(loaded.files.every((file) => file.status === "loaded")).toBe(true);
    expect(loaded.files.map((file) => file.count)).toEqual(
      report.sources.map((update) => update.entries),
    );
    expect(loaded.table.lookup("52.216.1.1")?.service).toBe("S3");
  });

  it("says unchanged when the body is the file already there, and leaves it alone", async () => {
    await updateCloudRanges({ dir, urls: urls(), sources: ["aws"] });
    const before = await stat(path.join(dir, "aws-ip-ranges.json"));
    const report = await updateCloudRanges({ dir, urls: urls(), sources: ["aws"] });
    expect(report.sources.map((update) => update.status)).toEqual(["unchanged"]);
    expect((await stat(path.join(dir, "aws-ip-ranges.json"))).ino).toBe(before.ino);
  });

  it("replaces a changed file by rename, not in place", async () => {
    const file = path.join(dir, "gcp-goog.json");
    await writeFile(file, JSON.stringify({ prefixes: [{ ipv4Prefix: "8.8.8.0/24" }] }));
    const before = await stat(file);
    const report = await updateCloudRanges({ dir, urls: urls(), sources: ["gcp-goog"] });
    expect(report.sources[0]?.status).toBe("updated");
    // A new inode: readers saw the old file or the new one, never a half-written one.
    expect((await stat(file)).ino).not.toBe(before.ino);
    expect(await readFile(file, "utf8")).toBe(fixture("gcp-goog.json"));
  });

  it("keeps the old file when the body is not the provider's format", async () => {
    await updateCloudRanges({ dir, urls: urls(), sources: ["aws"] });
    routes.set("/aws/ip-ranges.json", { status: 200, body: fixture("gcp-cloud.json") });
    const report = await updateCloudRanges({ dir, urls: urls(), sources: ["aws"] });
    const update = report.sources[0]!;
    expect(update.status).toBe("error");
    expect(update.message).toContain("is not an AWS ip-ranges.json file");
    expect(update.message).toContain("keeping the existing file dated 2024-05-30 (48 ranges)");
    expect(update).toMatchObject({ entries: 48, date: "2024-05-30" });
    expect(await readFile(path.join(dir, "aws-ip-ranges.json"), "utf8")).toBe(
      fixture("aws-ip-ranges.json"),
    );
  });

  it("keeps the old file on a truncated body and on an HTTP error", async () => {
    await updateCloudRanges({ dir, urls: urls(), sources: ["gcp-cloud"] });
    const body = fixture("gcp-cloud.json");
    routes.set("/gcp/cloud.json", { status: 200, body: body.slice(0, body.length / 2) });
    const truncated = await updateCloudRanges({ dir, urls: urls(), sources: ["gcp-cloud"] });
    expect(truncated.sources[0]?.status).toBe("error");
    expect(truncated.sources[0]?.message).toContain("it is not JSON");
    routes.set("/gcp/cloud.json", { status: 503, body: "busy" });
    const failed = await updateCloudRanges({ dir, urls: urls(), sources: ["gcp-cloud"] });
    expect(failed.sources[0]?.status).toBe("error");
    expect(failed.sources[0]?.message).toMatch(/answered 503 Service Unavailable/);
    expect(await readFile(path.join(dir, "gcp-cloud.json"), "utf8")).toBe(body);
  });

  it("says when the file already there is not valid either", async () => {
    await writeFile(path.join(dir, "aws-ip-ranges.json"), "<html>login page</html>");
    routes.set("/aws/ip-ranges.json", { status: 500, body: "" });
    const report = await updateCloudRanges({ dir, urls: urls(), sources: ["aws"] });
    expect(report.sources[0]).toMatchObject({ status: "error", entries: 0, date: "" });
    expect(report.sources[0]?.message).toContain(
      "is not a valid AWS ip-ranges.json file either: replace it by hand or delete it",
    );
  });

  it("refuses an empty feed rather than wiping the ranges", async () => {
    routes.set("/gcp/goog.json", { status: 200, body: '{"syncToken":"1","prefixes":[]}' });
    const report = await updateCloudRanges({ dir, urls: urls(), sources: ["gcp-goog"] });
    expect(report.sources[0]?.status).toBe("error");
    expect(report.sources[0]?.message).toContain("holds no ranges");
    expect(report.sources[0]?.message).toContain("no Google goog.json file yet");
  });

  it("says offline when the connection is refused, and keeps the existing file", async () => {
    await updateCloudRanges({ dir, urls: urls(), sources: ["aws"] });
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    const report = await updateCloudRanges({
      dir,
      urls: { ...urls(), aws: `http://127.0.0.1:${port}/ip-ranges.json` },
      sources: ["aws"],
    });
    expect(report.sources[0]).toMatchObject({ status: "offline", entries: 48, date: "2024-05-30" });
    expect(report.sources[0]?.message).toBe(
      `cannot reach 127.0.0.1:${port}: offline? (connection refused); keeping the existing file dated 2024-05-30 (48 ranges)`,
    );
    expect(await readFile(path.join(dir, "aws-ip-ranges.json"), "utf8")).toBe(
      fixture("aws-ip-ranges.json"),
    );
  });

  it("says offline when the server does not answer in time", async () => {
    routes.set("/gcp/goog.json", { status: 200, body: "", hang: true });
    const report = await updateCloudRanges({
      dir,
      urls: urls(),
      sources: ["gcp-goog"],
      timeoutMs: 300,
    });
    expect(report.sources[0]?.status).toBe("offline");
    expect(report.sources[0]?.message).toContain("offline? (no answer within 300 ms)");
  });

  it("says how to fetch the Azure file by hand when the page has no link", async () => {
    routes.set("/download/details.aspx", { status: 200, body: "<html>redesigned</html>" });
    const report = await updateCloudRanges({ dir, urls: urls(), sources: ["azure"] });
    const update = report.sources[0]!;
    expect(update.status).toBe("error");
    expect(update.message).toContain("cannot find the ServiceTags_Public_*.json link");
    expect(update.message).toContain(`save it as ${path.join(dir, "azure-service-tags.json")}`);
    expect(update.message).toContain("az network list-service-tags");
  });

  it("takes an explicit Azure file URL without the page", async () => {
    routes.delete("/download/details.aspx");
    const report = await updateCloudRanges({
      dir,
      urls: {
        ...urls(),
        azure: `${base}/download/7/1/d/71d86716/ServiceTags_Public_20240527.json`,
      },
      sources: ["azure"],
    });
    expect(report.sources[0]).toMatchObject({ status: "updated", date: "2024-05-27" });
  });

  it("refuses a body above the size limit", async () => {
    const report = await updateCloudRanges({
      dir,
      urls: urls(),
      sources: ["aws"],
      maxBytes: 1000,
    });
    expect(report.sources[0]?.status).toBe("error");
    expect(report.sources[0]?.message).toContain("is larger than 1000 bytes");
  });
});

describe("renderUpdateReport", () => {
  it("prints one line per source and what to do about failures", () => {
    const text = renderUpdateReport({
      dir: "/var/lib/tollgate/cloud-ranges",
      sources: [
        {
          source: "aws",
          provider: "aws",
          status: "updated",
          file: "/var/lib/tollgate/cloud-ranges/aws-ip-ranges.json",
          url: "https://ip-ranges.amazonaws.com/ip-ranges.json",
          entries: 9876,
          date: "2024-05-30",
          message: "downloaded 9876 ranges",
        },
        {
          source: "azure",
          provider: "azure",
          status: "offline",
          file: "/var/lib/tollgate/cloud-ranges/azure-service-tags.json",
          url: "https://www.microsoft.com/en-us/download/details.aspx?id=56519",
          entries: 0,
          date: "",
          message: "cannot reach www.microsoft.com: offline? (DNS lookup failed)",
        },
      ],
    });
    expect(text).toBe(
      [
        "cloud IP ranges in /var/lib/tollgate/cloud-ranges",
        "  aws    updated  9876 ranges  2024-05-30  downloaded 9876 ranges",
        "  azure  offline  -            -           cannot reach www.microsoft.com: offline? (DNS lookup failed)",
        "1 of 2 sources not updated: classification uses the files kept; run again when online, or fetch them by hand as said above",
        "",
      ].join("\n"),
    );
  });
});
