import { DIRECTIONS, METRICS } from "../api-types.ts";
import type { Direction, Metric, SummaryResponse, Totals } from "../api-types.ts";
import { DIRECTION_COLORS, DIRECTION_HINTS, DIRECTION_LABELS } from "../direction-style.ts";
import { h, replaceChildren } from "../dom.ts";
import { formatExactMetric, formatMetric, formatShare } from "../format.ts";

/**
 * One card per direction plus the total: the selected metric large, the other two below. Every
 * number is an element `data-testid="total-<direction>-<metric>"` whose `data-value` holds the
 * exact integer from the API, beside the human text.
 */
export interface DirectionCards {
  readonly element: HTMLElement;
  update(summary: SummaryResponse, metric: Metric): void;
}

type Slot = Direction | "all";

export function createDirectionCards(): DirectionCards {
  const slots: Slot[] = [...DIRECTIONS, "all"];
  const cards = new Map<Slot, HTMLElement>();
  const element = h("section", { class: "cards", "aria-label": "Totals by direction" });
  for (const slot of slots) {
    const card = h("article", { class: `card card-${slot}`, "data-direction": slot });
    if (slot !== "all") card.style.setProperty("--accent", DIRECTION_COLORS[slot]);
    cards.set(slot, card);
    element.append(card);
  }

  return {
    element,
    update(summary, metric) {
      const whole = summary.total[metric];
      for (const slot of slots) {
        const card = cards.get(slot);
        if (card === undefined) continue;
        const totals: Totals = slot === "all" ? summary.total : summary[slot];
        const main = totals[metric];
        replaceChildren(
          card,
          h(
            "h2",
            { class: "card-title" },
            slot === "all" ? "All directions" : DIRECTION_LABELS[slot],
            h("span", { class: "card-hint" }, slot === "all" ? "total" : DIRECTION_HINTS[slot]),
          ),
          number(slot, metric, main, "card-value"),
          h(
            "p",
            { class: "card-share" },
            slot === "all"
              ? whole > 0
                ? `100 % of ${metric}`
                : `no ${metric}`
              : `${formatShare(main, whole)} of ${metric}`,
          ),
          h(
            "p",
            { class: "card-others" },
            ...METRICS.filter((other) => other !== metric).flatMap((other, index) => [
              index > 0 ? " · " : null,
              number(slot, other, totals[other], "card-other"),
            ]),
          ),
        );
      }
    },
  };
}

function number(slot: Slot, metric: Metric, value: number, className: string): HTMLElement {
  return h(
    className === "card-value" ? "p" : "span",
    {
      class: className,
      "data-testid": `total-${slot}-${metric}`,
      "data-value": value,
      title: formatExactMetric(metric, value),
    },
    formatMetric(metric, value),
  );
}
