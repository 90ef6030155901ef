import type { DedupStore } from '@huiying/ingest-core';
import type { Redis } from 'ioredis';

/**
 * The dedup keys in Redis, shared by every ingest instance and kept across restarts. Each
 * operation is one atomic command (or MULTI), so two instances racing on one text never both
 * see "new". Keys expire with the dedup window; nothing here ever deletes by pattern.
 */
export class RedisDedupStore implements DedupStore {
  constructor(private readonly redis: Redis) {}

  async seen(key: string, value: string, ttlMs: number): Promise<string | null> {
    // SET NX GET (Redis ≥ 7.0): stores when absent and answers what was there, in one step.
    const previous = (await this.redis.call('SET', key, value, 'PX', String(ttlMs), 'NX', 'GET')) as string | null;
    return previous;
  }

  async bucketMembers(key: string): Promise<string[]> {
    return this.redis.smembers(key);
  }

  async addToBucket(key: string, member: string, ttlMs: number): Promise<string[]> {
    const results = await this.redis.multi().smembers(key).sadd(key, member).pexpire(key, ttlMs).exec();
    const [membersError, members] = results?.[0] ?? [new Error('MULTI was discarded'), null];
    if (membersError) throw membersError;
    return members as string[];
  }
}
