import type { ChannelConfig } from '../channels/channel-config';
import { channel } from './fixtures';

/** One configured live channel of each kind, and a drill group. Base URLs are never called here. */
export function allChannels(): ChannelConfig[] {
  return [
    channel({ id: 'webhook-city', kind: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'whsec-0123456789abcdef' }),
    channel({ id: 'wecom-duty', kind: 'wecom', key: 'wecom-key' }),
    channel({ id: 'dingtalk-duty', kind: 'dingtalk', accessToken: 'ding-token', secret: 'SECding' }),
    channel({ id: 'feishu-duty', kind: 'feishu', hookToken: 'feishu-token', secret: 'feishu-secret' }),
    channel({ id: 'mail', kind: 'email', host: '127.0.0.1', port: 25, tls: 'none-internal-relay', from: 'huiying@news.example.gov.cn' }),
    channel({
      id: 'sms',
      kind: 'sms',
      url: 'http://127.0.0.1:9/sms',
      format: 'json',
      headers: { authorization: 'Bearer ${secret}' },
      body: { to: '${phones}', text: '${title}' },
      secret: 'sms-secret',
      success: { field: 'code', equals: [0] },
    }),
    channel({ id: 'wecom-drill', kind: 'wecom', audience: 'drill', key: 'drill-key' }),
  ];
}

export function withChannel(channels: ChannelConfig[], id: string, patch: Record<string, unknown>): ChannelConfig[] {
  return channels.map((c) => (c.id === id ? ({ ...c, ...patch } as ChannelConfig) : c));
}
