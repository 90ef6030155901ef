import { at, roster } from '../testing/fixtures';
import { findCoverageGaps, onDutyAt } from './on-duty';
import { RosterFile } from './roster-file';

describe('who is on duty (duty_officer)', () => {
  it.each([
    // instant                       who      source    why
    ['2025-09-30T08:29:59+08:00', ['li'], 'weekly', 'Monday night shift still running on Tuesday morning'],
    ['2025-09-30T00:30:00Z', ['zhang'], 'weekly', 'day shift starts at 08:30 local (00:30 UTC): the boundary belongs to the new shift'],
    ['2025-09-30T17:29:59+08:00', ['zhang'], 'weekly', 'last second of the day shift'],
    ['2025-09-30T17:30:00+08:00', ['li'], 'weekly', 'night shift takes over at 17:30'],
    ['2025-09-30T23:59:59+08:00', ['li'], 'weekly', 'before midnight'],
    ['2025-10-01T00:00:00+08:00', ['li'], 'weekly', 'overnight shift crosses midnight into the holiday'],
    ['2025-10-01T08:29:00+08:00', ['li'], 'weekly', 'holiday duty not yet started'],
    ['2025-10-01T08:30:00+08:00', ['chen'], 'dated', 'National Day duty replaces the weekly rota'],
    ['2025-10-01T20:00:00+08:00', ['chen'], 'dated', 'the weekly night shift is replaced too'],
    ['2025-10-02T08:29:59+08:00', ['chen'], 'dated', 'holiday duty runs 24 hours'],
    ['2025-10-02T08:30:00+08:00', ['zhang'], 'weekly', 'Thursday day shift after the holiday duty'],
    ['2025-10-04T09:00:00+08:00', ['zhang'], 'weekly', 'weekend day shift (Saturday)'],
    ['2025-10-05T23:00:00+08:00', ['li'], 'weekly', 'Sunday night shift'],
  ])('at %s: %j (%s) — %s', (iso, ids, source) => {
    const duty = onDutyAt(roster, 'duty_officer', at(iso));
    expect(duty.people.map((p) => p.id)).toEqual(ids);
    expect(duty.source).toBe(source);
  });

  it.each([
    ['news_office_director', '2025-10-01T00:00:00+08:00', ['wang']],
    ['news_office_director', '2025-10-03T23:59:59+08:00', ['wang']],
    ['leader', '2025-10-01T23:59:59+08:00', ['zhao']],
    ['leader', '2025-10-02T00:00:00+08:00', ['zhao']],
    ['spokesperson', '2025-10-02T00:00:00+08:00', []],
  ])('%s at %s: %j', (role, iso, ids) => {
    expect(onDutyAt(roster, role, at(iso)).people.map((p) => p.id)).toEqual(ids);
  });
});

describe('validFrom / validUntil bound the start date of a weekly shift', () => {
  const bounded = RosterFile.parse({
    ...roster,
    shifts: [
      { kind: 'weekly', role: 'duty_officer', personIds: ['li'], days: [1, 2, 3, 4, 5, 6, 7], start: '20:00', end: '08:00', validFrom: '2025-10-01', validUntil: '2025-10-02' },
    ],
  });
  it.each([
    ['2025-09-30T21:00:00+08:00', []],
    ['2025-10-01T21:00:00+08:00', ['li']],
    ['2025-10-03T07:59:00+08:00', ['li']],
    ['2025-10-03T21:00:00+08:00', []],
  ])('at %s: %j', (iso, ids) => {
    expect(onDutyAt(bounded, 'duty_officer', at(iso)).people.map((p) => p.id)).toEqual(ids);
  });
});

describe('coverage gaps', () => {
  const gappy = RosterFile.parse({
    ...roster,
    shifts: [
      { kind: 'weekly', role: 'duty_officer', personIds: ['zhang'], days: [1, 2, 3, 4, 5, 6, 7], start: '08:30', end: '17:00' },
      { kind: 'weekly', role: 'duty_officer', personIds: ['li'], days: [1, 2, 3, 4, 5, 6, 7], start: '17:30', end: '08:30' },
    ],
  });
  it.each([
    ['the fixture has no gap over a week', roster, '2025-09-29T00:00:00+08:00', '2025-10-06T00:00:00+08:00', []],
    [
      'a half-hour hole between day and night shift each day',
      gappy,
      '2025-09-30T00:00:00+08:00',
      '2025-10-02T00:00:00+08:00',
      [
        ['2025-09-30T17:00:00+08:00', '2025-09-30T17:30:00+08:00'],
        ['2025-10-01T17:00:00+08:00', '2025-10-01T17:30:00+08:00'],
      ],
    ],
    [
      'a range that starts inside a gap',
      gappy,
      '2025-09-30T17:10:00+08:00',
      '2025-09-30T18:00:00+08:00',
      [['2025-09-30T17:10:00+08:00', '2025-09-30T17:30:00+08:00']],
    ],
  ])('%s', (_why, r, from, to, expected) => {
    const gaps = findCoverageGaps(r as RosterFile, 'duty_officer', at(from), at(to));
    expect(gaps.map((g) => [g.startMs, g.endMs])).toEqual((expected as string[][]).map(([s, e]) => [at(s!), at(e!)]));
  });
});

describe('roster file validation', () => {
  const base = { version: 1, timeZone: 'Asia/Shanghai', people: [{ id: 'a', name: '甲', contacts: {} }] };
  it.each([
    ['an unknown person in a shift', { shifts: [{ kind: 'weekly', role: 'duty_officer', personIds: ['b'], days: [1], start: '08:00', end: '17:00' }] }, 'unknown person b'],
    ['a dated shift ending before it starts', { shifts: [{ kind: 'dated', role: 'duty_officer', personIds: ['a'], start: '2025-10-02T08:00', end: '2025-10-01T08:00' }] }, 'end must be after start'],
    ['a date that does not exist', { shifts: [{ kind: 'dated', role: 'duty_officer', personIds: ['a'], start: '2025-02-29T08:00', end: '2025-03-01T08:00' }] }, 'no such date'],
    ['an hour past 23', { shifts: [{ kind: 'weekly', role: 'duty_officer', personIds: ['a'], days: [1], start: '25:00', end: '08:00' }] }, 'HH:mm'],
    ['weekday 0', { shifts: [{ kind: 'weekly', role: 'duty_officer', personIds: ['a'], days: [0], start: '08:00', end: '09:00' }] }, 'days'],
    ['a duplicate person', { people: [...base.people, { id: 'a', name: '乙', contacts: {} }], shifts: [] }, 'duplicate person id a'],
    ['another time zone', { timeZone: 'UTC', shifts: [] }, 'timeZone'],
    ['a bad mobile number', { people: [{ id: 'a', name: '甲', contacts: { sms: '12345' } }], shifts: [] }, 'mainland mobile'],
    ['a contact kind we do not know', { people: [{ id: 'a', name: '甲', contacts: { fax: '1' } }], shifts: [] }, 'fax'],
  ])('rejects %s', (_why, patch, message) => {
    const result = RosterFile.safeParse({ ...base, ...patch });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });

  it('accepts the fixture', () => {
    expect(RosterFile.safeParse(roster).success).toBe(true);
  });
});
