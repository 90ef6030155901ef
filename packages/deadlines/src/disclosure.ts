import { type BeijingDate, type WorkingCalendar, addWorkingDays, beijingDateOf, endOfBeijingDay } from './calendar';
import { ExtensionRefusedError } from './errors';
import type { ClockPolicy } from './policy';
import { toIso, toMs } from './time';

/** The deadline of a disclosure reply (依申请公开). */
export interface DisclosureDeadline {
  /** When the request was received: the clock's t0. */
  t0: string;
  /** The last Beijing day a reply is on time. */
  dueDate: BeijingDate;
  /** 23:59:59.999 Beijing time on `dueDate`: the clock's `dueAt`. */
  dueAt: string;
  /** Working days counted from the day after receipt, extensions included. */
  workingDays: number;
  extensions: number;
}

/**
 * The reply deadline for a request received at `receivedAt`: the policy's working days (20),
 * counted from the Beijing day after receipt. `excludedWorkingDays` adds days the law does not
 * count (waiting for the applicant to complete the request, third-party consultation).
 * Raises `CalendarYearMissingError` when the count runs into a year without a schedule.
 */
export function disclosureDeadline(
  receivedAt: string | Date,
  policy: ClockPolicy,
  calendar: WorkingCalendar,
  excludedWorkingDays = 0,
): DisclosureDeadline {
  const workingDays = policy.disclosure.replyWorkingDays + excludedWorkingDays;
  const dueDate = addWorkingDays(beijingDateOf(receivedAt), workingDays, calendar);
  return {
    t0: toIso(toMs(receivedAt)),
    dueDate,
    dueAt: toIso(endOfBeijingDay(dueDate)),
    workingDays,
    extensions: 0,
  };
}

/**
 * Extends a reply deadline by `days` working days after the current due date. The regulations
 * allow one extension of at most 20 working days, with approval; anything more is refused.
 */
export function extendDisclosureDeadline(
  current: DisclosureDeadline,
  days: number,
  policy: ClockPolicy,
  calendar: WorkingCalendar,
): DisclosureDeadline {
  const { maxExtensions, maxExtensionWorkingDays } = policy.disclosure;
  if (current.extensions >= maxExtensions) {
    throw new ExtensionRefusedError(`already extended ${current.extensions} time(s); at most ${maxExtensions} allowed`);
  }
  if (!Number.isInteger(days) || days < 1 || days > maxExtensionWorkingDays) {
    throw new ExtensionRefusedError(`an extension is 1 to ${maxExtensionWorkingDays} working days, got ${days}`);
  }
  const dueDate = addWorkingDays(current.dueDate, days, calendar);
  return {
    ...current,
    dueDate,
    dueAt: toIso(endOfBeijingDay(dueDate)),
    workingDays: current.workingDays + days,
    extensions: current.extensions + 1,
  };
}
