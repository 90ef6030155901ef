import type { Db } from '@huiying/store';
import { stepsAt, type ClockPolicy, type ClockStep } from '@huiying/deadlines';
import { outboxColumns } from '@huiying/outbox';
import { clockEventEntry, findClock, firedStepsOf, historyDetail, lockAndLoadClocks, type ClockEventRecord } from './clock-repository';

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
    const results = new Map<string, FireResult>();
    const loaded = await lockAndLoadClocks(tx, ids);
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
    if (rows.length === 0) return results;
    // The events of the steps that announce (a stale one is history only), validated now so a bad
    // payload fails the transaction; each row's event sits at its index, or null.
    const publishing = rows.filter((r) => r.event.publish);
    const outbox = outboxColumns(publishing.map((r) => clockEventEntry(r.event)));
    const eventAt = new Array<number | null>(rows.length).fill(null);
    for (let i = 0, j = 0; i < rows.length; i++) if (rows[i]!.event.publish) eventAt[i] = j++;
    const column = (values: string[]) => eventAt.map((j) => (j === null ? null : values[j]!));
    // One statement records the steps and, only for the rows it inserted (the primary key decides),
    // the breach on the clock, the history rows and the outbox events: a step announced at most once.
    const { rows: inserted } = await tx.query<{ clock_id: string; step: string }>(
      `WITH e AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::text[], $7::boolean[], $8::text[], $9::text[],
                              $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::timestamptz[])
           WITH ORDINALITY AS e(clock_id, step, kind, due_at, lateness_ms, superseded_by, breach, event, detail,
                                o_id, o_topic, o_type, o_key, o_trace_id, o_payload, o_occurred_at, n)
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
       SELECT clock_id, step FROM s`,
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
      ],
    );
    const done = new Set(inserted.map((r) => `${r.clock_id}\n${r.step}`));
    // Under the owner lock nothing else fires these steps, so every row is inserted; a row that
    // was not (a writer that skipped the lock) is not reported as fired here.
    for (const [clockId, list] of fired) {
      const kept = list.filter((f) => done.has(`${clockId}\n${f.step}`));
      if (kept.length !== list.length) results.set(clockId, { ...results.get(clockId)!, fired: kept });
    }
    return results;
  });
}

/** What a clock will fire next, without firing anything (the reconciler's and scheduler's view). */
export async function nextStepOf(db: Db, clockId: string, policy: ClockPolicy, now: Date) {
  const clock = await findClock(db, clockId);
  if (!clock) return null;
  const plan = stepsAt(clock, policy, now, await firedStepsOf(db, clockId));
  return { due: plan.due.length > 0, next: plan.next };
}
