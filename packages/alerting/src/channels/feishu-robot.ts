import { createHmac } from 'node:crypto';
import type { Person } from '../roster/roster-file';
import { composeAlertText, renderWithin, type AlertNotice } from './alert-text';
import type { FeishuChannelConfig } from './channel-config';
import { postOnce } from './http-attempt';
import { interpretRobotAnswer } from './robot-answer';
import { attempt, type ChannelSender, type SenderOptions } from './sender';
import { trimSlash } from './wecom-robot';

/** Feishu takes request bodies up to 20 KB; the text is held well below to leave the JSON room. */
export const FEISHU_TEXT_MAX_BYTES = 16_000;

/**
 * Unlike DingTalk: seconds, and the key is `timestamp + "\n" + secret` with an EMPTY message;
 * Base64, not URL-encoded, sent in the JSON body.
 */
export function feishuSign(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update(Buffer.alloc(0)).digest('base64');
}

export interface FeishuTextMessage {
  timestamp: string;
  sign: string;
  msg_type: 'text';
  content: { text: string };
}

export function buildFeishuMessage(
  notice: AlertNotice,
  recipients: Person[],
  signing: { timestampSeconds: number; secret: string },
): FeishuTextMessage {
  const mentions = recipients
    .filter((p) => p.contacts.feishu)
    .map((p) => `<at user_id="${escapeAttr(p.contacts.feishu?.userId ?? '')}">${escapeText(p.name)}</at>`)
    .join(' ');
  const text = renderWithin(composeAlertText(notice), FEISHU_TEXT_MAX_BYTES, mentions ? [mentions] : []);
  return {
    timestamp: String(signing.timestampSeconds),
    sign: feishuSign(signing.timestampSeconds, signing.secret),
    msg_type: 'text',
    content: { text },
  };
}

function escapeAttr(value: string): string {
  return value.replace(/[<>"&]/g, '');
}
function escapeText(value: string): string {
  return value.replace(/[<>]/g, '');
}

const FEISHU_RULES = {
  platform: 'feishu',
  codeField: 'code',
  messageField: 'msg',
  // 11232: frequency limited, also below the documented limit at the top of the hour.
  retryable: new Map<number, number | undefined>([[11232, 2_000]]),
};

export function feishuSender(channel: FeishuChannelConfig, options: SenderOptions = {}): ChannelSender {
  const now = options.now ?? Date.now;
  return {
    channel,
    send: (delivery) =>
      attempt(channel, delivery, now, async () => {
        const url = `${trimSlash(channel.baseUrl)}/open-apis/bot/v2/hook/${encodeURIComponent(channel.hookToken ?? '')}`;
        const message = buildFeishuMessage(delivery.notice, delivery.recipients, {
          timestampSeconds: Math.floor(now() / 1000),
          secret: channel.secret ?? '',
        });
        const answer = await postOnce({
          url,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(message),
          timeoutMs: channel.timeoutMs,
        });
        return interpretRobotAnswer(answer, FEISHU_RULES);
      }),
  };
}
