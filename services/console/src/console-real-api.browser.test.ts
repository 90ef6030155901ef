/**
 * The console in chromium against the real API (services/api `buildApiApp`) on a fresh
 * PostgreSQL schema with seeded users, serving the freshly built `dist/`: the fixture server's
 * contract checked end to end. Each role logs in through the real login and does its main job;
 * what the page did is read back from the database, and a screenshot of every page is kept
 * under test-artifacts/console/real-api/.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { IncidentSnapshot } from "@huiying/contracts";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import {
  PASSWORD,
  TEST_USERS,
  seedIncident,
  startApiFixture,
  type ApiFixture,
} from "../../api/src/testing/api-fixture";

const CONSOLE_DIR = resolve(__dirname, "..");
const DIST = join(CONSOLE_DIR, "dist");
const ARTIFACTS = resolve(CONSOLE_DIR, "../../test-artifacts/console/real-api");
const CHROMIUM = "/usr/bin/chromium";
const HOUR = 3_600_000;

interface Session {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and CSP / Trusted Types violations: every test expects none. */
  errors: string[];
  close(): Promise<void>;
}

async function open(url: string): Promise<Session> {
  const profile = mkdtempSync(join(tmpdir(), "huiying-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|TrustedHTML|Trusted Type/i.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function login(page: Page, name: keyof typeof TEST_USERS): Promise<void> {
  await page.locator("#login-form input[name=username]").fill(TEST_USERS[name]!.username);
  await page.locator("#login-form input[name=password]").fill(PASSWORD);
  await page.locator("#login-form button[type=submit]").click();
  await page.locator("#who").getByText("退出").waitFor();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** The Beijing calendar month of an instant, as the report's `month`. */
const beijingMonthOf = (iso: string) => new Date(Date.parse(iso) + 8 * HOUR).toISOString().slice(0, 7);

describe("console in chromium against the real API", () => {
  let f: ApiFixture;
  let url: string;
  let s: Session | undefined;
  /** A landslide of 市安监局 whose 5-hour statement clock ran out an hour ago. */
  let landslide: IncidentSnapshot;
  /** A rumour still to be confirmed or dismissed. */
  let rumour: IncidentSnapshot;
  let draftId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
    // Build fresh: a stale dist/ would test yesterday's console against today's API.
    execFileSync(process.execPath, [join(dirname(require.resolve("vite/package.json")), "bin/vite.js"), "build", "--logLevel", "warn"], { cwd: CONSOLE_DIR, stdio: "inherit" });
    mkdirSync(ARTIFACTS, { recursive: true });

    f = await startApiFixture({ consoleDir: DIST });
    await f.app.listen({ host: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;

    const t0 = new Date(Date.now() - 6 * HOUR).toISOString();
    landslide = await seedIncident(f.db, { title: "文县碧口镇山体滑坡", departments: ["市安监局"], status: "confirmed", level: "II", levelConfirmed: true, t0 });
    rumour = await seedIncident(f.db, { kind: "rumor", title: "网传徽县自来水有毒", category: null, subtype: null, level: null, departments: ["市安监局"] });
    await f.db.query(
      `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, breached_at, updated_at)
       VALUES ($1, $2, 'statement', 'breached', $3, $4, $3, $4, now()),
              ($5, $2, 'press_conference', 'running', $3, $6, $3, NULL, now())`,
      [`clk-st-${landslide.id}`, landslide.id, t0, new Date(Date.parse(t0) + 5 * HOUR).toISOString(), `clk-pc-${landslide.id}`, new Date(Date.parse(t0) + 24 * HOUR).toISOString()],
    );
    await f.db.query(
      `INSERT INTO alerts (id, key, incident_id, clock_id, severity, title, body, created_at, last_at, trace_id)
       VALUES ('al-breach', 'al-breach', $1, $2, 'critical', '权威信息发布已超时', '文县碧口镇山体滑坡：5小时时限已过', now(), now(), 't')`,
      [landslide.id, `clk-st-${landslide.id}`],
    );
    // The spokesperson's situation report, submitted into 市安监局's sign-off chain through the API.
    const author = await f.as("spokesperson");
    const created = await f.app.inject({ method: "POST", url: "/api/drafts", headers: author, payload: { kind: "situation_report", department: "市安监局", incidentId: landslide.id } });
    expect(created.statusCode).toBe(201);
    draftId = created.json().id;
    expect((await f.app.inject({ method: "POST", url: `/api/drafts/${draftId}/submit`, headers: author })).statusCode).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await f?.close();
  });
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it("duty officer: acknowledges the breach alert, confirms and dismisses incidents", async () => {
    s = await open(url);
    const { page } = s;
    await login(page, "duty");
    await page.waitForURL(/#\/duty$/);
    await page.locator("[data-alert-id=al-breach]").waitFor();
    // The overdue incident first, its countdown past zero.
    expect(await page.locator("tr[data-incident-id]").first().getAttribute("data-incident-id")).toBe(landslide.id);
    await expectText(page.locator(`tr[data-incident-id=${landslide.id}] .countdown`), /^超时 /);
    await shot(page, "duty-console");

    await page.locator("[data-alert-id=al-breach] [data-action=acknowledge]").click();
    await page.locator("[data-alert-id=al-breach]").waitFor({ state: "detached" });
    const { rows: alerts } = await f.db.query<{ acknowledged_by: string | null }>(`SELECT acknowledged_by FROM alerts WHERE id = 'al-breach'`);
    expect(alerts[0]!.acknowledged_by).toBe(f.ids.duty);

    await page.locator(`tr[data-incident-id=${rumour.id}] [data-action=confirm]`).click();
    await page.locator("dialog select[name=level]").selectOption("IV");
    await page.locator("dialog [data-submit]").click();
    await page.locator("dialog").waitFor({ state: "detached" });
    await expectRow(f, rumour.id, { status: "confirmed", level: "IV", level_confirmed: true });

    await page.locator(`tr[data-incident-id=${rumour.id}] [data-action=dismiss]`).click();
    await page.locator("dialog textarea[name=reason]").fill("经核实为旧闻，水质检测正常");
    await page.locator("dialog [data-submit]").click();
    await page.locator(`tr[data-incident-id=${rumour.id}]`).waitFor({ state: "detached" });
    await expectRow(f, rumour.id, { status: "dismissed" });

    await page.locator(`tr[data-incident-id=${landslide.id}] a.incident-title`).click();
    await expectText(page.locator("#incident-title"), "文县碧口镇山体滑坡");
    await expectText(page.locator("#clocks"), "已超时");
    await shot(page, "incident");
    expect(s.errors).toEqual([]);
  });

  it("spokesperson: sees the draft with its incident, deadline and sign-off state, and cannot approve", async () => {
    s = await open(url);
    const { page } = s;
    await login(page, "spokesperson");
    await page.waitForURL(/#\/drafts$/);
    const card = page.locator(`[data-draft-id=${draftId}]`);
    await card.waitFor();
    await expectText(card, "起草人 spokesperson 测试");
    await expectText(card.locator("a"), "文县碧口镇山体滑坡");
    // The 5-hour clock the situation report answers, already past: shown overdue, not hidden.
    await expectText(card.locator(".deadline"), "权威信息发布（5小时）");
    await expectText(card.locator(".deadline .countdown"), /^超时 /);
    await expectText(card.locator('[data-step="0"]'), "待审签");
    expect(await page.locator("[data-action=approve]").count()).toBe(0);
    await shot(page, "drafting-desk");
    expect(s.errors).toEqual([]);
  });

  it("approver: approves the step waiting for them, and the chain moves on", async () => {
    s = await open(url);
    const { page } = s;
    await login(page, "approver");
    const step0 = page.locator(`[data-draft-id=${draftId}] [data-step="0"]`);
    await step0.locator("[data-action=approve]").waitFor();
    await shot(page, "drafting-desk-approver");
    await step0.locator("input[name=comment]").fill("同意发布");
    await step0.locator("[data-action=approve]").click();
    await expectText(step0, "已审签");
    // The department head's step is next, theirs too; the news office's step is not theirs to sign.
    await expectText(page.locator(`[data-draft-id=${draftId}] [data-step="1"]`), "待审签");
    await page.locator(`[data-draft-id=${draftId}] [data-step="1"] [data-action=approve]`).waitFor();
    expect(await page.locator(`[data-draft-id=${draftId}] [data-step="2"] [data-action=approve]`).count()).toBe(0);
    const { rows } = await f.db.query<{ status: string; decided_by: string | null }>(
      `SELECT status, decided_by FROM sign_off_steps WHERE draft_id = $1 AND position = 0 ORDER BY round DESC LIMIT 1`,
      [draftId],
    );
    expect(rows[0]).toEqual({ status: "approved", decided_by: f.ids.approver });
    await shot(page, "drafting-desk-approved");
    expect(s.errors).toEqual([]);
  });

  it("leader: reads the department's month with the breach and its timeline, and downloads the CSV", async () => {
    s = await open(url);
    const { page } = s;
    await login(page, "leader");
    const month = beijingMonthOf(landslide.openedAt);
    await page.goto(`${url}/#/report?month=${month}`);
    await expectText(page.locator("#breaches"), "文县碧口镇山体滑坡");
    await page.locator("#chart-clocks canvas").waitFor();
    const href = await page.locator("#csv-link").getAttribute("href");
    expect(href).toContain(`month=${month}`);
    const csv = await page.evaluate(async (h) => {
      const r = await fetch(h!);
      return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
    }, href);
    expect(csv).toMatchObject({ status: 200, type: expect.stringContaining("text/csv") });
    expect(csv.text).toContain("市安监局");
    await shot(page, "report");
    expect(s.errors).toEqual([]);
  });
});

async function expectRow(f: ApiFixture, id: string, expected: Record<string, unknown>): Promise<void> {
  const { rows } = await f.db.query<Record<string, unknown>>(`SELECT status, level, level_confirmed FROM incidents WHERE id = $1`, [id]);
  expect(rows[0]).toMatchObject(expected);
}

/** Waits for the text (auto-retrying, as the page repaints) and then checks it. */
async function expectText(locator: ReturnType<Page["locator"]>, expected: string | RegExp): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.first().textContent({ timeout: 10_000 })) ?? "";
    if (typeof expected === "string" ? last.includes(expected) : expected.test(last)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${String(expected)} in ${JSON.stringify(last)}`);
}
