import { z } from 'zod';
import { EmergencyCategory, EmergencyLevel } from './classification';
import { Instant } from './envelope';

export const IncidentStatus = z.enum(['detected', 'confirmed', 'responding', 'resolved', 'dismissed']);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const IncidentKind = z.enum(['emergency', 'rumor', 'opinion']);
export type IncidentKind = z.infer<typeof IncidentKind>;

/** The state of an incident as every event carries it, so consumers need no look-up. */
export const IncidentSnapshot = z.object({
  id: z.string().min(1),
  kind: IncidentKind,
  status: IncidentStatus,
  title: z.string(),
  category: EmergencyCategory.nullable(),
  subtype: z.string().nullable(),
  /** The level a person confirmed, or the classifier's proposal while none did. */
  level: EmergencyLevel.nullable(),
  /** Whether `level` was confirmed by a person. */
  levelConfirmed: z.boolean(),
  /** The classifier's confidence in its proposed level, 0..1. */
  levelConfidence: z.number().min(0).max(1),
  /** Set by a person or a rule: 48-hour response clock. */
  importantOpinion: z.boolean(),
  /** The moment the clocks count from. */
  t0: Instant,
  departments: z.array(z.string()),
  counties: z.array(z.string()),
  postCount: z.number().int().nonnegative(),
  /** A drill (演练): its clocks and alerts go to drill channels and stay out of reports. */
  drill: z.boolean(),
  openedAt: Instant,
  updatedAt: Instant,
});
export type IncidentSnapshot = z.infer<typeof IncidentSnapshot>;

export const IncidentEventKind = z.enum([
  'opened',
  'updated',
  'level_changed',
  'confirmed',
  'dismissed',
  'merged',
  'resolved',
  't0_corrected',
]);
export type IncidentEventKind = z.infer<typeof IncidentEventKind>;

export const IncidentEvent = z.object({
  kind: IncidentEventKind,
  incident: IncidentSnapshot,
  /** Who did it: a user id, or `system:<service>`. */
  actor: z.string().min(1),
  reason: z.string().optional(),
  /** With `merged`: the incident this one was merged into. */
  mergedInto: z.string().optional(),
  /** With `updated`: the post that joined. */
  postId: z.string().optional(),
  /**
   * With `updated` and `opened` from correlation: every post that joined in this change. A batch
   * of posts makes one event per incident, not one per post; `postId` is then the last of them.
   */
  postIds: z.array(z.string()).optional(),
});
export type IncidentEvent = z.infer<typeof IncidentEvent>;
