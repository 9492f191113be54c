import { api, ApiError, filterErrorOf, isAbort } from "./api-client.ts";
import { METRICS } from "./api-types.ts";
import type { StatusResponse } from "./api-types.ts";
import { createFilterBox } from "./components/filter-box.ts";
import { h, replaceChildren } from "./dom.ts";
import { formatClock, formatCount } from "./format.ts";
import { formatRoute, parseRoute, RANGE_LABELS, RANGES } from "./route.ts";
import type { Page, Route } from "./route.ts";
import { createExplore } from "./views/explore.ts";
import { createOverview } from "./views/overview.ts";
import type { View } from "./views/view.ts";

/** Live refresh period: frequent enough to watch a transfer, light on the server. */
export const REFRESH_MS = 10_000;

const VIEWS: Readonly<Record<Page, () => View>> = {
  overview: createOverview,
  explore: createExplore,
};

const PAGE_TITLES: Readonly<Record<Page, string>> = { overview: "Overview", explore: "Explore" };

/**
 * The shell: header (navigation, range and metric pickers, live refresh), the current view,
 * an error banner and a status footer. It owns the refresh loop; views only load and draw.
 */
export function startApp(root: HTMLElement): void {
  const navLinks = new Map<Page, HTMLAnchorElement>();
  const nav = h("nav", { class: "nav", "aria-label": "Pages" });
  for (const page of ["overview", "explore"] as const) {
    const link = h("a", { href: `#/${page === "overview" ? "" : page}` }, PAGE_TITLES[page]);
    navLinks.set(page, link);
    nav.append(link);
  }

  const rangeButtons = RANGES.map((range) =>
    h(
      "button",
      { type: "button", class: "toggle", "data-range": range, "data-testid": `range-${range}` },
      range === "all" ? "All" : range,
    ),
  );
  const metricButtons = METRICS.map((metric) =>
    h("button", { type: "button", class: "toggle", "data-testid": `metric-${metric}` }, metric),
  );
  const liveButton = h("button", { type: "button", class: "toggle live", "data-testid": "live" });
  const refreshButton = h(
    "button",
    { type: "button", class: "button", "data-testid": "refresh", title: "Refresh now" },
    "Refresh",
  );
  const updated = h("span", {
    class: "updated",
    "data-testid": "updated-at",
    "aria-live": "polite",
  });

  // One filter for every page: it lives in the route, so switching pages keeps it.
  const filterBox = createFilterBox({
    onApply(filter) {
      if (filter === route.filter) void refresh();
      else navigate({ ...route, filter });
    },
  });

  const header = h(
    "header",
    { class: "topbar" },
    h(
      "div",
      { class: "topbar-row" },
      h(
        "a",
        { class: "brand", href: "#/" },
        h("span", { class: "brand-mark", "aria-hidden": "true" }),
        "Tollgate",
      ),
      nav,
      h("div", { class: "spacer" }),
      updated,
      liveButton,
      refreshButton,
    ),
    h(
      "div",
      { class: "topbar-row controls" },
      h(
        "div",
        { class: "segmented", role: "group", "aria-label": "Time range" },
        h("span", { class: "segmented-label" }, "Range"),
        ...rangeButtons,
      ),
      h(
        "div",
        { class: "segmented", role: "group", "aria-label": "Metric" },
        h("span", { class: "segmented-label" }, "Metric"),
        ...metricButtons,
      ),
    ),
    h("div", { class: "topbar-row" }, filterBox.element),
  );
  // Panels pinned under the sticky header (explain) read its height from this variable.
  new ResizeObserver(() => {
    root.style.setProperty("--topbar-height", `${String(header.offsetHeight)}px`);
  }).observe(header);
  const banner = h("div", {
    class: "banner",
    role: "alert",
    "data-testid": "error-banner",
    hidden: true,
  });
  const main = h("main", { id: "main", tabindex: -1 });
  const footer = h("footer", { class: "footer", "data-testid": "status" });
  replaceChildren(root, header, banner, main, footer);

  let route = parseRoute(location.hash);
  let view: { page: Page; view: View } | undefined;
  let paused = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;
  let lastSuccess: Date | undefined;
  /** The current filter was refused: asking again every 10 s would get the same 400. */
  let filterRefused = false;

  RANGES.forEach((range, index) => {
    rangeButtons[index]?.addEventListener("click", () => {
      navigate({ ...route, range });
    });
  });
  METRICS.forEach((metric, index) => {
    metricButtons[index]?.addEventListener("click", () => {
      navigate({ ...route, metric });
    });
  });
  liveButton.addEventListener("click", () => {
    paused = !paused;
    renderLive();
    if (paused) clearTimer();
    else void refresh();
  });
  refreshButton.addEventListener("click", () => {
    void refresh();
  });
  window.addEventListener("hashchange", () => {
    route = parseRoute(location.hash);
    filterRefused = false;
    void refresh();
  });
  document.addEventListener("visibilitychange", () => {
    // A hidden tab stops polling; coming back refreshes at once rather than showing stale data.
    if (document.visibilityState === "visible" && !paused) void refresh();
  });

  renderLive();
  void refresh();

  function navigate(next: Route): void {
    location.hash = formatRoute(next);
  }

  function clearTimer(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  function renderLive(): void {
    liveButton.setAttribute("aria-pressed", String(!paused));
    liveButton.textContent = paused ? "Paused" : "Live";
    liveButton.title = paused
      ? "Live refresh is paused: click to resume"
      : `Refreshing every ${String(REFRESH_MS / 1000)} s: click to pause`;
  }

  function renderControls(): void {
    for (const [page, link] of navLinks) {
      // Moving between pages keeps the chosen range and metric.
      link.href = formatRoute({ ...route, page });
      if (page === route.page) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    RANGES.forEach((range, index) => {
      const button = rangeButtons[index];
      button?.setAttribute("aria-pressed", String(route.range === range));
      button?.setAttribute("title", RANGE_LABELS[range]);
    });
    METRICS.forEach((metric, index) => {
      metricButtons[index]?.setAttribute("aria-pressed", String(route.metric === metric));
    });
    filterBox.show(route.filter);
    document.title = `${PAGE_TITLES[route.page]} · Tollgate`;
  }

  async function refresh(): Promise<void> {
    clearTimer();
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    renderControls();

    if (view?.page !== route.page) {
      view?.view.dispose();
      view = { page: route.page, view: VIEWS[route.page]() };
      replaceChildren(main, view.view.element);
    }
    const status = api.status(controller.signal);
    try {
      const [, statusResult] = await Promise.all([
        view.view.load(route, controller.signal, status),
        status,
      ]);
      lastSuccess = new Date();
      showUpdated();
      banner.hidden = true;
      filterRefused = false;
      filterBox.clearError();
      main.classList.remove("stale");
      renderStatus(statusResult);
    } catch (error) {
      if (isAbort(error)) return;
      showError(error);
    } finally {
      if (inFlight === controller) {
        inFlight = undefined;
        if (!paused && !filterRefused && document.visibilityState === "visible") {
          timer = setTimeout(() => void refresh(), REFRESH_MS);
        }
      }
    }
  }

  function showUpdated(): void {
    if (lastSuccess === undefined) {
      updated.textContent = "";
      return;
    }
    replaceChildren(
      updated,
      "Updated ",
      h("time", { datetime: lastSuccess.toISOString() }, formatClock(lastSuccess)),
    );
    updated.dataset["updatedMs"] = String(lastSuccess.getTime());
  }

  function showError(error: unknown): void {
    const filterError = filterErrorOf(error);
    if (filterError !== undefined) {
      // The user's mistake, not the server's: said under the box, with the span marked, while
      // the page keeps (and dims) what the last good filter showed.
      const problem = error instanceof ApiError ? error.problem : undefined;
      filterBox.showError(filterError, problem?.detail ?? "invalid filter");
      filterRefused = true;
      banner.hidden = true;
      main.classList.toggle("stale", lastSuccess !== undefined);
      if (lastSuccess === undefined) view?.view.element.setAttribute("data-state", "error");
      return;
    }
    const unreachable = error instanceof ApiError && error.kind === "unreachable";
    const detail = error instanceof Error ? error.message : String(error);
    banner.dataset["kind"] = unreachable ? "unreachable" : "error";
    replaceChildren(
      banner,
      h(
        "strong",
        {},
        unreachable ? "Cannot reach the Tollgate server." : "The server could not answer.",
      ),
      " ",
      unreachable
        ? `Is tollgate serve running? ${paused ? "Click Refresh to retry." : `Retrying every ${String(REFRESH_MS / 1000)} s.`}`
        : detail,
      lastSuccess === undefined ? null : ` Showing data from ${formatClock(lastSuccess)}.`,
    );
    banner.hidden = false;
    main.classList.toggle("stale", lastSuccess !== undefined);
    if (lastSuccess === undefined) {
      view?.view.element.setAttribute("data-state", "error");
    }
  }

  function renderStatus(status: StatusResponse): void {
    const netflow = status.listeners.filter((listener) => listener.kind === "netflow");
    replaceChildren(
      footer,
      h("span", {}, `Tollgate ${status.version}`),
      ...netflow.map((listener) =>
        h("span", {}, "NetFlow ", h("code", {}, `${listener.protocol} ${listener.address}`)),
      ),
      h(
        "span",
        { "data-testid": "status-records", "data-value": status.collector.records },
        `${formatCount(status.collector.records)} records received`,
      ),
      h("span", {}, `${formatCount(status.collector.decodeIssues)} decode issues`),
      h(
        "span",
        { class: "units-note" },
        "Sizes and rates use decimal units: 1 kB = 1000 B, 1 Mbit/s = 10⁶ bit/s.",
      ),
    );
  }
}
