import { readFileSync } from 'node:fs';
import { DeadlineConfigError } from './errors';
import { type ClockPolicy, parseClockPolicy } from './policy';

/** Reads a clock policy from a JSON file; what the file leaves out takes the defaults. */
export function loadClockPolicy(path: string): ClockPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DeadlineConfigError(path, [(error as Error).message]);
  }
  return parseClockPolicy(raw, path);
}
