import { nextPollDelay, sourceHealth } from './poll-schedule';

describe('nextPollDelay', () => {
  const timing = { intervalMs: 60_000, jitterRatio: 0.1, backoffBaseMs: 5_000, backoffMaxMs: 300_000 };
  it.each([
    ['healthy, middle of the jitter', 0, 0.5, 60_000],
    ['healthy, earliest', 0, 0, 54_000],
    ['healthy, latest', 0, 0.999999, 66_000],
    ['first failure', 1, 0.5, 5_000],
    ['second failure doubles', 2, 0.5, 10_000],
    ['fifth failure', 5, 0.5, 80_000],
    ['capped', 12, 0.5, 300_000],
    ['capped with jitter', 12, 0, 270_000],
    ['absurd failure count stays finite', 10_000, 0.5, 300_000],
  ])('%s', (_name, failures, random, expected) => {
    expect(nextPollDelay(timing, failures, random)).toBe(expected);
  });

  it('defaults the jitter to ±10 %', () => {
    expect(nextPollDelay({ intervalMs: 1000 }, 0, 0)).toBe(900);
  });
});

describe('sourceHealth', () => {
  it.each([
    [0, 5, 'healthy'],
    [1, 5, 'degraded'],
    [4, 5, 'degraded'],
    [5, 5, 'unhealthy'],
    [9, 5, 'unhealthy'],
    [1, 1, 'unhealthy'],
  ])('%i failures, threshold %i: %s', (failures, threshold, health) => {
    expect(sourceHealth(failures, threshold)).toBe(health);
  });
});
