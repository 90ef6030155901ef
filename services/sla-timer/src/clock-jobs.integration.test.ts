import IORedis from 'ioredis';
import { jobIdFor } from '@huiying/deadlines';
import { TEST_REDIS_URL, isolationName } from '../../embedded/src/testing/real-services';
import { CLOCK_STEP_JOB, createClockQueue, removeStepJobs, type ClockQueue } from './clock-jobs';
import { redisOptionsFromUrl } from './redis-check';
import { wipeRedisPrefix } from './testing/clock-fixtures';

/** The fallback jobs of fired steps, removed in one pipeline, on real Redis. */
describe('removing the fallback jobs of fired steps', () => {
  const prefix = isolationName('clockjobs');
  let queue: ClockQueue;
  let redis: IORedis;

  beforeAll(() => {
    queue = createClockQueue('clocks', redisOptionsFromUrl(TEST_REDIS_URL), prefix);
    redis = new IORedis(redisOptionsFromUrl(TEST_REDIS_URL));
  });
  afterAll(async () => {
    await queue?.close();
    if (redis) {
      await wipeRedisPrefix(redis, prefix);
      redis.disconnect();
    }
  });

  it('removes the named delayed jobs in one pipeline, leaves the others, and passes over ids Redis does not have', async () => {
    const atMs = Date.now() + 3_600_000;
    const ids = ['a', 'b', 'c'].map((c) => jobIdFor(`clk-${c}`, 'breach'));
    await queue.addBulk(ids.map((jobId, i) => ({ name: CLOCK_STEP_JOB.name, data: { clockId: `clk-${'abc'[i]}`, step: 'breach', atMs }, opts: { jobId, delay: 3_600_000 } })));
    expect(await queue.getJobCounts('delayed')).toEqual({ delayed: 3 });

    await removeStepJobs(queue, [ids[0]!, ids[2]!, jobIdFor('clk-missing', 'breach')]);

    expect(await queue.getJob(ids[0]!)).toBeUndefined();
    expect(await queue.getJob(ids[2]!)).toBeUndefined();
    expect(await (await queue.getJob(ids[1]!))?.getState()).toBe('delayed');
    expect(await queue.getJobCounts('delayed')).toEqual({ delayed: 1 });
    // The freed ids can be scheduled again (a rebased or resumed step reuses its id).
    await queue.add(CLOCK_STEP_JOB.name, { clockId: 'clk-a', step: 'breach', atMs }, { jobId: ids[0]!, delay: 3_600_000 });
    expect(await (await queue.getJob(ids[0]!))?.getState()).toBe('delayed');
  });

  it('uses BullMQ’s own removal script (a BullMQ upgrade that moves it falls back to a round trip per job)', () => {
    const scripts = queue.scripts as unknown as Record<string, unknown>;
    expect(typeof scripts['removeArgs']).toBe('function');
    expect(typeof scripts['execCommand']).toBe('function');
  });
});
