import { api, describeError } from "../api";
import { h, replace } from "../dom";
import {
  beijing,
  label,
  STAGE_LABEL,
  STATEMENT_KIND_LABEL,
  STATUS_LABEL,
} from "../format";
import { startCountdowns } from "../live";
import {
  failed,
  paintCountdowns,
  unavailable,
  type Page,
  type PageContext,
} from "../page";
import type { Draft, SignOffStep } from "../types";
import { paintCountdown } from "./duty";

/** The drafting desk: drafts with their deadlines and where each stands in the sign-off chain. */
export function draftsPage(_ctx: PageContext): Page {
  const box = h("div", { id: "drafts" });
  // What an approver has typed survives a refresh: live updates repaint the whole list, and a
  // comment half written when another step moves must not vanish (nor be sent empty).
  const typed = new Map<string, string>();
  const typedKey = (draft: Draft, step: SignOffStep) => `${draft.id}#${step.step}`;
  const root = h(
    "div",
    { class: "drafts" },
    h(
      "section",
      { class: "panel" },
      h("h2", null, "起草台：稿件、时限与审签"),
      box,
    ),
  );

  async function decide(
    draft: Draft,
    step: SignOffStep,
    decision: "approve" | "reject",
    comment: string,
    message: HTMLElement,
  ): Promise<void> {
    if (decision === "reject" && comment.trim().length < 2)
      return void replace(message, "退回时请写明意见");
    const r = await api.post(
      `/api/drafts/${encodeURIComponent(draft.id)}/sign-off`,
      { step: step.step, decision, comment, version: draft.version },
    );
    if (!r.ok) return void replace(message, describeError(r));
    typed.delete(typedKey(draft, step));
    await refresh();
  }

  function stepItem(draft: Draft, s: SignOffStep): HTMLElement {
    const item = h(
      "li",
      { class: `step step-${s.status}`, "data-step": s.step },
      h("strong", null, s.label),
      ` ${s.department}${s.approverName ? ` · ${s.approverName}` : ""} · ${label(STATUS_LABEL, s.status)}`,
      s.at ? ` · ${beijing(s.at)}` : "",
      s.dueAt && s.status === "pending"
        ? h("span", { class: "countdown", "data-due": s.dueAt })
        : null,
      s.comment ? h("div", { class: "comment" }, `意见：${s.comment}`) : null,
    );
    if (s.canAct) {
      const comment = h("input", {
        name: "comment",
        placeholder: "审签意见（退回必填）",
        maxlength: 1000,
      });
      comment.value = typed.get(typedKey(draft, s)) ?? "";
      comment.addEventListener("input", () =>
        typed.set(typedKey(draft, s), comment.value),
      );
      const message = h("span", { class: "error", role: "alert" });
      item.append(
        h(
          "div",
          { class: "actions" },
          comment,
          h(
            "button",
            {
              type: "button",
              class: "primary",
              "data-action": "approve",
              onclick: () =>
                void decide(draft, s, "approve", comment.value, message),
            },
            "同意",
          ),
          h(
            "button",
            {
              type: "button",
              "data-action": "reject",
              onclick: () =>
                void decide(draft, s, "reject", comment.value, message),
            },
            "退回",
          ),
          message,
        ),
      );
    }
    return item;
  }

  function draftCard(d: Draft): HTMLElement {
    return h(
      "article",
      { class: `draft status-${d.status}`, "data-draft-id": d.id },
      h(
        "h3",
        null,
        h("span", { class: "tag" }, label(STATEMENT_KIND_LABEL, d.kind)),
        d.title,
      ),
      h(
        "p",
        { class: "meta" },
        `${d.department} · 起草人 ${d.authorName} · 第 ${d.version} 版 · ${label(STATUS_LABEL, d.status)} · 更新于 ${beijing(d.updatedAt)}`,
      ),
      d.incidentId
        ? h(
            "p",
            null,
            "对应事件：",
            h(
              "a",
              { href: `#/incident/${encodeURIComponent(d.incidentId)}` },
              d.incidentTitle ?? d.incidentId,
            ),
          )
        : null,
      d.deadline
        ? h(
            "p",
            { class: "deadline" },
            `${label(STAGE_LABEL, d.deadline.stage)} 截止 ${beijing(d.deadline.dueAt)} `,
            d.status === "published"
              ? ""
              : h("span", { class: "countdown", "data-due": d.deadline.dueAt }),
          )
        : null,
      h("ol", { class: "sign-off" }, ...d.signOff.map((s) => stepItem(d, s))),
    );
  }

  async function refresh(): Promise<void> {
    const r = await api.get<{ drafts: Draft[] }>("/api/drafts");
    if (!r.ok)
      return void replace(
        box,
        r.unavailable
          ? unavailable("稿件列表")
          : failed("稿件列表", describeError(r)),
      );
    const drafts = [...r.data.drafts].sort((a, b) =>
      a.deadline && b.deadline
        ? Date.parse(a.deadline.dueAt) - Date.parse(b.deadline.dueAt)
        : a.deadline
          ? -1
          : 1,
    );
    replace(
      box,
      drafts.length === 0
        ? h("p", { class: "muted" }, "暂无稿件")
        : h("div", { class: "draft-list" }, ...drafts.map(draftCard)),
    );
    paintCountdowns(box, paintCountdown);
  }

  const stop = startCountdowns(() => paintCountdowns(root, paintCountdown));
  return { root, refresh, dispose: stop };
}
