import type { Db, Queryable } from '@huiying/store';
import { stepsAt, type ClockPolicy, type ClockStep } from '@huiying/deadlines';
import { outboxColumns } from '@huiying/outbox';
import { clockEventEntry, findClock, firedStepsOf, historyDetail, lockAndLoadClocks, type ClockEventRecord, type ClockForFiring } from './clock-repository';

export type FiredBy = 'bullmq' | 'fast-loop' | 'reconciler' | 'event';

export interface FireResult {
  /** Steps fired by this call (empty when another call already fired them). */
  fired: Array<{ step: string; kind: ClockStep['kind']; latenessMs: number; supersededBy: string | null; dueAtMs: number }>;
  /** The next step to wake up for, or null when the clock has nothing more to fire. */
  next: { step: string; jobId: string; atMs: number } | null;
}

/** One due step of a batch: its `clock_steps` row and the event it announces. */
interface FiredRow {
  event: ClockEventRecord;
  step: string;
  kind: ClockStep['kind'];
  dueAt: string;
  latenessMs: number;
  supersededBy: string | null;
  /** The step moves the clock to breached. */
  breach: boolean;
}

const EVENT_OF = { warning: 'warning', breach: 'breached', escalation: 'escalated' } as const;

/**
 * Fires every step of the clock that is due at `now` and not yet fired, in one transaction.
 * The primary key of `clock_steps` is the guarantee that a step fires once: BullMQ redeliveries,
 * a reconciler racing a worker and a restored Redis all end here and find the row. A stale step
 * (a warning behind the breach, after a restart) is recorded but not announced: the step that
 * supersedes it is.
 */
export async function fireDueSteps(db: Db, clockId: string, policy: ClockPolicy, now: Date, firedBy: FiredBy): Promise<FireResult> {
  return (await fireDueStepsOfClocks(db, [clockId], policy, now, firedBy)).get(clockId) ?? { fired: [], next: null };
}

/**
 * `fireDueSteps` for many clocks in one transaction of three statements (locks, load, record),
 * whatever their number: at a city's peak (thousands of steps a second) every round trip of a
 * firing transaction counts. Clocks that do not exist are absent from the result.
 */
export async function fireDueStepsOfClocks(
  db: Db,
  clockIds: readonly string[],
  policy: ClockPolicy,
  now: Date,
  firedBy: FiredBy,
): Promise<Map<string, FireResult>> {
  const ids = [...new Set(clockIds)];
  if (ids.length === 0) return new Map();
  return db.transaction(async (tx) => {
    const plan = planFiring(await lockAndLoadClocks(tx, ids), policy, now, firedBy);
    if (plan.rows.length === 0) return plan.results;
    const { inserted } = await recordFiring(tx, plan.rows, now, firedBy);
    return keepInserted(plan, inserted);
  });
}

/**
 * Clocks loaded ahead of their due steps (`loadClocksForFiring`, no lock), fired at `now` in one
 * statement outside any explicit transaction: it takes the owners' locks (as `lockAndLoadClocks`),
 * row-locks each clock and records its steps only if the row is the version that was loaded (its
 * `xmin`); under the row lock PostgreSQL re-reads the newest version, so a clock met, paused,
 * rebased or fired by another path since it was loaded is left out, never fired from stale state.
 * Those clocks are in `changed`, for the caller to fire the ordinary way. A step is recorded as
 * fired at `now`, which the caller must not set before the step's instant.
 */
export async function firePreloadedClocks(
  db: Db,
  loaded: ReadonlyMap<string, ClockForFiring>,
  policy: ClockPolicy,
  now: Date,
  firedBy: FiredBy,
): Promise<{ results: Map<string, FireResult>; changed: string[] }> {
  const plan = planFiring(loaded, policy, now, firedBy);
  if (plan.rows.length === 0) return { results: plan.results, changed: [] };
  const due = [...new Set(plan.rows.map((r) => r.event.clock.id))];
  const { inserted, verified } = await recordFiring(db, plan.rows, now, firedBy, {
    ids: due,
    versions: due.map((id) => loaded.get(id)!.version),
  });
  const changed = due.filter((id) => !verified.has(id));
  const results = keepInserted(plan, inserted);
  for (const id of changed) results.delete(id);
  return { results, changed };
}

interface FiringPlan {
  results: Map<string, FireResult>;
  rows: FiredRow[];
  fired: Map<string, FireResult['fired']>;
}

/** What each loaded clock fires at `now` (pure): the rows to record and the result per clock. */
function planFiring(loaded: ReadonlyMap<string, ClockForFiring>, policy: ClockPolicy, now: Date, firedBy: FiredBy): FiringPlan {
  const results = new Map<string, FireResult>();
  const rows: FiredRow[] = [];
  const fired = new Map<string, FireResult['fired']>();
  for (const { clock: locked, firedSteps, owner } of loaded.values()) {
    const plan = stepsAt(locked, policy, now, firedSteps);
    let clock = locked;
    const list: FireResult['fired'] = [];
    for (const step of plan.due) {
      const latenessMs = Math.max(0, now.getTime() - step.atMs);
      const breach = step.kind === 'breach' && clock.status !== 'breached';
      // A paused clock cannot reach its breach (its instant waits on the pause), so this is running.
      if (breach) clock = { ...clock, status: 'breached', breachedAt: now.toISOString() };
      const event: ClockEventRecord = {
        kind: EVENT_OF[step.kind],
        clock,
        owner,
        detail: {
          ...(step.warning !== undefined && { warning: step.warning }),
          ...(step.escalationStep !== undefined && { escalationStep: step.escalationStep }),
          ...(step.supersededBy !== null && { reason: `superseded by ${step.supersededBy}` }),
          traceId: `clock-${clock.id}`,
          at: now,
          eventId: step.jobId,
          history: { step: step.step, dueAtStep: step.at, latenessMs, firedBy },
        },
        publish: step.supersededBy === null,
      };
      rows.push({ event, step: step.step, kind: step.kind, dueAt: step.at, latenessMs, supersededBy: step.supersededBy, breach });
      list.push({ step: step.step, kind: step.kind, latenessMs, supersededBy: step.supersededBy, dueAtMs: step.atMs });
    }
    fired.set(clock.id, list);
    results.set(clock.id, { fired: list, next: plan.next ? { step: plan.next.step, jobId: plan.next.jobId, atMs: plan.next.atMs } : null });
  }
  return { results, rows, fired };
}

/** The results with only the steps the statement inserted reported as fired. */
function keepInserted({ results, fired }: FiringPlan, inserted: ReadonlySet<string>): Map<string, FireResult> {
  // Under the owner lock nothing else fires these steps, so every row is inserted; a row that
  // was not (a writer that skipped the lock) is not reported as fired here.
  for (const [clockId, list] of fired) {
    const kept = list.filter((f) => inserted.has(`${clockId}\n${f.step}`));
    if (kept.length !== list.length) results.set(clockId, { ...results.get(clockId)!, fired: kept });
  }
  return results;
}

/**
 * One statement records the steps and, only for the rows it inserted (the primary key decides),
 * the breach on the clock, the history rows and the outbox events: a step announced at most once.
 * With `expect`, it first takes the owners' locks and row-locks the clocks, and records only the
 * steps of clocks still at the expected version (`verified`).
 */
async function recordFiring(
  q: Queryable,
  rows: FiredRow[],
  now: Date,
  firedBy: FiredBy,
  expect?: { ids: string[]; versions: string[] },
): Promise<{ inserted: Set<string>; verified: Set<string> }> {
  // The events of the steps that announce (a stale one is history only), validated now so a bad
  // payload fails the statement; each row's event sits at its index, or null.
  const publishing = rows.filter((r) => r.event.publish);
  const outbox = outboxColumns(publishing.map((r) => clockEventEntry(r.event)));
  const eventAt = new Array<number | null>(rows.length).fill(null);
  for (let i = 0, j = 0; i < rows.length; i++) if (rows[i]!.event.publish) eventAt[i] = j++;
  const column = (values: string[]) => eventAt.map((j) => (j === null ? null : values[j]!));
  // The owners' advisory locks come first (the one-time filter of `v`, before any row lock), in the
  // order `lockAndLoadClocks` takes them; `FOR UPDATE` then re-checks each row's newest version.
  const verify = expect
    ? `k AS MATERIALIZED (
         SELECT count(pg_advisory_xact_lock(hashtext('clocks:' || owner))) AS n
           FROM (SELECT DISTINCT COALESCE(incident_id, disclosure_request_id) AS owner FROM clocks WHERE id = ANY($19) ORDER BY 1) AS o
       ), v AS (
         SELECT c.id FROM clocks c JOIN unnest($19::text[], $20::text[]) AS w(id, version) ON w.id = c.id
          WHERE (SELECT n FROM k) IS NOT NULL AND c.xmin::text = w.version
          ORDER BY c.id FOR UPDATE OF c
       ), `
    : '';
  const { rows: inserted } = await q.query<{ clock_id: string | null; step: string | null; verified: string | null }>(
    `WITH ${verify}e AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::text[], $7::boolean[], $8::text[], $9::text[],
                            $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::timestamptz[])
         WITH ORDINALITY AS e(clock_id, step, kind, due_at, lateness_ms, superseded_by, breach, event, detail,
                              o_id, o_topic, o_type, o_key, o_trace_id, o_payload, o_occurred_at, n)
       ${expect ? 'WHERE e.clock_id IN (SELECT id FROM v)' : ''}
     ), s AS (
       INSERT INTO clock_steps (clock_id, step, kind, due_at, fired_at, lateness_ms, superseded_by, fired_by)
       SELECT clock_id, step, kind, due_at, $10, lateness_ms, superseded_by, $11 FROM e ORDER BY n
       ON CONFLICT DO NOTHING RETURNING clock_id, step
     ), u AS (
       UPDATE clocks SET status = 'breached', breached_at = $10, updated_at = $10
         FROM e JOIN s USING (clock_id, step) WHERE e.breach AND clocks.id = e.clock_id
     ), h AS (
       INSERT INTO clock_history (clock_id, at, event, detail)
       SELECT e.clock_id, $10, e.event, e.detail::jsonb FROM e JOIN s USING (clock_id, step) ORDER BY e.n
     ), o AS (
       INSERT INTO outbox (id, topic, type, key, trace_id, payload, occurred_at)
       SELECT e.o_id, e.o_topic, e.o_type, e.o_key, e.o_trace_id, e.o_payload::jsonb, e.o_occurred_at
         FROM e JOIN s USING (clock_id, step) WHERE e.o_id IS NOT NULL ORDER BY e.n
       ON CONFLICT (id) DO NOTHING
     )
     SELECT clock_id, step, NULL AS verified FROM s${expect ? ' UNION ALL SELECT NULL, NULL, id FROM v' : ''}`,
    [
      rows.map((r) => r.event.clock.id),
      rows.map((r) => r.step),
      rows.map((r) => r.kind),
      rows.map((r) => r.dueAt),
      rows.map((r) => r.latenessMs),
      rows.map((r) => r.supersededBy),
      rows.map((r) => r.breach),
      rows.map((r) => r.event.kind),
      rows.map((r) => JSON.stringify(historyDetail(r.event.clock, r.event.detail))),
      now.toISOString(),
      firedBy,
      column(outbox.id),
      column(outbox.topic),
      column(outbox.type),
      column(outbox.key),
      column(outbox.trace),
      column(outbox.payload),
      column(outbox.at),
      ...(expect ? [expect.ids, expect.versions] : []),
    ],
  );
  const done = new Set<string>();
  const verified = new Set<string>();
  for (const r of inserted) {
    if (r.verified !== null) verified.add(r.verified);
    else done.add(`${r.clock_id}\n${r.step}`);
  }
  return { inserted: done, verified };
}

/** What a clock will fire next, without firing anything (the reconciler's and scheduler's view). */
export async function nextStepOf(db: Db, clockId: string, policy: ClockPolicy, now: Date) {
  const clock = await findClock(db, clockId);
  if (!clock) return null;
  const plan = stepsAt(clock, policy, now, await firedStepsOf(db, clockId));
  return { due: plan.due.length > 0, next: plan.next };
}
