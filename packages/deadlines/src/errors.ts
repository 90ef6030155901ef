/**
 * The calendar does not know a year it was asked about. Working days are never guessed: the
 * State Council publishes each year's schedule (with make-up working days) in November or
 * December of the year before, and a plain Monday–Friday guess would put a legal deadline on the
 * wrong day. Add `calendars/cn-<year>.json` (see the package README).
 */
export class CalendarYearMissingError extends Error {
  override readonly name = 'CalendarYearMissingError';
  constructor(
    readonly year: number,
    /** The Beijing date (YYYY-MM-DD) whose year is missing. */
    readonly date: string,
  ) {
    super(`no holiday schedule for ${year} (needed for ${date}): add calendars/cn-${year}.json`);
  }
}

/** A disclosure reply may be extended once, by at most the policy's number of working days. */
export class ExtensionRefusedError extends Error {
  override readonly name = 'ExtensionRefusedError';
  constructor(message: string) {
    super(message);
  }
}

/** A policy or calendar file that does not parse; `problems` name each bad field. */
export class DeadlineConfigError extends Error {
  override readonly name = 'DeadlineConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

/** A clock id that would make an invalid BullMQ job id (`:` is BullMQ's key separator). */
export class InvalidClockIdError extends Error {
  override readonly name = 'InvalidClockIdError';
  constructor(readonly clockId: string) {
    super(`clock id ${JSON.stringify(clockId)} must be non-empty and must not contain ':'`);
  }
}
