import { api, describeError } from "../api";
import { h, replace } from "../dom";
import {
  beijing,
  label,
  minutes,
  percent,
  previousMonth,
  STAGE_LABEL,
} from "../format";
import { failed, unavailable, type Page, type PageContext } from "../page";
import { drawCharts } from "../report-charts";
import type { Breach, DepartmentFigures, SlaReport } from "../types";

const figuresRow = (d: DepartmentFigures, cls: string | null = null) =>
  h(
    "tr",
    { class: cls },
    h("td", null, d.department),
    h("td", null, d.incidents),
    h("td", null, d.clocks.started),
    h("td", null, d.clocks.met),
    h(
      "td",
      { class: d.clocks.breached > 0 ? "late" : null },
      d.clocks.breached,
    ),
    h("td", null, percent(d.onTimeRate)),
    h("td", null, minutes(d.firstStatement.medianMinutes)),
    h("td", null, minutes(d.firstStatement.p90Minutes)),
    h("td", null, minutes(d.pressConference.medianMinutes)),
    h("td", null, minutes(d.pressConference.p90Minutes)),
  );

function breachItem(b: Breach): HTMLElement {
  return h(
    "li",
    { class: "breach", "data-clock-id": b.clockId },
    h(
      "div",
      null,
      h("strong", null, b.department),
      " · ",
      h(
        "a",
        { href: `#/incident/${encodeURIComponent(b.incidentId)}` },
        b.incidentTitle,
      ),
    ),
    h(
      "div",
      { class: "muted" },
      `${label(STAGE_LABEL, b.stage)} · 起算 ${beijing(b.t0)} · 截止 ${beijing(b.dueAt)} · 超时 ${minutes(b.overdueMinutes)}${b.metAt ? ` · 最终完成 ${beijing(b.metAt)}` : " · 至今未完成"}`,
    ),
    h(
      "ol",
      { class: "timeline" },
      ...b.timeline.map((t) =>
        h(
          "li",
          null,
          `${beijing(t.at)} ${t.kind}${t.actor ? ` · ${t.actor}` : ""}${t.note ? ` · ${t.note}` : ""}`,
        ),
      ),
    ),
  );
}

/** The leaders' report: per department and month, figures that hold up in front of assessors. */
export function reportPage(ctx: PageContext): Page {
  const month = h("input", {
    type: "month",
    name: "month",
    value: ctx.query.get("month") ?? previousMonth(Date.now()),
    required: true,
  });
  const scoped =
    !ctx.user.departments.includes("*") && !ctx.user.roles.includes("admin");
  const department = h(
    "select",
    { name: "department" },
    scoped ? null : h("option", { value: "" }, "全部单位"),
    ...(scoped ? ctx.user.departments : ctx.departments).map((d) =>
      h("option", { value: d, selected: ctx.query.get("department") === d }, d),
    ),
  );
  const csv = h(
    "a",
    { class: "button", id: "csv-link", download: "" },
    "导出 CSV",
  );
  const body = h("div", { id: "report" });
  const form = h(
    "form",
    { class: "report-filter no-print" },
    h("label", null, "月份 ", month),
    h("label", null, "单位 ", department),
    h("button", { type: "submit", class: "primary" }, "查询"),
    csv,
    h("button", { type: "button", onclick: () => window.print() }, "打印"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ month: month.value });
    if (department.value) q.set("department", department.value);
    location.hash = `#/report?${q}`;
  });
  const root = h(
    "div",
    { class: "report" },
    h("section", { class: "panel" }, h("h1", null, "舆情回应时限报表"), form),
    body,
  );
  let disposeCharts = () => {};

  async function refresh(): Promise<void> {
    const q = new URLSearchParams({ month: month.value });
    if (department.value) q.set("department", department.value);
    csv.setAttribute("href", `/api/reports/sla.csv?${q}`);
    const r = await api.get<SlaReport>(`/api/reports/sla?${q}`);
    disposeCharts();
    disposeCharts = () => {};
    if (!r.ok)
      return void replace(
        body,
        r.unavailable
          ? unavailable("时限报表")
          : failed("时限报表", describeError(r)),
      );
    const rep = r.data;
    const clocksChart = h("div", { class: "chart", id: "chart-clocks" });
    const rateChart = h("div", { class: "chart", id: "chart-rate" });
    replace(
      body,
      h(
        "section",
        { class: "panel" },
        h("h2", null, `${rep.month} ${rep.department ?? "全部单位"}`),
        h(
          "p",
          { class: "muted" },
          `生成于 ${beijing(rep.generatedAt)}。演练事件与经批准暂停的时长单列于下方，不计入统计。`,
        ),
        h(
          "div",
          { class: "cards" },
          h(
            "div",
            { class: "card" },
            h("span", null, "事件"),
            h("strong", null, rep.totals.incidents),
          ),
          h(
            "div",
            { class: "card" },
            h("span", null, "启动时限"),
            h("strong", null, rep.totals.clocks.started),
          ),
          h(
            "div",
            { class: "card" },
            h("span", null, "按时完成"),
            h("strong", null, rep.totals.clocks.met),
          ),
          h(
            "div",
            { class: "card late" },
            h("span", null, "超时"),
            h("strong", null, rep.totals.clocks.breached),
          ),
          h(
            "div",
            { class: "card" },
            h("span", null, "按时率"),
            h("strong", { id: "on-time-rate" }, percent(rep.totals.onTimeRate)),
          ),
        ),
        h("div", { class: "charts" }, clocksChart, rateChart),
        h(
          "table",
          { class: "figures" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ...[
                "单位",
                "事件",
                "启动时限",
                "按时完成",
                "超时",
                "按时率",
                "首发权威信息 中位",
                "首发 P90",
                "发布会 中位",
                "发布会 P90",
              ].map((t) => h("th", null, t)),
            ),
          ),
          h(
            "tbody",
            null,
            ...rep.departments.map((d) => figuresRow(d)),
            figuresRow({ ...rep.totals, department: "合计" }, "total"),
          ),
        ),
      ),
      h(
        "section",
        { class: "panel", id: "breaches" },
        h("h2", null, `超时明细（${rep.breaches.length}）`),
        rep.breaches.length === 0
          ? h("p", { class: "muted" }, "本月无超时")
          : h("ol", null, ...rep.breaches.map(breachItem)),
      ),
      h(
        "section",
        { class: "panel apart", id: "drills" },
        h("h2", null, "演练（不计入统计）"),
        h(
          "p",
          null,
          `演练事件 ${rep.drills.incidents} 起；启动时限 ${rep.drills.clocks.started}，按时 ${rep.drills.clocks.met}，超时 ${rep.drills.clocks.breached}。`,
        ),
      ),
      h(
        "section",
        { class: "panel apart", id: "paused" },
        h("h2", null, "经批准暂停的时限（暂停时长不计入统计）"),
        rep.paused.length === 0
          ? h("p", { class: "muted" }, "本月无暂停")
          : h(
              "table",
              null,
              h(
                "thead",
                null,
                h(
                  "tr",
                  null,
                  ...["单位", "事件", "环节", "暂停时长", "理由", "批准人"].map(
                    (t) => h("th", null, t),
                  ),
                ),
              ),
              h(
                "tbody",
                null,
                ...rep.paused.map((p) =>
                  h(
                    "tr",
                    null,
                    h("td", null, p.department),
                    h("td", null, p.incidentTitle),
                    h("td", null, label(STAGE_LABEL, p.stage)),
                    h("td", null, minutes(p.pausedMinutes)),
                    h("td", null, p.reason),
                    h("td", null, p.approvedBy ?? "—"),
                  ),
                ),
              ),
            ),
      ),
    );
    if (rep.departments.length > 0)
      disposeCharts = drawCharts(clocksChart, rateChart, rep.departments);
  }

  return { root, refresh, dispose: () => disposeCharts() };
}
