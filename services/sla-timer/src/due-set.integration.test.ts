import IORedis from 'ioredis';
import { TEST_REDIS_URL, eventually, isolationName } from '../../embedded/src/testing/real-services';
import { createDueSet, startFiringLoop, type DueEntry } from './due-set';
import { redisOptionsFromUrl } from './redis-check';

/**
 * The firing loop sleeps up to `maxSleepMs` when nothing is due, yet a member added through its
 * own due set is fired at once, and one added by another process is still seen within the cap.
 */
describe('the due-set firing loop', () => {
  const key = `${isolationName('due_set')}:due`;
  let redis: IORedis;
  let other: IORedis;
  beforeAll(() => {
    redis = new IORedis(redisOptionsFromUrl(TEST_REDIS_URL));
    other = new IORedis(redisOptionsFromUrl(TEST_REDIS_URL));
  });
  afterAll(async () => {
    await redis.del(key);
    await Promise.all([redis.quit(), other.quit()]);
  });

  it('wakes for a member added through its own due set, and sees another process’s within the cap', async () => {
    const dueSet = createDueSet(redis, key);
    const fired: Array<DueEntry & { claimedAtMs: number }> = [];
    let claims = 0;
    const counted = { ...dueSet, claimDue: (now: number, limit: number) => (claims++, dueSet.claimDue(now, limit)) };
    const loop = startFiringLoop({
      dueSet: counted,
      maxSleepMs: 1_500,
      fire: (entries, claimedAtMs) => void fired.push(...entries.map((e) => ({ ...e, claimedAtMs }))),
    });
    try {
      // Let the loop settle into its long sleep over an empty set.
      await new Promise((r) => setTimeout(r, 300));
      const claimsWhileIdle = claims;
      expect(claimsWhileIdle).toBeLessThanOrEqual(2);

      const soon = Date.now() + 150;
      await dueSet.add([{ member: 'warn\nclk-local', atMs: soon }]);
      const local = await eventually(
        async () => fired.find((f) => f.member === 'warn\nclk-local'),
        'the local member',
        1_000,
        5,
      );
      // Fired at its instant, not at the end of a 1.5 s sleep.
      expect(local.claimedAtMs - soon).toBeGreaterThanOrEqual(0);
      expect(local.claimedAtMs - soon).toBeLessThan(100);

      // Another timer process adds straight to Redis: seen at the latest when the sleep ends.
      const addedAt = Date.now();
      await createDueSet(other, key).add([{ member: 'breach\nclk-other', atMs: addedAt }]);
      const remote = await eventually(
        async () => fired.find((f) => f.member === 'breach\nclk-other'),
        'the other member',
        3_000,
        10,
      );
      expect(remote.claimedAtMs - addedAt).toBeLessThan(1_500 + 200);
      expect(fired.map((f) => f.member)).toEqual(['warn\nclk-local', 'breach\nclk-other']);
    } finally {
      const stopStarted = Date.now();
      await loop.stop();
      // A stop cuts the sleep short too.
      expect(Date.now() - stopStarted).toBeLessThan(500);
    }
  });

  it('with a look-ahead, claims a run of members before their instant, never one at a time', async () => {
    const dueSet = createDueSet(redis, `${key}:ahead`);
    const claimsOf: number[] = [];
    const fired: Array<DueEntry & { claimedAtMs: number }> = [];
    const start = Date.now() + 400;
    // A member every 2 ms for 600 ms.
    await dueSet.add(Array.from({ length: 300 }, (_, i) => ({ member: `breach\nclk-${i}`, atMs: start + 2 * i })));
    const loop = startFiringLoop({
      dueSet,
      lookAheadMs: 200,
      maxSleepMs: 1_000,
      fire: (entries, claimedAtMs) => {
        claimsOf.push(entries.length);
        fired.push(...entries.map((e) => ({ ...e, claimedAtMs })));
      },
    });
    try {
      await eventually(async () => (fired.length === 300 ? true : undefined), 'every member', 3_000, 10);
    } finally {
      await loop.stop();
      await dueSet.clear();
    }
    // Each claimed at most the look-ahead early (a little slack for the claim itself) and before its instant.
    for (const f of fired) expect(f.atMs - f.claimedAtMs).toBeLessThanOrEqual(200 + 20);
    expect(fired.filter((f) => f.claimedAtMs < f.atMs).length).toBeGreaterThan(0.9 * fired.length);
    // Half a look-ahead of members (about 50) per claim, not one per claim.
    expect(claimsOf.length).toBeLessThan(30);
  });
});

