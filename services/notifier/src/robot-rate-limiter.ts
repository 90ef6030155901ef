import { randomUUID } from 'node:crypto';
import type { RateLimit } from '@huiying/alerting';
import type IORedis from 'ioredis';

/**
 * Reserves a send on a channel if every rolling-window limit allows it, else says how long to
 * wait; atomic in Redis, so several notifier instances share one robot's budget. The rule is
 * `sendDelayMs` (packages/alerting), with Redis's clock for every instance.
 */
const RESERVE_SCRIPT = `
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
local longest = 0
for i = 2, #ARGV, 2 do
  local max = tonumber(ARGV[i])
  local window = tonumber(ARGV[i + 1])
  if window > longest then longest = window end
  local recent = redis.call('ZREVRANGEBYSCORE', key, '+inf', '(' .. (now - window), 'WITHSCORES', 'LIMIT', max - 1, 1)
  if #recent > 0 then
    local w = tonumber(recent[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
redis.call('ZADD', key, now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - longest)
redis.call('PEXPIRE', key, longest)
return 0
`;

export interface RobotRateLimiter {
  /** 0: a send is reserved now; otherwise the milliseconds to wait before asking again. */
  reserve(channelId: string, limits: readonly RateLimit[]): Promise<number>;
}

/**
 * `prefix` keeps the keys with the notifier's other Redis keys. Each window is stretched a little
 * (a tenth, at most a second): the platform counts when a message arrives, which is after we
 * reserve it, so an exact window could let one message too many arrive within it.
 */
export function createRobotRateLimiter(redis: IORedis, prefix: string): RobotRateLimiter {
  return {
    async reserve(channelId, limits) {
      if (limits.length === 0) return 0;
      const args = limits.flatMap((l) => [l.max, l.windowMs + Math.min(1_000, Math.ceil(l.windowMs / 10))]);
      const wait = await redis.eval(RESERVE_SCRIPT, 1, `${prefix}:notifier:rate:${channelId}`, randomUUID(), ...args);
      return Number(wait);
    },
  };
}
