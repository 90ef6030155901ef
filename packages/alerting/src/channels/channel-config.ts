import { z } from 'zod';

/**
 * `live` channels carry real alerts; `drill` channels (a drill group, a test mailbox) carry
 * drills (演练) only. A channel is one or the other, never both, so a drill can never page a
 * leader's phone and a real alert never lands where nobody watches.
 */
export const ChannelAudience = z.enum(['live', 'drill']);
export type ChannelAudience = z.infer<typeof ChannelAudience>;

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase id, e.g. wecom-duty-group'),
  enabled: z.boolean().default(true),
  audience: ChannelAudience.default('live'),
  /** One attempt's whole budget (connect, send, read the answer). */
  timeoutMs: z.number().int().positive().default(5_000),
  /**
   * Sends allowed per rolling window, replacing the kind's documented limits (`rate-limits.ts`):
   * for a robot whose platform account has other limits, or `[]` for none.
   */
  rateLimits: z.array(z.object({ max: z.number().int().positive(), windowMs: z.number().int().positive() })).optional(),
};

/** Secrets are optional in the schema so a half-configured channel parses and the readiness check can name it. */
const Secret = z.string().optional();

/** Our own signed webhook (e.g. the city's unified messaging platform). */
export const WebhookChannelConfig = z.object({
  ...common,
  kind: z.literal('webhook'),
  url: z.url(),
  secret: Secret,
});
export const WecomChannelConfig = z.object({
  ...common,
  kind: z.literal('wecom'),
  baseUrl: z.url().default('https://qyapi.weixin.qq.com'),
  /** The `key` of the group robot's webhook URL. */
  key: Secret,
});
export const DingtalkChannelConfig = z.object({
  ...common,
  kind: z.literal('dingtalk'),
  baseUrl: z.url().default('https://oapi.dingtalk.com'),
  accessToken: Secret,
  /** The 加签 secret (`SEC…`); we always sign. */
  secret: Secret,
});
export const FeishuChannelConfig = z.object({
  ...common,
  kind: z.literal('feishu'),
  baseUrl: z.url().default('https://open.feishu.cn'),
  /** The token at the end of `/open-apis/bot/v2/hook/<token>`. */
  hookToken: Secret,
  /** The 签名校验 secret; we always sign. */
  secret: Secret,
});
export const EmailChannelConfig = z.object({
  ...common,
  kind: z.literal('email'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /**
   * `implicit` = TLS from the first byte (465, RFC 8314's preference); `starttls` = 587, upgrade
   * required; `none-internal-relay` = plain SMTP, only to a relay inside the e-government network.
   */
  tls: z.enum(['implicit', 'starttls', 'none-internal-relay']),
  /** PEM bundle to trust for the server's certificate (a government CA), beside the system's. */
  caPem: z.string().optional(),
  user: z.string().optional(),
  /** Password or the mailbox's authorization code (授权码). */
  password: Secret,
  from: z.string().min(3),
});
export const SmsChannelConfig = z.object({
  ...common,
  kind: z.literal('sms'),
  url: z.url(),
  format: z.enum(['json', 'form']),
  /** Header values may use `${secret}`. */
  headers: z.record(z.string(), z.string()).default({}),
  /**
   * Request body template. A string that is exactly `${name}` is replaced by the raw value (so
   * `${phones}` can become an array in JSON); other strings get `${name}` interpolated. Names:
   * phones, phonesCsv, title, level, drill, incidentId, secret.
   */
  body: z.record(z.string(), z.unknown()),
  secret: Secret,
  /** Dot path into the JSON answer and the values that mean success, e.g. `Code` = `OK`. */
  success: z.object({ field: z.string().min(1), equals: z.array(z.union([z.string(), z.number()])).min(1) }),
  /** Answer codes (at `success.field`) worth retrying, e.g. a rate-control code. */
  retryableCodes: z.array(z.union([z.string(), z.number()])).default([]),
  /** Gateways limit template variables; the title is cut to this many characters. */
  maxVariableChars: z.number().int().positive().default(20),
});

export const ChannelConfig = z.discriminatedUnion('kind', [
  WebhookChannelConfig,
  WecomChannelConfig,
  DingtalkChannelConfig,
  FeishuChannelConfig,
  EmailChannelConfig,
  SmsChannelConfig,
]);
export type ChannelConfig = z.infer<typeof ChannelConfig>;
export type WebhookChannelConfig = z.infer<typeof WebhookChannelConfig>;
export type WecomChannelConfig = z.infer<typeof WecomChannelConfig>;
export type DingtalkChannelConfig = z.infer<typeof DingtalkChannelConfig>;
export type FeishuChannelConfig = z.infer<typeof FeishuChannelConfig>;
export type EmailChannelConfig = z.infer<typeof EmailChannelConfig>;
export type SmsChannelConfig = z.infer<typeof SmsChannelConfig>;

export const ChannelsFile = z
  .object({ version: z.literal(1), channels: z.array(ChannelConfig) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.channels.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'id'], message: `duplicate channel id ${c.id}` });
      seen.add(c.id);
    });
  });
export type ChannelsFile = z.infer<typeof ChannelsFile>;

/** What a channel still lacks before it can send; empty = configured. */
export function missingSecrets(channel: ChannelConfig): string[] {
  const need = (name: string, value: string | undefined) => (value && value.length > 0 ? [] : [name]);
  switch (channel.kind) {
    case 'webhook':
      return need('secret', channel.secret);
    case 'wecom':
      return need('key', channel.key);
    case 'dingtalk':
      return [...need('accessToken', channel.accessToken), ...need('secret', channel.secret)];
    case 'feishu':
      return [...need('hookToken', channel.hookToken), ...need('secret', channel.secret)];
    case 'email':
      return channel.user !== undefined ? need('password', channel.password) : [];
    case 'sms': {
      const usesSecret = JSON.stringify([channel.headers, channel.body]).includes('${secret}');
      return usesSecret ? need('secret', channel.secret) : [];
    }
  }
}
