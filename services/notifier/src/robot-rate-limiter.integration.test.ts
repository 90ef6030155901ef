import { setTimeout as sleep } from 'node:timers/promises';
import IORedis from 'ioredis';
import { TEST_REDIS_URL, isolationName } from '../../embedded/src/testing/real-services';
import { wipeRedisPrefix } from '../../sla-timer/src/testing/clock-fixtures';
import { createRobotRateLimiter } from './robot-rate-limiter';

// A robot's per-minute limit shrunk to a second: 5 a second (stretched to 1.1 s, slots 1.2 s apart).
const LIMIT = { max: 5, windowMs: 1_000 };
const WAITERS = 25;

/**
 * Many deliveries held back by one robot's limit, on real Redis: each is told its own slot and
 * waits once, where a shared "wait and ask again" woke them all together every time (N²/max asks).
 */
describe('robot rate limiter on real Redis', () => {
  const prefix = isolationName('ratelimiter');
  const redis = new IORedis(TEST_REDIS_URL);
  const limiter = createRobotRateLimiter(redis, prefix);

  afterAll(async () => {
    await wipeRedisPrefix(redis, prefix);
    redis.disconnect();
  });

  it('gives a burst of waiters one slot each, so each asks at most twice, and keeps the limit', async () => {
    let asks = 0;
    const sentAt: number[] = [];
    // As a delivery job does: ask; if told to wait, sleep that long and ask again, same reservation.
    await Promise.all(
      Array.from({ length: WAITERS }, async (_, i) => {
        for (;;) {
          asks++;
          const waitMs = await limiter.reserve('burst', [LIMIT], `dlv-${i}#1`);
          if (waitMs === 0) return void sentAt.push(Date.now());
          await sleep(waitMs);
        }
      }),
    );
    expect(sentAt).toHaveLength(WAITERS);
    // The first `max` go at once (one ask), every other waiter wakes once, at its slot.
    expect(asks).toBeLessThanOrEqual(2 * WAITERS - LIMIT.max);
    const at = sentAt.sort((a, b) => a - b);
    for (let i = LIMIT.max; i < at.length; i++) expect(at[i]! - at[i - LIMIT.max]!).toBeGreaterThanOrEqual(LIMIT.windowMs);
  }, 30_000);

  it('finds a reservation again instead of taking a second slot', async () => {
    const limits = [{ max: 1, windowMs: 10_000 }];
    expect(await limiter.reserve('again', limits, 'first#1')).toBe(0);
    const wait = await limiter.reserve('again', limits, 'second#1');
    expect(wait).toBeGreaterThan(10_000);
    // Asked again (a restarted notifier, a job run twice): the same slot, not one a window later.
    const again = await limiter.reserve('again', limits, 'second#1');
    expect(again).toBeLessThanOrEqual(wait);
    expect(again).toBeGreaterThan(wait - 1_000);
    expect(await redis.zcard(`${prefix}:notifier:rate:again`)).toBe(2);
  });
});
