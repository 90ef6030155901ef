/**
 * Asia/Shanghai wall-clock arithmetic. China has kept UTC+8 without daylight saving since 1991,
 * so a fixed offset is exact for every date a roster can name; it also keeps the pure core free of
 * the host's time-zone database. `shanghai-time.test.ts` cross-checks it against Intl.
 */
export const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** A calendar date in Shanghai, `YYYY-MM-DD`. */
export type LocalDate = string;
/** A wall-clock time of day in Shanghai, `HH:mm` (`24:00` allowed as an end). */
export type LocalTime = string;
/** A Shanghai wall-clock moment, `YYYY-MM-DDTHH:mm`. */
export type LocalDateTime = string;

export const LOCAL_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
export const LOCAL_TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
export const LOCAL_DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)$/;

export interface ShanghaiParts {
  date: LocalDate;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
  /** Minutes since local midnight, 0..1439. */
  minuteOfDay: number;
}

export function shanghaiParts(instantMs: number): ShanghaiParts {
  const shifted = new Date(instantMs + SHANGHAI_OFFSET_MS);
  const y = shifted.getUTCFullYear();
  const m = shifted.getUTCMonth() + 1;
  const d = shifted.getUTCDate();
  const weekday = shifted.getUTCDay();
  return {
    date: `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`,
    isoWeekday: weekday === 0 ? 7 : weekday,
    minuteOfDay: shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
  };
}

/** The instant of Shanghai midnight at the start of `date`. */
export function startOfShanghaiDay(date: LocalDate): number {
  const match = LOCAL_DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`not a local date (YYYY-MM-DD): ${date}`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(y, m - 1, d) - SHANGHAI_OFFSET_MS;
  // Date.UTC rolls 2025-02-30 over to March; a roster with such a date is a typo, not a shift.
  if (shanghaiParts(ms).date !== date) throw new RangeError(`no such date: ${date}`);
  return ms;
}

/** Minutes since midnight for `HH:mm`; `24:00` is 1440. */
export function minutesOfLocalTime(time: LocalTime): number {
  if (!LOCAL_TIME_PATTERN.test(time)) throw new RangeError(`not a local time (HH:mm): ${time}`);
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export function parseShanghaiDateTime(value: LocalDateTime): number {
  const match = LOCAL_DATE_TIME_PATTERN.exec(value);
  if (!match) throw new RangeError(`not a local date-time (YYYY-MM-DDTHH:mm): ${value}`);
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  return startOfShanghaiDay(date) + (Number(match[4]) * 60 + Number(match[5])) * MINUTE_MS;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return shanghaiParts(startOfShanghaiDay(date) + days * DAY_MS).date;
}

/** `2025-10-01 08:00` — how people in the news office read a time. */
export function formatShanghai(instantMs: number): string {
  const shifted = new Date(instantMs + SHANGHAI_OFFSET_MS);
  const p = shanghaiParts(instantMs);
  return `${p.date} ${pad2(shifted.getUTCHours())}:${pad2(shifted.getUTCMinutes())}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export { MINUTE_MS, DAY_MS };
