import type { Person } from '../roster/roster-file';
import { DRILL_MARK } from './alert-text';
import type { AlertNotice } from './alert-text';
import type { SmsChannelConfig } from './channel-config';
import { httpStatusIsRetryable } from './delivery-outcome';
import { excerpt, postOnce } from './http-attempt';
import { attempt, type ChannelSender, type SenderOptions } from './sender';
import { truncateChars } from './utf8-limit';

const LEVEL_LABEL = { critical: '紧急', warning: '重要', info: '一般' } as const;

/**
 * Values for an approved SMS template (gateways send templates, not free text). `drill` is
 * `【演练】` for a drill and empty otherwise, so a drill template can carry the mark.
 */
export function smsVariables(notice: AlertNotice, recipients: Person[], maxVariableChars: number) {
  const phones = recipients.flatMap((p) => (p.contacts.sms ? [p.contacts.sms] : []));
  const { alert } = notice;
  return {
    phones,
    phonesCsv: phones.join(','),
    title: truncateChars(`${alert.drill ? DRILL_MARK : ''}${alert.title.trim()}`, maxVariableChars),
    level: LEVEL_LABEL[alert.severity],
    drill: alert.drill ? DRILL_MARK : '',
    incidentId: alert.incidentId,
  };
}

type Vars = Record<string, unknown>;

/** Fill the body template: a string exactly `${name}` takes the raw value; others interpolate. */
export function fillTemplate(template: unknown, vars: Vars): unknown {
  if (typeof template === 'string') {
    const whole = /^\$\{(\w+)\}$/.exec(template);
    if (whole && whole[1] !== undefined && whole[1] in vars) return vars[whole[1]];
    return template.replace(/\$\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  }
  if (Array.isArray(template)) return template.map((t) => fillTemplate(t, vars));
  if (template && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, vars)]));
  return template;
}

export interface SmsRequest {
  headers: Record<string, string>;
  body: string;
}

/** The request to the gateway; in a form, a nested value (Alibaba's TemplateParam) becomes a JSON string. */
export function buildSmsRequest(channel: SmsChannelConfig, notice: AlertNotice, recipients: Person[]): SmsRequest {
  const vars: Vars = { ...smsVariables(notice, recipients, channel.maxVariableChars), secret: channel.secret ?? '' };
  const filled = fillTemplate(channel.body, vars) as Record<string, unknown>;
  const headers = Object.fromEntries(
    Object.entries(channel.headers).map(([k, v]) => [k.toLowerCase(), String(fillTemplate(v, vars))]),
  );
  if (channel.format === 'json') {
    return { headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(filled) };
  }
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(filled)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  return { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers }, body: form.toString() };
}

function at(json: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), json);
}

export function smsSender(channel: SmsChannelConfig, options: SenderOptions = {}): ChannelSender {
  const now = options.now ?? Date.now;
  return {
    channel,
    send: (delivery) =>
      attempt(channel, delivery, now, async () => {
        if (!delivery.recipients.some((p) => p.contacts.sms))
          return { status: 'permanent', reason: 'no recipient has an SMS number' };
        const request = buildSmsRequest(channel, delivery.notice, delivery.recipients);
        const answer = await postOnce({ url: channel.url, ...request, timeoutMs: channel.timeoutMs });
        if (answer.kind === 'failed') {
          // SendSms is not idempotent: after a timeout the gateway may already have sent.
          const reason = answer.timedOut ? `${answer.reason}; the gateway may have sent it` : answer.reason;
          return { status: 'retryable', reason };
        }
        if (answer.status < 200 || answer.status >= 300) {
          const reason = `sms gateway HTTP ${answer.status}: ${excerpt(answer.text)}`;
          return httpStatusIsRetryable(answer.status)
            ? { status: 'retryable', reason, httpStatus: answer.status }
            : { status: 'permanent', reason, httpStatus: answer.status };
        }
        const code = at(answer.json, channel.success.field);
        const providerCode = typeof code === 'string' || typeof code === 'number' ? code : undefined;
        const withCode = providerCode !== undefined ? { providerCode } : {};
        if (providerCode !== undefined && channel.success.equals.includes(providerCode))
          return { status: 'delivered', httpStatus: answer.status, ...withCode };
        const reason = `sms gateway ${channel.success.field}=${String(code)}: ${excerpt(answer.text)}`;
        if (providerCode !== undefined && channel.retryableCodes.includes(providerCode))
          return { status: 'retryable', reason, httpStatus: answer.status, ...withCode };
        return { status: 'permanent', reason, httpStatus: answer.status, ...withCode };
      }),
  };
}
