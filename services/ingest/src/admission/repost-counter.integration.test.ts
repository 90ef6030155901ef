import { Redis } from 'ioredis';
import { isolationName, testLogger, TEST_REDIS_URL } from '../../../embedded/src/testing/real-services';
import { dropRedisKeys } from '../testing/ingest-harness';
import { RepostCounter } from './repost-counter';

describe('RepostCounter on the real Redis', () => {
  const prefix = `${isolationName('ingest_reposts')}:`;
  const redis = new Redis(TEST_REDIS_URL);

  afterAll(async () => {
    await dropRedisKeys(prefix);
    await redis.quit();
  });

  it('counts each copy once on the first post, however often the copy comes again', async () => {
    const persisted: { postId: string; reposts: number }[] = [];
    const counter = new RepostCounter({ redis, keyPrefix: prefix, windowMs: 60_000, logger: testLogger(), persist: async (counts) => void persisted.push(...counts) });
    await counter.record([
      { id: 'weibo:2', of: 'weibo:1' },
      { id: 'rss:7', of: 'weibo:1' },
    ]);
    // The same copies polled again, and a retried batch: no new reposts.
    await counter.record([{ id: 'weibo:2', of: 'weibo:1' }]);
    await counter.record([
      { id: 'weibo:2', of: 'weibo:1' },
      { id: 'rss:7', of: 'weibo:1' },
      { id: 'rss:8', of: 'weibo:1' },
    ]);
    expect(await counter.flush()).toBe(1);
    expect(persisted).toEqual([{ postId: 'weibo:1', reposts: 3 }]);
  });
});
