import type { ChannelKind } from '../roster/roster-file';

interface OutcomeBase {
  channelId: string;
  channelKind: ChannelKind;
  deliveryId: string;
  attemptedAt: string;
  durationMs: number;
  /** The HTTP status, when an answer came. */
  httpStatus?: number;
  /** The platform's own code (errcode, code, SMTP reply code, gateway code). */
  providerCode?: string | number;
}

/**
 * One attempt's result, plain JSON with no secrets or webhook URLs, meant to be logged as is.
 * `retryable` = try again (the caller's BullMQ backoff); `permanent` = do not, fix the config or
 * the code and tell an administrator.
 */
export type DeliveryOutcome =
  | (OutcomeBase & { status: 'delivered' })
  | (OutcomeBase & { status: 'retryable'; reason: string; retryAfterMs?: number })
  | (OutcomeBase & { status: 'permanent'; reason: string });

export type OutcomeDetail =
  | { status: 'delivered'; httpStatus?: number; providerCode?: string | number }
  | { status: 'retryable'; reason: string; retryAfterMs?: number; httpStatus?: number; providerCode?: string | number }
  | { status: 'permanent'; reason: string; httpStatus?: number; providerCode?: string | number };

export function outcomeOf(
  base: Pick<OutcomeBase, 'channelId' | 'channelKind' | 'deliveryId'>,
  startedAtMs: number,
  finishedAtMs: number,
  detail: OutcomeDetail,
): DeliveryOutcome {
  return {
    ...base,
    attemptedAt: new Date(startedAtMs).toISOString(),
    durationMs: Math.max(0, finishedAtMs - startedAtMs),
    ...detail,
  } as DeliveryOutcome;
}

/** HTTP statuses worth retrying when no platform code says otherwise. */
export function httpStatusIsRetryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
