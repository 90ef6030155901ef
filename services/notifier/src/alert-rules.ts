import type { Alert, AlertSeverity, ClockEvent, SpikeDetected } from '@huiying/contracts';

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

const SPIKE_KEY_PREFIX = 'spike|';

/**
 * A post-volume spike becomes a warning to the duty officer, with the figures that justify it.
 * One spike (subject, window, window end) is one alert however often it is delivered; spikes of
 * one subject within the bundling window (the hour and the day window together) fold into one
 * message with a count, as clock alerts of one clock do. A watch scheme has no incident: its id
 * stands in, as a disclosure request's does for its clock.
 */
export function alertForSpike(spike: SpikeDetected, eventId: string, at: Date): Alert {
  const { subject } = spike;
  const drill = subject.drill ? '【演练】' : '';
  const what = subject.kind === 'watch_scheme' ? '监测方案' : '事件';
  const baseline = `基线 ${spike.baselineMean.toFixed(1)}±${spike.baselineStddev.toFixed(1)}`;
  return {
    id: eventId,
    key: `${SPIKE_KEY_PREFIX}${subject.kind}|${subject.id}|${spike.window}|${spike.windowEnd}`,
    incidentId: subject.id,
    clockId: null,
    severity: 'warning',
    title: `${drill}${subject.title}`,
    body:
      `${drill}${what}舆情激增（${spike.window}）：${beijing(spike.windowStart)} 至 ${beijing(spike.windowEnd)} 共 ${spike.current} 条，` +
      `${baseline}，${spike.because}。责任单位：${subject.departments.join('、') || '待指派'}`,
    drill: subject.drill,
    createdAt: at.toISOString(),
  };
}

/** The watch scheme a spike alert is about (its row has no incident), from its key; null otherwise. */
export function watchSchemeOfAlertKey(key: string): string | null {
  const prefix = `${SPIKE_KEY_PREFIX}watch_scheme|`;
  if (!key.startsWith(prefix)) return null;
  const id = key.slice(prefix.length).split('|')[0];
  return id && id.length > 0 ? id : null;
}
