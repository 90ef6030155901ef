import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TEST_REDIS_URL, eventually, isolatedDatabase, isolatedTopics, isolationName } from '../../embedded/src/testing/real-services';
import { redisOptionsFromUrl } from './redis-check';
import { MINUTE, SECOND, announce, announced, clocksOf, firedSteps, incidentOf, wipeRedisPrefix } from './testing/clock-fixtures';

const repoRoot = path.resolve(__dirname, '../../..');
const STEPS = ['warn-99pct', 'warn-99_5pct', 'warn-due', 'breach'];
const RESPONSE_MS = 20 * MINUTE;

/**
 * The timer as its own process, killed with SIGKILL while clocks are due, its Redis keys wiped
 * while it is down, then started again: the reconciler must restore every pending clock from
 * PostgreSQL, and every step must fire exactly once.
 */
describe('the SLA timer killed (SIGKILL) with Redis wiped, then restarted', () => {
  const name = isolationName('timercrash');
  const prefix = `${name}.`;
  const dir = mkdtempSync(path.join(tmpdir(), 'huiying-timer-'));
  const policyFile = path.join(dir, 'clock-policy.json');
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let redis: IORedis;
  const children: ChildProcess[] = [];

  function startTimerProcess(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/sla-timer/src/main.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
        KAFKA_TOPIC_PREFIX: prefix,
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: name,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: name,
        CLOCK_POLICY_FILE: policyFile,
        RECONCILE_EVERY_MS: '2000',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    writeFileSync(
      policyFile,
      JSON.stringify({
        version: 1,
        importantOpinion: { responseMinutes: 20 },
        escalation: { everyMinutes: 1, maxSteps: 1 },
        stages: { response: { warnings: ['99%', '99.5%', 'due'] } },
      }),
    );
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(prefix);
    bus = topics.bus('timer-crash-test');
    redis = new IORedis(redisOptionsFromUrl(TEST_REDIS_URL));
  }, 60_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (redis) {
      await wipeRedisPrefix(redis, name);
      redis.disconnect();
    }
    await bus?.close();
    await topics?.drop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores every pending clock and fires each step exactly once', async () => {
    const db = database.db;
    const first = startTimerProcess();
    // Eight important-opinion clocks whose steps fall due over the next ~40 s, across the crash.
    const incidents = Array.from({ length: 8 }, (_, i) =>
      incidentOf({ level: 'IV', importantOpinion: true, t0: new Date(Date.now() - RESPONSE_MS + (25 + 4 * i) * SECOND).toISOString() }),
    );
    for (const incident of incidents) await announce(bus, db, incident, 'confirmed');
    const clocks = await eventually(async () => {
      const all = await Promise.all(incidents.map(async (i) => (await clocksOf(db, i.id))[0]));
      return all.every(Boolean) ? all.map((c) => c!) : undefined;
    }, 'a response clock per incident (the timer process is up)', 90_000);

    // Kill it once the first steps have fired and others are still ahead.
    await eventually(async () => ((await firedSteps(db, clocks[0]!.id)).length > 0 ? true : undefined), 'a first fired step', 60_000, 100);
    first.kill('SIGKILL');
    await new Promise<void>((resolve) => first.once('exit', () => resolve()));
    expect(first.signalCode).toBe('SIGKILL');
    expect(await wipeRedisPrefix(redis, name)).toBeGreaterThan(0);
    // Down long enough for some steps to fall due while nobody watches.
    await new Promise((r) => setTimeout(r, 6_000));
    startTimerProcess();

    for (const clock of clocks) {
      await eventually(async () => ((await firedSteps(db, clock.id)).includes('breach') ? true : undefined), `breach of ${clock.id}`, 90_000, 250);
      expect(await firedSteps(db, clock.id)).toEqual(STEPS);
      const events = await announced(db, clock.id);
      expect(events.filter((e) => e === 'breached')).toHaveLength(1);
      expect(new Set(events).size).toBe(events.length);
    }
    // Some steps fell due while the timer was down: the reconciler fired them on restart; the
    // others fired live, from the due-set poller.
    const { rows } = await db.query<{ fired_by: string; n: number }>(
      `SELECT fired_by, count(*)::int AS n FROM clock_steps WHERE clock_id = ANY($1) GROUP BY fired_by`,
      [clocks.map((c) => c.id)],
    );
    expect(rows.find((r) => r.fired_by === 'reconciler')?.n ?? 0).toBeGreaterThan(0);
    expect(rows.find((r) => r.fired_by === 'fast-loop')?.n ?? 0).toBeGreaterThan(0);
  }, 180_000);
});
