import type { TrackedClock } from '@huiying/deadlines';
import type { Db } from '@huiying/store';
import { findClock, lockOwner, ownerOf, recordClockEvent, updateClock } from './clock-repository';

/** A request the rules refuse (e.g. a pause without a reason); the API maps it to 409/422. */
export class ClockRequestRefusedError extends Error {
  override readonly name = 'ClockRequestRefusedError';
  constructor(
    readonly code: 'clock_not_found' | 'clock_not_pending' | 'already_paused' | 'not_paused' | 'reason_required' | 'sign_off_required' | 'not_breached',
    message: string,
  ) {
    super(message);
  }
}

export interface PauseInput {
  clockId: string;
  reason: string;
  /** The leader (分管领导) who signed the pause off; the API checks the role. */
  signedOffBy: string;
  at?: Date;
}

async function lockedClock(tx: Parameters<Parameters<Db['transaction']>[0]>[0], clockId: string): Promise<TrackedClock> {
  const peek = await findClock(tx, clockId);
  if (!peek) throw new ClockRequestRefusedError('clock_not_found', `no clock ${clockId}`);
  await lockOwner(tx, peek.incidentId);
  return (await findClock(tx, clockId, true))!;
}

/**
 * Pauses a clock: the only exception to the wall clock, so it needs a reason and a leader's
 * sign-off, both stored and shown in reports. Later steps wait until `resumeClock`; a step whose
 * BullMQ job fires meanwhile finds the clock paused and stands down.
 */
export async function pauseClock(db: Db, input: PauseInput): Promise<TrackedClock> {
  const at = input.at ?? new Date();
  if (input.reason.trim().length === 0) throw new ClockRequestRefusedError('reason_required', 'a pause needs a reason');
  if (input.signedOffBy.trim().length === 0) throw new ClockRequestRefusedError('sign_off_required', "a pause needs a leader's sign-off");
  return db.transaction(async (tx) => {
    const clock = await lockedClock(tx, input.clockId);
    if (clock.status === 'paused') throw new ClockRequestRefusedError('already_paused', `clock ${clock.id} is already paused`);
    if (clock.status !== 'running' && clock.status !== 'breached')
      throw new ClockRequestRefusedError('clock_not_pending', `clock ${clock.id} is ${clock.status}`);
    await tx.query(
      `INSERT INTO clock_pauses (clock_id, from_at, reason, signed_off_by, signed_off_at) VALUES ($1, $2, $3, $4, $2)`,
      [clock.id, at.toISOString(), input.reason.trim(), input.signedOffBy.trim()],
    );
    const paused: TrackedClock = {
      ...clock,
      status: 'paused',
      pauses: [...clock.pauses, { from: at.toISOString(), to: null, reason: input.reason.trim(), signedOffBy: input.signedOffBy.trim(), signedOffAt: at.toISOString() }],
    };
    await updateClock(tx, paused, at);
    await recordClockEvent(tx, 'paused', paused, await ownerOf(tx, paused), {
      traceId: `clock-${clock.id}`,
      at,
      reason: `${input.reason.trim()} (signed off by ${input.signedOffBy.trim()})`,
      history: { signedOffBy: input.signedOffBy.trim() },
    });
    return paused;
  });
}

export interface ResumeInput {
  clockId: string;
  resumedBy: string;
  at?: Date;
}

/** Ends the open pause; the deadline moves by the paused time (the recorded one stays). */
export async function resumeClock(db: Db, input: ResumeInput): Promise<TrackedClock> {
  const at = input.at ?? new Date();
  return db.transaction(async (tx) => {
    const clock = await lockedClock(tx, input.clockId);
    if (clock.status !== 'paused') throw new ClockRequestRefusedError('not_paused', `clock ${clock.id} is ${clock.status}`);
    await tx.query('UPDATE clock_pauses SET to_at = $2, resumed_by = $3 WHERE clock_id = $1 AND to_at IS NULL', [clock.id, at.toISOString(), input.resumedBy]);
    const resumed: TrackedClock = {
      ...clock,
      status: clock.breachedAt === null ? 'running' : 'breached',
      pauses: clock.pauses.map((p) => (p.to === null ? { ...p, to: at.toISOString() } : p)),
    };
    await updateClock(tx, resumed, at);
    await recordClockEvent(tx, 'resumed', resumed, await ownerOf(tx, resumed), {
      traceId: `clock-${clock.id}`,
      at,
      reason: `resumed by ${input.resumedBy}`,
      history: { resumedBy: input.resumedBy },
    });
    return resumed;
  });
}

export interface AcknowledgeClockInput {
  clockId: string;
  /** The leader who acknowledged the breach; the API checks the role. */
  leaderId: string;
  at?: Date;
}

/**
 * A leader's acknowledgment of a breached clock stops its escalation (an acknowledgment before
 * the breach would only acknowledge a warning, so it is refused). Recorded in the history.
 */
export async function acknowledgeClock(db: Db, input: AcknowledgeClockInput): Promise<TrackedClock> {
  const at = input.at ?? new Date();
  return db.transaction(async (tx) => {
    const clock = await lockedClock(tx, input.clockId);
    if (clock.breachedAt === null) throw new ClockRequestRefusedError('not_breached', `clock ${clock.id} has not been breached`);
    if (clock.acknowledgedAt !== null) return clock;
    const acknowledged: TrackedClock = { ...clock, acknowledgedAt: at.toISOString() };
    await updateClock(tx, acknowledged, at, { acknowledgedBy: input.leaderId });
    await tx.query(`INSERT INTO clock_history (clock_id, at, event, detail) VALUES ($1, $2, 'acknowledged', $3)`, [
      clock.id,
      at.toISOString(),
      JSON.stringify({ leaderId: input.leaderId }),
    ]);
    return acknowledged;
  });
}
