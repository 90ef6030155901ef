import { insertClock, loadClocksForFiring } from './clock-repository';
import { fireDueStepsOfClocks, firePreloadedClocks } from './clock-steps';
import { isolatedDatabase, isolationName } from '../../embedded/src/testing/real-services';
import { MINUTE, announced, firedSteps, incidentOf, saveIncident, testPolicy } from './testing/clock-fixtures';

/**
 * The batch firing path on real PostgreSQL: many clocks in one transaction, each step recorded
 * and announced once, however the batches overlap.
 */
describe('firing clock steps in batches', () => {
  const name = isolationName('clocksteps');
  // Response clocks of 20 minutes, warnings at 50 % and due, escalation every minute twice.
  const policy = testPolicy({ stages: { response: { warnings: ['50%', 'due'] } } });
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;

  beforeAll(async () => {
    database = await isolatedDatabase(name);
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  /** A running response clock whose t0 lies `agoMs` in the past. */
  async function clockStartedAgo(agoMs: number, id: string): Promise<string> {
    const t0 = new Date(Date.now() - agoMs);
    const incident = incidentOf({ level: 'IV', importantOpinion: true, t0: t0.toISOString(), title: `标题 ${id}`, departments: ['市教育局'] });
    await saveIncident(database.db, incident);
    await insertClock(database.db, {
      clock: {
        id, incidentId: incident.id, stage: 'response', status: 'running', t0: t0.toISOString(), dueAt: new Date(t0.getTime() + 20 * MINUTE).toISOString(),
        startedAt: t0.toISOString(), metAt: null, breachedAt: null, drill: false, pauses: [], acknowledgedAt: null,
      },
      provisional: false,
      startedLateMs: 0,
    });
    return id;
  }

  it('fires what is due for each clock, records the breach, announces only what is not stale, and says what is next', async () => {
    const halfway = await clockStartedAgo(11 * MINUTE, `${name}-a`);
    const breached = await clockStartedAgo(20.5 * MINUTE, `${name}-b`);
    const ahead = await clockStartedAgo(1 * MINUTE, `${name}-c`);
    const results = await fireDueStepsOfClocks(database.db, [halfway, breached, ahead, 'no-such-clock'], policy, new Date(), 'fast-loop');

    expect([...results.keys()].sort()).toEqual([halfway, breached, ahead].sort());
    expect(results.get(halfway)!.fired.map((f) => f.step)).toEqual(['warn-50pct']);
    expect(results.get(halfway)!.next?.step).toBe('warn-due');
    expect(results.get(ahead)).toEqual({ fired: [], next: expect.objectContaining({ step: 'warn-50pct' }) });
    // Warnings behind the breach are recorded but only the breach is announced.
    expect(await firedSteps(database.db, breached)).toEqual(['warn-50pct', 'warn-due', 'breach']);
    expect(await announced(database.db, breached)).toEqual(['breached']);
    expect(await announced(database.db, halfway)).toEqual(['warning:50%']);
    const { rows } = await database.db.query<{ status: string; breached_at: Date | null }>('SELECT status, breached_at FROM clocks WHERE id = $1', [breached]);
    expect(rows[0]!.status).toBe('breached');
    expect(rows[0]!.breached_at).not.toBeNull();
    const history = await database.db.query<{ event: string }>('SELECT event FROM clock_history WHERE clock_id = $1 ORDER BY id', [breached]);
    expect(history.rows.map((r) => r.event)).toEqual(['warning', 'warning', 'breached']);
  });

  it('fires each step once when overlapping batches race, in any order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await clockStartedAgo(20.5 * MINUTE, `${name}-race-${i}`));
    const reversed = [...ids].reverse();
    const now = new Date();
    const outcomes = await Promise.all([
      fireDueStepsOfClocks(database.db, ids, policy, now, 'fast-loop'),
      fireDueStepsOfClocks(database.db, reversed, policy, now, 'bullmq'),
      fireDueStepsOfClocks(database.db, ids.slice(3, 9), policy, now, 'reconciler'),
    ]);
    for (const id of ids) {
      const firedBy = outcomes.flatMap((o) => o.get(id)?.fired.filter((f) => f.step === 'breach') ?? []);
      expect(firedBy).toHaveLength(1);
      expect(await announced(database.db, id)).toEqual(['breached']);
    }
  });

  it('fires clocks read ahead at their instant, and leaves out any clock changed since it was read', async () => {
    const untouched = await clockStartedAgo(20.5 * MINUTE, `${name}-pre-a`);
    const met = await clockStartedAgo(20.5 * MINUTE, `${name}-pre-b`);
    const firedElsewhere = await clockStartedAgo(20.5 * MINUTE, `${name}-pre-c`);
    const loaded = await loadClocksForFiring(database.db, [untouched, met, firedElsewhere]);
    // Between the read and the instant: a statement meets one clock, the fallback fires another.
    await database.db.query(`UPDATE clocks SET status = 'met', met_at = now(), updated_at = now() WHERE id = $1`, [met]);
    await fireDueStepsOfClocks(database.db, [firedElsewhere], policy, new Date(), 'bullmq');

    const { results, changed } = await firePreloadedClocks(database.db, loaded, policy, new Date(), 'fast-loop');
    expect(changed.sort()).toEqual([met, firedElsewhere].sort());
    expect(results.get(untouched)!.fired.map((f) => f.step)).toEqual(['warn-50pct', 'warn-due', 'breach']);
    expect(results.has(met)).toBe(false);
    expect(await firedSteps(database.db, untouched)).toEqual(['warn-50pct', 'warn-due', 'breach']);
    expect(await announced(database.db, untouched)).toEqual(['breached']);
    // Nothing recorded from the stale read: the met clock fired nothing, the other fired once.
    expect(await firedSteps(database.db, met)).toEqual([]);
    expect(await announced(database.db, met)).toEqual([]);
    expect(await announced(database.db, firedElsewhere)).toEqual(['breached']);
    const { rows } = await database.db.query<{ status: string }>('SELECT status FROM clocks WHERE id = $1', [met]);
    expect(rows[0]!.status).toBe('met');
  });

  it('records nothing for a clock read ahead whose step is not yet due', async () => {
    const ahead = await clockStartedAgo(20 * MINUTE - 2_000, `${name}-pre-ahead`);
    const loaded = await loadClocksForFiring(database.db, [ahead]);
    const { results, changed } = await firePreloadedClocks(database.db, loaded, policy, new Date(), 'fast-loop');
    expect(changed).toEqual([]);
    expect(results.get(ahead)!.fired.map((f) => f.step)).toEqual(['warn-50pct']);
    expect(results.get(ahead)!.next?.step).toBe('warn-due');
    expect(await firedSteps(database.db, ahead)).toEqual(['warn-50pct']);
  });
});
