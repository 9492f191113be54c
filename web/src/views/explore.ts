import { api } from "../api-client.ts";
import { DIRECTIONS, TAG_DIMENSION } from "../api-types.ts";
import { createExplainPanel } from "../components/explain-panel.ts";
import { createTopBarChart } from "../components/top-bar-chart.ts";
import { createTopTable } from "../components/top-table.ts";
import type { TopTable } from "../components/top-table.ts";
import {
  DIMENSION_GROUPS,
  DIMENSION_LABELS,
  dimensionLabel,
  isAddressDimension,
} from "../dimensions.ts";
import { DIRECTION_LABELS } from "../direction-style.ts";
import { h, replaceChildren } from "../dom.ts";
import { addCondition, condition, pinnedAddress } from "../filter-text.ts";
import { formatMetric } from "../format.ts";
import { formatRoute, LIMITS, queryParams, RANGE_LABELS } from "../route.ts";
import type { Route } from "../route.ts";
import type { View } from "./view.ts";

const TAG_OPTION = "tag";

/**
 * Group flows by any dimension, optionally for one direction, and see the top N as a table and
 * a bar chart. The choices live in the URL so an exploration can be shared. A row's key drills
 * down (adds `dimension = key` to the filter); grouped by an address, a row can be explained.
 */
export function createExplore(): View {
  const dimension = h("select", { id: "explore-by", "data-testid": "explore-by" });
  for (const group of DIMENSION_GROUPS) {
    dimension.append(
      h(
        "optgroup",
        { label: group.label },
        ...group.dimensions.map((value) =>
          h("option", { value }, `${DIMENSION_LABELS[value]} (${value})`),
        ),
        group.withTags === true ? h("option", { value: TAG_OPTION }, "Tag… (src.tag.<key>)") : null,
      ),
    );
  }
  const tag = h("input", {
    id: "explore-tag",
    type: "text",
    placeholder: "src.tag.team",
    pattern: TAG_DIMENSION.source,
    spellcheck: false,
    "aria-describedby": "explore-tag-help",
    "data-testid": "explore-tag",
  });
  const tagField = h(
    "div",
    { class: "field" },
    h("label", { for: "explore-tag" }, "Tag dimension"),
    tag,
    h("small", { id: "explore-tag-help" }, "src.tag.<key> or dst.tag.<key>, then Enter"),
  );
  const direction = h(
    "select",
    { id: "explore-direction", "data-testid": "explore-direction" },
    h("option", { value: "" }, "All directions"),
    ...DIRECTIONS.map((value) => h("option", { value }, DIRECTION_LABELS[value])),
  );
  const limit = h(
    "select",
    { id: "explore-limit", "data-testid": "explore-limit" },
    ...LIMITS.map((value) => h("option", { value }, `Top ${String(value)}`)),
  );
  const form = h(
    "form",
    { class: "explore-form", "aria-label": "Explore choices" },
    h("div", { class: "field" }, h("label", { for: "explore-by" }, "Group by"), dimension),
    tagField,
    h("div", { class: "field" }, h("label", { for: "explore-direction" }, "Direction"), direction),
    h("div", { class: "field" }, h("label", { for: "explore-limit" }, "Rows"), limit),
  );

  const title = h("h2", {});
  const note = h("p", { class: "panel-note" });
  const chartBox = h("div", { class: "chart chart-bars", "data-testid": "chart-explore" });
  const chart = createTopBarChart(chartBox);
  const tableSlot = h("div", { class: "table-scroll" });
  let table: { dimension: string; table: TopTable } | undefined;
  // On a wide screen the page makes room for the panel, so every row's button stays in reach.
  const explain = createExplainPanel({
    onToggle(open) {
      element.classList.toggle("explaining", open);
    },
  });

  const element = h(
    "div",
    { class: "page", "data-testid": "explore", "data-state": "loading" },
    h("div", { class: "page-heading" }, h("h1", { id: "page-title" }, "Explore")),
    form,
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { class: "panel", "aria-label": "Top by dimension, chart" },
        h("header", { class: "panel-header" }, h("div", {}, title, note)),
        chartBox,
      ),
      h("section", { class: "panel", "aria-label": "Top by dimension, table" }, tableSlot),
    ),
    explain.element,
  );

  let current: Route | undefined;
  const navigate = (change: Partial<Route>) => {
    if (current !== undefined) location.hash = formatRoute({ ...current, ...change });
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
  });
  dimension.addEventListener("change", () => {
    if (dimension.value === TAG_OPTION) {
      tagField.hidden = false;
      tag.focus();
      return;
    }
    navigate({ by: dimension.value });
  });
  tag.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const value = tag.value.trim();
    tag.setCustomValidity(TAG_DIMENSION.test(value) ? "" : "Use src.tag.<key> or dst.tag.<key>");
    if (tag.reportValidity()) navigate({ by: value });
  });
  direction.addEventListener("change", () => {
    navigate({
      direction: direction.value === "" ? undefined : (direction.value as Route["direction"]),
    });
  });
  limit.addEventListener("change", () => {
    navigate({ limit: Number(limit.value) });
  });

  return {
    element,
    async load(route, signal) {
      current = route;
      const isTag = TAG_DIMENSION.test(route.by);
      dimension.value = isTag ? TAG_OPTION : route.by;
      tagField.hidden = !isTag;
      if (isTag) tag.value = route.by;
      direction.value = route.direction ?? "";
      limit.value = String(route.limit);

      const response = await api.top(
        {
          ...queryParams(route),
          by: route.by,
          metric: route.metric,
          limit: String(route.limit),
          direction: route.direction,
        },
        signal,
      );

      if (table?.dimension !== route.by) {
        table = { dimension: route.by, table: createTable(route.by) };
        replaceChildren(tableSlot, table.table.element);
      }
      table.table.update(response, route.metric);
      title.textContent = `Top ${String(route.limit)} by ${dimensionLabel(route.by)}`;
      note.textContent = [
        route.filter === "" ? null : `filter: ${route.filter}`,
        route.direction === undefined
          ? "all directions"
          : DIRECTION_LABELS[route.direction].toLowerCase(),
        route.range === "all" ? "all stored flows" : `last ${RANGE_LABELS[route.range]}`,
        `${formatMetric(route.metric, response.total[route.metric])} in total`,
      ]
        .filter((part) => part !== null)
        .join(" · ");
      chart.update(response, route.by, route.metric);
      element.dataset["state"] = "ready";
      element.dataset["by"] = route.by;
      element.dataset["direction"] = route.direction ?? "";
      element.dataset["metric"] = route.metric;
      element.dataset["filter"] = route.filter;
    },
    dispose() {
      chart.dispose();
      explain.close();
    },
  };

  function createTable(by: string): TopTable {
    const label = dimensionLabel(by);
    return createTopTable({
      dimension: by,
      caption: `Top ${label}`,
      keyLabel: label,
      onSelect(key) {
        navigate({ filter: addCondition(current?.filter ?? "", condition(by, key)) });
      },
      ...(isAddressDimension(by)
        ? {
            rowAction: {
              label: "Explain",
              title: (key: string) => {
                const other = otherEnd(by);
                return other === undefined
                  ? `Explain ${key}`
                  : `Explain the flow ${flowOf(by, key, other).join(" → ")}`;
              },
              run: (key: string) => {
                const other = otherEnd(by);
                explain.open(other === undefined ? [key] : flowOf(by, key, other));
              },
            },
          }
        : {}),
    });
  }

  /** The far end the filter pins, when grouped by the other one: rows are then flows. */
  function otherEnd(by: "src.addr" | "dst.addr"): string | undefined {
    return pinnedAddress(current?.filter ?? "", by === "src.addr" ? "dst.addr" : "src.addr");
  }
}

/** Source first, as the explain API reads a pair. */
function flowOf(by: "src.addr" | "dst.addr", key: string, other: string): [string, string] {
  return by === "src.addr" ? [key, other] : [other, key];
}
