import type { Metric, TopResponse } from "../api-types.ts";
import { h, replaceChildren } from "../dom.ts";
import { condition } from "../filter-text.ts";
import { formatExactMetric, formatKey, formatShare, formatValue, metricUnit } from "../format.ts";

/**
 * A top-N table: rank, key, value and share of the total, then the folded "Other" row and the
 * total. Every row carries `data-key` and `data-value` (the exact integer) for tests and for
 * anyone scraping the page.
 */
export interface TopTable {
  readonly element: HTMLTableElement;
  update(response: TopResponse, metric: Metric): void;
}

export interface TopTableOptions {
  dimension: string;
  caption: string;
  keyLabel: string;
  /** Drill-down: a click on a row (or Enter on its key) hands the row's key over. */
  onSelect?: (key: string) => void;
  /** A button per row, in its own column (explain an address, say). */
  rowAction?: { label: string; title(key: string): string; run(key: string): void };
}

export function createTopTable(options: TopTableOptions): TopTable {
  const { onSelect, rowAction } = options;
  const columns = rowAction === undefined ? 4 : 5;
  const body = h("tbody");
  const foot = h("tfoot");
  const valueHeader = h("th", { scope: "col", class: "num" }, "Bytes");
  const element = h(
    "table",
    { class: "top-table", "data-testid": `top-${options.dimension}` },
    h("caption", { class: "visually-hidden" }, options.caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col", class: "rank" }, h("span", { class: "visually-hidden" }, "Rank")),
        h("th", { scope: "col" }, options.keyLabel),
        valueHeader,
        h("th", { scope: "col", class: "share" }, "Share"),
        rowAction === undefined
          ? null
          : h(
              "th",
              { scope: "col", class: "action" },
              h("span", { class: "visually-hidden" }, "Actions"),
            ),
      ),
    ),
    body,
    foot,
  );

  if (onSelect !== undefined) {
    element.classList.add("selectable");
    // One listener for every row, redrawn or not: the key's button carries keyboard access and
    // its click bubbles here too; the action column's own buttons are left to themselves.
    body.addEventListener("click", (event) => {
      const target = event.target as HTMLElement;
      if (target.closest(".row-action") !== null) return;
      const key = target.closest<HTMLElement>("tr[data-testid='top-row']")?.dataset["key"];
      if (key !== undefined) onSelect(key);
    });
  }
  if (rowAction !== undefined) {
    body.addEventListener("click", (event) => {
      const button = (event.target as HTMLElement).closest<HTMLElement>(".row-action");
      const key = button?.dataset["key"];
      if (key !== undefined) rowAction.run(key);
    });
  }

  return {
    element,
    update(response, metric) {
      valueHeader.textContent = metricUnit(metric, 2).replace(/^./, (c) => c.toUpperCase());
      const whole = response.total[metric];
      const rows = response.rows.map((row, index) => {
        const value = row[metric];
        const keyText = formatKey(options.dimension, row.key);
        return h(
          "tr",
          { "data-testid": "top-row", "data-key": row.key, "data-value": value },
          h("td", { class: "rank" }, String(index + 1)),
          h(
            "td",
            { class: "key", title: keyText },
            onSelect === undefined
              ? keyText
              : h(
                  "button",
                  {
                    type: "button",
                    class: "key-button",
                    title: `Filter on ${condition(options.dimension, row.key)}`,
                  },
                  keyText,
                ),
          ),
          h(
            "td",
            { class: "num", title: formatExactMetric(metric, value) },
            formatValue(metric, value),
          ),
          shareCell(value, whole),
          rowAction === undefined
            ? null
            : h(
                "td",
                { class: "action" },
                h(
                  "button",
                  {
                    type: "button",
                    class: "row-action",
                    "data-key": row.key,
                    "data-testid": "row-action",
                    title: rowAction.title(row.key),
                  },
                  rowAction.label,
                ),
              ),
        );
      });
      if (rows.length === 0) {
        rows.push(h("tr", {}, h("td", { colspan: columns, class: "empty-row" }, "No flows.")));
      }
      replaceChildren(body, ...rows);
      const other = response.other[metric];
      replaceChildren(
        foot,
        h(
          "tr",
          { class: "other", "data-testid": "top-other", "data-value": other },
          h("td", { class: "rank" }),
          h("th", { scope: "row" }, "Other"),
          h(
            "td",
            { class: "num", title: formatExactMetric(metric, other) },
            formatValue(metric, other),
          ),
          shareCell(other, whole),
          rowAction === undefined ? null : h("td", { class: "action" }),
        ),
        h(
          "tr",
          { class: "total", "data-testid": "top-total", "data-value": whole },
          h("td", { class: "rank" }),
          h("th", { scope: "row" }, "Total"),
          h(
            "td",
            { class: "num", title: formatExactMetric(metric, whole) },
            formatValue(metric, whole),
          ),
          h("td", { class: "share" }, whole > 0 ? "100 %" : "–"),
          rowAction === undefined ? null : h("td", { class: "action" }),
        ),
      );
    },
  };
}

/** The share as text plus a thin bar, so the table reads at a glance. */
function shareCell(part: number, whole: number): HTMLTableCellElement {
  const percent = whole > 0 ? Math.min(100, (part / whole) * 100) : 0;
  const bar = h("span", { class: "share-bar", "aria-hidden": "true" });
  bar.style.setProperty("--share", `${percent.toFixed(2)}%`);
  return h(
    "td",
    { class: "share" },
    h("span", { class: "share-text" }, formatShare(part, whole)),
    bar,
  );
}
