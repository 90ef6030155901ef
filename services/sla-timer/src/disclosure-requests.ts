import {
  disclosureDeadline,
  extendDisclosureDeadline,
  type ClockPolicy,
  type DisclosureDeadline,
  type TrackedClock,
  type WorkingCalendar,
} from '@huiying/deadlines';
import type { Db } from '@huiying/store';
import { ClockRequestRefusedError } from './clock-exceptions';
import { newClockId } from './clock-lifecycle';
import { insertClock, lockOwner, recordClockEvent, updateClock } from './clock-repository';
import { findClock } from './clock-repository';

export interface DisclosureRules {
  policy: ClockPolicy;
  calendar: WorkingCalendar;
}

export interface OpenDisclosureInput {
  /** The request's id (no `:`), e.g. its registration number. */
  id: string;
  receivedAt: Date;
  applicant: string;
  subject: string;
  /** The department that answers; the alerts route by it. */
  department: string;
  drill?: boolean;
  now?: Date;
}

export interface DisclosureRequestRecord {
  id: string;
  clockId: string;
  deadline: DisclosureDeadline;
}

const ownerOfRequest = (subject: string, department: string) => ({ title: `依申请公开：${subject}`, departments: [department] });

/**
 * Registers a disclosure request (依申请公开) and starts its reply clock: 20 working days from
 * the day after receipt, on the official holiday calendar. A year without a schedule raises
 * `CalendarYearMissingError` rather than guess. The timer schedules it from the `started` event.
 */
export async function openDisclosureRequest(db: Db, input: OpenDisclosureInput, rules: DisclosureRules): Promise<DisclosureRequestRecord> {
  if (input.id.includes(':') || input.id.length === 0) throw new ClockRequestRefusedError('clock_not_found', `bad request id ${input.id}`);
  const now = input.now ?? new Date();
  const deadline = disclosureDeadline(input.receivedAt, rules.policy, rules.calendar);
  return db.transaction(async (tx) => {
    await lockOwner(tx, input.id);
    await tx.query(
      `INSERT INTO disclosure_requests (id, received_at, applicant, subject, department, due_date, working_days, drill, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [input.id, deadline.t0, input.applicant, input.subject, input.department, deadline.dueDate, deadline.workingDays, input.drill ?? false, now.toISOString()],
    );
    const clock: TrackedClock = {
      id: newClockId(),
      incidentId: input.id,
      disclosureRequestId: input.id,
      stage: 'disclosure_reply',
      status: 'running',
      t0: deadline.t0,
      dueAt: deadline.dueAt,
      startedAt: now.toISOString(),
      metAt: null,
      breachedAt: null,
      drill: input.drill ?? false,
      pauses: [],
      acknowledgedAt: null,
    };
    const startedLateMs = Math.max(0, now.getTime() - Date.parse(deadline.dueAt));
    await insertClock(tx, { clock, provisional: false, startedLateMs });
    await recordClockEvent(tx, 'started', clock, ownerOfRequest(input.subject, input.department), {
      traceId: `disclosure-${input.id}`,
      at: now,
      reason: `reply due ${deadline.dueDate} (${deadline.workingDays} working days)`,
      history: { dueDate: deadline.dueDate, workingDays: deadline.workingDays },
    });
    return { id: input.id, clockId: clock.id, deadline };
  });
}

interface RequestRow {
  received_at: unknown;
  subject: string;
  department: string;
  due_date: unknown;
  working_days: number;
  extensions: number;
}

async function requestClock(tx: Parameters<Parameters<Db['transaction']>[0]>[0], id: string) {
  await lockOwner(tx, id);
  const { rows } = await tx.query<RequestRow>(
    'SELECT received_at, subject, department, due_date::text AS due_date, working_days, extensions FROM disclosure_requests WHERE id = $1 FOR UPDATE',
    [id],
  );
  const request = rows[0];
  if (!request) throw new ClockRequestRefusedError('clock_not_found', `no disclosure request ${id}`);
  const { rows: clocks } = await tx.query<{ id: string }>(
    `SELECT id FROM clocks WHERE disclosure_request_id = $1 ORDER BY started_at DESC LIMIT 1`,
    [id],
  );
  const clock = clocks[0] ? await findClock(tx, clocks[0].id, true) : null;
  if (!clock) throw new ClockRequestRefusedError('clock_not_found', `disclosure request ${id} has no clock`);
  return { request, clock };
}

export interface ExtendDisclosureInput {
  id: string;
  /** Working days added after the current due date (1–20). */
  days: number;
  reason: string;
  /** Who approved the extension (the regulations require approval). */
  approvedBy: string;
  now?: Date;
}

/** Extends the reply deadline once, with approval and a reason; a second extension is refused. */
export async function extendDisclosureRequest(db: Db, input: ExtendDisclosureInput, rules: DisclosureRules): Promise<DisclosureDeadline> {
  if (input.reason.trim().length === 0) throw new ClockRequestRefusedError('reason_required', 'an extension needs a reason');
  const now = input.now ?? new Date();
  return db.transaction(async (tx) => {
    const { request, clock } = await requestClock(tx, input.id);
    if (clock.status === 'met' || clock.status === 'cancelled')
      throw new ClockRequestRefusedError('clock_not_pending', `the reply clock of ${input.id} is ${clock.status}`);
    const current: DisclosureDeadline = {
      t0: clock.t0,
      dueDate: String(request.due_date),
      dueAt: clock.dueAt,
      workingDays: request.working_days,
      extensions: request.extensions,
    };
    // Raises ExtensionRefusedError for a second extension or more than the allowed days.
    const extended = extendDisclosureDeadline(current, input.days, rules.policy, rules.calendar);
    await tx.query(
      `UPDATE disclosure_requests SET due_date = $2, working_days = $3, extensions = $4, extension_reason = $5,
         extended_by = $6, extended_at = $7 WHERE id = $1`,
      [input.id, extended.dueDate, extended.workingDays, extended.extensions, input.reason.trim(), input.approvedBy, now.toISOString()],
    );
    const rebased: TrackedClock = { ...clock, dueAt: extended.dueAt };
    await updateClock(tx, rebased, now);
    await recordClockEvent(tx, 'rebased', rebased, ownerOfRequest(request.subject, request.department), {
      traceId: `disclosure-${input.id}`,
      at: now,
      reason: `extended by ${input.days} working days to ${extended.dueDate} (approved by ${input.approvedBy}): ${input.reason.trim()}`,
      history: { fromDueAt: clock.dueAt, extensionDays: input.days, approvedBy: input.approvedBy },
    });
    return extended;
  });
}

/** The reply was sent: the clock is met at `repliedAt`. */
export async function recordDisclosureReply(db: Db, input: { id: string; repliedAt: Date; by: string; now?: Date }): Promise<TrackedClock> {
  const now = input.now ?? new Date();
  return db.transaction(async (tx) => {
    const { request, clock } = await requestClock(tx, input.id);
    if (clock.status === 'met') return clock;
    const met: TrackedClock = { ...clock, status: 'met', metAt: input.repliedAt.toISOString() };
    const marginMs = Date.parse(clock.dueAt) - input.repliedAt.getTime();
    await updateClock(tx, met, now, { marginMs, metBy: `reply by ${input.by}` });
    await recordClockEvent(tx, 'met', met, ownerOfRequest(request.subject, request.department), {
      traceId: `disclosure-${input.id}`,
      at: now,
      reason: `replied by ${input.by}; margin ${Math.round(marginMs / 60_000)} min`,
      history: { marginMs },
    });
    return met;
  });
}
