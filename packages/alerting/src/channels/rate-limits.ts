import { z } from 'zod';
import type { ChannelConfig } from './channel-config';

/** At most `max` messages in any `windowMs` (a rolling window, as the platforms count). */
export const RateLimit = z.object({ max: z.number().int().positive(), windowMs: z.number().int().positive() });
export type RateLimit = z.infer<typeof RateLimit>;

/**
 * Per-robot limits from the platforms' documentation (channels.md): WeCom and DingTalk 20 a
 * minute (DingTalk then throttles the robot for 10 minutes), Feishu 5 a second and 100 a minute.
 * Mail and SMS gateways and our own webhook publish none here.
 */
export const CHANNEL_RATE_LIMITS: Readonly<Partial<Record<ChannelConfig['kind'], readonly RateLimit[]>>> = {
  wecom: [{ max: 20, windowMs: 60_000 }],
  dingtalk: [{ max: 20, windowMs: 60_000 }],
  feishu: [
    { max: 5, windowMs: 1_000 },
    { max: 100, windowMs: 60_000 },
  ],
};

/** The limits a channel's sends must keep: its own `rateLimits` when configured, else its kind's. */
export function rateLimitsOf(channel: ChannelConfig): readonly RateLimit[] {
  return channel.rateLimits ?? CHANNEL_RATE_LIMITS[channel.kind] ?? [];
}

/**
 * How long to wait before one more send keeps every limit, given the instants of earlier sends
 * (any order); 0 = send now. The rule the Redis limiter applies, stated without Redis.
 */
export function sendDelayMs(sentAtMs: readonly number[], limits: readonly RateLimit[], nowMs: number): number {
  let wait = 0;
  for (const { max, windowMs } of limits) {
    const inWindow = sentAtMs.filter((t) => t > nowMs - windowMs).sort((a, b) => b - a);
    // The max-th most recent send must leave the window before another fits.
    if (inWindow.length >= max) wait = Math.max(wait, inWindow[max - 1]! + windowMs - nowMs);
  }
  return wait;
}
