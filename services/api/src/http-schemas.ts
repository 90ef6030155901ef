import { ROLES } from '@huiying/access';
import { AlertSeverity, ClockStage, EmergencyLevel, IncidentKind, IncidentSnapshot, IncidentStatus } from '@huiying/contracts';
import { z } from 'zod';

/**
 * The JSON the API sends and reads, as zod schemas: fastify validates requests with them and the
 * OpenAPI document at /docs is generated from them. Domain shapes come from @huiying/contracts.
 */
export const ErrorResponse = z.object({ error: z.string(), message: z.string().optional() }).loose();

export const User = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  departments: z.array(z.string()),
});
export const UserResponse = z.object({ user: User });

export const LoginBody = z.object({
  username: z.string().trim().min(1).max(100),
  // The access package caps passwords at 1024 characters: a longer one is a cheap denial of service.
  password: z.string().min(1).max(1024),
});

export const IncidentIdParams = z.object({ id: z.string().min(1).max(100) });

export const IncidentSummary = z.object({
  id: z.string(),
  kind: IncidentKind,
  status: IncidentStatus,
  title: z.string(),
  category: z.string().nullable(),
  subtype: z.string().nullable(),
  level: EmergencyLevel.nullable(),
  levelConfirmed: z.boolean(),
  t0: z.string(),
  departments: z.array(z.string()),
  counties: z.array(z.string()),
  postCount: z.number(),
  drill: z.boolean(),
  openedAt: z.string(),
  updatedAt: z.string(),
  nextDueAt: z.string().nullable(),
});
export const IncidentListQuery = z.object({
  status: z.enum(['open', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const IncidentListResponse = z.object({ incidents: z.array(IncidentSummary) });
export const IncidentResponse = z.object({ incident: IncidentSnapshot });
/** The incident page: the incident with its posts, clocks, alerts, history and clock history. */
export const IncidentDetailResponse = z
  .object({
    incident: IncidentSnapshot,
    posts: z.array(z.object({ id: z.unknown(), classification: z.unknown() }).loose()),
    clocks: z.array(z.object({ id: z.unknown(), stage: z.unknown() }).loose()),
    alerts: z.array(z.object({ id: z.unknown() }).loose()),
    history: z.array(z.object({ at: z.string() }).loose()),
    clockHistory: z.array(z.object({ clockId: z.unknown(), at: z.string(), kind: z.unknown() }).loose()),
  });

export const Alert = z.object({
  id: z.string(),
  incidentId: z.string().nullable(),
  incidentTitle: z.string().nullable(),
  clockId: z.string().nullable(),
  severity: AlertSeverity,
  title: z.string(),
  body: z.string(),
  drill: z.boolean(),
  count: z.number(),
  createdAt: z.string(),
  lastAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
});
export const AlertListQuery = z.object({ status: z.enum(['unacknowledged', 'all']).default('unacknowledged') });
export const AlertListResponse = z.object({ alerts: z.array(Alert) });
export const AlertResponse = z.object({ alert: Alert });

const Reason = z.string().trim().max(500);
export const ConfirmBody = z.object({ level: EmergencyLevel.nullable().optional() });
export const SetLevelBody = z.object({ level: EmergencyLevel, reason: Reason.default('') });
export const DismissBody = z.object({ reason: z.string().max(500).default('') });
export const DepartmentsBody = z.object({ departments: z.array(z.string().trim().min(1).max(50)).max(20), reason: Reason.optional() });
export const MergeBody = z.object({ into: z.string().min(1).max(100), reason: Reason.min(2) });
export const SplitBody = z.object({ postIds: z.array(z.string().min(1).max(200)).min(1).max(500), reason: Reason.min(2) });
export const SplitResponse = z.object({ incident: IncidentSnapshot, split: IncidentSnapshot, movedPostIds: z.array(z.string()) });
export const PauseClockBody = z.object({ reason: Reason.min(2) });
export const CorrectT0Body = z.object({ t0: z.iso.datetime({ offset: true }), reason: Reason.min(2) });

export const DepartmentsResponse = z.object({ departments: z.array(z.string()) });

export const Statement = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  department: z.string(),
  status: z.string(),
  version: z.number(),
  publishedAt: z.string().nullable(),
  supersedes: z.string().nullable(),
  url: z.string().nullable(),
});
export const StatementListResponse = z.object({ statements: z.array(Statement) });

export const ReportQuery = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM'),
  department: z.string().trim().min(1).max(50).optional(),
});
const DurationFigure = z.object({ count: z.number(), medianMinutes: z.number().nullable(), p90Minutes: z.number().nullable() });
export const DepartmentFigures = z.object({
  department: z.string(),
  incidents: z.number(),
  clocks: z.object({ started: z.number(), met: z.number(), breached: z.number(), running: z.number(), cancelled: z.number() }),
  onTimeRate: z.number().nullable(),
  firstStatement: DurationFigure,
  pressConference: DurationFigure,
});
export const SlaReport = z.object({
  month: z.string(),
  department: z.string().nullable(),
  generatedAt: z.string(),
  departments: z.array(DepartmentFigures),
  totals: DepartmentFigures,
  breaches: z.array(
    z.object({
      clockId: z.string(),
      incidentId: z.string(),
      incidentTitle: z.string(),
      department: z.string(),
      stage: ClockStage,
      t0: z.string(),
      dueAt: z.string(),
      breachedAt: z.string(),
      metAt: z.string().nullable(),
      overdueMinutes: z.number(),
      timeline: z.array(z.object({ at: z.string(), kind: z.string(), actor: z.string().nullable(), note: z.string().nullable() })),
    }),
  ),
  drills: z.object({ incidents: z.number(), clocks: z.object({ started: z.number(), met: z.number(), breached: z.number() }) }),
  paused: z.array(
    z.object({
      clockId: z.string(),
      incidentId: z.string(),
      incidentTitle: z.string(),
      department: z.string(),
      stage: ClockStage,
      pausedMinutes: z.number(),
      reason: z.string(),
      approvedBy: z.string().nullable(),
    }),
  ),
});
export type SlaReport = z.infer<typeof SlaReport>;
export type DepartmentFigures = z.infer<typeof DepartmentFigures>;
