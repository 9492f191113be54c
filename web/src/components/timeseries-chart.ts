import { DIRECTIONS } from "../api-types.ts";
import type { Metric, TimeseriesResponse } from "../api-types.ts";
import { createChart, GRID_COLOR, MUTED_COLOR } from "../charts.ts";
import { DIRECTION_COLORS, DIRECTION_LABELS } from "../direction-style.ts";
import { formatRate, formatStep, formatValue } from "../format.ts";

/**
 * Traffic over time, one line per direction (ingress and egress shaded). As a rate, each bucket
 * is divided by the step: bytes become bits per second (×8), as link speeds are quoted.
 */
export interface TimeseriesChart {
  update(series: TimeseriesResponse, metric: Metric, rate: boolean): void;
  dispose(): void;
}

/** Directions drawn as shaded areas; internal and transit stay thin lines in the background. */
const SHADED = new Set(["ingress", "egress"]);

export function createTimeseriesChart(container: HTMLElement): TimeseriesChart {
  const chart = createChart(container);
  return {
    update(series, metric, rate) {
      const stepSeconds = series.stepMs / 1000;
      const scale = (value: number): number => (rate ? value / stepSeconds : value);
      const label = (value: number): string =>
        rate ? formatRate(metric, value) : formatValue(metric, value);
      container.dataset["points"] = String(series.points.length);
      container.setAttribute(
        "aria-label",
        `${metric} by direction over time, ${rate ? "as a rate" : `per ${formatStep(series.stepMs)}`}`,
      );
      chart.render({
        color: DIRECTIONS.map((direction) => DIRECTION_COLORS[direction]),
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        legend: { top: 0, left: 0, icon: "roundRect", itemWidth: 14, itemHeight: 8 },
        tooltip: {
          trigger: "axis",
          valueFormatter: (value) => (typeof value === "number" ? label(value) : String(value)),
        },
        xAxis: {
          type: "time",
          axisLine: { lineStyle: { color: GRID_COLOR } },
          axisLabel: { color: MUTED_COLOR, hideOverlap: true },
          splitLine: { show: false },
        },
        yAxis: {
          type: "value",
          axisLabel: { color: MUTED_COLOR, formatter: (value: number) => label(value) },
          splitLine: { lineStyle: { color: GRID_COLOR } },
        },
        series: DIRECTIONS.map((direction) => ({
          name: DIRECTION_LABELS[direction],
          type: "line" as const,
          showSymbol: false,
          symbol: "circle",
          sampling: "lttb" as const,
          lineStyle: { width: SHADED.has(direction) ? 2 : 1.5 },
          emphasis: { focus: "series" as const },
          ...(SHADED.has(direction) ? { areaStyle: { opacity: 0.12 } } : {}),
          data: series.points.map((point) => [point.timeMs, scale(point.byDirection[direction])]),
        })),
      });
    },
    dispose() {
      chart.dispose();
    },
  };
}
