import type { Alert, AlertSeverity, ClockEvent } from '@huiying/contracts';

const STAGE_NAMES: Record<ClockEvent['clock']['stage'], string> = {
  statement: '权威信息发布',
  press_conference: '新闻发布会',
  continued_release: '持续发布',
  response: '舆情回应',
  disclosure_reply: '依申请公开答复',
};

/** Beijing wall-clock time for a message body: duty officers read local time. */
function beijing(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * Which clock events become alerts, and what they say. The key makes the alert idempotent: the
 * same clock step delivered twice is one alert with a count, not two.
 */
export function alertForClockEvent(event: ClockEvent, eventId: string, at: Date): Alert | null {
  const { clock } = event;
  let severity: AlertSeverity;
  let headline: string;
  switch (event.kind) {
    case 'started':
      severity = 'info';
      headline = `${STAGE_NAMES[clock.stage]}时限已开始计时，截止 ${beijing(clock.dueAt)}`;
      break;
    case 'warning':
      severity = 'warning';
      headline = `${STAGE_NAMES[clock.stage]}时限预警（${event.warning ?? ''}），截止 ${beijing(clock.dueAt)}`;
      break;
    case 'breached':
      severity = 'critical';
      headline = `${STAGE_NAMES[clock.stage]}已超时：截止 ${beijing(clock.dueAt)}`;
      break;
    case 'escalated':
      severity = 'critical';
      headline = `${STAGE_NAMES[clock.stage]}超时未处置，第 ${event.escalationStep ?? 1} 次升级`;
      break;
    default:
      return null;
  }
  const step = event.kind === 'warning' ? event.warning : event.kind === 'escalated' ? String(event.escalationStep) : '';
  return {
    id: eventId,
    key: `${clock.id}|${event.kind}|${step}|${clock.dueAt}`,
    incidentId: clock.incidentId,
    clockId: clock.id,
    severity,
    title: `${clock.drill ? '【演练】' : ''}${event.incidentTitle}`,
    body: `${clock.drill ? '【演练】' : ''}${headline}。责任单位：${event.departments.join('、') || '待指派'}`,
    drill: clock.drill,
    createdAt: at.toISOString(),
  };
}
