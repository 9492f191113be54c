import type { Metric, TopResponse } from "../api-types.ts";
import { createChart, GRID_COLOR, MUTED_COLOR } from "../charts.ts";
import { formatKey, formatValue } from "../format.ts";

/** The top-N as horizontal bars, largest on top; the same rows as the table beside it. */
export interface TopBarChart {
  update(response: TopResponse, dimension: string, metric: Metric): void;
  dispose(): void;
}

export function createTopBarChart(container: HTMLElement): TopBarChart {
  const chart = createChart(container);
  return {
    update(response, dimension, metric) {
      // ECharts draws a category axis bottom-up: reverse so the largest row is at the top.
      const rows = [...response.rows].reverse();
      container.dataset["bars"] = String(rows.length);
      // Roughly 28 px per bar keeps labels legible whether there are 3 rows or 50.
      container.style.height = `${String(Math.max(160, rows.length * 28 + 48))}px`;
      chart.instance.resize();
      chart.render({
        color: ["#1d4ed8"],
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          valueFormatter: (value) =>
            typeof value === "number" ? formatValue(metric, value) : String(value),
        },
        xAxis: {
          type: "value",
          axisLabel: {
            color: MUTED_COLOR,
            formatter: (value: number) => formatValue(metric, value),
          },
          splitLine: { lineStyle: { color: GRID_COLOR } },
        },
        yAxis: {
          type: "category",
          data: rows.map((row) => formatKey(dimension, row.key)),
          axisLabel: { color: MUTED_COLOR, width: 220, overflow: "truncate" },
          axisTick: { show: false },
          axisLine: { lineStyle: { color: GRID_COLOR } },
        },
        series: [
          {
            type: "bar",
            name: metric,
            barMaxWidth: 18,
            itemStyle: { borderRadius: [0, 3, 3, 0] },
            data: rows.map((row) => row[metric]),
          },
        ],
      });
    },
    dispose() {
      chart.dispose();
    },
  };
}
