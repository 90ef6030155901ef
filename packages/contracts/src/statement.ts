import { z } from 'zod';
import { Instant } from './envelope';

/** What the drafting workflow reports to the clocks. */
export const StatementEvent = z.object({
  kind: z.enum(['statement_published', 'press_conference_held']),
  incidentId: z.string().min(1),
  statementId: z.string().min(1),
  /** When it was published or held: the met time of the clock it serves. */
  at: Instant,
  actor: z.string().min(1),
});
export type StatementEvent = z.infer<typeof StatementEvent>;

/**
 * A sign-off step passed its deadline: the approver is escalated like a clock (the notifier
 * reaches them and their superior). `escalation` counts 1, 2, … for repeated reminders.
 */
export const SignOffOverdue = z.object({
  draftId: z.string().min(1),
  department: z.string().min(1),
  /** null for a draft that answers no incident (a policy interpretation). */
  incidentId: z.string().min(1).nullable(),
  title: z.string(),
  authorId: z.string().min(1),
  step: z.object({
    position: z.number().int().nonnegative(),
    label: z.string().min(1),
    department: z.string().min(1),
    /** Empty: any approver of the step's department. */
    approverIds: z.array(z.string()),
    dueAt: Instant,
  }),
  escalation: z.number().int().positive(),
  at: Instant,
});
export type SignOffOverdue = z.infer<typeof SignOffOverdue>;
