import { api, describeError } from "../api";
import { h, replace } from "../dom";
import {
  beijing,
  byTimeLeft,
  countdown,
  KIND_LABEL,
  label,
  STATUS_LABEL,
} from "../format";
import { incidentActionBar } from "../incident-actions";
import { startCountdowns } from "../live";
import {
  failed,
  paintCountdowns,
  unavailable,
  type Page,
  type PageContext,
} from "../page";
import type { Alert, IncidentSummary } from "../types";

export function paintCountdown(el: HTMLElement): void {
  const c = countdown(el.dataset.due || null, Date.now());
  el.textContent = c.text;
  el.classList.toggle("late", c.late);
  el.classList.toggle("urgent", c.urgent && !c.late);
}

export function levelBadge(
  level: string | null,
  confirmed: boolean,
): HTMLElement {
  return h(
    "span",
    {
      class: `level level-${level ?? "none"}`,
      title: confirmed ? "已确认级别" : "系统研判，待确认",
    },
    level ?? "—",
    confirmed ? "" : "?",
  );
}

/** The duty officer's screen: alerts to acknowledge, and open incidents by time left. */
export function dutyPage(ctx: PageContext): Page {
  const canAct = ctx.user.roles.includes("duty_officer");
  const alertsBox = h("div", { id: "alerts" });
  const incidentsBox = h("div", { id: "incidents" });
  const root = h(
    "div",
    { class: "duty" },
    h("section", { class: "panel" }, h("h2", null, "待确认告警"), alertsBox),
    h(
      "section",
      { class: "panel" },
      h("h2", null, "待处置事件（按剩余时限排序）"),
      incidentsBox,
    ),
  );

  async function acknowledge(
    alert: Alert,
    button: HTMLButtonElement,
  ): Promise<void> {
    button.disabled = true;
    const r = await api.post(
      `/api/alerts/${encodeURIComponent(alert.id)}/acknowledge`,
    );
    if (!r.ok) {
      button.disabled = false;
      button.after(h("span", { class: "error" }, describeError(r)));
      return;
    }
    await refresh();
  }

  function alertRow(a: Alert): HTMLElement {
    const ack = h(
      "button",
      { type: "button", class: "primary", "data-action": "acknowledge" },
      "确认收到",
    );
    ack.addEventListener("click", () => void acknowledge(a, ack));
    return h(
      "li",
      { class: `alert severity-${a.severity}`, "data-alert-id": a.id },
      a.drill ? h("span", { class: "drill" }, "【演练】") : null,
      h(
        "a",
        {
          href: `#/incident/${encodeURIComponent(a.incidentId)}`,
          class: "alert-title",
        },
        a.title,
      ),
      a.count > 1 ? h("span", { class: "count" }, ` ×${a.count}`) : null,
      h("div", { class: "alert-body" }, a.body),
      h(
        "div",
        { class: "muted" },
        `${beijing(a.createdAt)}${a.incidentTitle ? ` · ${a.incidentTitle}` : ""}`,
      ),
      canAct ? ack : null,
    );
  }

  function incidentRow(i: IncidentSummary): HTMLElement {
    return h(
      "tr",
      { "data-incident-id": i.id },
      h("td", null, levelBadge(i.level, i.levelConfirmed)),
      h(
        "td",
        null,
        i.drill ? h("span", { class: "drill" }, "【演练】") : null,
        h(
          "a",
          {
            href: `#/incident/${encodeURIComponent(i.id)}`,
            class: "incident-title",
          },
          i.title,
        ),
        h(
          "div",
          { class: "muted" },
          `${label(KIND_LABEL, i.kind)} · ${i.postCount} 条 · 起算 ${beijing(i.t0)}`,
        ),
      ),
      h("td", null, label(STATUS_LABEL, i.status)),
      h("td", null, i.counties.join("、") || "地点待定"),
      h(
        "td",
        null,
        i.departments.join("、") || h("span", { class: "warn" }, "待指派"),
      ),
      h("td", { class: "countdown", "data-due": i.nextDueAt ?? "" }),
      canAct
        ? h(
            "td",
            null,
            incidentActionBar(i, ctx.departments, () => void refresh()),
          )
        : null,
    );
  }

  async function refresh(): Promise<void> {
    const [alerts, incidents] = await Promise.all([
      api.get<{ alerts: Alert[] }>("/api/alerts?status=unacknowledged"),
      api.get<{ incidents: IncidentSummary[] }>("/api/incidents?status=open"),
    ]);
    if (alerts.ok) {
      replace(
        alertsBox,
        alerts.data.alerts.length === 0
          ? h("p", { class: "muted" }, "没有待确认的告警")
          : h("ul", { class: "alerts" }, ...alerts.data.alerts.map(alertRow)),
      );
    } else {
      replace(
        alertsBox,
        alerts.unavailable
          ? unavailable("告警列表")
          : failed("告警列表", describeError(alerts)),
      );
    }
    if (incidents.ok) {
      const rows = byTimeLeft(incidents.data.incidents).map(incidentRow);
      replace(
        incidentsBox,
        rows.length === 0
          ? h("p", { class: "muted" }, "没有待处置事件")
          : h(
              "table",
              { class: "incidents" },
              h(
                "thead",
                null,
                h(
                  "tr",
                  null,
                  ...[
                    "级别",
                    "事件",
                    "状态",
                    "地点",
                    "责任单位",
                    "时限",
                    canAct ? "操作" : null,
                  ]
                    .filter(Boolean)
                    .map((t) => h("th", null, t)),
                ),
              ),
              h("tbody", null, ...rows),
            ),
      );
      paintCountdowns(incidentsBox, paintCountdown);
    } else {
      replace(
        incidentsBox,
        incidents.unavailable
          ? unavailable("事件列表")
          : failed("事件列表", describeError(incidents)),
      );
    }
  }

  const stop = startCountdowns(() => paintCountdowns(root, paintCountdown));
  return { root, refresh, dispose: stop };
}
