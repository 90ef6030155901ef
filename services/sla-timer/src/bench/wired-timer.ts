// The wired path for `npm run bench:timers`: the real clock timer (due set + poller, BullMQ
// fallback, PostgreSQL exactly-once record + outbox) on the machine's PostgreSQL and Redis, with
// a million other steps pending in its due set and its BullMQ queue, and breaches falling due at
// a steady rate. Lateness is taken when the step's transaction has committed (its `clock_steps`
// row and outbox event written), from the timer's `onStepsFired`.
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createMemoryBus } from '@huiying/bus';
import { jobIdFor } from '@huiying/deadlines';
import { createOutboxRelay } from '@huiying/outbox';
import { createLogger } from '@huiying/telemetry';
import IORedis from 'ioredis';
import { isolatedDatabase } from '../../../embedded/src/testing/real-services';
import { CLOCK_STEP_JOB } from '../clock-jobs';
import { createClockTimer } from '../clock-timer';
import { dueMember } from '../due-set';
import { redisOptionsFromUrl } from '../redis-check';
import { MINUTE, testPolicy } from '../testing/clock-fixtures';
import { loadDelayedJobs } from './bulk-load';
import { figuresOf, type Figures } from './figures';

export interface WiredFigures extends Figures {
  /** Steps fired by the due-set poller; the rest by the BullMQ fallback or the reconciler. */
  firedByPoller: number;
  /** Breach events in the outbox: one per fired breach, or a step was announced twice. */
  announced: number;
}

export interface WiredOptions {
  redisUrl: string;
  prefix: string;
  /** Other steps pending in the timer's due set and BullMQ queue, far in the future. */
  pending: number;
  /** Breaches per second. */
  rate: number;
  seconds: number;
  /** The timer's `pollerTransactions`; its default when absent. */
  pollerTransactions?: number;
  /** The timer's `scheduleAheadMs`; its default when absent. */
  scheduleAheadMs?: number;
  /** The timer's `lookAheadMs`; its default when absent. */
  lookAheadMs?: number;
  log: (msg: string) => void;
}

const FALLBACK_GRACE_MS = 1_000;

export async function wiredTimer(options: WiredOptions): Promise<WiredFigures> {
  const schema = `bench_${options.prefix.replace(/[^a-z0-9]/g, '_')}`;
  const database = await isolatedDatabase(schema);
  const logger = createLogger('bench', 'warn');
  const bus = createMemoryBus({ service: 'bench', logger });
  const relay = createOutboxRelay({ db: database.db, bus, logger });
  // Only the breach: one step per clock, so the figure is per fired step.
  const policy = testPolicy({ stages: { response: { warnings: [] } }, escalation: { everyMinutes: 60, maxSteps: 1 } });
  const firedAt: Array<{ clockId: string; latenessMs: number }> = [];
  // Per poller transaction, where its earliest step's lateness went: claimed late (the poller, which
  // claims only when a lane is free, so this includes waiting for one in the due set), waiting
  // in memory (for its instant's timer and for a lane), or the transaction itself.
  const stages = { claim: [] as number[], wait: [] as number[], transaction: [] as number[], size: [] as number[] };
  const timer = createClockTimer({
    bus, db: database.db, relay, logger, policy,
    redis: redisOptionsFromUrl(options.redisUrl), queueName: 'bench-wired', prefix: options.prefix, group: `${schema}-timer`,
    fallbackGraceMs: FALLBACK_GRACE_MS,
    ...(options.pollerTransactions !== undefined && { pollerTransactions: options.pollerTransactions }),
    ...(options.scheduleAheadMs !== undefined && { scheduleAheadMs: options.scheduleAheadMs }),
    ...(options.lookAheadMs !== undefined && { lookAheadMs: options.lookAheadMs }),
    // The clocks are opened after start (as a running service sees them arrive), so the reconciler is not what is measured.
    reconcileEveryMs: 3_600_000,
    onPollerBatch: (b) => {
      // A step claimed ahead of its instant (the look-ahead) was claimed 0 ms after due; it waits from its instant.
      stages.claim.push(Math.max(0, b.claimedAtMs - b.earliestDueAtMs));
      stages.wait.push(b.startedAtMs - Math.max(b.claimedAtMs, b.earliestDueAtMs));
      stages.transaction.push(b.committedAtMs - b.startedAtMs);
      stages.size.push(b.steps);
    },
    onStepsFired: (steps, committedAtMs) => {
      for (const s of steps) if (s.step === 'breach') firedAt.push({ clockId: s.clockId, latenessMs: committedAtMs - s.dueAtMs });
    },
  });
  let stopped = false;
  try {
    await timer.start();
    relay.start();
    await seedPending(options, timer);

    const total = options.rate * options.seconds;
    // Lead time for opening the clocks (PostgreSQL, then Redis) before the first breach.
    const startMs = Date.now() + 8_000 + Math.ceil(total * 0.5);
    const breachAt = (i: number) => startMs + Math.floor((i * 1000) / options.rate);
    options.log(`wired timer: opening ${total} response clocks, breaches from ${new Date(startMs).toISOString()} over ${options.seconds} s`);
    // Incidents and running clocks as the incident service and the timer would have stored them.
    await database.db.query(
      `INSERT INTO incidents (id, kind, status, title, category, subtype, level, level_confirmed, level_confidence,
                             important_opinion, t0, departments, counties, post_count, drill, opened_at, updated_at, trace_id)
       SELECT 'inc-b' || i, 'opinion', 'confirmed', '网传某县学校收费问题', 'social_security', NULL, 'IV', true, 0.9,
              true, to_timestamp(($1::bigint + (i * 1000) / $2::int - $3::bigint) / 1000.0), ARRAY['市教育局'], ARRAY['武都区'], 1, false, now(), now(), 'bench'
         FROM generate_series(0, $4::int - 1) AS i`,
      [startMs, options.rate, 20 * MINUTE, total],
    );
    await database.db.query(
      `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, drill, provisional, started_late_ms, updated_at)
       SELECT 'clk-b' || i, 'inc-b' || i, 'response', 'running', i.t0, i.t0 + interval '20 minutes', now(), false, false, 0, now()
         FROM (SELECT i, to_timestamp(($1::bigint + (i * 1000) / $2::int - $3::bigint) / 1000.0) AS t0
                 FROM generate_series(0, $4::int - 1) AS i) AS i`,
      [startMs, options.rate, 20 * MINUTE, total],
    );
    // Both wake-ups of each breach, as `schedule` sets them, in bulk.
    for (let i = 0; i < total; i += 10_000) {
      const ids = Array.from({ length: Math.min(10_000, total - i) }, (_, j) => i + j);
      await timer.queue.addBulk(
        ids.map((n) => ({
          name: CLOCK_STEP_JOB.name,
          data: { clockId: `clk-b${n}`, step: 'breach', atMs: breachAt(n) },
          opts: { jobId: jobIdFor(`clk-b${n}`, 'breach'), delay: breachAt(n) + FALLBACK_GRACE_MS - Date.now() },
        })),
      );
      await timer.dueSet.add(ids.map((n) => ({ member: dueMember(`clk-b${n}`, 'breach'), atMs: breachAt(n) })));
    }
    if (Date.now() > startMs) options.log('wired timer: opening the clocks overran the lead time; figures include it');
    const pending = (await timer.dueSet.size()) - total;
    options.log(`wired timer: ${pending} other steps pending in the due set; firing`);

    const endMs = startMs + options.seconds * 1000 + FALLBACK_GRACE_MS + 10_000;
    // Where the time goes, for reading the figures on a shared box: this process's CPU, its event
    // loop's stalls (they add to lateness), and the machine's load.
    const cpuBefore = process.cpuUsage();
    const wallBefore = Date.now();
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    let fired = 0;
    while (Date.now() < endMs && fired < total) {
      await new Promise((r) => setTimeout(r, 500));
      const { rows } = await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM clock_steps WHERE step = 'breach'`);
      fired = rows[0]?.n ?? 0;
    }
    loopDelay.disable();
    const cpu = process.cpuUsage(cpuBefore);
    options.log(
      `wired timer: process CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms over ${Date.now() - wallBefore} ms; ` +
        `event loop delay p99 ${Math.round(loopDelay.percentile(99) / 1e6)} ms, max ${Math.round(loopDelay.max / 1e6)} ms; ` +
        `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`,
    );
    const spread = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
      return `p50 ${q(0.5)} p99 ${q(0.99)} max ${sorted[sorted.length - 1] ?? NaN}`;
    };
    options.log(
      `wired timer: ${stages.size.length} poller transactions (steps ${spread(stages.size)}); per transaction, ms: ` +
        `claimed after due ${spread(stages.claim)}; waiting for a lane ${spread(stages.wait)}; transaction ${spread(stages.transaction)}`,
    );
    // Stopped before counting, so the record and the outbox are read at the same point.
    await timer.stop();
    stopped = true;
    await relay.flush();
    const { rows } = await database.db.query<{ clock_id: string; fired_by: string }>(`SELECT clock_id, fired_by FROM clock_steps WHERE step = 'breach'`);
    const { rows: announced } = await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE payload->>'kind' = 'breached'`);
    const base = figuresOf(
      pending,
      total,
      firedAt.map((f) => f.clockId),
      firedAt.map((f) => f.latenessMs),
    );
    // The record is the truth for lost: a step the observer missed but PostgreSQL has is fired.
    const announcedCount = announced[0]?.n ?? 0;
    return {
      ...base,
      fired: rows.length,
      lost: total - rows.length,
      duplicates: base.duplicates + Math.max(0, announcedCount - rows.length),
      firedByPoller: rows.filter((r) => r.fired_by === 'fast-loop').length,
      announced: announcedCount,
    };
  } finally {
    if (!stopped) await timer.stop();
    await relay.stop();
    await bus.close();
    await database.drop();
  }
}

/** A million steps far ahead, in the due set and as BullMQ delayed jobs, as a busy city's would be. */
async function seedPending(options: WiredOptions, timer: ReturnType<typeof createClockTimer>): Promise<void> {
  const farMs = Date.now() + 30 * 86_400_000;
  const t = Date.now();
  const redis = new IORedis(redisOptionsFromUrl(options.redisUrl));
  try {
    for (let i = 0; i < options.pending; i += 10_000) {
      const n = Math.min(10_000, options.pending - i);
      await timer.dueSet.add(Array.from({ length: n }, (_, j) => ({ member: dueMember(`clk-p${i + j}`, 'breach'), atMs: farMs + i + j })));
    }
    await loadDelayedJobs(redis, `${options.prefix}:bench-wired`, (function* () {
      for (let i = 0; i < options.pending; i++) {
        const atMs = farMs + i;
        yield { id: jobIdFor(`clk-p${i}`, 'breach'), name: CLOCK_STEP_JOB.name, data: { clockId: `clk-p${i}`, step: 'breach', atMs }, atMs: atMs + FALLBACK_GRACE_MS };
      }
    })());
  } finally {
    redis.disconnect();
  }
  options.log(`wired timer: seeded ${options.pending} pending steps (due set + BullMQ delayed jobs) in ${Date.now() - t} ms`);
}
