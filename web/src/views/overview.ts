import { api } from "../api-client.ts";
import type { Params } from "../api-client.ts";
import type { StatusResponse, SummaryResponse, TopResponse } from "../api-types.ts";
import { createDirectionCards } from "../components/direction-cards.ts";
import { createDirectionSankey, sankeyLegend } from "../components/direction-sankey.ts";
import { emptyState } from "../components/empty-state.ts";
import { createTimeseriesChart } from "../components/timeseries-chart.ts";
import { createTopTable } from "../components/top-table.ts";
import type { TopTable } from "../components/top-table.ts";
import { h, replaceChildren } from "../dom.ts";
import { formatStep } from "../format.ts";
import { addCondition, condition } from "../filter-text.ts";
import { formatRoute, queryParams, RANGE_LABELS, rangeParams } from "../route.ts";
import type { Route } from "../route.ts";
import type { View } from "./view.ts";

/** Rows per top table on the overview; the explorer offers more. */
const TOP_LIMIT = 10;

interface TopPanel {
  params: Params;
  table: TopTable;
}

export function createOverview(): View {
  let current: Route | undefined;
  const cards = createDirectionCards();
  const heading = h("h1", { id: "page-title" }, "Overview");
  const rangeText = h("p", { class: "range-text", "data-testid": "range-text" });

  const chartBox = h("div", { class: "chart chart-wide", "data-testid": "chart-timeseries" });
  const asRate = h("button", { type: "button", class: "toggle", "data-testid": "as-rate" });
  const asTotal = h("button", { type: "button", class: "toggle", "data-testid": "as-total" });
  const timeseries = createTimeseriesChart(chartBox);
  const sankeyBox = h("div", { class: "chart chart-small", "data-testid": "chart-sankey" });
  const sankey = createDirectionSankey(sankeyBox);
  const legend = sankeyLegend();

  const panel = (title: string, note: string, content: HTMLElement, extra?: HTMLElement) =>
    h(
      "section",
      { class: "panel", "aria-label": title },
      h(
        "header",
        { class: "panel-header" },
        h("div", {}, h("h2", {}, title), h("p", { class: "panel-note" }, note)),
        extra,
      ),
      content,
    );

  const top = (
    dimension: string,
    title: string,
    note: string,
    keyLabel: string,
    params: Params,
  ): { panel: HTMLElement; top: TopPanel } => {
    const table = createTopTable({
      dimension,
      caption: title,
      keyLabel,
      // Drill-down: the row's key joins the filter, and the whole page follows.
      onSelect(key) {
        if (current === undefined) return;
        const filter = addCondition(current.filter, condition(dimension, key));
        location.hash = formatRoute({ ...current, filter });
      },
    });
    return {
      panel: panel(title, note, table.element),
      top: { params: { by: dimension, ...params }, table },
    };
  };

  const talkers = top("src.addr", "Top talkers", "sources, all directions", "Source address", {});
  const destinations = top(
    "dst.addr",
    "Top destinations",
    "destinations, all directions",
    "Destination address",
    {},
  );
  const egressNets = top(
    "src.net",
    "Egress by network",
    "our networks sending out",
    "Source network",
    {
      direction: "egress",
    },
  );
  const ingressNets = top(
    "dst.net",
    "Ingress by network",
    "our networks receiving",
    "Destination network",
    { direction: "ingress" },
  );
  const tops = [talkers.top, destinations.top, egressNets.top, ingressNets.top];

  const chartNote = h("p", { class: "panel-note" });
  const content = h(
    "div",
    { class: "grid" },
    h(
      "section",
      { class: "panel panel-wide", "aria-label": "Traffic over time" },
      h(
        "header",
        { class: "panel-header" },
        h("div", {}, h("h2", {}, "Ingress vs egress over time"), chartNote),
        h(
          "div",
          { class: "segmented", role: "group", "aria-label": "Chart values" },
          asRate,
          asTotal,
        ),
      ),
      chartBox,
    ),
    panel(
      "Where traffic goes",
      "sources on the left, destinations on the right",
      h("div", {}, sankeyBox, legend.element),
    ),
    talkers.panel,
    destinations.panel,
    egressNets.panel,
    ingressNets.panel,
  );
  const emptySlot = h("div");
  const element = h(
    "div",
    { class: "page", "data-testid": "overview", "data-state": "loading" },
    h("div", { class: "page-heading" }, heading, rangeText),
    cards.element,
    emptySlot,
    content,
  );

  return {
    element,
    async load(route, signal, statusPromise) {
      current = route;
      const range = queryParams(route);
      const metric = route.metric;
      asRate.textContent = metric === "bytes" ? "bits/s" : `${metric}/s`;
      asTotal.textContent = "per step";
      asRate.setAttribute("aria-pressed", String(route.rate));
      asTotal.setAttribute("aria-pressed", String(!route.rate));
      asRate.onclick = () => {
        location.hash = formatRoute({ ...route, rate: true });
      };
      asTotal.onclick = () => {
        location.hash = formatRoute({ ...route, rate: false });
      };

      const [summary, series, ...topResults] = await Promise.all([
        api.summary(range, signal),
        api.timeseries({ ...range, metric }, signal),
        ...tops.map((panel) =>
          api.top({ ...range, ...panel.params, metric, limit: String(TOP_LIMIT) }, signal),
        ),
      ]);

      cards.update(summary, metric);
      rangeText.textContent = describeRange(route, summary);
      if (summary.total.flows === 0) {
        await showEmpty(route, signal, statusPromise);
        return;
      }
      emptySlot.replaceChildren();
      content.hidden = false;
      chartNote.textContent = route.rate
        ? `average rate per ${formatStep(series.stepMs)}`
        : `total per ${formatStep(series.stepMs)}`;
      timeseries.update(series, metric, route.rate);
      sankey.update(summary, metric);
      legend.update(summary, metric);
      tops.forEach((panel, index) => {
        const result: TopResponse | undefined = topResults[index];
        if (result !== undefined) panel.table.update(result, metric);
      });
      markReady(route);
    },
    dispose() {
      timeseries.dispose();
      sankey.dispose();
    },
  };

  async function showEmpty(
    route: Route,
    signal: AbortSignal,
    statusPromise: Promise<StatusResponse>,
  ): Promise<void> {
    // An empty answer may still sit beside stored flows: the filter or the range left them out.
    // Ask without the filter, then without the range, to tell the user which.
    const unfiltered =
      route.filter === "" ? undefined : await api.summary(rangeParams(route.range), signal);
    const everything = route.range === "all" ? undefined : await api.summary({}, signal);
    const kind =
      unfiltered !== undefined && unfiltered.total.flows > 0
        ? "filter"
        : everything === undefined || everything.total.flows === 0
          ? "store"
          : "range";
    const status = await statusPromise.catch(() => undefined);
    replaceChildren(emptySlot, emptyState(kind, route, status));
    content.hidden = true;
    element.dataset["state"] = "empty";
    element.dataset["metric"] = route.metric;
    element.dataset["range"] = route.range;
    element.dataset["filter"] = route.filter;
  }

  function markReady(route: Route): void {
    element.dataset["state"] = "ready";
    element.dataset["metric"] = route.metric;
    element.dataset["range"] = route.range;
    element.dataset["filter"] = route.filter;
  }
}

function describeRange(route: Route, summary: SummaryResponse): string {
  const range = summary.range;
  const label = route.range === "all" ? "All stored flows" : `Last ${RANGE_LABELS[route.range]}`;
  if (range === null) return label;
  const format = (ms: number) =>
    new Date(ms).toLocaleString("en-GB", {
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  return `${label} · ${format(range.fromMs)} – ${format(range.toMs)}`;
}
