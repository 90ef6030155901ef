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
