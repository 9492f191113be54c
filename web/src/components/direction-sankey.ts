import { DIRECTIONS } from "../api-types.ts";
import type { Direction, Metric, SummaryResponse } from "../api-types.ts";
import { createChart, MUTED_COLOR } from "../charts.ts";
import { DIRECTION_COLORS, DIRECTION_LABELS } from "../direction-style.ts";
import { h, replaceChildren } from "../dom.ts";
import { formatValue } from "../format.ts";

/**
 * The sankey's key: band labels would collide where internal and transit cross, so the colours
 * are named below the chart instead, with each direction's value.
 */
export function sankeyLegend(): {
  element: HTMLUListElement;
  update(summary: SummaryResponse, metric: Metric): void;
} {
  const element = h("ul", { class: "legend", "aria-label": "Directions" });
  return {
    element,
    update(summary, metric) {
      replaceChildren(
        element,
        ...DIRECTIONS.map((direction) => {
          const item = h(
            "li",
            {},
            `${DIRECTION_LABELS[direction]} ${formatValue(metric, summary[direction][metric])}`,
          );
          item.style.setProperty("--swatch", DIRECTION_COLORS[direction]);
          return item;
        }),
      );
    },
  };
}

/**
 * Where traffic goes: our networks and the outside on the left (sources), the same on the right
 * (destinations), one band per direction. Drawn from the summary alone.
 */
export interface DirectionSankey {
  update(summary: SummaryResponse, metric: Metric): void;
  dispose(): void;
}

type NodeId = "src-outside" | "src-ours" | "dst-ours" | "dst-outside";

const NODE_LABELS: Readonly<Record<NodeId, string>> = {
  "src-outside": "Outside",
  "src-ours": "Our networks",
  "dst-ours": "Our networks",
  "dst-outside": "Outside",
};

const ENDS: Readonly<Record<Direction, readonly [NodeId, NodeId]>> = {
  ingress: ["src-outside", "dst-ours"],
  egress: ["src-ours", "dst-outside"],
  internal: ["src-ours", "dst-ours"],
  transit: ["src-outside", "dst-outside"],
};

export function createDirectionSankey(container: HTMLElement): DirectionSankey {
  const chart = createChart(container);
  return {
    update(summary, metric) {
      const links = DIRECTIONS.filter((direction) => summary[direction][metric] > 0).map(
        (direction) => ({
          source: ENDS[direction][0],
          target: ENDS[direction][1],
          value: summary[direction][metric],
          direction,
          lineStyle: { color: DIRECTION_COLORS[direction], opacity: 0.45 },
        }),
      );
      const used = new Set(links.flatMap((link) => [link.source, link.target]));
      const nodes = (Object.keys(NODE_LABELS) as NodeId[])
        .filter((id) => used.has(id))
        .map((id) => ({
          name: id,
          itemStyle: { color: MUTED_COLOR },
          // Sources label outward to the right of their bar, destinations to the left of theirs.
          label: { position: id.startsWith("src-") ? ("right" as const) : ("left" as const) },
        }));
      chart.render({
        tooltip: {
          trigger: "item",
          formatter: (params) => {
            const item = Array.isArray(params) ? params[0] : params;
            const data = item?.data as { direction?: Direction; value?: number } | undefined;
            if (data?.direction === undefined || data.value === undefined) return "";
            return `${DIRECTION_LABELS[data.direction]}: ${formatValue(metric, data.value)}`;
          },
        },
        series: [
          {
            type: "sankey",
            left: 8,
            right: 8,
            top: 8,
            bottom: 8,
            nodeWidth: 14,
            nodeGap: 18,
            draggable: false,
            layoutIterations: 0,
            label: {
              color: MUTED_COLOR,
              formatter: (params) => NODE_LABELS[params.name as NodeId],
            },
            data: nodes,
            links,
          },
        ],
      });
    },
    dispose() {
      chart.dispose();
    },
  };
}
