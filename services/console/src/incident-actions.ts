import { api, describeError } from "./api";
import { h, replace } from "./dom";
import { LEVEL_LABEL } from "./format";
import type { IncidentSummary, Level } from "./types";

/**
 * The duty officer's actions on an incident, each in a small dialog. The API decides who may do
 * what; the console only hides the buttons from roles that never may.
 */
export function incidentActionBar(
  incident: IncidentSummary,
  departments: string[],
  done: () => void,
): HTMLElement {
  const closed =
    incident.status === "resolved" || incident.status === "dismissed";
  const bar = h("div", { class: "actions" });
  const button = (text: string, open: () => HTMLElement, testid: string) =>
    h(
      "button",
      {
        type: "button",
        "data-action": testid,
        onclick: () => showDialog(text, open(), done),
      },
      text,
    );
  if (incident.status === "detected")
    bar.append(button("确认", () => confirmForm(incident), "confirm"));
  if (!closed) {
    bar.append(
      button("定级", () => levelForm(incident), "level"),
      button("指派", () => assignForm(incident, departments), "assign"),
      button("合并", () => mergeForm(incident), "merge"),
      button("排除", () => dismissForm(incident), "dismiss"),
    );
  }
  return bar;
}

interface ActionForm {
  form: HTMLFormElement;
  submit: () => Promise<{ ok: true } | { ok: false; message: string }>;
}

const forms = new WeakMap<HTMLElement, ActionForm>();

function levelSelect(current: Level | null): HTMLSelectElement {
  return h(
    "select",
    { name: "level", required: true },
    ...(["I", "II", "III", "IV"] as Level[]).map((l) =>
      h("option", { value: l, selected: l === current }, LEVEL_LABEL[l]),
    ),
  );
}

async function post(
  path: string,
  body: unknown,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const r = await api.post(path, body);
  return r.ok ? { ok: true } : { ok: false, message: describeError(r) };
}

const base = (i: IncidentSummary) =>
  `/api/incidents/${encodeURIComponent(i.id)}`;

function build(
  fields: HTMLElement[],
  submit: (
    data: FormData,
  ) => Promise<{ ok: true } | { ok: false; message: string }>,
): HTMLElement {
  const form = h("form", { method: "dialog" }, ...fields);
  const wrapper = h("div", null, form);
  forms.set(wrapper, { form, submit: () => submit(new FormData(form)) });
  return wrapper;
}

function confirmForm(i: IncidentSummary): HTMLElement {
  return build([h("label", null, "确认级别 ", levelSelect(i.level))], (d) =>
    post(`${base(i)}/confirm`, { level: d.get("level") }),
  );
}

function levelForm(i: IncidentSummary): HTMLElement {
  return build(
    [
      h("label", null, "级别 ", levelSelect(i.level)),
      h(
        "label",
        null,
        "理由 ",
        h("input", { name: "reason", required: true, maxlength: 500 }),
      ),
    ],
    (d) =>
      post(`${base(i)}/level`, {
        level: d.get("level"),
        reason: d.get("reason"),
      }),
  );
}

function dismissForm(i: IncidentSummary): HTMLElement {
  return build(
    [
      h(
        "label",
        null,
        "排除理由（必填，记入处置记录）",
        h("textarea", {
          name: "reason",
          required: true,
          minlength: 2,
          maxlength: 500,
          rows: 3,
        }),
      ),
    ],
    (d) => post(`${base(i)}/dismiss`, { reason: d.get("reason") }),
  );
}

function assignForm(i: IncidentSummary, departments: string[]): HTMLElement {
  const input =
    departments.length > 0
      ? h(
          "select",
          { name: "department", required: true },
          ...departments.map((d) =>
            h("option", { value: d, selected: i.departments.includes(d) }, d),
          ),
        )
      : h("input", {
          name: "department",
          required: true,
          maxlength: 100,
          placeholder: "如：市安监局",
        });
  return build([h("label", null, "责任单位 ", input)], (d) =>
    post(`${base(i)}/departments`, {
      departments: [String(d.get("department"))],
    }),
  );
}

function mergeForm(i: IncidentSummary): HTMLElement {
  return build(
    [
      h(
        "label",
        null,
        "并入事件编号 ",
        h("input", { name: "into", required: true, maxlength: 100 }),
      ),
      h(
        "label",
        null,
        "理由 ",
        h("input", { name: "reason", required: true, maxlength: 500 }),
      ),
    ],
    (d) =>
      post(`${base(i)}/merge`, {
        into: d.get("into"),
        reason: d.get("reason"),
      }),
  );
}

function showDialog(title: string, body: HTMLElement, done: () => void): void {
  const action = forms.get(body);
  if (!action) return;
  const message = h("p", { class: "error", role: "alert" });
  const dialog = h(
    "dialog",
    { class: "action-dialog" },
    h("h3", null, title),
    body,
    message,
    h(
      "div",
      { class: "dialog-buttons" },
      h(
        "button",
        {
          type: "button",
          class: "primary",
          "data-submit": "1",
          onclick: () => void submit(),
        },
        "提交",
      ),
      h("button", { type: "button", onclick: () => dialog.close() }, "取消"),
    ),
  );
  async function submit() {
    if (!action!.form.reportValidity()) return;
    const r = await action!.submit();
    if (r.ok) {
      dialog.close();
      done();
    } else {
      replace(message, r.message);
    }
  }
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
