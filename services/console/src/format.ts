/** Labels and time formats, pure so that they can be tested without a browser. */
import type { Level, Role } from "./types";

export const ROLE_LABEL: Record<Role, string> = {
  duty_officer: "值班员",
  spokesperson: "新闻发言人",
  approver: "审签人",
  leader: "分管领导",
  admin: "系统管理员",
};

export const STAGE_LABEL: Record<string, string> = {
  statement: "权威信息发布（5小时）",
  press_conference: "新闻发布会（24小时）",
  response: "舆情回应（48小时）",
  continued_release: "持续发布",
  disclosure_reply: "依申请公开答复",
};

export const STATUS_LABEL: Record<string, string> = {
  detected: "待确认",
  confirmed: "已确认",
  responding: "处置中",
  resolved: "已办结",
  dismissed: "已排除",
  running: "计时中",
  met: "按时完成",
  breached: "已超时",
  cancelled: "已取消",
  paused: "已暂停",
  drafting: "起草中",
  in_review: "审签中",
  rejected: "已退回",
  approved: "已审签",
  published: "已发布",
  waiting: "未到",
  pending: "待审签",
};

export const KIND_LABEL: Record<string, string> = {
  emergency: "突发事件",
  rumor: "疑似谣言",
  opinion: "舆情",
};

export const CATEGORY_LABEL: Record<string, string> = {
  natural_disaster: "自然灾害",
  accident_disaster: "事故灾难",
  public_health: "公共卫生事件",
  social_security: "社会安全事件",
};

export const LEVEL_LABEL: Record<Level, string> = {
  I: "Ⅰ级 特别重大",
  II: "Ⅱ级 重大",
  III: "Ⅲ级 较大",
  IV: "Ⅳ级 一般",
};

export const STATEMENT_KIND_LABEL: Record<string, string> = {
  situation_report: "情况通报",
  rebuttal: "辟谣",
  press_notice: "新闻发布会通知",
  policy_interpretation: "政策解读",
};

export const label = (
  table: Record<string, string>,
  key: string | null | undefined,
  fallback = "—",
): string =>
  key === null || key === undefined ? fallback : (table[key] ?? key);

const pad = (n: number) => String(n).padStart(2, "0");

/** Beijing time (UTC+8, no daylight saving), the office's clock whatever the browser's zone. */
export function beijing(iso: string | null | undefined): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const d = new Date(t + 8 * 3600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `剩余 4:59:59` before the deadline, `超时 0:00:01` after it. */
export function countdown(
  dueIso: string | null | undefined,
  nowMs: number,
): { text: string; late: boolean; urgent: boolean } {
  if (!dueIso) return { text: "未计时", late: false, urgent: false };
  const ms = Date.parse(dueIso) - nowMs;
  const a = Math.abs(ms);
  const hms = `${Math.floor(a / 3600_000)}:${pad(Math.floor((a % 3600_000) / 60_000))}:${pad(Math.floor((a % 60_000) / 1000))}`;
  return ms >= 0
    ? { text: `剩余 ${hms}`, late: false, urgent: ms < 3600_000 }
    : { text: `超时 ${hms}`, late: true, urgent: true };
}

export function minutes(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (value < 60) return `${Math.round(value)} 分钟`;
  const h = Math.floor(value / 60);
  const m = Math.round(value % 60);
  return m === 0 ? `${h} 小时` : `${h} 小时 ${m} 分`;
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined
    ? "—"
    : `${(rate * 100).toFixed(1)}%`;
}

/** The month before `nowMs` in Beijing time, as `YYYY-MM`: reports are read after a month closes. */
export function previousMonth(nowMs: number): string {
  const d = new Date(nowMs + 8 * 3600_000);
  const y = d.getUTCMonth() === 0 ? d.getUTCFullYear() - 1 : d.getUTCFullYear();
  const m = d.getUTCMonth() === 0 ? 12 : d.getUTCMonth();
  return `${y}-${pad(m)}`;
}

/** Incidents by time left: overdue first, then the nearest deadline, unclocked last. */
export function byTimeLeft<
  T extends { nextDueAt: string | null; updatedAt: string },
>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    if (a.nextDueAt && b.nextDueAt)
      return Date.parse(a.nextDueAt) - Date.parse(b.nextDueAt);
    if (a.nextDueAt) return -1;
    if (b.nextDueAt) return 1;
    return Date.parse(b.updatedAt) - Date.parse(a.updatedAt);
  });
}
