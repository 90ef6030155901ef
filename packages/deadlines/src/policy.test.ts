import { DeadlineConfigError } from './errors';
import { defaultClockPolicy, escalationFor, parseClockPolicy, stageDurationMs, warningsFor } from './policy';

describe('clock policy defaults', () => {
  it.each([
    ['statement', 5 * 60],
    ['press_conference', 24 * 60],
    ['continued_release', 4 * 60],
    ['response', 48 * 60],
  ] as const)('%s lasts %i minutes', (stage, minutes) => {
    expect(stageDurationMs(stage, defaultClockPolicy)).toBe(minutes * 60_000);
  });

  it('disclosure replies count working days, not hours', () => {
    expect(stageDurationMs('disclosure_reply', defaultClockPolicy)).toBeNull();
    expect(defaultClockPolicy.disclosure).toEqual({
      replyWorkingDays: 20,
      maxExtensionWorkingDays: 20,
      maxExtensions: 1,
    });
  });

  it('warns at 50 %, 80 %, 30 minutes before and at due, escalates every 30 minutes, starts on a 0.8 proposal', () => {
    expect(defaultClockPolicy.warnings).toEqual(['50%', '80%', '30m-before', 'due']);
    expect(defaultClockPolicy.escalation.everyMinutes).toBe(30);
    expect(defaultClockPolicy.provisionalStart).toEqual({ enabled: true, minConfidence: 0.8 });
    expect(defaultClockPolicy.emergency.levels).toEqual(['I', 'II']);
  });
});

describe('parseClockPolicy', () => {
  it('fills what a file leaves out', () => {
    const policy = parseClockPolicy({
      emergency: { continuedReleaseEveryMinutes: 120 },
      provisionalStart: { enabled: false },
    });
    expect(policy.emergency).toEqual({
      levels: ['I', 'II'],
      statementMinutes: 300,
      pressConferenceMinutes: 1440,
      continuedReleaseEveryMinutes: 120,
    });
    expect(policy.provisionalStart).toEqual({ enabled: false, minConfidence: 0.8 });
    expect(policy.warnings).toEqual(defaultClockPolicy.warnings);
  });

  it('applies stage overrides only to their stage', () => {
    const policy = parseClockPolicy({
      stages: { continued_release: { warnings: ['due'], escalation: { everyMinutes: 60 } } },
    });
    expect(warningsFor('continued_release', policy)).toEqual(['due']);
    expect(warningsFor('statement', policy)).toEqual(defaultClockPolicy.warnings);
    expect(escalationFor('continued_release', policy)).toEqual({ everyMinutes: 60, maxSteps: 12 });
    expect(escalationFor('press_conference', policy)).toEqual({ everyMinutes: 30, maxSteps: 12 });
  });

  it.each([
    [{ warnings: ['150%'] }, 'warnings.0'],
    [{ warnings: ['0%'] }, 'warnings.0'],
    [{ warnings: ['soon'] }, 'warnings.0'],
    [{ provisionalStart: { minConfidence: 1.5 } }, 'provisionalStart.minConfidence'],
    [{ emergency: { levels: ['V'] } }, 'emergency.levels.0'],
    [{ emergency: { levels: [] } }, 'emergency.levels'],
    [{ emergency: { statementMinutes: 0 } }, 'emergency.statementMinutes'],
    [{ escalation: { everyMinutes: 2.5 } }, 'escalation.everyMinutes'],
    [{ stages: { rumour: {} } }, 'stages'],
    [{ version: 2 }, 'version'],
  ])('names the bad field in %j', (raw, path) => {
    let caught: unknown;
    try {
      parseClockPolicy(raw, 'policy.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DeadlineConfigError);
    expect(
      (caught as DeadlineConfigError).problems.some((p) => p.startsWith(`${path}:`) || p.startsWith(`${path}.`)),
    ).toBe(true);
    expect((caught as Error).message).toContain('policy.json');
  });
});
