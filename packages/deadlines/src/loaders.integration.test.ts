// Reads real files: the calendars shipped in ../calendars and files written to a temporary folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addWorkingDays } from './calendar';
import { loadCalendar } from './calendar-loader';
import { CalendarYearMissingError, DeadlineConfigError } from './errors';
import { defaultClockPolicy } from './policy';
import { loadClockPolicy } from './policy-loader';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'huiying-deadlines-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadCalendar', () => {
  it('loads the shipped 2025 and 2026 schedules', () => {
    const calendar = loadCalendar();
    expect([...calendar.years].sort()).toEqual([2025, 2026]);
    expect(addWorkingDays('2026-09-18', 20, calendar)).toBe('2026-10-22');
    expect(() => addWorkingDays('2026-12-31', 1, calendar)).toThrow(CalendarYearMissingError);
  });

  it('picks up a year dropped into the folder', () => {
    writeFileSync(
      join(dir, 'cn-2027.json'),
      JSON.stringify({ year: 2027, source: 'test', issuedAt: '2026-11-01', off: ['2027-01-01'], work: [] }),
    );
    writeFileSync(join(dir, 'README.txt'), 'not a calendar');
    const calendar = loadCalendar(dir);
    expect([...calendar.years]).toEqual([2027]);
    expect(addWorkingDays('2026-12-31', 1, calendar)).toBe('2027-01-04');
  });

  it.each([
    [
      'a year that disagrees with the file name',
      'cn-2027.json',
      JSON.stringify({ year: 2026, source: 's', issuedAt: '2025-11-04', off: [], work: [] }),
      'does not match',
    ],
    ['broken JSON', 'cn-2027.json', '{ "year": 2027,', 'cn-2027.json'],
    ['no calendar files at all', 'other.json', '{}', 'no cn-<year>.json'],
  ])('refuses %s', (_name, file, content, message) => {
    writeFileSync(join(dir, file), content);
    expect(() => loadCalendar(dir)).toThrow(DeadlineConfigError);
    expect(() => loadCalendar(dir)).toThrow(message);
  });
});

describe('loadClockPolicy', () => {
  it('reads a partial policy and fills the defaults', () => {
    const path = join(dir, 'clock-policy.json');
    writeFileSync(path, JSON.stringify({ provisionalStart: { minConfidence: 0.9 } }));
    const policy = loadClockPolicy(path);
    expect(policy.provisionalStart.minConfidence).toBe(0.9);
    expect(policy.emergency).toEqual(defaultClockPolicy.emergency);
  });

  it.each([
    ['{ not json', 'clock-policy.json'],
    [JSON.stringify({ warnings: ['soon'] }), 'warnings.0'],
  ])('refuses %s', (content, message) => {
    const path = join(dir, 'clock-policy.json');
    writeFileSync(path, content);
    expect(() => loadClockPolicy(path)).toThrow(DeadlineConfigError);
    expect(() => loadClockPolicy(path)).toThrow(message);
  });

  it('refuses a missing file', () => {
    expect(() => loadClockPolicy(join(dir, 'absent.json'))).toThrow(DeadlineConfigError);
  });
});
