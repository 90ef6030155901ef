import cn2025 from '../calendars/cn-2025.json';
import cn2026 from '../calendars/cn-2026.json';
import { buildCalendar } from './calendar';
import { disclosureDeadline, extendDisclosureDeadline } from './disclosure';
import { CalendarYearMissingError, ExtensionRefusedError } from './errors';
import { defaultClockPolicy } from './policy';

const calendar = buildCalendar([cn2025, cn2026]);

describe('disclosureDeadline', () => {
  it.each([
    // Friday request across the Mid-Autumn and National Day holidays and both make-up days.
    ['2026-09-18T10:00:00+08:00', 0, '2026-10-22', '2026-10-22T15:59:59.999Z'],
    ['2026-09-18T00:00:00+08:00', 0, '2026-10-22', '2026-10-22T15:59:59.999Z'],
    // One minute earlier is Thursday in Beijing: a day earlier.
    ['2026-09-17T23:59:00+08:00', 0, '2026-10-21', '2026-10-21T15:59:59.999Z'],
    // Days the law does not count (the applicant completing the request) move the deadline.
    ['2026-09-18T10:00:00+08:00', 3, '2026-10-27', '2026-10-27T15:59:59.999Z'],
    // Across the new year: Jan 1–3 off, the make-up Sunday Jan 4 counts.
    ['2025-12-15T09:00:00+08:00', 0, '2026-01-13', '2026-01-13T15:59:59.999Z'],
    ['2026-12-01T09:00:00+08:00', 0, '2026-12-29', '2026-12-29T15:59:59.999Z'],
  ])('received %s (excluded %i) → due %s', (receivedAt, excluded, dueDate, dueAt) => {
    const deadline = disclosureDeadline(receivedAt, defaultClockPolicy, calendar, excluded);
    expect(deadline).toMatchObject({ dueDate, dueAt, extensions: 0, workingDays: 20 + excluded });
    expect(deadline.t0).toBe(new Date(receivedAt).toISOString());
  });

  it('a deadline reaching into 2027 raises, naming the year', () => {
    expect(() => disclosureDeadline('2026-12-10T09:00:00+08:00', defaultClockPolicy, calendar)).toThrow(
      new CalendarYearMissingError(2027, '2027-01-01'),
    );
  });
});

describe('extendDisclosureDeadline', () => {
  const first = disclosureDeadline('2026-09-18T10:00:00+08:00', defaultClockPolicy, calendar);

  it.each([
    [20, '2026-11-19'],
    [1, '2026-10-23'],
    [5, '2026-10-29'],
  ])('extended once by %i working days → %s', (days, dueDate) => {
    const extended = extendDisclosureDeadline(first, days, defaultClockPolicy, calendar);
    expect(extended).toMatchObject({ dueDate, extensions: 1, workingDays: 20 + days, t0: first.t0 });
  });

  it.each([[0], [21], [2.5]])('refuses an extension of %p working days', (days) => {
    expect(() => extendDisclosureDeadline(first, days, defaultClockPolicy, calendar)).toThrow(ExtensionRefusedError);
  });

  it('refuses a second extension', () => {
    const extended = extendDisclosureDeadline(first, 10, defaultClockPolicy, calendar);
    expect(() => extendDisclosureDeadline(extended, 1, defaultClockPolicy, calendar)).toThrow(ExtensionRefusedError);
  });

  it('an extension reaching into 2027 raises', () => {
    const december = disclosureDeadline('2026-12-01T09:00:00+08:00', defaultClockPolicy, calendar);
    expect(() => extendDisclosureDeadline(december, 20, defaultClockPolicy, calendar)).toThrow(
      CalendarYearMissingError,
    );
  });
});
