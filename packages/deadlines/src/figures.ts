import type { ClockStage } from '@huiying/contracts';
import { type TrackedClock, effectiveDueMs, pauseSpans, pausedMsUntil } from './tracked-clock';
import { toIso, toMs } from './time';

export type ClockOutcome =
  | 'met_on_time'
  | 'met_late'
  /** Past its deadline and not met: a breach. */
  | 'breached_open'
  /** Running and not yet due. */
  | 'open'
  /** Paused, its deadline waiting on the resume. */
  | 'paused'
  | 'cancelled';

/** One clock's line in a leadership report. */
export interface ClockFigures {
  clockId: string;
  incidentId: string;
  stage: ClockStage;
  drill: boolean;
  outcome: ClockOutcome;
  /** On time (met by the deadline), late (met after it, or past it unmet), or null while open or cancelled. */
  onTime: boolean | null;
  /** The recorded deadline. */
  nominalDueAt: string;
  /** The deadline with paused time excluded; null while paused. */
  dueAt: string | null;
  metAt: string | null;
  /** Deadline − met: positive when early. Null until met. */
  marginMs: number | null;
  /** How far past the deadline: met − due when met late, now − due when past due and unmet. */
  latenessMs: number;
  /** Paused time, shown apart so an assessor sees every exception. */
  pausedMs: number;
  pauses: TrackedClock['pauses'];
  /** When the clock was started after its own deadline: how late the start was (0 if not). */
  startedLateMs: number;
}

/** Margin, lateness and on-time for one clock, paused time excluded. */
export function clockFigures(recorded: TrackedClock, now: Date): ClockFigures {
  const nowMs = now.getTime();
  // A clock met during a pause: the pause ended when it was met.
  const clock =
    recorded.metAt === null
      ? recorded
      : { ...recorded, pauses: recorded.pauses.map((p) => (p.to === null ? { ...p, to: recorded.metAt } : p)) };
  const dueMs = effectiveDueMs(clock);
  const metMs = clock.metAt === null ? null : toMs(clock.metAt);
  const spans = pauseSpans(clock);
  const pausedMs = pausedMsUntil(spans, metMs ?? nowMs);

  let outcome: ClockOutcome;
  if (clock.status === 'cancelled') outcome = 'cancelled';
  else if (metMs !== null) outcome = dueMs !== null && metMs <= dueMs ? 'met_on_time' : 'met_late';
  else if (dueMs === null) outcome = 'paused';
  else outcome = nowMs > dueMs ? 'breached_open' : 'open';

  const onTime =
    outcome === 'met_on_time' ? true : outcome === 'met_late' || outcome === 'breached_open' ? false : null;
  const latenessMs = dueMs === null || outcome === 'cancelled' ? 0 : Math.max(0, (metMs ?? nowMs) - dueMs);
  const nominalDueMs = toMs(clock.dueAt);

  return {
    clockId: clock.id,
    incidentId: clock.incidentId,
    stage: clock.stage,
    drill: clock.drill,
    outcome,
    onTime,
    nominalDueAt: clock.dueAt,
    dueAt: dueMs === null ? null : toIso(dueMs),
    metAt: clock.metAt,
    marginMs: metMs === null || dueMs === null ? null : dueMs - metMs,
    latenessMs,
    pausedMs,
    pauses: clock.pauses,
    startedLateMs: Math.max(0, toMs(clock.startedAt) - nominalDueMs),
  };
}

export interface ClockSummary {
  /** Clocks counted: drills and cancelled clocks are left out. */
  counted: number;
  drillsExcluded: number;
  cancelled: number;
  metOnTime: number;
  metLate: number;
  breachedOpen: number;
  open: number;
  paused: number;
  /** Met on time ÷ (met + breached open); null when nothing is decided yet. */
  onTimeRate: number | null;
  /** Clocks that were started after their own deadline. */
  startedLate: number;
  totalPausedMs: number;
  /** Clocks with at least one pause: each must show its reason and sign-off. */
  withPauses: number;
}

/** Totals for a report (by department, by month: the caller groups first). Drills never count. */
export function summarizeClocks(clocks: readonly TrackedClock[], now: Date): ClockSummary {
  const summary: ClockSummary = {
    counted: 0,
    drillsExcluded: 0,
    cancelled: 0,
    metOnTime: 0,
    metLate: 0,
    breachedOpen: 0,
    open: 0,
    paused: 0,
    onTimeRate: null,
    startedLate: 0,
    totalPausedMs: 0,
    withPauses: 0,
  };
  for (const clock of clocks) {
    if (clock.drill) {
      summary.drillsExcluded += 1;
      continue;
    }
    const figures = clockFigures(clock, now);
    if (figures.outcome === 'cancelled') {
      summary.cancelled += 1;
      continue;
    }
    summary.counted += 1;
    if (figures.outcome === 'met_on_time') summary.metOnTime += 1;
    else if (figures.outcome === 'met_late') summary.metLate += 1;
    else if (figures.outcome === 'breached_open') summary.breachedOpen += 1;
    else if (figures.outcome === 'open') summary.open += 1;
    else summary.paused += 1;
    if (figures.startedLateMs > 0) summary.startedLate += 1;
    summary.totalPausedMs += figures.pausedMs;
    if (clock.pauses.length > 0) summary.withPauses += 1;
  }
  const decided = summary.metOnTime + summary.metLate + summary.breachedOpen;
  summary.onTimeRate = decided === 0 ? null : summary.metOnTime / decided;
  return summary;
}
