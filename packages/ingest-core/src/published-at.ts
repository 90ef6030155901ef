/**
 * Publication times as Chinese sources print them. Pure: no clock, no locale.
 *
 * Sources that print local time without an offset (`2018-09-18 14:38:10`) mean Beijing time,
 * so a zone-less time takes `defaultOffsetMinutes` (+08:00 unless the source says otherwise;
 * Asia/Shanghai has had no daylight saving since 1991, so a fixed offset is exact).
 */

export type ParsedTime =
  { ok: true; instant: string; epochMs: number; offsetAssumed: boolean } | { ok: false; reason: string };

export const BEIJING_OFFSET_MINUTES = 8 * 60;

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

/**
 * RFC 822 zone names. `CST` is China Standard Time here, not US Central: the sources this
 * ingester reads are Chinese, and that is what their servers print.
 */
const ZONES: Record<string, number> = {
  gmt: 0,
  ut: 0,
  utc: 0,
  z: 0,
  cst: 480,
  bjt: 480,
  hkt: 480,
  est: -300,
  edt: -240,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  jst: 540,
};

function parseOffset(zone: string | undefined): number | null | undefined {
  if (zone === undefined || zone === '') return undefined;
  const named = ZONES[zone.toLowerCase()];
  if (named !== undefined) return named;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? '0');
  if (hours > 14 || minutes > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** ISO 8601 with an explicit offset, e.g. `2018-09-18T14:38:10+08:00` (or `…Z` for UTC). */
export function formatInstant(epochMs: number, offsetMinutes: number): string {
  const local = new Date(epochMs + offsetMinutes * 60_000);
  const ms = local.getUTCMilliseconds();
  const base =
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    (ms ? `.${pad(ms, 3)}` : '');
  if (offsetMinutes === 0) return `${base}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millis?: number;
  zone?: string;
}

function build(p: Parts, defaultOffsetMinutes: number): ParsedTime {
  const offset = parseOffset(p.zone);
  if (offset === null) return { ok: false, reason: `unknown time zone "${p.zone}"` };
  const year = p.year < 100 ? (p.year < 50 ? 2000 + p.year : 1900 + p.year) : p.year;
  const { month, day } = p;
  const hour = p.hour ?? 0;
  const minute = p.minute ?? 0;
  // A leap second (:60) is read as :59 rather than rejected.
  const second = Math.min(p.second ?? 0, 59);
  if (month < 1 || month > 12) return { ok: false, reason: `month ${month} out of range` };
  if (hour > 23 || minute > 59 || (p.second ?? 0) > 60) return { ok: false, reason: 'time of day out of range' };
  const utcGuess = Date.UTC(year, month - 1, day, hour, minute, second, p.millis ?? 0);
  const check = new Date(utcGuess);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) {
    return { ok: false, reason: `day ${day} does not exist in ${year}-${pad(month)}` };
  }
  const offsetMinutes = offset ?? defaultOffsetMinutes;
  const epochMs = utcGuess - offsetMinutes * 60_000;
  return { ok: true, epochMs, instant: formatInstant(epochMs, offsetMinutes), offsetAssumed: offset === undefined };
}

const ZONE = '(Z|[+-]\\d{2}:?\\d{2}|[+-]\\d{2}|[A-Za-z]{1,5})';

// ISO 8601 and its common relatives: `2018-09-18 14:38:10`, `2019-12-31 21:34:22 +08:00`,
// `2011-06-24T21:33:14.000Z`, `2018/09/18 14:38`, and a bare date.
const ISO_LIKE = new RegExp(
  `^(\\d{4})[-/.](\\d{1,2})[-/.](\\d{1,2})(?:[T\\s]+(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?)?\\s*${ZONE}?$`,
);
// RFC 822 / 1123 with any (or a misspelt) weekday: `Wes, 18 Aug 2021 17:00:00 +0800`.
const RFC822 = new RegExp(
  `^(?:[A-Za-z]+\\.?,?\\s+)?(\\d{1,2})\\s+([A-Za-z]{3,4})\\.?\\s+(\\d{2,4})(?:\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?)?\\s*${ZONE}?$`,
);
// Twitter and Weibo: `Wed Apr 18 14:00:30 +0800 2012` (year last).
const YEAR_LAST = new RegExp(
  `^(?:[A-Za-z]+,?\\s+)?([A-Za-z]{3,4})\\s+(\\d{1,2})\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?\\s+${ZONE}\\s+(\\d{4})$`,
);
// Chinese: `2021年06月17日 10:00`, optionally with seconds.
const CHINESE = /^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[:时](\d{2})(?:[:分](\d{2})秒?)?)?$/;

function num(s: string | undefined): number | undefined {
  return s === undefined ? undefined : Number(s);
}

/** Parses a publication time. Accepts a string, epoch seconds/milliseconds, or a Date. */
export function parsePublishedAt(value: unknown, defaultOffsetMinutes: number = BEIJING_OFFSET_MINUTES): ParsedTime {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms)
      ? { ok: false, reason: 'invalid Date' }
      : { ok: true, epochMs: ms, instant: formatInstant(ms, 0), offsetAssumed: false };
  }
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string')
    return { ok: false, reason: value == null ? 'missing' : `not a date: ${typeof value}` };
  const s = value.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (s === '') return { ok: false, reason: 'blank' };
  if (/^\d{10}(\d{3})?$/.test(s)) return fromEpoch(Number(s));

  let m = ISO_LIKE.exec(s);
  if (m) {
    const frac = m[7];
    return build(
      {
        year: Number(m[1]),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: num(m[4]),
        minute: num(m[5]),
        second: num(m[6]),
        millis: frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : undefined,
        zone: m[8],
      },
      defaultOffsetMinutes,
    );
  }
  m = RFC822.exec(s);
  if (m) {
    const month = MONTHS[m[2]!.toLowerCase()];
    if (!month) return { ok: false, reason: `unknown month "${m[2]}"` };
    return build(
      {
        year: Number(m[3]),
        month,
        day: Number(m[1]),
        hour: num(m[4]),
        minute: num(m[5]),
        second: num(m[6]),
        zone: m[7],
      },
      defaultOffsetMinutes,
    );
  }
  m = YEAR_LAST.exec(s);
  if (m) {
    const month = MONTHS[m[1]!.toLowerCase()];
    if (!month) return { ok: false, reason: `unknown month "${m[1]}"` };
    return build(
      {
        year: Number(m[7]),
        month,
        day: Number(m[2]),
        hour: num(m[3]),
        minute: num(m[4]),
        second: num(m[5]),
        zone: m[6],
      },
      defaultOffsetMinutes,
    );
  }
  m = CHINESE.exec(s);
  if (m) {
    return build(
      {
        year: Number(m[1]),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: num(m[4]),
        minute: num(m[5]),
        second: num(m[6]),
      },
      defaultOffsetMinutes,
    );
  }
  return { ok: false, reason: `unrecognised date format "${s.slice(0, 60)}"` };
}

const LATEST_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function fromEpoch(n: number): ParsedTime {
  if (!Number.isFinite(n) || n <= 0) return { ok: false, reason: 'not a positive epoch' };
  // Ten-digit values are seconds (until 2286); larger ones are milliseconds.
  const ms = n < 1e11 ? n * 1000 : n;
  // ISO 8601 as the contract reads it has four-digit years.
  if (ms > LATEST_EPOCH_MS) return { ok: false, reason: 'epoch beyond the year 9999' };
  return { ok: true, epochMs: ms, instant: formatInstant(ms, 0), offsetAssumed: false };
}
