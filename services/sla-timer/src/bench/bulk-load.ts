import type IORedis from 'ioredis';

/**
 * Loads far-future delayed jobs straight into BullMQ's keys with pipelines: `queue.addBulk` runs
 * a Lua script per job, which on a shared 2-core box takes minutes for a million. Written as
 * BullMQ 5's `storeJob` + `addDelayedJob` write them (job hash; delayed set scored
 * `timestamp * 0x1000`), minus the event stream. Only for pending jobs the bench never fires:
 * the steps it measures are added through the real path.
 */
export async function loadDelayedJobs(
  redis: IORedis,
  queueKey: string,
  jobs: Iterable<{ id: string; name: string; data: unknown; atMs: number }>,
  chunk = 10_000,
): Promise<number> {
  let pipeline = redis.pipeline();
  let inPipeline = 0;
  let total = 0;
  const now = Date.now();
  for (const job of jobs) {
    const delay = Math.max(0, job.atMs - now);
    pipeline.hset(
      `${queueKey}:${job.id}`,
      'name',
      job.name,
      'data',
      JSON.stringify(job.data),
      'opts',
      JSON.stringify({ delay }),
      'timestamp',
      now,
      'delay',
      delay,
      'priority',
      0,
    );
    pipeline.zadd(`${queueKey}:delayed`, job.atMs * 0x1000, job.id);
    inPipeline++;
    total++;
    if (inPipeline === chunk) {
      await pipeline.exec();
      pipeline = redis.pipeline();
      inPipeline = 0;
    }
  }
  if (inPipeline > 0) await pipeline.exec();
  return total;
}
