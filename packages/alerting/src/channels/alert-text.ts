import type { Alert, AlertSeverity } from '@huiying/contracts';
import { formatShanghai } from '../time/shanghai-time';
import { truncateChars, truncateUtf8, utf8Bytes } from './utf8-limit';

/** What is sent: the alert, and what bundling and escalation add to it. */
export interface AlertNotice {
  alert: Alert;
  /** From bundling: alerts with this key in the window (≥ 2 makes a summary line). */
  bundle?: { count: number; windowStartMs: number; windowEndMs: number };
  /** From escalation: the step reached and which reminder this is. */
  escalation?: { step: number; stepLabel: string; round: number };
  /** Where the duty officer opens and acknowledges the alert. */
  link?: string;
}

export const DRILL_MARK = '【演练】';
const DRILL_LINE = '本条为演练消息，不是真实舆情，请按演练方案处置。';
const MAX_TITLE_CHARS = 60;

const SEVERITY_LABEL: Record<AlertSeverity, string> = {
  critical: '紧急舆情预警',
  warning: '舆情预警',
  info: '舆情提示',
};

/** An alert in Chinese, in three parts so a size limit cuts only the free text in the middle. */
export interface AlertText {
  title: string;
  /** Lines that must survive any cut: the drill mark, escalation, count. */
  head: string[];
  /** The alert's own body: cut first. */
  body: string;
  /** Time, incident, link, the call to acknowledge. */
  tail: string[];
}

export function composeAlertText(notice: AlertNotice): AlertText {
  const { alert } = notice;
  const title = `${alert.drill ? DRILL_MARK : ''}【${SEVERITY_LABEL[alert.severity]}】${truncateChars(alert.title.trim(), MAX_TITLE_CHARS)}`;
  const head: string[] = [];
  if (alert.drill) head.push(`${DRILL_MARK}${DRILL_LINE}`);
  if (notice.escalation && (notice.escalation.step > 0 || notice.escalation.round > 0)) {
    const e = notice.escalation;
    head.push(`未确认，已升级至第${e.step + 1}级（${e.stepLabel}），第${e.round + 1}次提醒`);
  }
  if (notice.bundle && notice.bundle.count > 1) {
    const b = notice.bundle;
    head.push(`同一预警在 ${formatShanghai(b.windowStartMs)} 至 ${formatShanghai(b.windowEndMs)} 共出现 ${b.count} 次`);
  }
  const tail = [
    `时间：${formatShanghai(Date.parse(alert.createdAt))}（北京时间）`,
    `事件编号：${alert.incidentId}`,
    ...(notice.link ? [`详情：${notice.link}`] : []),
    '请及时登录系统确认，确认后停止重复提醒。',
  ];
  return { title, head, body: alert.body.trim(), tail };
}

/**
 * Title, head, body and tail joined with newlines within `maxBytes` UTF-8 bytes: the body is cut
 * first, then the tail, so the title and the drill mark always survive.
 */
export function renderWithin(text: AlertText, maxBytes: number, extraTail: string[] = [], includeTitle = true): string {
  const top = [...(includeTitle ? [text.title] : []), ...text.head].join('\n');
  const bottom = [...text.tail, ...extraTail].join('\n');
  const join = (...parts: string[]) => parts.filter((p) => p.length > 0).join('\n');
  const full = join(top, text.body, bottom);
  if (utf8Bytes(full) <= maxBytes) return full;
  const fixed = utf8Bytes(join(top, '', bottom)) + 1;
  if (fixed < maxBytes) return join(top, truncateUtf8(text.body, maxBytes - fixed), bottom);
  return truncateUtf8(join(top, bottom), maxBytes);
}
