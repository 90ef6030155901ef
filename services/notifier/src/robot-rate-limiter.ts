import type { RateLimit } from '@huiying/alerting';
import type IORedis from 'ioredis';

/**
 * Gives each send on a channel its own slot within every rolling-window limit; atomic in Redis,
 * so several notifier instances share one robot's budget, with Redis's clock for all of them.
 *
 * Why slots, not "wait and ask again": a burst held back by a robot's limit used to be told the
 * same wait, woke together, and all but one were put back to wait (a thundering herd: about N²/max
 * wake-ups for N messages). Now the n-th waiter is told its own time (the slot after the one
 * `max` places earlier plus the window, the rule of `sendDelayMs`), so each waits once.
 *
 * A slot is named by the caller (`reservationId`: one per delivery attempt), so asking again with
 * the same name, after a restart or on waking, finds the slot instead of taking another. A waiter
 * may send up to `tolerance` ms after its slot (BullMQ wakes jobs a little late); the slots are
 * spaced that much wider, so late sends still keep the limit. A waiter later than that (the
 * notifier was down) takes a fresh slot.
 */
const RESERVE_SCRIPT = `
local key = KEYS[1]
local member = ARGV[1]
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local own = redis.call('ZSCORE', key, member)
if own then
  own = tonumber(own)
  if own > now then return own - now end
  if now - own <= tolerance then return 0 end
  redis.call('ZREM', key, member)
end
local at = now
local longest = 0
for i = 3, #ARGV, 2 do
  local max = tonumber(ARGV[i])
  local window = tonumber(ARGV[i + 1]) + tolerance
  if window > longest then longest = window end
  local earlier = redis.call('ZREVRANGEBYSCORE', key, '+inf', '(' .. (now - window), 'WITHSCORES', 'LIMIT', max - 1, 1)
  if #earlier > 0 then
    local slot = tonumber(earlier[2]) + window
    if slot > at then at = slot end
  end
end
redis.call('ZADD', key, at, member)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - longest)
if redis.call('PTTL', key) < at - now + longest then redis.call('PEXPIRE', key, at - now + longest) end
return at - now
`;

export interface RobotRateLimiter {
  /**
   * 0: send now; otherwise the milliseconds until this reservation's slot, when asking again with
   * the same `reservationId` answers 0.
   */
  reserve(channelId: string, limits: readonly RateLimit[], reservationId: string): Promise<number>;
}

/**
 * `prefix` keeps the keys with the notifier's other Redis keys. Each window is stretched a little
 * (a tenth, at most a second): the platform counts when a message arrives, which is after we
 * reserve it, so an exact window could let one message too many arrive within it. The lateness
 * allowed after a slot is the smallest such stretch.
 */
export function createRobotRateLimiter(redis: IORedis, prefix: string): RobotRateLimiter {
  return {
    async reserve(channelId, limits, reservationId) {
      if (limits.length === 0) return 0;
      const stretch = (l: RateLimit) => Math.min(1_000, Math.ceil(l.windowMs / 10));
      const tolerance = Math.min(...limits.map(stretch));
      const args = limits.flatMap((l) => [l.max, l.windowMs + stretch(l)]);
      const wait = await redis.eval(RESERVE_SCRIPT, 1, `${prefix}:notifier:rate:${channelId}`, reservationId, tolerance, ...args);
      return Number(wait);
    },
  };
}
