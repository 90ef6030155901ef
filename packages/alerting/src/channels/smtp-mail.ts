import nodemailer from 'nodemailer';
import type { Person } from '../roster/roster-file';
import { composeAlertText, type AlertNotice } from './alert-text';
import type { EmailChannelConfig } from './channel-config';
import type { OutcomeDetail } from './delivery-outcome';
import { attempt, type ChannelSender, type SenderOptions } from './sender';

export interface AlertMail {
  to: string[];
  subject: string;
  text: string;
}

/** nodemailer writes the RFC 2047 encoded-words for the Chinese subject itself. */
export function buildAlertMail(notice: AlertNotice, recipients: Person[]): AlertMail {
  const text = composeAlertText(notice);
  return {
    to: recipients.flatMap((p) => (p.contacts.email ? [p.contacts.email] : [])),
    subject: text.title,
    text: [text.title, '', ...text.head, text.body, '', ...text.tail].join('\n'),
  };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** Transient network and 4xx replies are retried; auth, TLS and 5xx replies need a person. */
export function interpretSmtpError(error: unknown): OutcomeDetail {
  const e = (error ?? {}) as SmtpError;
  const reason = `smtp ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${String(e.message ?? error).slice(0, 200)}`;
  const providerCode = e.responseCode ?? e.code;
  const withCode = providerCode !== undefined ? { providerCode } : {};
  if (e.responseCode !== undefined) {
    return e.responseCode >= 400 && e.responseCode < 500
      ? { status: 'retryable', reason, ...withCode }
      : { status: 'permanent', reason, ...withCode };
  }
  if (e.code === 'EAUTH' || e.code === 'ETLS' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE')
    return { status: 'permanent', reason, ...withCode };
  return { status: 'retryable', reason, ...withCode };
}

export function emailSender(channel: EmailChannelConfig, options: SenderOptions = {}): ChannelSender {
  const now = options.now ?? Date.now;
  return {
    channel,
    send: (delivery) =>
      attempt(channel, delivery, now, async () => {
        const mail = buildAlertMail(delivery.notice, delivery.recipients);
        if (mail.to.length === 0) return { status: 'permanent', reason: 'no recipient has an e-mail address' };
        // One connection per attempt: alerts are rare, and a pooled socket gone stale would cost
        // an attempt exactly when it matters.
        const transport = nodemailer.createTransport({
          host: channel.host,
          port: channel.port,
          secure: channel.tls === 'implicit',
          requireTLS: channel.tls === 'starttls',
          ignoreTLS: channel.tls === 'none-internal-relay',
          ...(channel.user !== undefined ? { auth: { user: channel.user, pass: channel.password ?? '' } } : {}),
          ...(channel.caPem !== undefined ? { tls: { ca: channel.caPem } } : {}),
          connectionTimeout: channel.timeoutMs,
          greetingTimeout: channel.timeoutMs,
          socketTimeout: channel.timeoutMs,
        });
        let timer: NodeJS.Timeout | undefined;
        try {
          const deadline = new Promise<OutcomeDetail>((resolve) => {
            timer = setTimeout(
              () => resolve({ status: 'retryable', reason: `timed out after ${channel.timeoutMs} ms` }),
              channel.timeoutMs,
            );
          });
          const sending = transport
            .sendMail({
              from: channel.from,
              to: mail.to,
              subject: mail.subject,
              text: mail.text,
              headers: { 'X-Huiying-Delivery': delivery.deliveryId },
            })
            .then((info): OutcomeDetail => {
              const rejected = info.rejected.length;
              if (rejected === 0) return { status: 'delivered', providerCode: info.response.slice(0, 3) };
              // Some accepted: a retry would mail them twice, so this is not retried.
              return {
                status: 'permanent',
                reason: `smtp rejected ${rejected} of ${mail.to.length} recipients`,
                providerCode: info.response.slice(0, 3),
              };
            }, interpretSmtpError);
          return await Promise.race([sending, deadline]);
        } finally {
          clearTimeout(timer);
          transport.close();
        }
      }),
  };
}
