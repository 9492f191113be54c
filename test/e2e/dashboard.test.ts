import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peerAvailable, repoRoot } from "../helpers/peers.ts";
import { getJson, sendDemoFlows, startTollgate, waitFor } from "../helpers/tollgate.ts";
import type { RunningTollgate } from "../helpers/tollgate.ts";

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * `tollgate serve`: the numbers on the page must equal the API's answers exactly, the charts
 * must paint, live refresh must pick up new flows, and a stopped server must show the error.
 */

const CHROMIUM = "/usr/bin/chromium";
const DIRECTIONS = ["ingress", "egress", "internal", "transit"] as const;
const METRICS = ["bytes", "packets", "flows"] as const;

interface Totals {
  bytes: number;
  packets: number;
  flows: number;
}
type Summary = Record<(typeof DIRECTIONS)[number] | "total", Totals>;
interface Top {
  rows: (Totals & { key: string })[];
  other: Totals;
  total: Totals;
}

interface FilterProblem {
  detail: string;
  details: { filter: string; column: number; length: number; expected: string[] };
}

/** The API's URL for a query with a filter expression, encoded as the page encodes it. */
function withFilter(route: string, filter: string): string {
  return `${route}${route.includes("?") ? "&" : "?"}filter=${encodeURIComponent(filter)}`;
}

const hasChromium = peerAvailable(`Chromium (${CHROMIUM})`, existsSync(CHROMIUM));

describe.runIf(hasChromium)("dashboard in Chromium", () => {
  let tollgate: RunningTollgate | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const profileDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-chromium-"));
  const screenshotDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-screens-"));
  const pageErrors: string[] = [];
  // The broken-filter step makes the server answer 400 on purpose; Chromium logs each one.
  let expectBadRequests = false;

  beforeAll(async () => {
    // The server serves web/dist: build it from the current sources so the test never checks a
    // stale bundle (vite takes about a second here).
    execFileSync("npm", ["run", "build", "--workspace", "web"], { cwd: repoRoot, stdio: "pipe" });
    tollgate = await startTollgate();
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1440, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      // The error-state step stops the server on purpose; the failed fetches it logs are expected.
      const text = message.text();
      const expected =
        text.includes("ERR_CONNECTION_REFUSED") ||
        (expectBadRequests && text.includes("status of 400 (Bad Request)"));
      if (message.type() === "error" && !expected) pageErrors.push(text);
    });
  });

  afterAll(async () => {
    await context?.close();
    await tollgate?.stop();
    rmSync(profileDir, { recursive: true, force: true });
    console.info(`dashboard screenshots kept in ${screenshotDir}`);
  });

  it("shows the empty state before any flow arrives, then picks flows up by live refresh", async () => {
    const server = tollgate!;
    await page.goto(`${server.httpUrl}/#/?range=all`);
    const empty = page.getByTestId("empty-state");
    await empty.waitFor();
    expect(await empty.getAttribute("data-empty")).toBe("store");
    expect(await empty.textContent()).toContain("tollgate demo");
    expect(await page.getByTestId("total-all-flows").getAttribute("data-value")).toBe("0");
    await page.screenshot({ path: path.join(screenshotDir, "empty.png"), fullPage: true });

    const sent = await sendDemoFlows({ port: server.netflowPort }, { flows: 3000 });
    await waitFor(async () => {
      const summary = await getJson<Summary>(server.httpUrl, "/api/v1/summary");
      return summary.total.flows >= sent.records;
    });
    // No reload and no click: the page's own 10 s refresh must bring the flows in.
    await page.locator('[data-testid="overview"][data-state="ready"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("empty-state").count()).toBe(0);
  });

  it("shows per-direction totals and top talkers equal to the API's", async () => {
    const server = tollgate!;
    const summary = await getJson<Summary>(server.httpUrl, "/api/v1/summary");
    expect(summary.total.flows).toBeGreaterThan(0);
    for (const direction of [...DIRECTIONS, "all"] as const) {
      for (const metric of METRICS) {
        const expected = direction === "all" ? summary.total[metric] : summary[direction][metric];
        const value = await page
          .getByTestId(`total-${direction}-${metric}`)
          .getAttribute("data-value");
        expect(Number(value), `${direction} ${metric}`).toBe(expected);
      }
    }
    // Classification against the default (private) networks must produce more than one direction.
    expect(DIRECTIONS.filter((direction) => summary[direction].flows > 0).length).toBeGreaterThan(
      1,
    );

    await expectTopTable(page, server.httpUrl, "src.addr", "bytes");
    await expectTopTable(page, server.httpUrl, "dst.addr", "bytes");

    // Switching the metric redraws every number for packets.
    await page.getByTestId("metric-packets").click();
    await page
      .locator('[data-testid="overview"][data-state="ready"][data-metric="packets"]')
      .waitFor();
    expect(
      Number(await page.getByTestId("total-egress-packets").first().getAttribute("data-value")),
    ).toBe(summary.egress.packets);
    await expectTopTable(page, server.httpUrl, "src.addr", "packets");
    await page.getByTestId("metric-bytes").click();
    await page
      .locator('[data-testid="overview"][data-state="ready"][data-metric="bytes"]')
      .waitFor();
  });

  it("paints the time series and sankey charts", async () => {
    const server = tollgate!;
    const chart = page.locator('[data-testid="chart-timeseries"][data-state="ready"]');
    await chart.waitFor();
    const series = await getJson<{ points: unknown[] }>(server.httpUrl, "/api/v1/timeseries");
    expect(Number(await chart.getAttribute("data-points"))).toBe(series.points.length);
    expect(await paintedPixels(page, "chart-timeseries")).toBeGreaterThan(1000);
    await page.locator('[data-testid="chart-sankey"][data-state="ready"]').waitFor();
    expect(await paintedPixels(page, "chart-sankey")).toBeGreaterThan(1000);
    await page.screenshot({ path: path.join(screenshotDir, "overview.png"), fullPage: true });
  });

  it("explores one dimension with a table and a bar chart", async () => {
    const server = tollgate!;
    await page.getByRole("link", { name: "Explore" }).click();
    await page.locator('[data-testid="explore"][data-state="ready"]').waitFor();
    await page.getByTestId("explore-by").selectOption("proto");
    await page.getByTestId("explore-direction").selectOption("egress");
    const ready = page.locator(
      '[data-testid="explore"][data-state="ready"][data-by="proto"][data-direction="egress"]',
    );
    await ready.waitFor();
    expect(page.url()).toContain("by=proto");

    const top = await getJson<Top>(
      server.httpUrl,
      "/api/v1/top?by=proto&direction=egress&metric=bytes&limit=10",
    );
    expect(top.rows.length).toBeGreaterThan(0);
    const table = page.getByTestId("top-proto");
    expect(await rowsOf(table.getByTestId("top-row"))).toEqual(
      top.rows.map((row) => ({ key: row.key, value: row.bytes })),
    );
    expect(Number(await table.getByTestId("top-other").getAttribute("data-value"))).toBe(
      top.other.bytes,
    );
    const bars = page.locator('[data-testid="chart-explore"][data-state="ready"]');
    await bars.waitFor();
    expect(Number(await bars.getAttribute("data-bars"))).toBe(top.rows.length);
    expect(await paintedPixels(page, "chart-explore")).toBeGreaterThan(1000);
    await page.screenshot({ path: path.join(screenshotDir, "explore.png"), fullPage: true });
  });

  it("applies a typed filter on every page, with the API's numbers for the same filter", async () => {
    const server = tollgate!;
    const filter = "direction = egress and proto = tcp";
    await page.goto(`${server.httpUrl}/#/?range=all`);
    await page.locator('[data-testid="overview"][data-state="ready"]').waitFor();
    const box = page.getByTestId("filter-input");
    await box.fill(filter);
    await box.press("Enter");
    await page
      .locator(`[data-testid="overview"][data-state="ready"][data-filter="${filter}"]`)
      .waitFor();
    expect(decodeURIComponent(page.url().replace(/\+/g, " "))).toContain(`filter=${filter}`);

    const everything = await getJson<Summary>(server.httpUrl, "/api/v1/summary");
    const summary = await getJson<Summary>(server.httpUrl, withFilter("/api/v1/summary", filter));
    expect(summary.egress.flows).toBeGreaterThan(0);
    expect(summary.total.flows).toBeLessThan(everything.total.flows);
    for (const direction of [...DIRECTIONS, "all"] as const) {
      for (const metric of METRICS) {
        const expected = direction === "all" ? summary.total[metric] : summary[direction][metric];
        const value = await page
          .getByTestId(`total-${direction}-${metric}`)
          .getAttribute("data-value");
        expect(Number(value), `${direction} ${metric}`).toBe(expected);
      }
    }
    await expectTopTable(page, server.httpUrl, "src.addr", "bytes", filter);

    // The filter belongs to the route, not the page: the explorer applies it too.
    await page.getByRole("link", { name: "Explore" }).click();
    await page
      .locator(`[data-testid="explore"][data-state="ready"][data-filter="${filter}"]`)
      .waitFor();
    expect(await box.inputValue()).toBe(filter);
    await page.getByTestId("explore-by").selectOption("dst.country");
    await page
      .locator('[data-testid="explore"][data-state="ready"][data-by="dst.country"]')
      .waitFor();
    const top = await getJson<Top>(
      server.httpUrl,
      withFilter("/api/v1/top?by=dst.country&metric=bytes&limit=10", filter),
    );
    expect(top.rows.length).toBeGreaterThan(0);
    const table = page.getByTestId("top-dst.country");
    expect(await rowsOf(table.getByTestId("top-row"))).toEqual(
      top.rows.map((row) => ({ key: row.key, value: row.bytes })),
    );
    expect(Number(await table.getByTestId("top-total").getAttribute("data-value"))).toBe(
      top.total.bytes,
    );
    // Countries read as names with their code.
    const country = top.rows.find((row) => row.key === "US");
    if (country !== undefined) {
      expect(await table.locator('[data-key="US"] .key').textContent()).toBe("United States (US)");
    }
    await page.screenshot({ path: path.join(screenshotDir, "filtered.png"), fullPage: true });
  });

  it("marks a broken filter where the server says, keeping what was typed", async () => {
    const server = tollgate!;
    const broken = "dst.contry = US";
    const response = await fetch(`${server.httpUrl}${withFilter("/api/v1/top?by=proto", broken)}`);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as FilterProblem;
    const { column, length } = problem.details;
    const wrong = broken.slice(column - 1, column - 1 + length);
    expect(wrong).toBe("dst.contry");

    expectBadRequests = true;
    const rowsBefore = await page.getByTestId("top-row").count();
    const box = page.getByTestId("filter-input");
    await box.fill(broken);
    await box.press("Enter");
    const error = page.locator('[data-testid="filter-form"][data-state="error"]');
    await error.waitFor();
    expect(await page.getByTestId("filter-message").textContent()).toBe(problem.detail);
    expect(problem.detail).toContain("did you mean dst.country");
    expect(await page.getByTestId("filter-echo").textContent()).toBe(broken);
    expect(await page.getByTestId("filter-mark").textContent()).toBe(wrong);
    expect(await page.getByTestId("filter-mark-inline").textContent()).toBe(wrong);
    expect(await box.inputValue()).toBe(broken);
    expect(await box.getAttribute("aria-invalid")).toBe("true");
    // The page keeps the last good answer (dimmed) rather than going blank.
    expect(await page.getByTestId("top-row").count()).toBe(rowsBefore);
    expect(await page.getByTestId("error-banner").isHidden()).toBe(true);
    await page.screenshot({ path: path.join(screenshotDir, "filter-error.png") });

    await page.getByTestId("filter-clear").click();
    await page.locator('[data-testid="explore"][data-state="ready"][data-filter=""]').waitFor();
    await page.locator('[data-testid="filter-form"][data-state="ok"]').waitFor();
    expectBadRequests = false;
  });

  it("drills down from a row of the top table into the filter", async () => {
    const server = tollgate!;
    await page.getByTestId("explore-by").selectOption("locality");
    await page.locator('[data-testid="explore"][data-state="ready"][data-by="locality"]').waitFor();
    const top = await getJson<Top>(server.httpUrl, "/api/v1/top?by=locality&metric=bytes&limit=10");
    const table = page.getByTestId("top-locality");
    expect(await rowsOf(table.getByTestId("top-row"))).toEqual(
      top.rows.map((row) => ({ key: row.key, value: row.bytes })),
    );
    const first = top.rows[0]!;
    await table.getByTestId("top-row").first().click();
    const filter = `locality = ${first.key}`;
    await page
      .locator(`[data-testid="explore"][data-state="ready"][data-filter="${filter}"]`)
      .waitFor();
    expect(await page.getByTestId("filter-input").inputValue()).toBe(filter);
    const drilled = await getJson<Top>(
      server.httpUrl,
      withFilter("/api/v1/top?by=locality&metric=bytes&limit=10", filter),
    );
    expect(drilled.rows).toEqual([first]);
    expect(await rowsOf(table.getByTestId("top-row"))).toEqual([
      { key: first.key, value: first.bytes },
    ]);
    await page.getByTestId("filter-clear").click();
    await page.locator('[data-testid="explore"][data-state="ready"][data-filter=""]').waitFor();
  });

  it("explains an address row: its network, prefix and tags", async () => {
    const server = tollgate!;
    await page.getByTestId("explore-by").selectOption("src.addr");
    await page.locator('[data-testid="explore"][data-state="ready"][data-by="src.addr"]').waitFor();
    const top = await getJson<Top>(server.httpUrl, "/api/v1/top?by=src.addr&metric=bytes&limit=10");
    // A source in one of our (default, private) networks, which explain must name.
    const ours = top.rows.find((row) => row.key.startsWith("10."));
    expect(ours, "a 10/8 source among the top 10").toBeDefined();
    const address = ours!.key;
    const answer = await getJson<{
      kind: string;
      address: { network?: { name: string; prefix: string } };
    }>(server.httpUrl, `/api/v1/explain?address=${address}`);
    const network = answer.address.network!;

    await page.locator(`.row-action[data-key="${address}"]`).click();
    const panel = page.locator(
      `[data-testid="explain-panel"][data-state="ready"][data-address="${address}"]`,
    );
    await panel.waitFor();
    const section = panel.getByTestId("explain-network");
    expect(await section.textContent()).toContain(network.name);
    expect(await section.textContent()).toContain(network.prefix);
    expect(await panel.getByTestId("explain-tags").count()).toBe(1);
    await page.screenshot({ path: path.join(screenshotDir, "explain.png") });
    await panel.getByTestId("explain-close").click();
    await page.locator('[data-testid="explain-panel"][data-state="closed"]').waitFor({
      state: "hidden",
    });
  });

  it("says the server is unreachable once it stops, keeping the last data", async () => {
    const server = tollgate!;
    await server.stop();
    tollgate = undefined;
    await page.getByTestId("refresh").click();
    const banner = page.locator('[data-testid="error-banner"][data-kind="unreachable"]');
    await banner.waitFor();
    expect(await banner.textContent()).toContain("Cannot reach the Tollgate server");
    // The explorer still shows the rows it had.
    expect(await page.getByTestId("top-row").count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(screenshotDir, "unreachable.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});

interface AttributeHolder {
  getAttribute(name: string): string | null;
}

interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> };
  } | null;
}

/** The rows of a top table as the page shows them: the raw key and the exact value. */
async function rowsOf(
  rows: ReturnType<Page["locator"]>,
): Promise<{ key: string | null; value: number }[]> {
  // The root tsconfig has no DOM library: in-page callbacks describe the little they touch.
  return rows.evaluateAll((elements: unknown[]) =>
    (elements as AttributeHolder[]).map((element) => ({
      key: element.getAttribute("data-key"),
      value: Number(element.getAttribute("data-value")),
    })),
  );
}

/** Compares an overview top table with the API's answer for the same query, row by row. */
async function expectTopTable(
  page: Page,
  httpUrl: string,
  dimension: string,
  metric: (typeof METRICS)[number],
  filter = "",
): Promise<void> {
  const route = `/api/v1/top?by=${dimension}&metric=${metric}&limit=10`;
  const top = await getJson<Top>(httpUrl, filter === "" ? route : withFilter(route, filter));
  expect(top.rows.length).toBeGreaterThan(0);
  const table = page.getByTestId(`top-${dimension}`);
  expect(await rowsOf(table.getByTestId("top-row"))).toEqual(
    top.rows.map((row) => ({ key: row.key, value: row[metric] })),
  );
  expect(Number(await table.getByTestId("top-other").getAttribute("data-value"))).toBe(
    top.other[metric],
  );
  expect(Number(await table.getByTestId("top-total").getAttribute("data-value"))).toBe(
    top.total[metric],
  );
}

/** How many pixels of a chart's canvas are not transparent: proof that ECharts drew something. */
async function paintedPixels(page: Page, testId: string): Promise<number> {
  return page
    .getByTestId(testId)
    .locator("canvas")
    .first()
    .evaluate((canvas: unknown) => {
      const element = canvas as CanvasLike;
      const context = element.getContext("2d");
      if (context === null) return 0;
      const pixels = context.getImageData(0, 0, element.width, element.height).data;
      let painted = 0;
      for (let index = 3; index < pixels.length; index += 4) {
        if ((pixels[index] ?? 0) > 0) painted += 1;
      }
      return painted;
    });
}
