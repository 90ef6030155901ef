import "./trusted-types";
import "./styles.css";
import { api, whenUnauthorised } from "./api";
import { h, replace } from "./dom";
import { ROLE_LABEL } from "./format";
import { startLiveFeed, type LiveFeed } from "./live";
import type { Page, PageContext } from "./page";
import { draftsPage } from "./pages/drafts";
import { dutyPage } from "./pages/duty";
import { incidentPage } from "./pages/incident";
import { loginPage } from "./pages/login";
import type { Role, User } from "./types";

interface Route {
  path: string;
  title: string;
  /** Who sees it in the menu; the API still checks every request. */
  roles: Role[];
  nav: boolean;
  load: (ctx: PageContext) => Page | Promise<Page>;
}

const ROUTES: Route[] = [
  {
    path: "duty",
    title: "值班台",
    roles: ["duty_officer", "admin"],
    nav: true,
    load: dutyPage,
  },
  {
    path: "drafts",
    title: "起草台",
    roles: ["spokesperson", "approver", "leader"],
    nav: true,
    load: draftsPage,
  },
  // The report page pulls in ECharts: loaded only when someone opens it.
  {
    path: "report",
    title: "领导报表",
    roles: ["leader", "admin"],
    nav: true,
    load: async (ctx) => (await import("./pages/report")).reportPage(ctx),
  },
  {
    path: "incident",
    title: "事件",
    roles: ["duty_officer", "spokesperson", "approver", "leader", "admin"],
    nav: false,
    load: incidentPage,
  },
];

const app = document.getElementById("app")!;
let user: User | null = null;
let departments: string[] = [];
let current: Page | null = null;
let feed: LiveFeed | null = null;

function homeOf(u: User): string {
  const route = ROUTES.find(
    (r) => r.nav && r.roles.some((role) => u.roles.includes(role)),
  );
  return `#/${route?.path ?? "incident"}`;
}

function paintHeader(): void {
  const nav = document.getElementById("nav")!;
  const who = document.getElementById("who")!;
  if (!user) {
    replace(nav);
    replace(who);
    return;
  }
  const u = user;
  const active = location.hash.split(/[/?]/)[1] ?? "";
  replace(
    nav,
    ...ROUTES.filter(
      (r) => r.nav && r.roles.some((role) => u.roles.includes(role)),
    ).map((r) =>
      h(
        "a",
        { href: `#/${r.path}`, class: r.path === active ? "active" : null },
        r.title,
      ),
    ),
  );
  replace(
    who,
    `${u.displayName}（${u.roles.map((r) => ROLE_LABEL[r]).join("、")}）`,
    h(
      "button",
      {
        type: "button",
        class: "link",
        "data-action": "logout",
        onclick: () => void logout(),
      },
      "退出",
    ),
  );
}

function setLiveMode(mode: "live" | "polling" | "off"): void {
  const el = document.getElementById("live")!;
  el.dataset.mode = mode;
  el.textContent =
    mode === "live" ? "● 实时" : mode === "polling" ? "◐ 轮询更新" : "";
}

async function logout(): Promise<void> {
  await api.post("/api/auth/logout");
  user = null;
  feed?.stop();
  feed = null;
  setLiveMode("off");
  location.hash = "#/login";
}

async function route(): Promise<void> {
  current?.dispose();
  current = null;
  const hash = location.hash.replace(/^#\/?/, "");
  const q = hash.indexOf("?");
  const [name = "", param = null] = (q >= 0 ? hash.slice(0, q) : hash).split(
    "/",
  ) as [string?, string?];
  const query = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : "");
  if (!user) {
    const me = await api.get<{ user: User }>("/api/auth/me");
    if (me.ok) user = me.data.user;
  }
  if (!user || name === "login") {
    if (user && name === "login") return void (location.hash = homeOf(user));
    paintHeader();
    replace(
      app,
      loginPage((u) => {
        user = u;
        location.hash = homeOf(u);
      }),
    );
    return;
  }
  if (!feed)
    feed = startLiveFeed({
      onChange: () => void current?.refresh(),
      onMode: setLiveMode,
    });
  if (departments.length === 0) {
    const list = await api.get<{ departments: string[] }>("/api/departments");
    if (list.ok) departments = list.data.departments;
  }
  const match = ROUTES.find((r) => r.path === name);
  if (!match) return void (location.hash = homeOf(user));
  paintHeader();
  document.title = `回应 · ${match.title}`;
  const page = await match.load({
    user,
    param: param ? decodeURIComponent(param) : null,
    query,
    departments,
  });
  current = page;
  replace(app, page.root);
  await page.refresh();
}

whenUnauthorised(() => {
  user = null;
  location.hash = "#/login";
});
window.addEventListener("hashchange", () => void route());
void route();
