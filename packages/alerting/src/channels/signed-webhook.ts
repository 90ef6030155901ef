import { createHmac, timingSafeEqual } from 'node:crypto';
import { composeAlertText, type AlertNotice } from './alert-text';
import type { WebhookChannelConfig } from './channel-config';
import { httpStatusIsRetryable } from './delivery-outcome';
import { excerpt, postOnce } from './http-attempt';
import { attempt, type ChannelSender, type SenderOptions } from './sender';
import type { Person } from '../roster/roster-file';

/** Headers of our signed webhook (Stripe-style: the timestamp is inside the signed data). */
export const WEBHOOK_HEADERS = {
  delivery: 'x-huiying-delivery',
  timestamp: 'x-huiying-timestamp',
  signature: 'x-huiying-signature',
} as const;

/** `v1=` + hex HMAC-SHA256(secret, `<unix seconds>.<raw body>`). */
export function signWebhook(secret: string, timestampSeconds: number, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex')}`;
}

export interface WebhookVerification {
  /** Two secrets are accepted while one is being rotated. */
  secrets: string[];
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  rawBody: string;
  nowMs: number;
  /** Replay window; 300 s is the common default. */
  toleranceSeconds?: number;
}

/** For receivers of our webhook: checks the exact raw bytes, in constant time, within the window. */
export function verifyWebhookSignature(v: WebhookVerification): { ok: true } | { ok: false; reason: string } {
  const ts = Number(v.timestampHeader);
  if (!v.timestampHeader || !Number.isInteger(ts)) return { ok: false, reason: 'missing or bad timestamp' };
  if (Math.abs(v.nowMs / 1000 - ts) > (v.toleranceSeconds ?? 300)) return { ok: false, reason: 'timestamp outside window' };
  const given = Buffer.from(v.signatureHeader ?? '', 'utf8');
  const match = v.secrets.some((secret) => {
    const expected = Buffer.from(signWebhook(secret, ts, v.rawBody), 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return match ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

export interface WebhookPayload {
  type: 'huiying.alert';
  version: 1;
  deliveryId: string;
  drill: boolean;
  title: string;
  text: string;
  alert: AlertNotice['alert'];
  bundleCount: number;
  escalation: AlertNotice['escalation'] | null;
  recipients: { personId: string; name: string; recipientId: string | null }[];
}

export function buildWebhookPayload(notice: AlertNotice, recipients: Person[], deliveryId: string): WebhookPayload {
  const text = composeAlertText(notice);
  return {
    type: 'huiying.alert',
    version: 1,
    deliveryId,
    drill: notice.alert.drill,
    title: text.title,
    text: [...text.head, text.body, ...text.tail].filter((l) => l.length > 0).join('\n'),
    alert: notice.alert,
    bundleCount: notice.bundle?.count ?? 1,
    escalation: notice.escalation ?? null,
    recipients: recipients.map((p) => ({
      personId: p.id,
      name: p.name,
      recipientId: p.contacts.webhook?.recipientId ?? null,
    })),
  };
}

export function webhookSender(channel: WebhookChannelConfig, options: SenderOptions = {}): ChannelSender {
  const now = options.now ?? Date.now;
  return {
    channel,
    send: (delivery) =>
      attempt(channel, delivery, now, async () => {
        const body = JSON.stringify(buildWebhookPayload(delivery.notice, delivery.recipients, delivery.deliveryId));
        const ts = Math.floor(now() / 1000);
        const answer = await postOnce({
          url: channel.url,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            [WEBHOOK_HEADERS.delivery]: delivery.deliveryId,
            [WEBHOOK_HEADERS.timestamp]: String(ts),
            [WEBHOOK_HEADERS.signature]: signWebhook(channel.secret ?? '', ts, body),
          },
          body,
          timeoutMs: channel.timeoutMs,
        });
        if (answer.kind === 'failed') return { status: 'retryable', reason: answer.reason };
        if (answer.status >= 200 && answer.status < 300) return { status: 'delivered', httpStatus: answer.status };
        const reason = `webhook HTTP ${answer.status}: ${excerpt(answer.text)}`;
        return httpStatusIsRetryable(answer.status)
          ? { status: 'retryable', reason, httpStatus: answer.status }
          : { status: 'permanent', reason, httpStatus: answer.status };
      }),
  };
}
