import { z } from 'zod';
import { Instant } from './envelope';

export const AlertSeverity = z.enum(['info', 'warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

/** An alert as recorded by the notifier: what the duty officer sees and acknowledges. */
export const Alert = z.object({
  id: z.string().min(1),
  /** Same key within the bundling window = one message with a count. */
  key: z.string().min(1),
  incidentId: z.string().min(1),
  clockId: z.string().nullable(),
  severity: AlertSeverity,
  title: z.string(),
  body: z.string(),
  drill: z.boolean(),
  createdAt: Instant,
});
export type Alert = z.infer<typeof Alert>;
