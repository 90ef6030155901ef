import type { Logger } from 'pino';
import type { Delivery, HandlerOutcome, MessageHandler } from './port';

/** What became of one message after its handler ran (possibly several times). */
export type Verdict =
  | { kind: 'ok'; attempts: number }
  | { kind: 'drop'; reason: string; attempts: number }
  | { kind: 'dead-letter'; reason: string; attempts: number }
  /** The consumer stopped before the message was settled: leave it uncommitted for redelivery. */
  | { kind: 'abandoned'; attempts: number };

/** Longest wait between two attempts, whatever the base: a message should not sleep for hours. */
export const MAX_RETRY_DELAY_MS = 30_000;

/** Delay after the given failed attempt (1-based): base, 2×base, 4×base … capped. */
export function retryDelayMs(failedAttempt: number, baseMs: number, capMs = MAX_RETRY_DELAY_MS): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, failedAttempt - 1));
}

/**
 * How long a message may wait out an unreachable dependency before its failures count as
 * attempts again. A restart of PostgreSQL takes seconds; an outage past this is not a restart.
 */
export const MAX_OUTAGE_WAIT_MS = 5 * 60_000;
/** Longest wait between two tries during an outage: come back soon after the dependency does. */
const OUTAGE_RETRY_CAP_MS = 5_000;

/** PostgreSQL codes and socket errors that say "not reachable now", never "this message is bad". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03']);
const UNAVAILABLE_MESSAGE = /^(Connection terminated|connect ECONNREFUSED|the database system is (starting up|shutting down|not yet accepting connections|in recovery mode))/;

/**
 * An error of a dependency that is down or restarting (PostgreSQL shutting down or starting up, a
 * refused or cut connection). Such a failure is not counted against `maxAttempts`: dead-lettering
 * every message that arrives during a database restart would take them out of the pipeline
 * (seen in the fault drills: a post dead-lettered with "the database system is starting up").
 */
export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return UNAVAILABLE_MESSAGE.test(error.message);
}

export interface AttemptOptions {
  handler: MessageHandler;
  delivery: (attempt: number) => Delivery;
  maxAttempts: number;
  retryBaseMs: number;
  /** Sleeps between attempts; resolves false when a stop cut the wait short. */
  wait: (ms: number) => Promise<boolean>;
  /** Aborted when the consumer gives up waiting for a running handler (shutdown timeout). */
  abandoned: AbortSignal;
  logger: Logger;
}

/**
 * Runs a handler until it settles the message: ok, drop, dead-letter, or thrown errors until
 * `maxAttempts` is used up (then dead-letter with the last error as reason).
 */
export async function runAttempts(options: AttemptOptions): Promise<Verdict> {
  const { handler, maxAttempts, retryBaseMs, logger } = options;
  let lastError = 'unknown error';
  let outages = 0;
  let outageWaitedMs = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const delivery = options.delivery(attempt);
    let outcome: HandlerOutcome | void;
    try {
      const running = Promise.resolve().then(() => handler(delivery));
      // The handler keeps running after an abandon; its late failure must not become unhandled.
      running.catch(() => undefined);
      const settled = await untilSettledOrAbandoned(running, options.abandoned);
      if (!settled.done) return { kind: 'abandoned', attempts: attempt };
      outcome = settled.value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      if (isDependencyUnavailable(error) && outageWaitedMs < MAX_OUTAGE_WAIT_MS) {
        outages++;
        const delayMs = retryDelayMs(outages, retryBaseMs, OUTAGE_RETRY_CAP_MS);
        outageWaitedMs += delayMs;
        logger.warn(
          { topic: delivery.topic, partition: delivery.partition, offset: delivery.offset, attempt, delayMs, err: error },
          'dependency unavailable; retrying without counting the attempt',
        );
        if (!(await options.wait(delayMs))) return { kind: 'abandoned', attempts: attempt };
        attempt--;
        continue;
      }
      if (attempt >= maxAttempts) break;
      const delayMs = retryDelayMs(attempt, retryBaseMs);
      logger.warn(
        { topic: delivery.topic, partition: delivery.partition, offset: delivery.offset, attempt, delayMs, err: error },
        'handler failed; retrying',
      );
      if (!(await options.wait(delayMs))) return { kind: 'abandoned', attempts: attempt };
      continue;
    }
    if (!outcome || outcome.outcome === 'ok') return { kind: 'ok', attempts: attempt };
    if (outcome.outcome === 'drop') return { kind: 'drop', reason: outcome.reason, attempts: attempt };
    return { kind: 'dead-letter', reason: outcome.reason, attempts: attempt };
  }
  return { kind: 'dead-letter', reason: `failed ${maxAttempts} attempts: ${lastError}`, attempts: maxAttempts };
}

/**
 * `running`'s value, or `{ done: false }` as soon as `abandoned` is aborted. Not a
 * `Promise.race` with a promise that settles only at shutdown: each race would leave a reaction on
 * that promise for the life of the process (one per message; the heap grew ~6 MB/s under load and
 * old-generation pauses with it). The abort listener is removed when the handler settles.
 */
export function untilSettledOrAbandoned<T>(running: Promise<T>, abandoned: AbortSignal): Promise<{ done: true; value: T } | { done: false }> {
  if (abandoned.aborted) return Promise.resolve({ done: false });
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ done: false });
    abandoned.addEventListener('abort', onAbort, { once: true });
    running.then(
      (value) => {
        abandoned.removeEventListener('abort', onAbort);
        resolve({ done: true, value });
      },
      (error: unknown) => {
        abandoned.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
