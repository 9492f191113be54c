import { BarChart, LineChart, SankeyChart } from "echarts/charts";
import type { BarSeriesOption, LineSeriesOption, SankeySeriesOption } from "echarts/charts";
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
} from "echarts/components";
import type {
  AriaComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
} from "echarts/components";
import * as echarts from "echarts/core";
import type { ComposeOption, ECharts } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

// Only what the dashboard draws is bundled (tree-shaken ECharts): line, bar and sankey on canvas.
echarts.use([
  LineChart,
  BarChart,
  SankeyChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  AriaComponent,
  CanvasRenderer,
]);

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | SankeySeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
  | AriaComponentOption
>;

export const FONT_FAMILY =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
export const TEXT_COLOR = "#1f2933";
export const MUTED_COLOR = "#52606d";
export const GRID_COLOR = "#e4e7eb";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

/**
 * A chart bound to a container: resizes with it, and marks the container with
 * `data-state="ready"` once ECharts has finished drawing, which the browser test waits for.
 */
export interface Chart {
  readonly instance: ECharts;
  render(option: ChartOption): void;
  dispose(): void;
}

export function createChart(container: HTMLElement): Chart {
  const instance = echarts.init(container, undefined, { renderer: "canvas" });
  instance.on("finished", () => {
    container.dataset["state"] = "ready";
  });
  const observer = new ResizeObserver(() => {
    instance.resize();
  });
  observer.observe(container);
  return {
    instance,
    render(option) {
      container.dataset["state"] = "drawing";
      instance.setOption(
        {
          animation: !reducedMotion,
          animationDuration: 300,
          textStyle: { fontFamily: FONT_FAMILY, color: TEXT_COLOR },
          aria: { enabled: true },
          ...option,
        },
        { notMerge: true },
      );
    },
    dispose() {
      observer.disconnect();
      instance.dispose();
    },
  };
}
