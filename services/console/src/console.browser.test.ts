/**
 * The console in a real browser: Debian's chromium, driven by playwright-core, against the
 * built `dist/` served by a loopback fixture of the API (see test-fixture/). One test per role
 * doing its main job, a screenshot of every page under test-artifacts/console/, and a check that
 * hostile post text runs nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import {
  FIXTURE_PASSWORD,
  startFixture,
  type Fixture,
} from "./test-fixture/fixture-server";

const CONSOLE_DIR = resolve(__dirname, "..");
const DIST = join(CONSOLE_DIR, "dist");
const ARTIFACTS = resolve(CONSOLE_DIR, "../../test-artifacts/console");
const CHROMIUM = "/usr/bin/chromium";

interface Session {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and CSP / Trusted Types violations: every test expects none. */
  errors: string[];
  dialogs: string[];
  close(): Promise<void>;
}

async function open(fixture: Fixture): Promise<Session> {
  const profile = mkdtempSync(join(tmpdir(), "huiying-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1400, height: 900 },
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (
      m.type() === "error" &&
      /Content Security Policy|TrustedHTML|Trusted Type/i.test(m.text())
    )
      errors.push(`console: ${m.text()}`);
  });
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(fixture.url);
  return {
    context,
    page,
    errors,
    dialogs,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function login(page: Page, username: string): Promise<void> {
  await page.locator("#login-form input[name=username]").fill(username);
  await page.locator("#login-form input[name=password]").fill(FIXTURE_PASSWORD);
  await page.locator("#login-form button[type=submit]").click();
  await page.locator("#who").getByText("退出").waitFor();
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(() => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
  // Build fresh every run: a stale dist/ would test yesterday's console.
  execFileSync(
    process.execPath,
    [
      join(dirname(require.resolve("vite/package.json")), "bin/vite.js"),
      "build",
      "--logLevel",
      "warn",
    ],
    { cwd: CONSOLE_DIR, stdio: "inherit" },
  );
  mkdirSync(ARTIFACTS, { recursive: true });
}, 180_000);

describe("console in chromium", () => {
  let fixture: Fixture;
  let s: Session;
  beforeEach(async () => {
    fixture = await startFixture({ distDir: DIST });
    s = await open(fixture);
  });
  afterEach(async () => {
    await s?.close();
    await fixture?.close();
  });

  it("refuses a wrong password without saying which part was wrong", async () => {
    const { page } = s;
    await page.locator("#login-form input[name=username]").fill("duty");
    await page.locator("#login-form input[name=password]").fill("wrong");
    await page.locator("#login-form button[type=submit]").click();
    await expectText(
      page.locator("#login-form [role=alert]"),
      "用户名或密码错误",
    );
    await shot(page, "login");
    expect(s.errors).toEqual([]);
  });

  it("duty officer: acknowledges an alert, confirms and dismisses incidents, sees live updates", async () => {
    const { page } = s;
    await login(page, "duty");
    await page.waitForURL(/#\/duty$/);
    await page.locator("[data-alert-id=al-1]").waitFor();
    // Overdue first, then the nearest deadline.
    const order = await page
      .locator("tr[data-incident-id]")
      .evaluateAll((rows) =>
        rows.map((r) => r.getAttribute("data-incident-id")),
      );
    expect(order.slice(0, 3)).toEqual([
      "inc-mine",
      "inc-hostile",
      "inc-landslide",
    ]);
    await expectText(
      page.locator("tr[data-incident-id=inc-mine] .countdown"),
      /^超时 0:\d\d:\d\d$/,
    );
    await expectText(page.locator("#live"), "实时");
    await shot(page, "duty-console");

    await page
      .locator("[data-alert-id=al-1] [data-action=acknowledge]")
      .click();
    await page.locator("[data-alert-id=al-1]").waitFor({ state: "detached" });
    expect(
      fixture.state.alerts.find((a) => a.id === "al-1")?.acknowledgedBy,
    ).toBe("王值班");

    await page
      .locator("tr[data-incident-id=inc-landslide] [data-action=confirm]")
      .click();
    await page.locator("dialog select[name=level]").selectOption("III");
    await page.locator("dialog [data-submit]").click();
    await page.locator("dialog").waitFor({ state: "detached" });
    expect(
      fixture.state.incidents.find((i) => i.id === "inc-landslide"),
    ).toMatchObject({
      status: "confirmed",
      level: "III",
      levelConfirmed: true,
    });

    await page
      .locator("tr[data-incident-id=inc-rumor] [data-action=dismiss]")
      .click();
    await page.locator("dialog [data-submit]").click();
    // The reason is required: nothing is sent without it.
    expect(
      fixture.calls.filter((c) => c.path.endsWith("/dismiss")),
    ).toHaveLength(0);
    await page
      .locator("dialog textarea[name=reason]")
      .fill("经核实为旧闻，水质检测正常");
    await page.locator("dialog [data-submit]").click();
    await page
      .locator("tr[data-incident-id=inc-rumor]")
      .waitFor({ state: "detached" });
    expect(
      fixture.calls.find((c) => c.path.endsWith("/dismiss"))?.body,
    ).toEqual({ reason: "经核实为旧闻，水质检测正常" });

    // A new alert pushed over the event stream shows without a reload.
    fixture.state.alerts.push({
      ...fixture.state.alerts[1]!,
      id: "al-live",
      title: "实时推送的告警",
      acknowledgedAt: null,
      acknowledgedBy: null,
    });
    fixture.push("alert", { id: "al-live" });
    await page.locator("[data-alert-id=al-live]").waitFor({ timeout: 5000 });

    await page
      .locator("tr[data-incident-id=inc-landslide] a.incident-title")
      .click();
    await page.locator("#evidence").getByText("山体滑坡、被埋").waitFor();
    await expectText(page.locator("#evidence"), "12人失联，按较大以上研判");
    await expectText(page.locator("#clocks"), "权威信息发布（5小时）");
    await expectText(page.locator("#statements"), "尚无发布的通报");
    await shot(page, "incident");
    expect(s.errors).toEqual([]);
  });

  it("spokesperson: sees the drafts with deadlines and sign-off state, and cannot approve", async () => {
    const { page } = s;
    await login(page, "spokesperson");
    await page.waitForURL(/#\/drafts$/);
    await page.locator("[data-draft-id=dr-1]").waitFor();
    await expectText(
      page.locator("[data-draft-id=dr-1] .deadline .countdown"),
      /^剩余 [34]:\d\d:\d\d$/,
    );
    await expectText(
      page.locator('[data-draft-id=dr-1] [data-step="2"]'),
      "待审签",
    );
    expect(await page.locator("[data-action=approve]").count()).toBe(0);
    expect(await page.locator("#nav a").allTextContents()).toEqual(["起草台"]);
    await shot(page, "drafting-desk");
    // Another department's incident is refused by the API, and the page says so.
    await page.goto(`${fixture.url}/#/incident/inc-other-dept`);
    await expectText(page.locator(".incident [role=alert]"), "无权");
    expect(s.errors).toEqual([]);
  });

  it("approver: approves the step waiting for them, and the chain moves on", async () => {
    const { page } = s;
    await login(page, "approver");
    await page
      .locator('[data-draft-id=dr-1] [data-step="2"] [data-action=approve]')
      .waitFor();
    await shot(page, "drafting-desk-approver");
    await page
      .locator('[data-draft-id=dr-1] [data-step="2"] input[name=comment]')
      .fill("同意发布");
    // A live update repaints the desk while the comment is typed: the comment survives it.
    await page
      .locator('[data-draft-id=dr-1] [data-step="2"]')
      .evaluate((el) => el.setAttribute("data-stale", ""));
    fixture.push("alert", { id: "al-repaint" });
    await page
      .locator('[data-draft-id=dr-1] [data-step="2"]:not([data-stale])')
      .waitFor({ timeout: 5000 });
    expect(
      await page
        .locator('[data-draft-id=dr-1] [data-step="2"] input[name=comment]')
        .inputValue(),
    ).toBe("同意发布");
    await page
      .locator('[data-draft-id=dr-1] [data-step="2"] [data-action=approve]')
      .click();
    await expectText(
      page.locator('[data-draft-id=dr-1] [data-step="2"]'),
      "已审签",
    );
    await expectText(
      page.locator('[data-draft-id=dr-1] [data-step="3"]'),
      "待审签",
    );
    // The news office's step is not theirs to sign.
    expect(
      await page
        .locator('[data-draft-id=dr-1] [data-step="3"] [data-action=approve]')
        .count(),
    ).toBe(0);
    expect(fixture.calls).toEqual([
      expect.objectContaining({
        path: "/api/drafts/dr-1/sign-off",
        body: expect.objectContaining({
          step: 2,
          decision: "approve",
          comment: "同意发布",
        }),
        user: "approver",
      }),
    ]);
    expect(s.errors).toEqual([]);
  });

  it("leader: reads the month’s report with charts, breaches, drills and paused time apart, CSV and print", async () => {
    const { page } = s;
    await login(page, "leader");
    await page.goto(`${fixture.url}/#/report?month=2026-04`);
    await expectText(page.locator("#on-time-rate"), "82.4%");
    await page.locator("#chart-clocks canvas").waitFor();
    await page.locator("#chart-rate canvas").waitFor();
    await expectText(page.locator("#breaches"), "超时 1 小时 10 分");
    await expectText(page.locator("#breaches"), "升级至分管领导");
    await expectText(page.locator("#drills"), "演练事件 2 起");
    await expectText(page.locator("#paused"), "道路中断，核实中");
    expect(await page.locator("#csv-link").getAttribute("href")).toBe(
      "/api/reports/sla.csv?month=2026-04",
    );
    const csv = await page.evaluate(
      async (href) => (await fetch(href!)).text(),
      await page.locator("#csv-link").getAttribute("href"),
    );
    expect(csv).toContain("市安监局,8,8,7,1");
    await shot(page, "report");
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("header#top").isVisible()).toBe(false);
    await shot(page, "report-print");
    await page.pdf({
      path: join(ARTIFACTS, "report.pdf"),
      format: "A4",
      landscape: true,
      printBackground: false,
    });
    expect(s.errors).toEqual([]);
  });

  it("renders hostile post text, titles and authors as text: nothing runs", async () => {
    const { page } = s;
    await login(page, "duty");
    await page.goto(`${fixture.url}/#/incident/inc-hostile`);
    await page.locator("[data-post-id=p-hostile]").waitFor();
    await page.locator("[data-post-id=p-hostile] .post-text").hover();
    await page.waitForTimeout(300);
    expect(
      await page.evaluate(
        () => (window as unknown as { __xss?: number }).__xss,
      ),
    ).toBeUndefined();
    await expectText(
      page.locator("#incident-title"),
      '<img src=x onerror="window.__xss=1">武都区滑坡',
    );
    await expectText(
      page.locator("[data-post-id=p-hostile] .post-text"),
      "<script>window.__xss=2</script>",
    );
    await expectText(
      page.locator("[data-post-id=p-hostile]"),
      '<b onmouseover="window.__xss=4">网友</b>',
    );
    await expectText(
      page.locator("#evidence"),
      '<svg onload="window.__xss=6">',
    );
    expect(
      await page.locator("main img, main script, main svg, main b").count(),
    ).toBe(0);
    expect(
      await page.locator("[data-post-id=p-hostile] a").getAttribute("href"),
    ).toBe("#");
    await shot(page, "incident-hostile");
    await page.goto(`${fixture.url}/#/duty`);
    await page.locator("tr[data-incident-id=inc-hostile]").waitFor();
    expect(
      await page.evaluate(
        () => (window as unknown as { __xss?: number }).__xss,
      ),
    ).toBeUndefined();
    expect(s.dialogs).toEqual([]);
    // Belt and braces: the CSP's Trusted Types refuse any HTML string, should one ever slip in.
    const attempt = await page.evaluate(() => {
      try {
        document.createElement("div").innerHTML = "<b>x</b>";
        return "assigned";
      } catch {
        return "refused";
      }
    });
    expect(attempt).toBe("refused");
    expect(s.errors).toEqual([]);
  });
});

describe("console against an API that lacks the newer endpoints", () => {
  it("says “not available” instead of failing, and polls when there is no event stream", async () => {
    const fixture = await startFixture({
      distDir: DIST,
      unavailable: [
        "GET /api/drafts",
        "GET /api/events",
        "GET /api/incidents/:id/statements",
        "GET /api/alerts",
        "GET /api/departments",
      ],
    });
    const s = await open(fixture);
    try {
      await login(s.page, "duty");
      await expectText(
        s.page.locator("#alerts [data-state=unavailable]"),
        "暂不可用",
      );
      await s.page.locator("tr[data-incident-id=inc-mine]").waitFor();
      await expectText(s.page.locator("#live"), "轮询");
      await s.page.goto(`${fixture.url}/#/incident/inc-landslide`);
      await expectText(
        s.page.locator("#statements [data-state=unavailable]"),
        "暂不可用",
      );
      await shot(s.page, "incident-unavailable");
      await s.page.goto(`${fixture.url}/#/drafts`);
      await expectText(
        s.page.locator("#drafts [data-state=unavailable]"),
        "稿件列表：暂不可用",
      );
      expect(s.errors).toEqual([]);
    } finally {
      await s.close();
      await fixture.close();
    }
  });
});

/** Waits for the text (auto-retrying, as the page repaints) and then checks it. */
async function expectText(
  locator: ReturnType<Page["locator"]>,
  expected: string | RegExp,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.first().textContent({ timeout: 10_000 })) ?? "";
    if (
      typeof expected === "string"
        ? last.includes(expected)
        : expected.test(last)
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${String(expected)} in ${JSON.stringify(last)}`);
}
