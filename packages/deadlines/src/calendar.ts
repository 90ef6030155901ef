import { z } from 'zod';
import { CalendarYearMissingError, DeadlineConfigError } from './errors';
import { DAY_MS, HOUR_MS, toMs } from './time';

/**
 * A calendar day in Beijing (Asia/Shanghai, UTC+8 all year: China has had no daylight saving
 * since 1991), written `YYYY-MM-DD`. Working days are Beijing days whatever the server's zone.
 */
export type BeijingDate = string;

const BEIJING_OFFSET_MS = 8 * HOUR_MS;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export const BeijingDateSchema = z
  .string()
  .regex(DATE_PATTERN, 'expected YYYY-MM-DD')
  .refine((d) => isRealDate(d), 'not a calendar date');

function isRealDate(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

/** One year's holiday schedule as the State Council publishes it (`calendars/cn-<year>.json`). */
export const CalendarFile = z
  .object({
    year: z.number().int().min(2000).max(2200),
    /** The notice the dates come from, so a reviewer can check them. */
    source: z.string().min(1),
    issuedAt: BeijingDateSchema,
    /** Days off, including holiday days that fall on a weekend. */
    off: z.array(BeijingDateSchema),
    /** Make-up working days (调休): weekend days that are working days. */
    work: z.array(BeijingDateSchema),
  })
  .superRefine((file, ctx) => {
    for (const [field, dates] of [
      ['off', file.off],
      ['work', file.work],
    ] as const) {
      for (const date of dates) {
        if (yearOf(date) !== file.year) {
          ctx.addIssue({ code: 'custom', path: [field], message: `${date} is not in ${file.year}` });
        }
      }
    }
    const off = new Set(file.off);
    for (const date of file.work) {
      if (off.has(date)) ctx.addIssue({ code: 'custom', path: ['work'], message: `${date} is both off and work` });
      // A make-up day on a weekday would change nothing: it is almost certainly a typo.
      if (!isWeekend(date)) ctx.addIssue({ code: 'custom', path: ['work'], message: `${date} is not a weekend day` });
    }
  });
export type CalendarFile = z.infer<typeof CalendarFile>;

/** The working-day calendar built from one or more yearly files. */
export interface WorkingCalendar {
  readonly years: ReadonlySet<number>;
  readonly off: ReadonlySet<BeijingDate>;
  readonly work: ReadonlySet<BeijingDate>;
}

/** Validates the files and joins them; two files for the same year are refused. */
export function buildCalendar(files: readonly unknown[], source = 'calendar'): WorkingCalendar {
  const years = new Set<number>();
  const off = new Set<BeijingDate>();
  const work = new Set<BeijingDate>();
  files.forEach((raw, index) => {
    const parsed = CalendarFile.safeParse(raw);
    if (!parsed.success) {
      throw new DeadlineConfigError(
        `${source}[${index}]`,
        parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
      );
    }
    const file = parsed.data;
    if (years.has(file.year)) throw new DeadlineConfigError(source, [`year ${file.year} appears twice`]);
    years.add(file.year);
    file.off.forEach((d) => off.add(d));
    file.work.forEach((d) => work.add(d));
  });
  return { years, off, work };
}

export function yearOf(date: BeijingDate): number {
  return Number(date.slice(0, 4));
}

function dayIndex(date: BeijingDate): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function dateOfIndex(index: number): BeijingDate {
  return new Date(index * DAY_MS).toISOString().slice(0, 10);
}

function isWeekend(date: BeijingDate): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** The Beijing date of an instant: 2026-09-18T15:59:59Z is still Sep 18, 16:00Z is Sep 19. */
export function beijingDateOf(at: string | Date): BeijingDate {
  return new Date(toMs(at) + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** 00:00:00.000 Beijing time of the date, as epoch ms. */
export function startOfBeijingDay(date: BeijingDate): number {
  return Date.parse(`${date}T00:00:00Z`) - BEIJING_OFFSET_MS;
}

/** 23:59:59.999 Beijing time of the date: a reply that day, however late, is on time. */
export function endOfBeijingDay(date: BeijingDate): number {
  return startOfBeijingDay(date) + DAY_MS - 1;
}

function assertDate(date: BeijingDate): void {
  if (!DATE_PATTERN.test(date) || !isRealDate(date)) throw new RangeError(`not a date: ${date}`);
}

/** Whether the Beijing date is a working day; a date in a year the calendar lacks raises. */
export function isWorkingDay(date: BeijingDate, calendar: WorkingCalendar): boolean {
  assertDate(date);
  const year = yearOf(date);
  if (!calendar.years.has(year)) throw new CalendarYearMissingError(year, date);
  if (calendar.work.has(date)) return true;
  if (calendar.off.has(date)) return false;
  return !isWeekend(date);
}

function toDate(start: BeijingDate | Date): BeijingDate {
  if (start instanceof Date) return beijingDateOf(start);
  assertDate(start);
  return start;
}

/**
 * The date `n` working days after `start`. The start day itself is not counted (a period
 * "from the day of receipt" starts counting the next day), so a request received on a
 * holiday or a weekend counts from the next working day. An instant is read as its Beijing date.
 */
export function addWorkingDays(start: BeijingDate | Date, n: number, calendar: WorkingCalendar): BeijingDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number >= 0, got ${n}`);
  let index = dayIndex(toDate(start));
  let remaining = n;
  while (remaining > 0) {
    index += 1;
    if (isWorkingDay(dateOfIndex(index), calendar)) remaining -= 1;
  }
  return dateOfIndex(index);
}

/**
 * Working days in (`from`, `to`]: the inverse of `addWorkingDays` for a working `to`.
 * Negative when `to` is before `from`.
 */
export function workingDaysBetween(
  from: BeijingDate | Date,
  to: BeijingDate | Date,
  calendar: WorkingCalendar,
): number {
  const a = dayIndex(toDate(from));
  const b = dayIndex(toDate(to));
  if (b < a) return -workingDaysBetween(to, from, calendar);
  let count = 0;
  for (let index = a + 1; index <= b; index += 1) {
    if (isWorkingDay(dateOfIndex(index), calendar)) count += 1;
  }
  return count;
}
