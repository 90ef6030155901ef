import IORedis from 'ioredis';
import type { Logger } from '@huiying/telemetry';

/** `redis://host:port/db` → the options BullMQ and ioredis take. */
export function redisOptionsFromUrl(url: string): { host: string; port: number; db: number; password?: string; username?: string } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:') throw new Error(`REDIS_URL: expected redis://, got ${parsed.protocol}`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    db: Number(parsed.pathname.replace('/', '') || 0),
    ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
  };
}

/**
 * BullMQ loses delayed jobs when Redis evicts keys or restarts without persistence. The
 * reconciler restores them from PostgreSQL, but a duty officer should not depend on that: warn.
 */
export async function warnOnUnsafeRedis(url: string, logger: Logger): Promise<string[]> {
  const client = new IORedis(redisOptionsFromUrl(url));
  const problems: string[] = [];
  try {
    const [, appendonly] = (await client.config('GET', 'appendonly')) as string[];
    const [, policy] = (await client.config('GET', 'maxmemory-policy')) as string[];
    if (appendonly !== 'yes') problems.push(`appendonly is ${appendonly}; BullMQ needs appendonly yes to keep clocks across a Redis restart`);
    if (policy !== 'noeviction') problems.push(`maxmemory-policy is ${policy}; BullMQ needs noeviction`);
  } catch (error) {
    problems.push(`could not read Redis config: ${(error as Error).message}`);
  } finally {
    client.disconnect();
  }
  for (const problem of problems) logger.warn({ redis: url }, problem);
  return problems;
}
