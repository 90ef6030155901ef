import type { ChannelConfig } from './channel-config';
import { dingtalkSender } from './dingtalk-robot';
import { feishuSender } from './feishu-robot';
import type { ChannelSender, SenderOptions } from './sender';
import { webhookSender } from './signed-webhook';
import { smsSender } from './sms-gateway';
import { emailSender } from './smtp-mail';
import { wecomSender } from './wecom-robot';

export function createSender(channel: ChannelConfig, options: SenderOptions = {}): ChannelSender {
  switch (channel.kind) {
    case 'webhook':
      return webhookSender(channel, options);
    case 'wecom':
      return wecomSender(channel, options);
    case 'dingtalk':
      return dingtalkSender(channel, options);
    case 'feishu':
      return feishuSender(channel, options);
    case 'email':
      return emailSender(channel, options);
    case 'sms':
      return smsSender(channel, options);
  }
}
