import { api, describeError } from "../api";
import { h, replace } from "../dom";
import {
  beijing,
  CATEGORY_LABEL,
  KIND_LABEL,
  label,
  LEVEL_LABEL,
  STAGE_LABEL,
  STATEMENT_KIND_LABEL,
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
import type { Evidence, IncidentDetail, Post, Statement } from "../types";
import { levelBadge, paintCountdown } from "./duty";

interface EvidenceRow {
  flag: "突发" | "谣言";
  rule: string;
  terms: Set<string>;
  weight: number;
  posts: number;
  notes: Set<string>;
}

/** Why it was flagged: every rule that fired on any post, with its terms and how many posts. */
function evidenceSummary(posts: Post[]): EvidenceRow[] {
  const rows = new Map<string, EvidenceRow>();
  const add = (flag: EvidenceRow["flag"], e: Evidence) => {
    const key = `${flag}\u0000${e.rule}`;
    const row = rows.get(key) ?? {
      flag,
      rule: e.rule,
      terms: new Set<string>(),
      weight: 0,
      posts: 0,
      notes: new Set<string>(),
    };
    e.terms.forEach((t) => row.terms.add(t));
    if (e.note) row.notes.add(e.note);
    row.weight = Math.max(row.weight, e.weight);
    row.posts += 1;
    rows.set(key, row);
  };
  for (const p of posts) {
    p.classification?.emergency.evidence.forEach((e) => add("突发", e));
    p.classification?.rumor.evidence.forEach((e) => add("谣言", e));
  }
  return [...rows.values()].sort((a, b) => b.weight - a.weight);
}

const table = (head: string[], rows: HTMLElement[]) =>
  h(
    "table",
    null,
    h("thead", null, h("tr", null, ...head.map((t) => h("th", null, t)))),
    h("tbody", null, ...rows),
  );

function postItem(p: Post): HTMLElement {
  const c = p.classification;
  const evidence = [
    ...(c?.emergency.evidence ?? []),
    ...(c?.rumor.evidence ?? []),
  ];
  return h(
    "li",
    { class: "post", "data-post-id": p.id },
    h(
      "div",
      { class: "muted" },
      `${beijing(p.publishedAt)} · 来源 ${p.sourceId}${p.author ? ` · ${p.author}` : ""}`,
    ),
    p.title ? h("strong", { class: "post-title" }, p.title) : null,
    h("p", { class: "post-text" }, p.text),
    p.url
      ? h(
          "a",
          {
            href: p.url,
            target: "_blank",
            rel: "noopener noreferrer nofollow",
          },
          "原文链接",
        )
      : null,
    evidence.length
      ? h(
          "div",
          { class: "chips" },
          ...evidence.map((e) =>
            h("span", { class: "chip" }, `${e.rule}：${e.terms.join("、")}`),
          ),
        )
      : null,
  );
}

function statementsSection(list: Statement[]): HTMLElement {
  if (list.length === 0) return h("p", { class: "muted" }, "尚无发布的通报");
  return table(
    ["类型", "标题", "单位", "版本", "状态", "发布时间"],
    list.map((s) =>
      h(
        "tr",
        null,
        h("td", null, label(STATEMENT_KIND_LABEL, s.kind)),
        h(
          "td",
          null,
          s.url
            ? h(
                "a",
                { href: s.url, target: "_blank", rel: "noopener noreferrer" },
                s.title,
              )
            : s.title,
          s.supersedes ? h("span", { class: "muted" }, "（更正版）") : null,
        ),
        h("td", null, s.department),
        h("td", null, `第 ${s.version} 版`),
        h("td", null, label(STATUS_LABEL, s.status)),
        h("td", null, beijing(s.publishedAt)),
      ),
    ),
  );
}

export function incidentPage(ctx: PageContext): Page {
  const id = ctx.param ?? "";
  const root = h(
    "div",
    { class: "incident" },
    h("p", { class: "muted" }, "加载中…"),
  );
  const canAct = ctx.user.roles.includes("duty_officer");

  async function refresh(): Promise<void> {
    const [detail, statements] = await Promise.all([
      api.get<IncidentDetail>(`/api/incidents/${encodeURIComponent(id)}`),
      api.get<{ statements: Statement[] }>(
        `/api/incidents/${encodeURIComponent(id)}/statements`,
      ),
    ]);
    if (!detail.ok) {
      replace(
        root,
        detail.status === 404 && !detail.unavailable
          ? failed("事件", "不存在或已合并")
          : detail.unavailable
            ? unavailable("事件详情")
            : failed("事件", describeError(detail)),
      );
      return;
    }
    const {
      incident: i,
      posts,
      clocks,
      alerts,
      history,
      clockHistory,
    } = detail.data;
    const evidence = evidenceSummary(posts);
    replace(
      root,
      h(
        "section",
        { class: "panel" },
        h(
          "h1",
          { id: "incident-title" },
          levelBadge(i.level, i.levelConfirmed),
          i.drill ? h("span", { class: "drill" }, "【演练】") : null,
          i.title,
        ),
        h(
          "p",
          { class: "meta" },
          `${label(KIND_LABEL, i.kind)} · ${label(CATEGORY_LABEL, i.category, "类别待定")}${i.subtype ? `（${i.subtype}）` : ""} · `,
          `${i.level ? LEVEL_LABEL[i.level] : "级别待定"}${i.levelConfirmed ? "（已确认）" : `（系统研判，置信度 ${Math.round(i.levelConfidence * 100)}%）`} · `,
          `${label(STATUS_LABEL, i.status)} · 起算时间 ${beijing(i.t0)} · 地点 ${i.counties.join("、") || "待定"} · 责任单位 ${i.departments.join("、") || "待指派"}`,
        ),
        canAct
          ? incidentActionBar(i, ctx.departments, () => void refresh())
          : null,
      ),
      h(
        "section",
        { class: "panel", id: "evidence" },
        h("h2", null, "研判依据（为何告警）"),
        evidence.length === 0
          ? h("p", { class: "muted" }, "分类器未给出依据")
          : table(
              ["类型", "规则", "命中词", "权重", "涉及信息", "说明"],
              evidence.map((e) =>
                h(
                  "tr",
                  null,
                  h("td", null, e.flag),
                  h("td", null, e.rule),
                  h("td", null, [...e.terms].join("、")),
                  h("td", null, e.weight.toFixed(2)),
                  h("td", null, `${e.posts} 条`),
                  h("td", null, [...e.notes].join("；")),
                ),
              ),
            ),
      ),
      h(
        "section",
        { class: "panel", id: "clocks" },
        h("h2", null, "时限"),
        table(
          ["环节", "状态", "截止", "剩余", "完成 / 超时"],
          clocks.map((c) =>
            h(
              "tr",
              { class: c.drill ? "drill-row" : null },
              h(
                "td",
                null,
                label(STAGE_LABEL, c.stage),
                c.drill ? "【演练】" : "",
              ),
              h(
                "td",
                null,
                label(STATUS_LABEL, c.status),
                c.cancelReason ? `（${c.cancelReason}）` : "",
              ),
              h("td", null, beijing(c.dueAt)),
              h(
                "td",
                {
                  class: "countdown",
                  "data-due": c.status === "running" ? c.dueAt : "",
                },
                c.status === "running" ? "" : "—",
              ),
              h(
                "td",
                null,
                c.metAt
                  ? `完成 ${beijing(c.metAt)}`
                  : c.breachedAt
                    ? `超时 ${beijing(c.breachedAt)}`
                    : "—",
              ),
            ),
          ),
        ),
        h("h3", null, "时限变更记录"),
        clockHistory === undefined
          ? unavailable("时限变更记录")
          : h(
              "ul",
              { class: "timeline" },
              ...clockHistory.map((e) =>
                h(
                  "li",
                  null,
                  `${beijing(e.at)} ${label(STAGE_LABEL, clocks.find((c) => c.id === e.clockId)?.stage)} ${e.kind}${e.actor ? ` · ${e.actor}` : ""}${e.reason ? ` · ${e.reason}` : ""}`,
                ),
              ),
            ),
      ),
      h(
        "section",
        { class: "panel", id: "statements" },
        h("h2", null, "通报与发布"),
        statements.ok
          ? statementsSection(statements.data.statements)
          : statements.unavailable
            ? unavailable("通报列表")
            : failed("通报列表", describeError(statements)),
      ),
      h(
        "section",
        { class: "panel", id: "alerts" },
        h("h2", null, "告警"),
        h(
          "ul",
          null,
          ...alerts.map((a) =>
            h(
              "li",
              { class: `severity-${a.severity}` },
              `${beijing(a.createdAt)} ${a.body}${a.count > 1 ? ` ×${a.count}` : ""}${a.acknowledgedAt ? `（${a.acknowledgedBy ?? ""} 已确认）` : "（未确认）"}`,
            ),
          ),
        ),
      ),
      h(
        "section",
        { class: "panel", id: "posts" },
        h("h2", null, `信息时间线（${posts.length} 条）`),
        h("ol", { class: "posts" }, ...posts.map(postItem)),
      ),
      h(
        "section",
        { class: "panel", id: "history" },
        h("h2", null, "处置记录"),
        h(
          "ul",
          { class: "timeline" },
          ...history.map((e) =>
            h(
              "li",
              null,
              `${beijing(e.at)} ${e.actor} ${e.action}${e.reason ? `：${e.reason}` : ""}`,
            ),
          ),
        ),
      ),
    );
    paintCountdowns(root, paintCountdown);
  }

  const stop = startCountdowns(() => paintCountdowns(root, paintCountdown));
  return { root, refresh, dispose: stop };
}
