import { BarChart } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  TitleComponent,
} from "echarts/components";
import { init, use, type EChartsType } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import type { DepartmentFigures } from "./types";

// Only what the report draws: keeps the chunk far below the full ECharts build.
use([BarChart, GridComponent, LegendComponent, TitleComponent, CanvasRenderer]);

const TEXT = {
  fontFamily:
    '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif',
};

/**
 * Two bar charts: clocks met / breached per department, and the on-time rate. No HTML tooltips:
 * ECharts builds those with innerHTML from the data (department names), which the CSP refuses.
 */
export function drawCharts(
  clocksEl: HTMLElement,
  rateEl: HTMLElement,
  rows: DepartmentFigures[],
): () => void {
  const names = rows.map((r) => r.department);
  const charts: EChartsType[] = [];
  const clocks = init(clocksEl, null, { renderer: "canvas" });
  clocks.setOption({
    animation: false,
    textStyle: TEXT,
    title: {
      text: "各单位时限完成情况",
      left: "center",
      textStyle: { fontSize: 14 },
    },
    legend: { top: 30, data: ["按时完成", "超时"] },
    grid: { top: 70, left: 60, right: 20, bottom: 60 },
    xAxis: {
      type: "category",
      data: names,
      axisLabel: { interval: 0, rotate: names.length > 5 ? 30 : 0 },
    },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: "按时完成",
        type: "bar",
        stack: "clocks",
        data: rows.map((r) => r.clocks.met),
        itemStyle: { color: "#2e7d32" },
      },
      {
        name: "超时",
        type: "bar",
        stack: "clocks",
        data: rows.map((r) => r.clocks.breached),
        itemStyle: { color: "#c62828" },
      },
    ],
  });
  charts.push(clocks);
  const rate = init(rateEl, null, { renderer: "canvas" });
  rate.setOption({
    animation: false,
    textStyle: TEXT,
    title: { text: "按时率（%）", left: "center", textStyle: { fontSize: 14 } },
    grid: { top: 60, left: 60, right: 20, bottom: 60 },
    xAxis: {
      type: "category",
      data: names,
      axisLabel: { interval: 0, rotate: names.length > 5 ? 30 : 0 },
    },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [
      {
        name: "按时率",
        type: "bar",
        data: rows.map((r) =>
          r.onTimeRate === null ? null : Math.round(r.onTimeRate * 1000) / 10,
        ),
        label: { show: true, position: "top", formatter: "{c}%" },
        itemStyle: { color: "#1565c0" },
      },
    ],
  });
  charts.push(rate);
  const resize = () => charts.forEach((c) => c.resize());
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  return () => {
    window.removeEventListener("resize", resize);
    window.removeEventListener("beforeprint", resize);
    charts.forEach((c) => c.dispose());
  };
}
