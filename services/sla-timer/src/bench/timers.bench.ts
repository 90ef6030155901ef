// npm run bench:timers — one million pending clocks in Redis while 2,000 steps fire per second.
// Measures the bare fast firing loop (sorted set + tight poller, two pollers racing) and, in the
// same run, plain BullMQ delayed jobs as the baseline; then the wired clock timer itself (due set,
// poller, BullMQ fallback, PostgreSQL record) at BENCH_WIRED_RATE breaches per second. Last line:
// the wired timer's figures as JSON.
import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { createDueSet, startFiringLoop } from '../due-set';
import { redisOptionsFromUrl } from '../redis-check';
import { wiredTimer } from './wired-timer';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PENDING = Number(process.env.BENCH_PENDING ?? 1_000_000);
const RATE = Number(process.env.BENCH_RATE ?? 2_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BASELINE_PENDING = Number(process.env.BENCH_BASELINE_PENDING ?? 100_000);
const POLLERS = Number(process.env.BENCH_POLLERS ?? 2);
// The wired path fires each step in a PostgreSQL transaction: a city's real rate, not the loop's.
const WIRED_RATE = Number(process.env.BENCH_WIRED_RATE ?? 50);
const prefix = `bench-timers-${randomUUID().slice(0, 8)}`;

interface Figures {
  pending: number;
  fired: number;
  lost: number;
  duplicates: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

function figures(pending: number, expected: number, firedIds: string[], lateness: number[]): Figures {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const id of firedIds) {
    if (seen.has(id)) duplicates++;
    else seen.add(id);
  }
  const sorted = [...lateness].sort((a, b) => a - b);
  const q = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
  return {
    pending,
    fired: seen.size,
    lost: expected - seen.size,
    duplicates,
    latenessP50Ms: q(0.5),
    latenessP99Ms: q(0.99),
    latenessMaxMs: sorted[sorted.length - 1] ?? NaN,
  };
}

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
  const farMs = 86_400_000;
  log(`baseline BullMQ: adding ${BASELINE_PENDING} pending delayed jobs`);
  for (let i = 0; i < BASELINE_PENDING; i += 5_000) {
    await queue.addBulk(
      Array.from({ length: Math.min(5_000, BASELINE_PENDING - i) }, (_, j) => ({
        name: 'step', data: { atMs: 0 }, opts: { jobId: `clock-p${i + j}-breach`, delay: farMs },
      })),
    );
  }
  // Scheduled well ahead, so adding them does not eat into the firing window.
  const startMs = Date.now() + 12_000;
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
  await queue.obliterate({ force: true });
  await queue.close();
  return figures(pending, schedule.length, firedIds, lateness);
}

async function main(): Promise<void> {
  const redis = new IORedis(redisOptionsFromUrl(REDIS_URL));
  try {
    const baseline = await baselineBullmq();
    process.stdout.write(`${JSON.stringify({ baseline: 'bullmq-delayed-jobs', ...baseline })}\n`);
    const result = await fastLoop(redis);
    process.stdout.write(`${JSON.stringify({ path: 'bare-due-set-loop', ...result })}\n`);
    const wired = await wiredTimer({ redisUrl: REDIS_URL, prefix, rate: WIRED_RATE, seconds: SECONDS, log });
    process.stdout.write(`${JSON.stringify({ path: 'wired-clock-timer', ...wired })}\n`);
  } finally {
    // Never FLUSHALL: the Redis is shared. Remove what this run left under its prefix.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
