import { h } from "./dom";
import type { User } from "./types";

export interface PageContext {
  user: User;
  /** Route parameter, e.g. the incident id. */
  param: string | null;
  query: URLSearchParams;
  /** Department names for the assign form; empty when the API has no list yet. */
  departments: string[];
}

export interface Page {
  root: HTMLElement;
  /** Reloads the page's data; called on live events. */
  refresh(): Promise<void>;
  dispose(): void;
}

/** A section whose endpoint the API does not offer yet: said plainly, not left blank. */
export function unavailable(what: string): HTMLElement {
  return h(
    "p",
    { class: "unavailable", "data-state": "unavailable" },
    `${what}：暂不可用（接口尚未开放）`,
  );
}

export function failed(what: string, message: string): HTMLElement {
  return h("p", { class: "error", role: "alert" }, `${what}：${message}`);
}

/** Paints every `[data-due]` element's countdown. */
export function paintCountdowns(
  root: ParentNode,
  paint: (el: HTMLElement) => void,
): void {
  root.querySelectorAll<HTMLElement>("[data-due]").forEach(paint);
}
