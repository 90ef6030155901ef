import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type WorkingCalendar, buildCalendar } from './calendar';
import { DeadlineConfigError } from './errors';

/** The holiday schedules shipped with this package. */
export const shippedCalendarDir = join(__dirname, '..', 'calendars');

const FILE_PATTERN = /^cn-(\d{4})\.json$/;

/**
 * Builds the working-day calendar from every `cn-<year>.json` in `dir`. A file whose name and
 * `year` disagree is refused, so a copied file cannot silently stand in for another year.
 */
export function loadCalendar(dir: string = shippedCalendarDir): WorkingCalendar {
  const files = readdirSync(dir)
    .filter((name) => FILE_PATTERN.test(name))
    .sort();
  const parsed = files.map((name) => {
    const path = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new DeadlineConfigError(path, [(error as Error).message]);
    }
    const yearInName = Number(FILE_PATTERN.exec(name)?.[1]);
    const yearInFile = (raw as { year?: unknown } | null)?.year;
    if (yearInFile !== yearInName) {
      throw new DeadlineConfigError(path, [`year ${String(yearInFile)} does not match the file name`]);
    }
    return raw;
  });
  if (parsed.length === 0) throw new DeadlineConfigError(dir, ['no cn-<year>.json calendar files']);
  return buildCalendar(parsed, dir);
}
