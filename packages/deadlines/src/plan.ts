import type { ClockStage, IncidentSnapshot } from '@huiying/contracts';
import { type ClockPolicy, stageDurationMs } from './policy';
import type { TrackedClock } from './tracked-clock';
import { toIso, toMs } from './time';

export type CancelReason =
  /** A person confirmed a level below the policy's emergency levels. */
  | 'downgrade'
  | 'dismissal'
  | 'resolution'
  /** The incident was merged into another, whose clocks carry on. */
  | 'merged'
  /** The 48-hour response gave way to the stricter emergency clocks. */
  | 'superseded'
  /** A person cleared the important-opinion flag. */
  | 'no_longer_important';

export type ClockAction =
  | {
      kind: 'start';
      incidentId: string;
      stage: ClockStage;
      t0: string;
      dueAt: string;
      startedAt: string;
      /** Started on the classifier's proposal before a person confirmed the level. */
      provisional: boolean;
      /** How far past its deadline the clock already is when it starts (0 if not). */
      lateByMs: number;
      drill: boolean;
    }
  | { kind: 'cancel'; clockId: string; stage: ClockStage; reason: CancelReason; detail: string }
  | {
      kind: 'rebase';
      clockId: string;
      stage: ClockStage;
      fromT0: string;
      t0: string;
      fromDueAt: string;
      dueAt: string;
    };

export interface PlanInput {
  incident: IncidentSnapshot;
  /** The incident's clocks in any status (met and cancelled ones included). */
  clocks: readonly TrackedClock[];
  policy: ClockPolicy;
  now: Date;
  /** The t0 of incidents merged into this one: the earliest t0 of them all counts. */
  mergedT0s?: readonly string[];
  /** Set when this incident was merged into another: its pending clocks are cancelled. */
  mergedInto?: string;
}

const EMERGENCY_STAGES = ['statement', 'press_conference'] as const;

/** Still able to fire: not met and not cancelled (a breached clock keeps escalating). */
export function isPending(clock: TrackedClock): boolean {
  return clock.status === 'running' || clock.status === 'paused' || clock.status === 'breached';
}

/** Whether the stage is covered: a pending or a met clock exists for it. */
function isPresent(clock: TrackedClock): boolean {
  return isPending(clock) || clock.status === 'met';
}

/** The earliest of the instants (merging keeps the earliest t0). */
export function earliestT0(t0s: readonly string[]): string {
  if (t0s.length === 0) throw new RangeError('no t0 given');
  return toIso(Math.min(...t0s.map(toMs)));
}

/**
 * Whether the incident calls for the emergency clocks. A confirmed level decides; without one,
 * the classifier's I/II proposal starts them when provisional start is on and it is confident
 * enough. Once they run, only a person's downgrade stops them, never a wavering proposal.
 */
function emergencyActive(incident: IncidentSnapshot, clocks: readonly TrackedClock[], policy: ClockPolicy): boolean {
  const inLevels = incident.level !== null && policy.emergency.levels.includes(incident.level);
  if (incident.levelConfirmed) return inLevels;
  const { enabled, minConfidence } = policy.provisionalStart;
  if (inLevels && enabled && incident.levelConfidence >= minConfidence) return true;
  return clocks.some((c) => (EMERGENCY_STAGES as readonly string[]).includes(c.stage) && isPresent(c));
}

/**
 * The actions that bring an incident's clocks in line with its state: start what is missing
 * (counting from t0, so a late start is already late), cancel what no longer applies (with the
 * reason), re-base pending clocks whose t0 moved. Met clocks are never touched; disclosure
 * clocks are not the incident's business. An empty list means nothing to do.
 */
export function planClocks(input: PlanInput): ClockAction[] {
  const { incident, clocks, policy, now } = input;
  const pending = clocks.filter(isPending);
  const cancelAll = (reason: CancelReason, detail: string): ClockAction[] =>
    pending
      .filter((c) => c.stage !== 'disclosure_reply')
      .map((c) => ({ kind: 'cancel', clockId: c.id, stage: c.stage, reason, detail }));

  if (input.mergedInto !== undefined) return cancelAll('merged', `merged into incident ${input.mergedInto}`);
  if (incident.status === 'dismissed') return cancelAll('dismissal', 'incident dismissed');
  if (incident.status === 'resolved') return cancelAll('resolution', 'incident resolved');

  const t0 = earliestT0([incident.t0, ...(input.mergedT0s ?? [])]);
  const t0Ms = toMs(t0);
  const actions: ClockAction[] = [];
  const start = (stage: ClockStage, fromMs: number, provisional: boolean) => {
    const dueMs = fromMs + (stageDurationMs(stage, policy) ?? 0);
    actions.push({
      kind: 'start',
      incidentId: incident.id,
      stage,
      t0: toIso(fromMs),
      dueAt: toIso(dueMs),
      startedAt: toIso(now.getTime()),
      provisional,
      lateByMs: Math.max(0, now.getTime() - dueMs),
      drill: incident.drill,
    });
  };
  /** Starts the stage if nothing covers it, else re-bases its pending clocks onto t0. */
  const keep = (stage: ClockStage, provisional: boolean) => {
    const ofStage = clocks.filter((c) => c.stage === stage);
    if (!ofStage.some(isPresent)) return start(stage, t0Ms, provisional);
    for (const clock of ofStage.filter(isPending)) {
      if (toMs(clock.t0) === t0Ms) continue;
      const dueMs = t0Ms + (toMs(clock.dueAt) - toMs(clock.t0));
      actions.push({
        kind: 'rebase',
        clockId: clock.id,
        stage,
        fromT0: clock.t0,
        t0,
        fromDueAt: clock.dueAt,
        dueAt: toIso(dueMs),
      });
    }
  };
  const cancel = (stage: ClockStage, reason: CancelReason, detail: string) => {
    for (const clock of pending.filter((c) => c.stage === stage)) {
      actions.push({ kind: 'cancel', clockId: clock.id, stage, reason, detail });
    }
  };

  const emergency = emergencyActive(incident, clocks, policy);
  const provisional = !incident.levelConfirmed;
  const downgradeDetail = `level ${incident.level ?? 'none'} confirmed, below ${policy.emergency.levels.join('/')}`;
  for (const stage of EMERGENCY_STAGES) {
    if (emergency) keep(stage, provisional);
    else cancel(stage, 'downgrade', downgradeDetail);
  }

  // Continued release: after the first statement, one reminder clock at a time, counting from
  // the latest release, until the incident is resolved.
  const releases = clocks.filter(
    (c) => (c.stage === 'statement' || c.stage === 'continued_release') && c.status === 'met' && c.metAt !== null,
  );
  if (!emergency) cancel('continued_release', 'downgrade', downgradeDetail);
  else if (releases.length > 0 && !clocks.some((c) => c.stage === 'continued_release' && isPending(c))) {
    const lastReleaseMs = Math.max(...releases.map((c) => toMs(c.metAt as string)));
    start('continued_release', lastReleaseMs, provisional);
  }

  if (incident.importantOpinion && !emergency) keep('response', false);
  else if (emergency) cancel('response', 'superseded', 'the emergency clocks apply');
  else cancel('response', 'no_longer_important', 'important-opinion flag cleared');

  return actions;
}
