import { z } from 'zod';
import { Instant } from './envelope';

/** What a clock demands by its deadline. */
export const ClockStage = z.enum([
  'statement', // 权威信息, t0 + 5h for level I/II
  'press_conference', // 新闻发布会, t0 + 24h for level I/II
  'continued_release', // 持续发布, reminders after the first statement
  'response', // 回应, t0 + 48h for other important opinion
  'disclosure_reply', // 依申请公开 reply, 20 working days
]);
export type ClockStage = z.infer<typeof ClockStage>;

export const ClockStatus = z.enum(['running', 'paused', 'met', 'breached', 'cancelled']);
export type ClockStatus = z.infer<typeof ClockStatus>;

export const ClockSnapshot = z.object({
  id: z.string().min(1),
  incidentId: z.string().min(1),
  stage: ClockStage,
  status: ClockStatus,
  t0: Instant,
  dueAt: Instant,
  startedAt: Instant,
  metAt: Instant.nullable(),
  breachedAt: Instant.nullable(),
  drill: z.boolean(),
  /**
   * Set on a disclosure-reply clock (依申请公开): the request it belongs to. Such a clock has no
   * incident, and `incidentId` then carries the request id so keys and routing still work.
   */
  disclosureRequestId: z.string().min(1).optional(),
});
export type ClockSnapshot = z.infer<typeof ClockSnapshot>;

export const ClockEventKind = z.enum([
  'started',
  'warning',
  'breached',
  'escalated',
  'met',
  'cancelled',
  'rebased',
  'paused',
  'resumed',
]);
export type ClockEventKind = z.infer<typeof ClockEventKind>;

export const ClockEvent = z.object({
  kind: ClockEventKind,
  clock: ClockSnapshot,
  /** With `warning`: which warning point fired, e.g. `50%`, `80%`, `30m-before`, `due`. */
  warning: z.string().optional(),
  /** With `escalated`: how many steps up the chain. */
  escalationStep: z.number().int().positive().optional(),
  reason: z.string().optional(),
  /** Department owning the incident, for routing the alert. */
  departments: z.array(z.string()),
  incidentTitle: z.string(),
});
export type ClockEvent = z.infer<typeof ClockEvent>;
