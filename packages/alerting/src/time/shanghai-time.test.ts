import { addDays, formatShanghai, parseShanghaiDateTime, shanghaiParts, startOfShanghaiDay } from './shanghai-time';

describe('Shanghai wall clock', () => {
  it.each([
    // instant (UTC)              local date     weekday minuteOfDay
    ['2025-09-30T15:59:59.999Z', '2025-09-30', 2, 23 * 60 + 59],
    ['2025-09-30T16:00:00.000Z', '2025-10-01', 3, 0],
    ['2025-12-31T16:00:00.000Z', '2026-01-01', 4, 0],
    ['2024-02-28T16:00:00.000Z', '2024-02-29', 4, 0],
    ['2025-10-05T00:30:00.000Z', '2025-10-05', 7, 8 * 60 + 30],
  ])('%s is %s, ISO weekday %i, minute %i in Shanghai', (iso, date, weekday, minute) => {
    expect(shanghaiParts(Date.parse(iso))).toEqual({ date, isoWeekday: weekday, minuteOfDay: minute });
  });

  it.each([
    ['2025-10-01T08:30', '2025-10-01T00:30:00.000Z'],
    ['2025-10-01T00:00', '2025-09-30T16:00:00.000Z'],
    ['2026-02-16T23:59', '2026-02-16T15:59:00.000Z'],
  ])('local %s is %s', (local, iso) => {
    expect(new Date(parseShanghaiDateTime(local)).toISOString()).toBe(iso);
  });

  it.each(['2025-02-29', '2025-13-01', '2025-04-31'])('rejects the non-date %s', (date) => {
    expect(() => startOfShanghaiDay(date)).toThrow(RangeError);
  });

  it.each([
    ['2025-12-31', 1, '2026-01-01'],
    ['2024-03-01', -1, '2024-02-29'],
  ])('%s plus %i day is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  // The fixed +8 offset must agree with the time-zone database on dates across the years.
  it.each(['1995-07-01T12:00:00Z', '2008-05-12T06:28:00Z', '2025-03-30T01:00:00Z', '2030-11-03T20:00:00Z'])(
    'agrees with Intl Asia/Shanghai at %s',
    (iso) => {
      const intl = new Intl.DateTimeFormat('sv-SE', {
        timeZone: 'Asia/Shanghai',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(iso));
      expect(formatShanghai(Date.parse(iso))).toBe(intl);
    },
  );
});
