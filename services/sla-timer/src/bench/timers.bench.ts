// npm run bench:timers — one million pending clock steps in Redis while 2,000 fire per second for
// BENCH_SECONDS. Two paths in the same run: plain BullMQ delayed jobs (the baseline, a million
// pending in its queue) and the wired clock timer (due set + poller, BullMQ fallback, PostgreSQL
// exactly-once record and outbox; a million pending in its due set and queue). BENCH_BARE=1 adds
// the bare due-set loop without PostgreSQL; BENCH_SCHEDULE_AHEAD_MS=Infinity schedules every next step
// at once (the timer's former way); BENCH_LOOK_AHEAD_MS sets the timer's `lookAheadMs` (0: claim
// only what is due); BENCH_BASELINE=0 skips the BullMQ baseline. Last line: the wired timer's figures as JSON.
import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { createDueSet, startFiringLoop } from '../due-set';
import { redisOptionsFromUrl } from '../redis-check';
import { loadDelayedJobs } from './bulk-load';
import { figuresOf as figures, type Figures } from './figures';
import { wiredTimer } from './wired-timer';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PENDING = Number(process.env.BENCH_PENDING ?? 1_000_000);
const RATE = Number(process.env.BENCH_RATE ?? 2_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const BASELINE_PENDING = Number(process.env.BENCH_BASELINE_PENDING ?? PENDING);
const POLLERS = Number(process.env.BENCH_POLLERS ?? 2);
const BARE = process.env.BENCH_BARE === '1';
const POLLER_TRANSACTIONS = process.env.BENCH_POLLER_TRANSACTIONS ? Number(process.env.BENCH_POLLER_TRANSACTIONS) : undefined;
const SCHEDULE_AHEAD_MS = process.env.BENCH_SCHEDULE_AHEAD_MS ? Number(process.env.BENCH_SCHEDULE_AHEAD_MS) : undefined;
const LOOK_AHEAD_MS = process.env.BENCH_LOOK_AHEAD_MS ? Number(process.env.BENCH_LOOK_AHEAD_MS) : undefined;
const prefix = `bench-timers-${randomUUID().slice(0, 8)}`;

const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);

/** The steps to fire: RATE per second for SECONDS, evenly spread, starting after `leadMs`. */
function firingSchedule(startMs: number): Array<{ member: string; atMs: number }> {
  const total = RATE * SECONDS;
  return Array.from({ length: total }, (_, i) => ({ member: `clock-f${i}-breach`, atMs: startMs + Math.floor((i * 1000) / RATE) }));
}

async function fastLoop(redis: IORedis): Promise<Figures> {
  const dueSet = createDueSet(redis, `${prefix}:due`);
  const farMs = Date.now() + 86_400_000;
  log(`fast loop: filling ${PENDING} pending clocks`);
  for (let i = 0; i < PENDING; i += 100_000) {
    await dueSet.add(Array.from({ length: Math.min(100_000, PENDING - i) }, (_, j) => ({ member: `clock-p${i + j}-breach`, atMs: farMs + i + j })));
  }
  const startMs = Date.now() + 3_000;
  const schedule = firingSchedule(startMs);
  await dueSet.add(schedule);
  log(`fast loop: ${await dueSet.size()} in the set; firing ${schedule.length} over ${SECONDS} s with ${POLLERS} pollers`);
  const firedIds: string[] = [];
  const lateness: number[] = [];
  // Each poller has its own connection, as separate timer processes would.
  const connections = Array.from({ length: POLLERS }, () => new IORedis(redisOptionsFromUrl(REDIS_URL)));
  const loops = connections.map((c) =>
    startFiringLoop({
      dueSet: createDueSet(c, dueSet.key),
      fire: (entries, claimedAtMs) => {
        for (const e of entries) {
          firedIds.push(e.member);
          lateness.push(claimedAtMs - e.atMs);
        }
      },
      onError: (error) => log(`poller error: ${(error as Error).message}`),
    }),
  );
  const endMs = startMs + SECONDS * 1000 + 3_000;
  while (Date.now() < endMs && firedIds.length < schedule.length) await new Promise((r) => setTimeout(r, 100));
  for (const l of loops) await l.stop();
  const pending = await dueSet.size();
  for (const c of connections) c.disconnect();
  await dueSet.clear();
  return figures(pending, schedule.length, firedIds, lateness);
}

async function baselineBullmq(): Promise<Figures> {
  const connection = redisOptionsFromUrl(REDIS_URL);
  const queue = new Queue('bench', { connection, prefix, defaultJobOptions: { removeOnComplete: true } });
  log(`baseline BullMQ: adding ${BASELINE_PENDING} pending delayed jobs`);
  const seededAt = Date.now();
  const seedRedis = new IORedis(redisOptionsFromUrl(REDIS_URL));
  const farMs = Date.now() + 30 * 86_400_000;
  await loadDelayedJobs(seedRedis, `${prefix}:bench`, (function* () {
    for (let i = 0; i < BASELINE_PENDING; i++) yield { id: `clock-p${i}-breach`, name: 'step', data: { atMs: farMs + i }, atMs: farMs + i };
  })());
  seedRedis.disconnect();
  log(`baseline BullMQ: seeded in ${Date.now() - seededAt} ms`);
  // Scheduled well ahead, so adding them does not eat into the firing window.
  const startMs = Date.now() + 8_000 + Math.ceil(RATE * SECONDS * 0.5);
  const schedule = firingSchedule(startMs);
  for (let i = 0; i < schedule.length; i += 2_000) {
    const now = Date.now();
    await queue.addBulk(schedule.slice(i, i + 2_000).map((s) => ({ name: 'step', data: { atMs: s.atMs }, opts: { jobId: s.member, delay: s.atMs - now } })));
  }
  if (Date.now() > startMs) log('baseline BullMQ: scheduling overran the lead time; figures include it');
  const firedIds: string[] = [];
  const lateness: number[] = [];
  const worker = new Worker(
    'bench',
    async (job) => {
      firedIds.push(job.id!);
      lateness.push(Date.now() - (job.data as { atMs: number }).atMs);
    },
    { connection: { ...connection, maxRetriesPerRequest: null }, prefix, concurrency: 100 },
  );
  log(`baseline BullMQ: firing ${schedule.length} over ${SECONDS} s`);
  // Generous: a job still not fired 30 s after the window counts as lost.
  const endMs = startMs + SECONDS * 1000 + 30_000;
  while (Date.now() < endMs && firedIds.length < schedule.length) await new Promise((r) => setTimeout(r, 100));
  await worker.close();
  const pending = (await queue.getJobCounts('delayed')).delayed ?? 0;
  await queue.close();
  return figures(pending, schedule.length, firedIds, lateness);
}

async function main(): Promise<void> {
  const redis = new IORedis(redisOptionsFromUrl(REDIS_URL));
  try {
    // BENCH_BASELINE=0 skips it (quicker runs when comparing timer versions in one hold of the lock).
    const baseline = process.env.BENCH_BASELINE === '0' ? { latenessP99Ms: NaN } : await baselineBullmq();
    if (process.env.BENCH_BASELINE !== '0') process.stdout.write(`${JSON.stringify({ baseline: 'bullmq-delayed-jobs', rate: RATE, seconds: SECONDS, ...baseline })}\n`);
    await removePrefix(redis);
    if (BARE) {
      const result = await fastLoop(redis);
      process.stdout.write(`${JSON.stringify({ path: 'bare-due-set-loop', ...result })}\n`);
    }
    const wired = await wiredTimer({
      redisUrl: REDIS_URL, prefix, pending: PENDING, rate: RATE, seconds: SECONDS, log,
      ...(POLLER_TRANSACTIONS !== undefined && { pollerTransactions: POLLER_TRANSACTIONS }),
      ...(SCHEDULE_AHEAD_MS !== undefined && { scheduleAheadMs: SCHEDULE_AHEAD_MS }),
      ...(LOOK_AHEAD_MS !== undefined && { lookAheadMs: LOOK_AHEAD_MS }),
    });
    const { firedByPoller, announced, ...last } = wired;
    log(`wired timer: ${firedByPoller} fired by the due-set poller, ${announced} breach events in the outbox; target p99 <= 50 ms, max <= 250 ms`);
    process.stdout.write(`${JSON.stringify({ path: 'wired-clock-timer', rate: RATE, seconds: SECONDS, firedByPoller, announced, ...last, baselineP99Ms: baseline.latenessP99Ms })}\n`);
    process.stdout.write(`${JSON.stringify(last)}\n`);
  } finally {
    await removePrefix(redis);
    redis.disconnect();
  }
}

/** Never FLUSHALL: the Redis is shared. Removes what this run left under its prefix. */
async function removePrefix(redis: IORedis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

// An interrupted run still removes its keys (the schema is dropped by the wired path's finally).
process.once('SIGINT', () => {
  const redis = new IORedis(redisOptionsFromUrl(REDIS_URL));
  void removePrefix(redis).finally(() => process.exit(130));
});

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
