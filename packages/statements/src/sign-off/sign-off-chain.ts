import { z } from 'zod';

/**
 * One step of a department's sign-off chain as an admin configures it. `department` may be the
 * placeholder `$department` (the drafting department), so one default chain serves every department.
 */
export const ChainStepConfig = z.object({
  label: z.string().min(1),
  department: z.string().min(1),
  /** Named approvers; empty = any approver of the step's department. */
  approverIds: z.array(z.string().min(1)).default([]),
});
export type ChainStepConfig = z.infer<typeof ChainStepConfig>;
export const ChainConfig = z.array(ChainStepConfig).min(1).max(10);

export const DRAFTING_DEPARTMENT = '$department';

/** 谁起草、谁解读: the department's spokesperson and head sign first, then the news office. */
export function defaultChain(newsOffice: string): ChainStepConfig[] {
  return [
    { label: '新闻发言人审核', department: DRAFTING_DEPARTMENT, approverIds: [] },
    { label: '部门负责人审签', department: DRAFTING_DEPARTMENT, approverIds: [] },
    { label: '新闻办审核', department: newsOffice, approverIds: [] },
  ];
}

export interface SignOffTiming {
  /**
   * Time kept for each step before the clock's deadline, and for publishing after the last one.
   * With a 5-hour statement clock and three steps, 30 min gives deadlines at 3 h 30, 4 h and 4 h 30.
   */
  sliceMs: number;
  /** Each step's time when the draft serves no running clock (a policy interpretation). */
  stepWithoutClockMs: number;
}
export const DEFAULT_SIGN_OFF_TIMING: SignOffTiming = { sliceMs: 30 * 60_000, stepWithoutClockMs: 4 * 60 * 60_000 };

export interface PlannedStep {
  position: number;
  label: string;
  department: string;
  approverIds: string[];
  dueAt: string;
}

/**
 * The steps of a new sign-off round with their deadlines. Served clock: step i of n is due at
 * clock due − (n − i) × slice, so each remaining step and the publication keep a slice. A deadline
 * already past is kept as it is: the step is overdue at once and its approver escalated.
 */
export function planSignOff(input: {
  chain: readonly ChainStepConfig[];
  department: string;
  submittedAt: Date;
  clockDueAt: string | null;
  timing: SignOffTiming;
}): PlannedStep[] {
  const n = input.chain.length;
  return input.chain.map((step, i) => {
    const due = input.clockDueAt !== null
      ? Date.parse(input.clockDueAt) - (n - i) * input.timing.sliceMs
      : input.submittedAt.getTime() + (i + 1) * input.timing.stepWithoutClockMs;
    return {
      position: i,
      label: step.label,
      department: step.department === DRAFTING_DEPARTMENT ? input.department : step.department,
      approverIds: [...step.approverIds],
      dueAt: new Date(due).toISOString(),
    };
  });
}

export type StepStatus = 'waiting' | 'pending' | 'approved' | 'rejected' | 'void';

export interface StepState {
  position: number;
  status: StepStatus;
  dueAt: string;
  escalations: number;
  escalatedAt: string | null;
}

export interface EscalationPolicy {
  /** A still-open overdue step is escalated again after this long. */
  repeatEveryMs: number;
  /** Escalations per step; then the duty officer's clock alerts carry on alone. */
  maxEscalations: number;
}
export const DEFAULT_ESCALATION_POLICY: EscalationPolicy = { repeatEveryMs: 30 * 60_000, maxEscalations: 3 };

/** Whether the current step is overdue and owes its approver (another) escalation now. */
export function escalationDue(step: StepState, now: Date, policy: EscalationPolicy): boolean {
  if (step.status !== 'pending' || Date.parse(step.dueAt) > now.getTime()) return false;
  if (step.escalations >= policy.maxEscalations) return false;
  if (step.escalations === 0 || step.escalatedAt === null) return true;
  return now.getTime() - Date.parse(step.escalatedAt) >= policy.repeatEveryMs;
}

export type StepDecision = { decision: 'approve' } | { decision: 'reject'; comment: string };

export type RoundOutcome =
  /** Every step approved: the draft may be published. */
  | { kind: 'approved'; steps: StepStatus[] }
  /** The next step is now current. */
  | { kind: 'advanced'; steps: StepStatus[]; current: number }
  /** Back to the author; the rest of the round is void. */
  | { kind: 'rejected'; steps: StepStatus[] };

/** The round after the current step's decision. Throws if `position` is not the current step. */
export function decideRound(steps: readonly StepStatus[], position: number, decision: StepDecision): RoundOutcome {
  if (steps[position] !== 'pending') throw new Error(`sign-off: step ${position} is ${steps[position] ?? 'missing'}, not pending`);
  const next = [...steps];
  if (decision.decision === 'reject') {
    next[position] = 'rejected';
    for (let i = position + 1; i < next.length; i++) next[i] = 'void';
    return { kind: 'rejected', steps: next };
  }
  next[position] = 'approved';
  if (position + 1 >= next.length) return { kind: 'approved', steps: next };
  next[position + 1] = 'pending';
  return { kind: 'advanced', steps: next, current: position + 1 };
}

/** The position of the current step, or null when the round is over. */
export function currentStep(steps: readonly StepStatus[]): number | null {
  const i = steps.indexOf('pending');
  return i === -1 ? null : i;
}
