import IORedis from 'ioredis';
import { IncidentEventMessage, type IncidentEvent } from '@huiying/contracts';
import { ExtensionRefusedError, loadCalendar, disclosureDeadline } from '@huiying/deadlines';
import { createOutboxRelay } from '@huiying/outbox';
import { TEST_REDIS_URL, eventually, isolatedDatabase, isolatedTopics, isolationName, testLogger } from '../../embedded/src/testing/real-services';
import { acknowledgeClock, ClockRequestRefusedError, pauseClock, resumeClock } from './clock-exceptions';
import { createClockTimer } from './clock-timer';
import { extendDisclosureRequest, openDisclosureRequest } from './disclosure-requests';
import { redisOptionsFromUrl } from './redis-check';
import {
  MINUTE,
  SECOND,
  announce,
  announced,
  clocksOf,
  firedSteps,
  incidentOf,
  publishStatement,
  saveIncident,
  testPolicy,
  wipeRedisPrefix,
} from './testing/clock-fixtures';

/**
 * The clock semantics of issue 6 on real Kafka, PostgreSQL and Redis. Clocks count from t0, so
 * a test dates t0 back to bring a step within seconds instead of shortening the policy below a minute.
 */
describe('SLA clocks on real Kafka, PostgreSQL and Redis', () => {
  const name = isolationName('clocks');
  // The response stage gets close-set warnings so a test sees them fire within seconds.
  const policy = testPolicy({ stages: { response: { warnings: ['99%', '99.5%', 'due'] } } });
  const RESPONSE_MS = 20 * MINUTE;
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let relay: ReturnType<typeof createOutboxRelay>;
  let timer: ReturnType<typeof createClockTimer>;
  let redis: IORedis;

  beforeAll(async () => {
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('sla-timer-test');
    relay = createOutboxRelay({ db: database.db, bus, logger: testLogger() });
    relay.start();
    redis = new IORedis(redisOptionsFromUrl(TEST_REDIS_URL));
    timer = createClockTimer({
      bus, db: database.db, relay, logger: testLogger(), policy,
      redis: redisOptionsFromUrl(TEST_REDIS_URL), queueName: 'clocks', prefix: name, group: `${name}-timer`,
      reconcileEveryMs: 1_500,
    });
    await timer.start();
  }, 60_000);

  afterAll(async () => {
    await timer?.stop();
    await relay?.stop();
    if (redis) {
      await wipeRedisPrefix(redis, name);
      redis.disconnect();
    }
    await bus?.close();
    await topics?.drop();
    await database?.drop();
  });

  const db = () => database.db;
  const processed = (envelopeId: string) =>
    eventually(async () => {
      const { rows } = await db().query('SELECT 1 FROM processed_messages WHERE consumer = $1 AND message_id = $2', ['sla-timer', envelopeId]);
      return rows.length > 0 ? true : undefined;
    }, `event ${envelopeId} processed`, 30_000, 100);
  const stage = async (ownerId: string, name: string, status?: string) =>
    eventually(async () => (await clocksOf(db(), ownerId)).find((c) => c.stage === name && (status === undefined || c.status === status)), `${name} clock ${status ?? ''}`, 30_000, 100);

  it('starts the statement and press-conference clocks on confirmation at II, counting from t0: a late start is already late', async () => {
    const t0 = new Date(Date.now() - 10.5 * MINUTE);
    const incident = incidentOf({ t0: t0.toISOString() });
    await announce(bus, db(), incident, 'confirmed');
    const statement = await stage(incident.id, 'statement', 'breached');
    const press = await stage(incident.id, 'press_conference', 'running');
    expect(new Date(statement.t0).toISOString()).toBe(t0.toISOString());
    expect(new Date(statement.due_at).getTime() - t0.getTime()).toBe(10 * MINUTE);
    expect(new Date(press.due_at).getTime() - t0.getTime()).toBe(60 * MINUTE);
    expect(Number(statement.started_late_ms)).toBeGreaterThanOrEqual(30 * SECOND);
    expect(statement.provisional).toBe(false);
    // Everything already due is recorded once; only the breach is announced (the warnings are stale).
    expect(await firedSteps(db(), statement.id)).toEqual(['warn-50pct', 'warn-80pct', 'warn-due', 'breach']);
    expect(await announced(db(), statement.id)).toEqual(['started', 'breached']);
  });

  it('starts clocks on a confident I/II proposal before anyone confirms, and not on an unsure one', async () => {
    const unsure = incidentOf({ status: 'detected', levelConfirmed: false, levelConfidence: 0.5 });
    const confident = incidentOf({ status: 'detected', levelConfirmed: false, levelConfidence: 0.92 });
    const unsureEvent = await announce(bus, db(), unsure, 'opened');
    await announce(bus, db(), confident, 'opened');
    expect((await stage(confident.id, 'statement', 'running')).provisional).toBe(true);
    await processed(unsureEvent);
    expect(await clocksOf(db(), unsure.id)).toEqual([]);
  });

  it('passes over posts joining that change no clock, and starts the clocks on the join that makes the proposal confident', async () => {
    const unsure = incidentOf({ status: 'detected', levelConfirmed: false, levelConfidence: 0.5 });
    await processed(await announce(bus, db(), unsure, 'opened'));
    expect(await clocksOf(db(), unsure.id)).toEqual([]);
    // The incident service stores the graver state, then publishes the joins of its batches in order.
    const confident = { ...unsure, levelConfidence: 0.92, postCount: 30 };
    await saveIncident(db(), confident);
    const join = (incident: typeof unsure, n: number): IncidentEvent => ({
      kind: 'updated', incident: { ...incident, postCount: n, counties: [`县${n}`] }, actor: 'system:incidents', postId: `p${n}`, postIds: [`p${n}`],
    });
    const joins = [...Array.from({ length: 20 }, (_, i) => join(unsure, i + 2)), join(confident, 22), ...Array.from({ length: 5 }, (_, i) => join(confident, i + 23))];
    const sent = await bus.publishBatch(IncidentEventMessage, joins.map((payload) => ({ payload, options: { key: unsure.id } })));
    // Always handled, and after every join: once it is, the timer has seen them all.
    await processed(await announce(bus, db(), confident, 't0_corrected'));
    const clocks = await clocksOf(db(), unsure.id);
    expect(clocks.map((c) => `${c.stage} ${c.status} ${c.provisional}`).sort()).toEqual(['press_conference running true', 'statement running true']);
    const { rows } = await db().query<{ message_id: string }>('SELECT message_id FROM processed_messages WHERE consumer = $1 AND message_id = ANY($2)', [
      'sla-timer', sent.map((e) => e.id),
    ]);
    expect(rows.map((r) => r.message_id)).toEqual([sent[20]!.id]);
  });

  it('re-grades: an upgrade starts the missing clocks from t0, a downgrade or a dismissal cancels them with the reason', async () => {
    const t0 = new Date(Date.now() - 2 * MINUTE).toISOString();
    const incident = incidentOf({ level: 'III', t0 });
    await processed(await announce(bus, db(), incident, 'confirmed'));
    expect(await clocksOf(db(), incident.id)).toEqual([]);

    await announce(bus, db(), { ...incident, level: 'II' }, 'level_changed');
    const started = await stage(incident.id, 'statement', 'running');
    expect(new Date(started.t0).toISOString()).toBe(t0);

    await announce(bus, db(), { ...incident, level: 'III' }, 'level_changed');
    const cancelled = await stage(incident.id, 'statement', 'cancelled');
    expect(cancelled.cancel_reason).toBe('downgrade: level III confirmed, below I/II');
    expect((await stage(incident.id, 'press_conference', 'cancelled')).cancel_reason).toMatch(/^downgrade: /);

    const dismissed = incidentOf();
    await announce(bus, db(), dismissed, 'confirmed');
    await stage(dismissed.id, 'statement', 'running');
    await announce(bus, db(), { ...dismissed, status: 'dismissed' }, 'dismissed');
    expect((await stage(dismissed.id, 'statement', 'cancelled')).cancel_reason).toBe('dismissal: incident dismissed');
  });

  it('moves every deadline when t0 is corrected, and a merge keeps the earliest t0', async () => {
    const incident = incidentOf();
    await announce(bus, db(), incident, 'confirmed');
    const before = await stage(incident.id, 'statement', 'running');
    const corrected = new Date(Date.parse(incident.t0) - 3 * MINUTE).toISOString();
    await announce(bus, db(), { ...incident, t0: corrected }, 't0_corrected');
    const after = await eventually(async () => {
      const c = (await clocksOf(db(), incident.id)).find((x) => x.id === before.id)!;
      return new Date(c.t0).toISOString() === corrected ? c : undefined;
    }, 'the re-based clock');
    expect(new Date(after.due_at).getTime()).toBe(Date.parse(corrected) + 10 * MINUTE);
    const press = (await clocksOf(db(), incident.id)).find((c) => c.stage === 'press_conference')!;
    expect(new Date(press.due_at).getTime()).toBe(Date.parse(corrected) + 60 * MINUTE);
    // Redis follows: the job for the next step (50 %) now wakes at the corrected instant.
    const job = await eventually(async () => {
      const j = await timer.queue.getJob(`clock-${before.id}-warn-50pct`);
      return j && j.data.atMs === Date.parse(corrected) + 5 * MINUTE ? j : undefined;
    }, 'the moved job');
    expect(job.data.step).toBe('warn-50pct');

    // Merging an incident with an earlier t0 into this one re-bases onto the earlier t0.
    const earlier = incidentOf({ t0: new Date(Date.parse(corrected) - 4 * MINUTE).toISOString() });
    await saveIncident(db(), earlier, incident.id);
    await announce(bus, db(), { ...incident, t0: corrected }, 'merged');
    await eventually(async () => {
      const c = (await clocksOf(db(), incident.id)).find((x) => x.id === before.id)!;
      return new Date(c.t0).toISOString() === earlier.t0 ? c : undefined;
    }, 'the clock re-based onto the earliest t0');
  });

  it('is met by the published statement and the press conference held, with met time and margin; continued release follows', async () => {
    const t0 = Date.now() - MINUTE;
    const incident = incidentOf({ t0: new Date(t0).toISOString() });
    await announce(bus, db(), incident, 'confirmed');
    const statement = await stage(incident.id, 'statement', 'running');
    const publishedAt = new Date(t0 + 2 * MINUTE);
    await publishStatement(bus, incident.id, 'statement_published', publishedAt);
    const met = await stage(incident.id, 'statement', 'met');
    expect(met.id).toBe(statement.id);
    expect(new Date(met.met_at!).toISOString()).toBe(publishedAt.toISOString());
    expect(Number(met.margin_ms)).toBe(8 * MINUTE);
    const release = await stage(incident.id, 'continued_release', 'running');
    expect(new Date(release.due_at).getTime()).toBe(publishedAt.getTime() + 30 * MINUTE);

    const heldAt = new Date(t0 + 70 * MINUTE);
    await publishStatement(bus, incident.id, 'press_conference_held', heldAt);
    const press = await stage(incident.id, 'press_conference', 'met');
    expect(Number(press.margin_ms)).toBe(-10 * MINUTE);
  });

  it('fires the warnings and then the breach in order, each once, on time', async () => {
    const incident = incidentOf({ level: 'IV', importantOpinion: true, t0: new Date(Date.now() - RESPONSE_MS + 14 * SECOND).toISOString() });
    await announce(bus, db(), incident, 'confirmed');
    const clock = await stage(incident.id, 'response');
    await eventually(async () => ((await firedSteps(db(), clock.id)).includes('breach') ? true : undefined), 'the breach', 40_000, 200);
    expect(await firedSteps(db(), clock.id)).toEqual(['warn-99pct', 'warn-99_5pct', 'warn-due', 'breach']);
    expect(await announced(db(), clock.id)).toEqual(['started', 'warning:99%', 'warning:99.5%', 'breached']);
    const { rows } = await db().query<{ step: string; lateness_ms: string; fired_by: string }>(
      'SELECT step, lateness_ms::text, fired_by FROM clock_steps WHERE clock_id = $1',
      [clock.id],
    );
    for (const r of rows) expect(Number(r.lateness_ms)).toBeLessThan(2_000);
    // The breach falls due well after the clock started: the due-set poller fires it, not the
    // BullMQ fallback that waits a second past the instant.
    const breach = rows.find((r) => r.step === 'breach')!;
    expect(breach.fired_by).toBe('fast-loop');
    expect(Number(breach.lateness_ms)).toBeLessThan(500);
  }, 60_000);

  it('escalates every interval after the breach until a leader acknowledges', async () => {
    // Breached 55 s ago: escalation 1 is due in 5 s, escalation 2 a minute later.
    const incident = incidentOf({ level: 'IV', importantOpinion: true, t0: new Date(Date.now() - RESPONSE_MS - 55 * SECOND).toISOString() });
    await announce(bus, db(), incident, 'confirmed');
    const clock = await stage(incident.id, 'response', 'breached');
    await expect(acknowledgeClock(db(), { clockId: 'clk-none', leaderId: 'leader-zhao' })).rejects.toThrow(ClockRequestRefusedError);
    await eventually(async () => ((await firedSteps(db(), clock.id)).includes('escalate-1') ? true : undefined), 'escalation 1', 30_000, 200);
    await acknowledgeClock(db(), { clockId: clock.id, leaderId: 'leader-zhao' });
    // Make the escalation-2 job run now, as if its minute had passed: it must fire nothing.
    const job = await eventually(() => timer.queue.getJob(`clock-${clock.id}-escalate-2`), 'the escalation-2 job');
    await job.promote();
    await eventually(async () => ((await timer.queue.getJob(`clock-${clock.id}-escalate-2`)) ? undefined : true), 'the job to run', 20_000, 100);
    expect(await firedSteps(db(), clock.id)).not.toContain('escalate-2');
    expect(await announced(db(), clock.id)).toEqual(['started', 'breached', 'escalated:1']);
  }, 60_000);

  it('pauses only with a reason and a sign-off, fires nothing while paused, and moves the deadline by the pause', async () => {
    const incident = incidentOf({ level: 'IV', importantOpinion: true, t0: new Date(Date.now() - RESPONSE_MS + 16 * SECOND).toISOString() });
    await announce(bus, db(), incident, 'confirmed');
    const clock = await stage(incident.id, 'response', 'running');
    await expect(pauseClock(db(), { clockId: clock.id, reason: ' ', signedOffBy: 'leader-zhao' })).rejects.toMatchObject({ code: 'reason_required' });
    await expect(pauseClock(db(), { clockId: clock.id, reason: '等待省级通报口径', signedOffBy: '' })).rejects.toMatchObject({ code: 'sign_off_required' });
    const pausedAt = Date.now();
    await pauseClock(db(), { clockId: clock.id, reason: '等待省级通报口径', signedOffBy: 'leader-zhao' });
    await new Promise((r) => setTimeout(r, 8_000));
    expect(await firedSteps(db(), clock.id)).toEqual([]);
    const resumedAt = Date.now();
    await resumeClock(db(), { clockId: clock.id, resumedBy: 'leader-zhao' });
    await eventually(async () => ((await firedSteps(db(), clock.id)).includes('warn-99pct') ? true : undefined), 'the first warning after the resume', 30_000, 100);
    const { rows } = await db().query<{ due_at: Date; fired_at: Date }>(`SELECT due_at, fired_at FROM clock_steps WHERE clock_id = $1 AND step = 'warn-99pct'`, [clock.id]);
    // Due by the running time it had left when paused, counted on from the resume.
    const expectedAt = Date.parse(incident.t0) + 0.99 * RESPONSE_MS + (resumedAt - pausedAt);
    expect(Math.abs(new Date(rows[0]!.due_at).getTime() - expectedAt)).toBeLessThan(500);
    const pauses = await db().query('SELECT reason, signed_off_by, to_at FROM clock_pauses WHERE clock_id = $1', [clock.id]);
    expect(pauses.rows).toEqual([expect.objectContaining({ reason: '等待省级通报口径', signed_off_by: 'leader-zhao' })]);
    expect(pauses.rows[0]!.to_at).not.toBeNull();
  }, 60_000);

  it('runs a disclosure request on working days, extendable once', async () => {
    const calendar = loadCalendar();
    const receivedAt = new Date('2026-09-18T03:00:00Z'); // Friday, before the National Day holiday
    const opened = await openDisclosureRequest(db(), { id: `dr-${name}`, receivedAt, applicant: '王某', subject: '白龙江防洪工程资金', department: '市水务局', now: receivedAt }, { policy, calendar });
    expect(opened.deadline).toEqual(disclosureDeadline(receivedAt, policy, calendar));
    // 20 working days across 调休 (Sep 20 worked) and the Oct 1–7 holiday land on Oct 22.
    expect(opened.deadline.dueDate).toBe('2026-10-22');
    const extended = await extendDisclosureRequest(db(), { id: `dr-${name}`, days: 10, reason: '需征求第三方意见', approvedBy: 'office-head' }, { policy, calendar });
    expect(extended.dueDate).toBe('2026-11-05');
    const [clock] = await clocksOf(db(), `dr-${name}`);
    expect(clock).toMatchObject({ stage: 'disclosure_reply' });
    expect(new Date(clock!.due_at).toISOString()).toBe(extended.dueAt);
    await expect(extendDisclosureRequest(db(), { id: `dr-${name}`, days: 5, reason: '再次延期', approvedBy: 'office-head' }, { policy, calendar })).rejects.toThrow(ExtensionRefusedError);
  });

  it('restores every pending clock after Redis is wiped mid-run, and fires each step exactly once', async () => {
    const incidents = Array.from({ length: 6 }, (_, i) =>
      incidentOf({ level: 'IV', importantOpinion: true, t0: new Date(Date.now() - RESPONSE_MS + (6 + 2 * i) * SECOND).toISOString() }),
    );
    for (const incident of incidents) await announce(bus, db(), incident, 'confirmed');
    const clocks = await Promise.all(incidents.map((i) => stage(i.id, 'response')));
    await eventually(async () => ((await firedSteps(db(), clocks[0]!.id)).length > 0 ? true : undefined), 'a first step', 30_000, 100);
    expect(await wipeRedisPrefix(redis, name)).toBeGreaterThan(0);
    for (const clock of clocks) {
      await eventually(async () => ((await firedSteps(db(), clock.id)).includes('breach') ? true : undefined), `breach of ${clock.id}`, 60_000, 200);
      expect(await firedSteps(db(), clock.id)).toEqual(['warn-99pct', 'warn-99_5pct', 'warn-due', 'breach']);
      const events = await announced(db(), clock.id);
      expect(new Set(events).size).toBe(events.length);
      expect(events.filter((e) => e === 'breached')).toHaveLength(1);
    }
    // And the escalation the reconciler re-created is waiting in Redis again.
    for (const clock of clocks) expect(await timer.queue.getJob(`clock-${clock.id}-escalate-1`)).toBeDefined();
  }, 90_000);

  it('never records a step before its instant, though the poller claims steps ahead of it', async () => {
    const { rows } = await db().query<{ fired: number; early: number }>(
      `SELECT count(*) FILTER (WHERE fired_by = 'fast-loop')::int AS fired, count(*) FILTER (WHERE fired_at < due_at)::int AS early FROM clock_steps`,
    );
    expect(rows[0]!.fired).toBeGreaterThan(10);
    expect(rows[0]!.early).toBe(0);
  });
});

