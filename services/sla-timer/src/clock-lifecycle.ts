import { randomUUID } from 'node:crypto';
import type { IncidentSnapshot, StatementEvent } from '@huiying/contracts';
import { clockFigures, planClocks, type ClockAction, type ClockPolicy, type TrackedClock } from '@huiying/deadlines';
import { findIncident } from '@huiying/incident-core';
import type { Queryable } from '@huiying/outbox';
import { clocksOfIncident, insertClock, recordClockEvent, updateClock, type ClockOwner } from './clock-repository';

/** A fresh clock id: no `:` (BullMQ job ids are built from it). */
export const newClockId = () => `clk-${randomUUID().replace(/-/g, '')}`;

/**
 * Brings an incident's clocks in line with its state as stored now (events may arrive late or
 * out of order): starts what is missing from t0, cancels with the reason, re-bases on a t0
 * correction or a merge. Returns the ids of clocks whose schedule changed.
 */
export async function applyIncidentState(
  tx: Queryable,
  incidentId: string,
  policy: ClockPolicy,
  now: Date,
  traceId: string,
  fallback?: IncidentSnapshot,
): Promise<string[]> {
  const stored = await findIncident(tx, incidentId);
  const incident: IncidentSnapshot | undefined = stored ?? fallback;
  if (!incident) return [];
  const { rows: merge } = await tx.query<{ merged_into: string | null }>('SELECT merged_into FROM incidents WHERE id = $1', [incidentId]);
  const mergedInto = merge[0]?.merged_into ?? undefined;
  const { rows: absorbed } = await tx.query<{ t0: unknown }>('SELECT t0 FROM incidents WHERE merged_into = $1', [incidentId]);
  const clocks = await clocksOfIncident(tx, incidentId);
  const actions = planClocks({
    incident,
    clocks,
    policy,
    now,
    mergedT0s: absorbed.map((r) => new Date(String(r.t0 instanceof Date ? r.t0.toISOString() : r.t0)).toISOString()),
    ...(mergedInto !== undefined && { mergedInto }),
  });
  return applyActions(tx, actions, clocks, incident, now, traceId);
}

async function applyActions(
  tx: Queryable,
  actions: ClockAction[],
  clocks: TrackedClock[],
  owner: ClockOwner,
  now: Date,
  traceId: string,
): Promise<string[]> {
  const changed: string[] = [];
  const byId = new Map(clocks.map((c) => [c.id, c]));
  for (const action of actions) {
    const detail = { traceId, at: now };
    if (action.kind === 'start') {
      const clock: TrackedClock = {
        id: newClockId(),
        incidentId: action.incidentId,
        stage: action.stage,
        status: 'running',
        t0: action.t0,
        dueAt: action.dueAt,
        startedAt: action.startedAt,
        metAt: null,
        breachedAt: null,
        drill: action.drill,
        pauses: [],
        acknowledgedAt: null,
      };
      await insertClock(tx, { clock, provisional: action.provisional, startedLateMs: action.lateByMs });
      await recordClockEvent(tx, 'started', clock, owner, {
        ...detail,
        ...(action.lateByMs > 0 && { reason: `started ${Math.round(action.lateByMs / 60_000)} min after its deadline` }),
        history: { provisional: action.provisional, lateByMs: action.lateByMs },
      });
      changed.push(clock.id);
    } else if (action.kind === 'cancel') {
      const current = byId.get(action.clockId);
      if (!current) continue;
      const clock: TrackedClock = { ...current, status: 'cancelled' };
      const reason = `${action.reason}: ${action.detail}`;
      await updateClock(tx, clock, now, { cancelReason: reason });
      await recordClockEvent(tx, 'cancelled', clock, owner, { ...detail, reason, history: { cancelReason: action.reason } });
      changed.push(clock.id);
    } else {
      const current = byId.get(action.clockId);
      if (!current) continue;
      const clock: TrackedClock = { ...current, t0: action.t0, dueAt: action.dueAt };
      await updateClock(tx, clock, now);
      await recordClockEvent(tx, 'rebased', clock, owner, {
        ...detail,
        reason: `t0 moved from ${action.fromT0}; deadline was ${action.fromDueAt}`,
        history: { fromT0: action.fromT0, fromDueAt: action.fromDueAt },
      });
      changed.push(clock.id);
    }
  }
  return changed;
}

const MET_STAGES: Record<StatementEvent['kind'], readonly string[]> = {
  statement_published: ['statement', 'response', 'continued_release'],
  press_conference_held: ['press_conference'],
};

/**
 * A statement published or a press conference held meets the pending clocks it serves, with the
 * met time and the margin (paused time excluded); then the plan runs again, which starts the
 * next continued-release reminder after a release.
 */
export async function applyStatement(tx: Queryable, event: StatementEvent, policy: ClockPolicy, now: Date, traceId: string): Promise<string[]> {
  const incident = await findIncident(tx, event.incidentId);
  if (!incident) return [];
  const changed: string[] = [];
  for (const clock of await clocksOfIncident(tx, event.incidentId)) {
    const pending = clock.status === 'running' || clock.status === 'breached' || clock.status === 'paused';
    if (!MET_STAGES[event.kind].includes(clock.stage) || !pending) continue;
    // A release before the clock even started (t0 corrected later) still meets it.
    const met: TrackedClock = {
      ...clock,
      status: 'met',
      metAt: event.at,
      pauses: clock.pauses.map((p) => (p.to === null ? { ...p, to: event.at } : p)),
    };
    if (clock.status === 'paused') await tx.query('UPDATE clock_pauses SET to_at = $2 WHERE clock_id = $1 AND to_at IS NULL', [clock.id, event.at]);
    const figures = clockFigures(met, now);
    const marginMs = figures.marginMs ?? 0;
    await updateClock(tx, met, now, { marginMs, metBy: event.statementId });
    await recordClockEvent(tx, 'met', met, incident, {
      traceId,
      at: now,
      reason: `${event.kind} ${event.statementId}; margin ${Math.round(marginMs / 60_000)} min`,
      history: { marginMs, metBy: event.statementId, actor: event.actor, onTime: figures.onTime },
    });
    changed.push(clock.id);
  }
  changed.push(...(await applyIncidentState(tx, event.incidentId, policy, now, traceId)));
  return changed;
}
