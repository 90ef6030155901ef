/** Timing of one source's polls. Pure: the random number and the failure count are parameters. */
export interface PollTiming {
  /** Time between successful polls. */
  intervalMs: number;
  /** Each delay is spread by ±this fraction, so sources sharing an interval do not poll in step. Default 0.1. */
  jitterRatio?: number;
  /** First delay after a failure; doubles with each further failure. Default 5 s. */
  backoffBaseMs?: number;
  /** Ceiling of the backoff. Default 30 min. */
  backoffMaxMs?: number;
  /** Consecutive failures after which the source is unhealthy. Default 5. */
  unhealthyAfter?: number;
}

export type SourceHealth = 'healthy' | 'degraded' | 'unhealthy';

export const DEFAULT_JITTER_RATIO = 0.1;
export const DEFAULT_BACKOFF_BASE_MS = 5_000;
export const DEFAULT_BACKOFF_MAX_MS = 30 * 60_000;
export const DEFAULT_UNHEALTHY_AFTER = 5;

/**
 * Delay before the next poll. With no failures: the interval ± jitter. After n consecutive
 * failures: base × 2^(n−1), capped, ± jitter — but never sooner than a healthy source would poll
 * unless the interval is longer than the backoff ceiling. `random` is in [0, 1).
 */
export function nextPollDelay(timing: PollTiming, consecutiveFailures: number, random: number): number {
  const jitter = timing.jitterRatio ?? DEFAULT_JITTER_RATIO;
  const spread = 1 + jitter * (2 * random - 1);
  if (consecutiveFailures <= 0) return Math.round(timing.intervalMs * spread);
  const base = timing.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const max = timing.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
  // 2^30 already exceeds any sane ceiling; capping the exponent keeps the number finite.
  const backoff = Math.min(max, base * 2 ** Math.min(consecutiveFailures - 1, 30));
  return Math.round(backoff * spread);
}

export function sourceHealth(
  consecutiveFailures: number,
  unhealthyAfter: number = DEFAULT_UNHEALTHY_AFTER,
): SourceHealth {
  if (consecutiveFailures <= 0) return 'healthy';
  return consecutiveFailures >= unhealthyAfter ? 'unhealthy' : 'degraded';
}
