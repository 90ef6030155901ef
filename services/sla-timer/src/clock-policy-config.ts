import { readFileSync } from 'node:fs';
import { DeadlineConfigError, parseClockPolicy, type ClockPolicy } from '@huiying/deadlines';
import type { SlaTimerConfig } from './config';

type Overrides = Pick<
  SlaTimerConfig,
  | 'CLOCK_STATEMENT_MINUTES'
  | 'CLOCK_PRESS_CONFERENCE_MINUTES'
  | 'CLOCK_CONTINUED_RELEASE_MINUTES'
  | 'CLOCK_RESPONSE_MINUTES'
  | 'CLOCK_ESCALATION_EVERY_MINUTES'
  | 'CLOCK_WARNINGS'
  | 'CLOCK_PROVISIONAL_MIN_CONFIDENCE'
  | 'CLOCK_PROVISIONAL_START'
>;

type Raw = Record<string, unknown>;
const section = (raw: Raw, key: string): Raw => {
  const value = raw[key];
  const object = value && typeof value === 'object' ? { ...(value as Raw) } : {};
  raw[key] = object;
  return object;
};

/**
 * The policy document with the environment's overrides laid over it, validated as one: a bad
 * override fails the start with its field named, like a bad file.
 */
export function applyPolicyOverrides(document: unknown, overrides: Partial<Overrides>): unknown {
  const raw: Raw = document && typeof document === 'object' ? { ...(document as Raw) } : {};
  const set = (key: string, field: string, value: unknown) => {
    if (value !== undefined) section(raw, key)[field] = value;
  };
  set('emergency', 'statementMinutes', overrides.CLOCK_STATEMENT_MINUTES);
  set('emergency', 'pressConferenceMinutes', overrides.CLOCK_PRESS_CONFERENCE_MINUTES);
  set('emergency', 'continuedReleaseEveryMinutes', overrides.CLOCK_CONTINUED_RELEASE_MINUTES);
  set('importantOpinion', 'responseMinutes', overrides.CLOCK_RESPONSE_MINUTES);
  set('escalation', 'everyMinutes', overrides.CLOCK_ESCALATION_EVERY_MINUTES);
  set('provisionalStart', 'minConfidence', overrides.CLOCK_PROVISIONAL_MIN_CONFIDENCE);
  if (overrides.CLOCK_PROVISIONAL_START !== undefined) set('provisionalStart', 'enabled', overrides.CLOCK_PROVISIONAL_START === 'true');
  if (overrides.CLOCK_WARNINGS !== undefined) raw.warnings = overrides.CLOCK_WARNINGS.split(',').map((w) => w.trim()).filter(Boolean);
  return raw;
}

/** Reads the policy file, applies the environment's overrides, validates the result. */
export function loadPolicyFromConfig(config: Overrides & { CLOCK_POLICY_FILE: string }): ClockPolicy {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(config.CLOCK_POLICY_FILE, 'utf8'));
  } catch (error) {
    throw new DeadlineConfigError(config.CLOCK_POLICY_FILE, [(error as Error).message]);
  }
  return parseClockPolicy(applyPolicyOverrides(document, config), `${config.CLOCK_POLICY_FILE} + CLOCK_* environment`);
}
