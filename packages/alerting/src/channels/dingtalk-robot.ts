import { createHmac } from 'node:crypto';
import type { Person } from '../roster/roster-file';
import { composeAlertText, renderWithin, type AlertNotice } from './alert-text';
import type { DingtalkChannelConfig } from './channel-config';
import { postOnce } from './http-attempt';
import { interpretRobotAnswer } from './robot-answer';
import { attempt, type ChannelSender, type SenderOptions } from './sender';
import { trimSlash } from './wecom-robot';

/** DingTalk publishes no size limit; keep alerts well under 4 KB as channels.md advises. */
export const DINGTALK_TEXT_MAX_BYTES = 3000;

/**
 * 加签: HMAC-SHA256 with the secret as key over `timestamp + "\n" + secret`, Base64, then
 * percent-encoded once for the query string. Returns the encoded value.
 */
export function dingtalkSign(timestampMs: number, secret: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
  return encodeURIComponent(mac);
}

/** The request URL with token, timestamp and sign; built by hand so nothing encodes twice. */
export function dingtalkUrl(baseUrl: string, accessToken: string, secret: string, timestampMs: number): string {
  return (
    `${trimSlash(baseUrl)}/robot/send?access_token=${encodeURIComponent(accessToken)}` +
    `&timestamp=${timestampMs}&sign=${dingtalkSign(timestampMs, secret)}`
  );
}

export interface DingtalkTextMessage {
  msgtype: 'text';
  text: { content: string };
  at: { atMobiles: string[]; atUserIds: string[]; isAtAll: boolean };
}

/** A mention needs both the `at` list and `@<mobile>`/`@<userId>` written in the text. */
export function buildDingtalkMessage(notice: AlertNotice, recipients: Person[]): DingtalkTextMessage {
  const atMobiles: string[] = [];
  const atUserIds: string[] = [];
  for (const p of recipients) {
    const c = p.contacts.dingtalk;
    if (c?.mobile) atMobiles.push(c.mobile);
    else if (c?.userId) atUserIds.push(c.userId);
  }
  const mentions = [...atMobiles, ...atUserIds].map((id) => `@${id}`).join(' ');
  const content = renderWithin(composeAlertText(notice), DINGTALK_TEXT_MAX_BYTES, mentions ? [mentions] : []);
  return { msgtype: 'text', text: { content }, at: { atMobiles, atUserIds, isAtAll: false } };
}

const DINGTALK_RULES = {
  platform: 'dingtalk',
  codeField: 'errcode',
  messageField: 'errmsg',
  // 130101: over 20 a minute, and DingTalk then throttles the robot for about 10 minutes.
  // 310000 (signature, keyword, IP) is a configuration fault: permanent.
  retryable: new Map<number, number | undefined>([
    [-1, undefined],
    [130101, 600_000],
  ]),
};

export function dingtalkSender(channel: DingtalkChannelConfig, options: SenderOptions = {}): ChannelSender {
  const now = options.now ?? Date.now;
  return {
    channel,
    send: (delivery) =>
      attempt(channel, delivery, now, async () => {
        // Signed per request: the timestamp may be at most one hour off DingTalk's clock.
        const url = dingtalkUrl(channel.baseUrl, channel.accessToken ?? '', channel.secret ?? '', now());
        const answer = await postOnce({
          url,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(buildDingtalkMessage(delivery.notice, delivery.recipients)),
          timeoutMs: channel.timeoutMs,
        });
        return interpretRobotAnswer(answer, DINGTALK_RULES);
      }),
  };
}
