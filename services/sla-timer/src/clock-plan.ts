import { createHash } from 'node:crypto';
import type { ClockSnapshot, ClockStage, IncidentEventKind, IncidentSnapshot } from '@huiying/contracts';

export interface ClockPolicy {
  statementMs: number;
  pressConferenceMs: number;
  responseMs: number;
  /** A classifier proposal of I/II at or above this confidence starts clocks before confirmation. */
  autoStartConfidence: number;
  /** Fractions of the allowed time at which a warning fires. */
  warningFractions: number[];
  /** A warning this long before the deadline. */
  warningBeforeMs: number;
  escalationEveryMs: number;
  maxEscalations: number;
}

export const defaultClockPolicy: ClockPolicy = {
  statementMs: 5 * 60 * 60 * 1000,
  pressConferenceMs: 24 * 60 * 60 * 1000,
  responseMs: 48 * 60 * 60 * 1000,
  autoStartConfidence: 0.8,
  warningFractions: [0.5, 0.8],
  warningBeforeMs: 30 * 60 * 1000,
  escalationEveryMs: 30 * 60 * 1000,
  maxEscalations: 6,
};

export type ClockAction =
  | { action: 'start'; clock: ClockSnapshot }
  | { action: 'cancel'; clock: ClockSnapshot; reason: string }
  | { action: 'rebase'; clock: ClockSnapshot; from: string };

const allowedMs = (stage: ClockStage, policy: ClockPolicy): number =>
  stage === 'statement' ? policy.statementMs : stage === 'press_conference' ? policy.pressConferenceMs : policy.responseMs;

/** Stages an incident in this state must have running. */
export function requiredStages(incident: IncidentSnapshot, policy: ClockPolicy): ClockStage[] {
  if (incident.status === 'dismissed' || incident.status === 'resolved') return [];
  const major = incident.level === 'I' || incident.level === 'II';
  const trusted = incident.levelConfirmed || incident.status !== 'detected' || incident.levelConfidence >= policy.autoStartConfidence;
  const stages: ClockStage[] = [];
  if (major && trusted) stages.push('statement', 'press_conference');
  if (incident.importantOpinion && !stages.includes('statement')) stages.push('response');
  return stages;
}

export function clockId(incidentId: string, stage: ClockStage, startedAt: string): string {
  return `clk-${createHash('sha256').update(`${incidentId}|${stage}|${startedAt}`).digest('hex').slice(0, 20)}`;
}

/**
 * The clock actions an incident event implies. A clock counts from t0 even when it starts late;
 * a t0 correction moves the deadline of every clock still running; a downgrade, dismissal or
 * resolution cancels the pending ones with the reason; met clocks are never touched.
 */
export function planClocks(
  incident: IncidentSnapshot,
  event: IncidentEventKind,
  existing: ReadonlyArray<ClockSnapshot>,
  policy: ClockPolicy,
  now: Date,
): ClockAction[] {
  const required = new Set(requiredStages(incident, policy));
  const live = existing.filter((c) => c.status === 'running' || c.status === 'breached' || c.status === 'paused');
  const actions: ClockAction[] = [];
  for (const clock of live) {
    if (!required.has(clock.stage)) {
      const reason =
        incident.status === 'dismissed' ? 'incident dismissed' : incident.status === 'resolved' ? 'incident resolved' : `level ${incident.level ?? 'none'} needs no ${clock.stage} clock`;
      actions.push({ action: 'cancel', clock: { ...clock, status: 'cancelled' }, reason });
    } else if (clock.t0 !== incident.t0) {
      const dueAt = new Date(Date.parse(incident.t0) + allowedMs(clock.stage, policy)).toISOString();
      actions.push({ action: 'rebase', clock: { ...clock, t0: incident.t0, dueAt }, from: clock.dueAt });
    }
  }
  const covered = new Set(existing.filter((c) => c.status !== 'cancelled').map((c) => c.stage));
  for (const stage of required) {
    if (covered.has(stage)) continue;
    const startedAt = now.toISOString();
    actions.push({
      action: 'start',
      clock: {
        id: clockId(incident.id, stage, startedAt),
        incidentId: incident.id,
        stage,
        status: 'running',
        t0: incident.t0,
        dueAt: new Date(Date.parse(incident.t0) + allowedMs(stage, policy)).toISOString(),
        startedAt,
        metAt: null,
        breachedAt: null,
        drill: incident.drill,
      },
    });
  }
  void event;
  return actions;
}

export interface ClockStep {
  /** Stable within the clock: `w50`, `w80`, `before`, `breach`, `esc1`…; part of the BullMQ job id. */
  name: string;
  at: number;
  kind: 'warning' | 'breached' | 'escalated';
  label?: string;
  escalationStep?: number;
}

/** Every step a running clock will fire, in time order. */
export function stepsOf(clock: Pick<ClockSnapshot, 't0' | 'dueAt'>, policy: ClockPolicy): ClockStep[] {
  const t0 = Date.parse(clock.t0);
  const due = Date.parse(clock.dueAt);
  const steps: ClockStep[] = policy.warningFractions.map((f) => ({
    name: `w${Math.round(f * 100)}`,
    at: t0 + (due - t0) * f,
    kind: 'warning' as const,
    label: `${Math.round(f * 100)}%`,
  }));
  if (policy.warningBeforeMs > 0 && due - policy.warningBeforeMs > t0) {
    steps.push({ name: 'before', at: due - policy.warningBeforeMs, kind: 'warning', label: `${Math.round(policy.warningBeforeMs / 60000)}m-before` });
  }
  steps.push({ name: 'breach', at: due, kind: 'breached' });
  for (let i = 1; i <= policy.maxEscalations; i++) {
    steps.push({ name: `esc${i}`, at: due + i * policy.escalationEveryMs, kind: 'escalated', escalationStep: i });
  }
  return steps.sort((a, b) => a.at - b.at);
}

export function jobIdOf(clockId: string, step: string, dueAt: string): string {
  // The deadline is in the id: a rebased clock's steps are new jobs, the old ones find a
  // different deadline when they fire and stand down.
  return `clock-${clockId}-${step}-${Date.parse(dueAt)}`;
}
