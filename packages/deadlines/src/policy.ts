import { z } from 'zod';
import { ClockStage, EmergencyLevel } from '@huiying/contracts';
import { DeadlineConfigError } from './errors';
import { MINUTE_MS } from './time';

/**
 * A warning point, written as the alert shows it: `50%` of the clock's duration, `30m-before`
 * or `2h-before` the deadline, or `due` (at the deadline).
 */
export const WarningPoint = z
  .string()
  .regex(/^(\d{1,2}(\.\d+)?%|\d+[mh]-before|due)$/, 'expected e.g. "50%", "30m-before", "2h-before" or "due"')
  .refine((w) => !w.endsWith('%') || (Number(w.slice(0, -1)) > 0 && Number(w.slice(0, -1)) < 100), {
    message: 'a percentage warning must be between 0% and 100%',
  });
export type WarningPoint = z.infer<typeof WarningPoint>;

const minutes = (defaultValue: number) => z.number().int().positive().default(defaultValue);

export const EscalationRule = z.object({
  /** Minutes between escalation steps after the breach (one step up the chain each time). */
  everyMinutes: minutes(30),
  /**
   * Steps the timer schedules. The notifier keeps repeating at the top of the chain after the
   * last one, so this bounds the schedule, not the alerting. 12 × 30 min = 6 hours past the breach.
   */
  maxSteps: z.number().int().min(0).max(1000).default(12),
});
export type EscalationRule = z.infer<typeof EscalationRule>;

/** Per-stage override of the warning points and the escalation. */
export const StageAlerting = z.object({
  warnings: z.array(WarningPoint).optional(),
  escalation: EscalationRule.optional(),
});
export type StageAlerting = z.infer<typeof StageAlerting>;

export const ClockPolicy = z.object({
  version: z.literal(1).default(1),
  emergency: z
    .object({
      /** Levels that start the statement and press-conference clocks (国办发〔2016〕61号/80号). */
      levels: z.array(EmergencyLevel).min(1).default(['I', 'II']),
      /** Authoritative information "within 5 hours at the latest". */
      statementMinutes: minutes(5 * 60),
      /** Press conference within 24 hours. */
      pressConferenceMinutes: minutes(24 * 60),
      /**
       * Cadence of the continued-release reminders after the first statement. The rules say
       * "keep releasing as the work progresses" without a number: 4 hours is a local choice.
       */
      continuedReleaseEveryMinutes: minutes(4 * 60),
    })
    .prefault({}),
  importantOpinion: z
    .object({
      /** Other important government opinion: respond within 48 hours. */
      responseMinutes: minutes(48 * 60),
    })
    .prefault({}),
  disclosure: z
    .object({
      /** 政府信息公开条例 (2019) art. 33: 20 working days. */
      replyWorkingDays: z.number().int().positive().default(20),
      /** Extendable once, with approval, by at most 20 more working days. */
      maxExtensionWorkingDays: z.number().int().min(0).default(20),
      maxExtensions: z.number().int().min(0).default(1),
    })
    .prefault({}),
  warnings: z.array(WarningPoint).default(['50%', '80%', '30m-before', 'due']),
  escalation: EscalationRule.prefault({}),
  /** Overrides by stage, e.g. quieter continued-release reminders. */
  stages: z.partialRecord(ClockStage, StageAlerting).default({}),
  /**
   * Start the emergency clocks on the classifier's I/II proposal before a person confirms it,
   * so no clock waits for someone to notice. Clocks started this way are cancelled only by a
   * person's downgrade or dismissal, never by the classifier changing its mind.
   */
  provisionalStart: z
    .object({
      enabled: z.boolean().default(true),
      minConfidence: z.number().min(0).max(1).default(0.8),
    })
    .prefault({}),
});
export type ClockPolicy = z.infer<typeof ClockPolicy>;
export type ClockPolicyInput = z.input<typeof ClockPolicy>;

export const defaultClockPolicy: ClockPolicy = ClockPolicy.parse({});

/** Parses a policy document (defaults fill what it leaves out); `source` names it in errors. */
export function parseClockPolicy(raw: unknown, source = 'clock policy'): ClockPolicy {
  const parsed = ClockPolicy.safeParse(raw);
  if (!parsed.success) {
    throw new DeadlineConfigError(
      source,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

/** The fixed duration of an hour-based stage; `disclosure_reply` counts working days instead. */
export function stageDurationMs(stage: ClockStage, policy: ClockPolicy): number | null {
  switch (stage) {
    case 'statement':
      return policy.emergency.statementMinutes * MINUTE_MS;
    case 'press_conference':
      return policy.emergency.pressConferenceMinutes * MINUTE_MS;
    case 'continued_release':
      return policy.emergency.continuedReleaseEveryMinutes * MINUTE_MS;
    case 'response':
      return policy.importantOpinion.responseMinutes * MINUTE_MS;
    case 'disclosure_reply':
      return null;
  }
}

export function warningsFor(stage: ClockStage, policy: ClockPolicy): WarningPoint[] {
  return policy.stages[stage]?.warnings ?? policy.warnings;
}

export function escalationFor(stage: ClockStage, policy: ClockPolicy): EscalationRule {
  return policy.stages[stage]?.escalation ?? policy.escalation;
}
