import { InvalidClockIdError } from './errors';
import { type ClockPolicy, type WarningPoint, escalationFor, warningsFor } from './policy';
import { type TrackedClock, pauseSpans, wallAtActiveOffset } from './tracked-clock';
import { MINUTE_MS, HOUR_MS, toIso, toMs } from './time';

export type StepKind = 'warning' | 'breach' | 'escalation';

/** One thing a clock fires: a warning, the breach, or a step up the escalation chain. */
export interface ClockStep {
  /** Stable name, unique within the clock: `warn-50pct`, `warn-30m-before`, `warn-due`, `breach`, `escalate-2`. */
  step: string;
  kind: StepKind;
  /** With a warning: the point as the alert shows it (`50%`, `30m-before`, `due`). */
  warning?: WarningPoint;
  /** With an escalation: how many steps up the chain (1-based). */
  escalationStep?: number;
  /** Running (unpaused) time from t0 at which it fires. */
  activeOffsetMs: number;
  /** The wall instant it fires, paused time included; null while an open pause precedes it. */
  atMs: number | null;
  at: string | null;
  /** The BullMQ job id: `clock-<clockId>-<step>`. */
  jobId: string;
}

const KIND_ORDER: Record<StepKind, number> = { warning: 0, breach: 1, escalation: 2 };

/** The BullMQ job id of a clock's step. BullMQ uses `:` to build Redis keys, so ids must not contain it. */
export function jobIdFor(clockId: string, step: string): string {
  if (clockId.length === 0 || clockId.includes(':')) throw new InvalidClockIdError(clockId);
  return `clock-${clockId}-${step}`;
}

/** `50%` → `warn-50pct`, `12.5%` → `warn-12_5pct`, `30m-before` → `warn-30m-before`, `due` → `warn-due`. */
export function warningStepName(point: WarningPoint): string {
  return `warn-${point.replace('%', 'pct').replace('.', '_')}`;
}

/** Running time from t0 at which a warning fires, or null when it would fall at or before t0. */
function warningOffsetMs(point: WarningPoint, durationMs: number): number | null {
  let offset: number;
  if (point === 'due') offset = durationMs;
  else if (point.endsWith('%')) offset = Math.round((durationMs * Number(point.slice(0, -1))) / 100);
  else {
    const amount = Number(point.slice(0, -'m-before'.length));
    const unit = point.charAt(point.length - '-before'.length - 1) === 'h' ? HOUR_MS : MINUTE_MS;
    offset = durationMs - amount * unit;
  }
  return offset > 0 ? offset : null;
}

/**
 * Every step a clock fires under the policy, in firing order: warnings, the breach at the
 * deadline, then escalation steps. Paused time pushes later steps back. Status is ignored here;
 * `stepsAt` decides what still fires.
 */
export function scheduleClock(
  clock: Pick<TrackedClock, 'id' | 'stage' | 't0' | 'dueAt' | 'pauses'>,
  policy: ClockPolicy,
): ClockStep[] {
  const t0 = toMs(clock.t0);
  const durationMs = toMs(clock.dueAt) - t0;
  const spans = pauseSpans(clock);
  const planned: Array<Omit<ClockStep, 'atMs' | 'at' | 'jobId'>> = [];
  const names = new Set<string>();

  for (const point of warningsFor(clock.stage, policy)) {
    const offset = warningOffsetMs(point, durationMs);
    const step = warningStepName(point);
    if (offset === null || names.has(step)) continue;
    names.add(step);
    planned.push({ step, kind: 'warning', warning: point, activeOffsetMs: offset });
  }
  planned.push({ step: 'breach', kind: 'breach', activeOffsetMs: Math.max(durationMs, 0) });
  const escalation = escalationFor(clock.stage, policy);
  for (let n = 1; n <= escalation.maxSteps; n += 1) {
    planned.push({
      step: `escalate-${n}`,
      kind: 'escalation',
      escalationStep: n,
      activeOffsetMs: Math.max(durationMs, 0) + n * escalation.everyMinutes * MINUTE_MS,
    });
  }

  return planned
    .sort((a, b) => a.activeOffsetMs - b.activeOffsetMs || KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
    .map((p) => {
      const atMs = wallAtActiveOffset(t0, p.activeOffsetMs, spans);
      return { ...p, atMs, at: atMs === null ? null : toIso(atMs), jobId: jobIdFor(clock.id, p.step) };
    });
}

export interface DueStep extends ClockStep {
  atMs: number;
  at: string;
  /**
   * A later due step that makes this one stale (an 80 % warning behind the breach, escalation 2
   * behind escalation 3). It must still be fired once — recorded, never skipped silently — but
   * the notifier can send only the step that supersedes it.
   */
  supersededBy: string | null;
}

export type StopReason = 'met' | 'cancelled' | 'acknowledged';

export interface StepsAt {
  /** Past and not fired: fire each once now, in this order (after a restart, or a late start). */
  due: DueStep[];
  /** In the future: schedule a delayed job for each. */
  pending: Array<ClockStep & { atMs: number; at: string }>;
  /** The earliest pending step, or null. */
  next: (ClockStep & { atMs: number; at: string }) | null;
  /** Steps already fired (as recorded by the caller). */
  fired: ClockStep[];
  /** Steps that will never fire, and why. */
  stopped: Array<ClockStep & { reason: StopReason }>;
  /** Steps whose instant waits on an open pause; they are scheduled when the clock resumes. */
  suspended: ClockStep[];
}

/**
 * What a clock still has to fire at `now`, given the steps already fired (names as in
 * `ClockStep.step`). A met or cancelled clock fires nothing more. A leader's acknowledgment at or
 * after the breach stops the escalation; one before the breach does not (it acknowledged a warning).
 */
export function stepsAt(clock: TrackedClock, policy: ClockPolicy, now: Date, firedSteps: Iterable<string>): StepsAt {
  const nowMs = now.getTime();
  const firedNames = new Set(firedSteps);
  const steps = scheduleClock(clock, policy);
  const breach = steps.find((s) => s.kind === 'breach');
  const ackMs = clock.acknowledgedAt === null ? null : toMs(clock.acknowledgedAt);
  const escalationAcknowledged = ackMs !== null && breach?.atMs != null && ackMs >= breach.atMs;
  const closedReason: StopReason | null =
    clock.status === 'met' || clock.metAt !== null ? 'met' : clock.status === 'cancelled' ? 'cancelled' : null;

  const result: StepsAt = { due: [], pending: [], next: null, fired: [], stopped: [], suspended: [] };
  const dueSteps: Array<ClockStep & { atMs: number; at: string }> = [];
  for (const step of steps) {
    if (firedNames.has(step.step)) result.fired.push(step);
    else if (closedReason !== null) result.stopped.push({ ...step, reason: closedReason });
    else if (step.kind === 'escalation' && escalationAcknowledged)
      result.stopped.push({ ...step, reason: 'acknowledged' });
    else if (step.atMs === null || step.at === null) result.suspended.push(step);
    else if (step.atMs <= nowMs) dueSteps.push({ ...step, atMs: step.atMs, at: step.at });
    else result.pending.push({ ...step, atMs: step.atMs, at: step.at });
  }

  // Warnings give way to later warnings and the breach; escalation steps to later escalation
  // steps. The breach itself is never stale.
  const lastOf = (kinds: StepKind[]) => [...dueSteps].reverse().find((s) => kinds.includes(s.kind));
  const lastWarningOrBreach = lastOf(['warning', 'breach']);
  const lastEscalation = lastOf(['escalation']);
  result.due = dueSteps.map((s) => {
    const latest = s.kind === 'warning' ? lastWarningOrBreach : s.kind === 'escalation' ? lastEscalation : s;
    return { ...s, supersededBy: latest && latest.step !== s.step ? latest.step : null };
  });
  result.next = result.pending[0] ?? null;
  return result;
}
