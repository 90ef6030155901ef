import { z } from 'zod';
import { Instant } from './envelope';

/**
 * A surge of posts about an incident or a watch scheme (监测方案) against its own baseline: an
 * escalation for the duty officers, with the figures that justify it. Raised once per subject,
 * window and window slot.
 */
export const SpikeDetected = z.object({
  subject: z.object({
    kind: z.enum(['incident', 'watch_scheme']),
    id: z.string().min(1),
    /** The incident's title or the scheme's name, for the alert text. */
    title: z.string(),
    /** The departments concerned: the incident's, or the scheme's one. */
    departments: z.array(z.string()),
    /** Drill incidents escalate to drill channels only. */
    drill: z.boolean(),
  }),
  /** The window's name (`hour`, `day`) and the current window's bounds (end exclusive). */
  window: z.string().min(1),
  windowStart: Instant,
  windowEnd: Instant,
  /** Posts in the current window. */
  current: z.number().int().nonnegative(),
  /** Mean and spread of the baseline windows before it. */
  baselineMean: z.number().nonnegative(),
  baselineStddev: z.number().nonnegative(),
  ratio: z.number(),
  z: z.number(),
  /** The verdict in words a duty officer reads. */
  because: z.string(),
  detectedAt: Instant,
});
export type SpikeDetected = z.infer<typeof SpikeDetected>;
