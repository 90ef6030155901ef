import type { Db } from '@huiying/store';
import { stepsAt, type ClockPolicy, type ClockStep } from '@huiying/deadlines';
import { findClock, firedStepsOf, lockOwner, ownerOf, recordClockEvent, updateClock } from './clock-repository';

export type FiredBy = 'bullmq' | 'fast-loop' | 'reconciler' | 'event';

export interface FireResult {
  /** Steps fired by this call (empty when another call already fired them). */
  fired: Array<{ step: string; kind: ClockStep['kind']; latenessMs: number; supersededBy: string | null }>;
  /** The next step to wake up for, or null when the clock has nothing more to fire. */
  next: { step: string; jobId: string; atMs: number } | null;
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
  return db.transaction(async (tx) => {
    const peek = await findClock(tx, clockId);
    if (!peek) return { fired: [], next: null };
    await lockOwner(tx, peek.incidentId);
    let clock = (await findClock(tx, clockId, true))!;
    const plan = stepsAt(clock, policy, now, await firedStepsOf(tx, clockId));
    const fired: FireResult['fired'] = [];
    if (plan.due.length > 0) {
      const owner = await ownerOf(tx, clock);
      for (const step of plan.due) {
        const latenessMs = Math.max(0, now.getTime() - step.atMs);
        const inserted = await tx.query(
          `INSERT INTO clock_steps (clock_id, step, kind, due_at, fired_at, lateness_ms, superseded_by, fired_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
          [clock.id, step.step, step.kind, step.at, now.toISOString(), latenessMs, step.supersededBy, firedBy],
        );
        if (inserted.rowCount !== 1) continue;
        if (step.kind === 'breach' && clock.status !== 'breached') {
          // A paused clock cannot reach its breach (its instant waits on the pause), so this is running.
          clock = { ...clock, status: 'breached', breachedAt: now.toISOString() };
          await updateClock(tx, clock, now);
        }
        await recordClockEvent(
          tx,
          EVENT_OF[step.kind],
          clock,
          owner,
          {
            ...(step.warning !== undefined && { warning: step.warning }),
            ...(step.escalationStep !== undefined && { escalationStep: step.escalationStep }),
            ...(step.supersededBy !== null && { reason: `superseded by ${step.supersededBy}` }),
            traceId: `clock-${clock.id}`,
            at: now,
            eventId: step.jobId,
            history: { step: step.step, dueAtStep: step.at, latenessMs, firedBy },
          },
          step.supersededBy === null,
        );
        fired.push({ step: step.step, kind: step.kind, latenessMs, supersededBy: step.supersededBy });
      }
    }
    const next = plan.next ? { step: plan.next.step, jobId: plan.next.jobId, atMs: plan.next.atMs } : null;
    return { fired, next };
  });
}

/** What a clock will fire next, without firing anything (the reconciler's and scheduler's view). */
export async function nextStepOf(db: Db, clockId: string, policy: ClockPolicy, now: Date) {
  const clock = await findClock(db, clockId);
  if (!clock) return null;
  const plan = stepsAt(clock, policy, now, await firedStepsOf(db, clockId));
  return { due: plan.due.length > 0, next: plan.next };
}
