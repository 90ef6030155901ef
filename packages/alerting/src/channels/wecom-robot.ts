import type { Person } from '../roster/roster-file';
import { composeAlertText, renderWithin, type AlertNotice } from './alert-text';
import type { WecomChannelConfig } from './channel-config';
import { postOnce } from './http-attempt';
import { interpretRobotAnswer } from './robot-answer';
import { attempt, type ChannelSender, type SenderOptions } from './sender';

/** WeCom text content limit, in UTF-8 bytes. */
export const WECOM_TEXT_MAX_BYTES = 2048;

export interface WecomTextMessage {
  msgtype: 'text';
  text: { content: string; mentioned_list?: string[]; mentioned_mobile_list?: string[] };
}

/**
 * A text message rather than markdown: only text can @ by mobile number, and an alert that
 * mentions nobody is easy to miss in a busy group.
 */
export function buildWecomMessage(notice: AlertNotice, recipients: Person[]): WecomTextMessage {
  const userIds: string[] = [];
  const mobiles: string[] = [];
  for (const p of recipients) {
    const c = p.contacts.wecom;
    if (c?.userId) userIds.push(c.userId);
    else if (c?.mobile) mobiles.push(c.mobile);
  }
  const content = renderWithin(composeAlertText(notice), WECOM_TEXT_MAX_BYTES);
  return {
    msgtype: 'text',
    text: {
      content,
      ...(userIds.length > 0 ? { mentioned_list: userIds } : {}),
      ...(mobiles.length > 0 ? { mentioned_mobile_list: mobiles } : {}),
    },
  };
}

const WECOM_RULES = {
  platform: 'wecom',
  codeField: 'errcode',
  messageField: 'errmsg',
  // -1 system busy; 45009 over 20 messages a minute: wait out the minute.
  retryable: new Map<number, number | undefined>([
    [-1, undefined],
    [45009, 60_000],
  ]),
};

export function wecomSender(channel: WecomChannelConfig, options: SenderOptions = {}): ChannelSender {
  const now = options.now ?? Date.now;
  return {
    channel,
    send: (delivery) =>
      attempt(channel, delivery, now, async () => {
        const url = `${trimSlash(channel.baseUrl)}/cgi-bin/webhook/send?key=${encodeURIComponent(channel.key ?? '')}`;
        const answer = await postOnce({
          url,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(buildWecomMessage(delivery.notice, delivery.recipients)),
          timeoutMs: channel.timeoutMs,
        });
        return interpretRobotAnswer(answer, WECOM_RULES);
      }),
  };
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
