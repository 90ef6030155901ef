import cn2025 from '../calendars/cn-2025.json';
import cn2026 from '../calendars/cn-2026.json';
import {
  addWorkingDays,
  beijingDateOf,
  buildCalendar,
  endOfBeijingDay,
  isWorkingDay,
  startOfBeijingDay,
  workingDaysBetween,
} from './calendar';
import { CalendarYearMissingError, DeadlineConfigError } from './errors';

const calendar = buildCalendar([cn2025, cn2026]);

describe('isWorkingDay', () => {
  it.each([
    ['2026-09-18', true, 'Friday'],
    ['2026-09-19', false, 'Saturday'],
    ['2026-09-20', true, 'Sunday made up (调休)'],
    ['2026-09-25', false, 'Mid-Autumn holiday on a Friday'],
    ['2026-09-28', true, 'Monday between holidays'],
    ['2026-10-01', false, 'National Day'],
    ['2026-10-07', false, 'last National Day holiday (a Wednesday)'],
    ['2026-10-08', true, 'Thursday after the holidays'],
    ['2026-10-10', true, 'Saturday made up (调休)'],
    ['2026-10-11', false, 'Sunday'],
    ['2026-01-04', true, 'Sunday made up after New Year'],
    ['2026-02-14', true, 'Saturday made up before Spring Festival'],
    ['2026-02-23', false, 'last Spring Festival holiday (a Monday)'],
    ['2026-02-28', true, 'Saturday made up after Spring Festival'],
    ['2026-05-09', true, 'Saturday made up after Labour Day'],
    ['2026-06-19', false, 'Dragon Boat Festival'],
    ['2025-01-26', true, 'Sunday made up 2025'],
    ['2025-02-04', false, 'Spring Festival 2025'],
    ['2025-10-08', false, 'National Day 2025 (8 days)'],
    ['2025-10-11', true, 'Saturday made up 2025'],
    ['2025-12-31', true, 'ordinary Wednesday'],
  ])('%s is a working day: %p (%s)', (date, expected) => {
    expect(isWorkingDay(date, calendar)).toBe(expected);
  });
});

describe('addWorkingDays', () => {
  it.each([
    // Request on Fri 2026-09-18: day 1 is the make-up Sunday Sep 20, Sep 25–27 and Oct 1–7 are
    // off, the make-up Saturday Oct 10 counts: 20 working days end on Thu Oct 22.
    ['2026-09-18', 20, '2026-10-22'],
    ['2026-09-18', 1, '2026-09-20'],
    ['2026-09-18', 5, '2026-09-24'],
    ['2026-09-18', 6, '2026-09-28'],
    ['2026-09-18', 8, '2026-09-30'],
    ['2026-09-18', 9, '2026-10-08'],
    ['2026-09-18', 11, '2026-10-10'],
    ['2026-09-18', 12, '2026-10-12'],
    // Extended once by 20 more from the first due date.
    ['2026-10-22', 20, '2026-11-19'],
    // Received on a holiday: counting starts with the next working day.
    ['2026-10-03', 1, '2026-10-08'],
    // Across the new year, inside known years.
    ['2025-12-30', 3, '2026-01-05'],
    ['2026-09-18', 0, '2026-09-18'],
  ])('%s + %i working days = %s', (start, n, expected) => {
    expect(addWorkingDays(start, n, calendar)).toBe(expected);
    expect(workingDaysBetween(start, expected, calendar)).toBe(n);
  });

  it.each([
    // Thu 23:59 Beijing is Thursday; one minute later it is Friday, whose next working day is Sunday Sep 20.
    ['2026-09-17T23:59:00+08:00', '2026-09-18'],
    ['2026-09-18T00:00:00+08:00', '2026-09-20'],
    // Sat 23:59 vs Sun 00:00 (the make-up working Sunday).
    ['2026-09-19T23:59:59+08:00', '2026-09-20'],
    ['2026-09-20T00:00:00+08:00', '2026-09-21'],
    // The same instants in UTC: the Beijing day decides, not the server's zone.
    ['2026-09-17T15:59:00Z', '2026-09-18'],
    ['2026-09-17T16:00:00Z', '2026-09-20'],
  ])('an instant is read as its Beijing date: %s + 1 = %s', (instant, expected) => {
    expect(addWorkingDays(new Date(instant), 1, calendar)).toBe(expected);
  });

  it.each([
    ['2026-12-20', 20, 2027],
    ['2026-12-31', 1, 2027],
    ['2027-03-01', 1, 2027],
  ])('%s + %i working days names the missing year %i', (start, n, year) => {
    let caught: unknown;
    try {
      addWorkingDays(start, n, calendar);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CalendarYearMissingError);
    expect((caught as CalendarYearMissingError).year).toBe(year);
    expect((caught as Error).message).toContain(`cn-${year}.json`);
  });

  it.each([[-1], [1.5], [Number.NaN]])('refuses %p working days', (n) => {
    expect(() => addWorkingDays('2026-09-18', n, calendar)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it.each([
    ['2026-09-18', '2026-09-18', 0],
    ['2026-09-18', '2026-09-19', 0],
    ['2026-09-24', '2026-09-28', 1],
    ['2026-09-30', '2026-10-08', 1],
    ['2026-10-22', '2026-09-18', -20],
  ])('(%s, %s] holds %i working days', (from, to, expected) => {
    expect(workingDaysBetween(from, to, calendar)).toBe(expected);
  });

  it('raises for a range reaching into 2027', () => {
    expect(() => workingDaysBetween('2026-12-01', '2027-01-10', calendar)).toThrow(CalendarYearMissingError);
  });
});

describe('Beijing day boundaries', () => {
  it.each([
    ['2026-09-18T15:59:59.999Z', '2026-09-18'],
    ['2026-09-18T16:00:00.000Z', '2026-09-19'],
    ['2026-09-18T23:59:00+08:00', '2026-09-18'],
    ['2026-09-19T00:00:00+08:00', '2026-09-19'],
    ['2026-12-31T16:00:00Z', '2027-01-01'],
  ])('%s is Beijing date %s', (instant, date) => {
    expect(beijingDateOf(instant)).toBe(date);
  });

  it('a Beijing day runs from 00:00 to 23:59:59.999 at UTC+8', () => {
    expect(new Date(startOfBeijingDay('2026-10-22')).toISOString()).toBe('2026-10-21T16:00:00.000Z');
    expect(new Date(endOfBeijingDay('2026-10-22')).toISOString()).toBe('2026-10-22T15:59:59.999Z');
  });
});

describe('buildCalendar', () => {
  const good = { year: 2030, source: 'test', issuedAt: '2029-11-01', off: ['2030-01-01'], work: ['2030-01-05'] };
  it.each([
    ['2031-01-01 is not in 2030', { ...good, off: ['2031-01-01'] }],
    ['both off and work', { ...good, work: ['2030-01-01'] }],
    ['not a weekend day', { ...good, work: ['2030-01-07'] }],
    ['not a calendar date', { ...good, off: ['2030-02-30'] }],
    ['source', { ...good, source: '' }],
  ])('refuses a bad file: %s', (message, file) => {
    expect(() => buildCalendar([file])).toThrow(DeadlineConfigError);
    expect(() => buildCalendar([file])).toThrow(message);
  });

  it('refuses the same year twice', () => {
    expect(() => buildCalendar([good, good])).toThrow('year 2030 appears twice');
  });

  it('ships exactly the years 2025 and 2026', () => {
    expect([...calendar.years].sort()).toEqual([2025, 2026]);
  });
});
