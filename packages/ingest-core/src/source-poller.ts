import type { Post } from '@huiying/contracts';
import type { FieldIssue } from './errors';
import { formatInstant } from './published-at';
import { nextPollDelay, sourceHealth, type PollTiming, type SourceHealth } from './poll-schedule';

/** An item that could not become a post; the service dead-letters it with its reason and raw form. */
export interface RejectedItem {
  issues: FieldIssue[];
  raw: unknown;
}

/** What one fetch produced. */
export interface PollBatch<C> {
  posts: Post[];
  rejected: RejectedItem[];
  /** Where the next poll starts once this batch is handed off. */
  cursor: C;
  warnings: string[];
}

/** A connector's half of polling: fetch from a cursor, yield batches. */
export interface PollSource<C> {
  poll(cursor: C | undefined, context: { signal: AbortSignal; now: () => number }): AsyncIterable<PollBatch<C>>;
}

export interface PollerState<C> {
  sourceId: string;
  health: SourceHealth;
  running: boolean;
  consecutiveFailures: number;
  cursor?: C;
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  lastError?: { at: string; name: string; code?: string; message: string };
  nextPollAt?: string;
  counts: { polls: number; failures: number; batches: number; posts: number; rejected: number; unchanged: number };
}

export interface PollerOptions<C> {
  sourceId: string;
  source: PollSource<C>;
  timing: PollTiming;
  /**
   * Receives each batch. Resolve it only once the posts are safe (Kafka acknowledged): the
   * poller advances its cursor after it resolves, and a rejection fails the poll, so the same
   * items come again on the next one.
   */
  onBatch: (posts: Post[], cursor: C, details: { rejected: RejectedItem[]; warnings: string[] }) => Promise<void>;
  /** The cursor persisted by the caller, so a restart resumes where it stopped. */
  initialCursor?: C;
  /** Called after every poll, for metrics and the sources API. */
  onState?: (state: PollerState<C>) => void;
  now?: () => number;
  random?: () => number;
}

export type PollOutcome = { ok: true; batches: number; posts: number } | { ok: false; error: Error };

/**
 * Polls one source on its own timer. Sources never share a loop, so a slow or stalled source
 * delays only itself. Nothing starts until `start()`.
 */
export class SourcePoller<C> {
  private readonly now: () => number;
  private readonly random: () => number;
  private cursor: C | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<PollOutcome> | undefined;
  private abort = new AbortController();
  private consecutiveFailures = 0;
  private readonly status: PollerState<C>;

  constructor(private readonly options: PollerOptions<C>) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.cursor = options.initialCursor;
    this.status = {
      sourceId: options.sourceId,
      health: 'healthy',
      running: false,
      consecutiveFailures: 0,
      cursor: this.cursor,
      counts: { polls: 0, failures: 0, batches: 0, posts: 0, rejected: 0, unchanged: 0 },
    };
  }

  /** A copy of the poller's state, for metrics and the sources API. */
  state(): PollerState<C> {
    return structuredClone(this.status);
  }

  /** Starts polling; the first poll comes after `firstDelayMs` (default: a random part of the jitter, to spread a fleet's start). */
  start(firstDelayMs?: number): void {
    if (this.running) return;
    this.running = true;
    this.status.running = true;
    if (this.abort.signal.aborted) this.abort = new AbortController();
    const jitter = this.options.timing.jitterRatio ?? 0.1;
    this.schedule(firstDelayMs ?? Math.round(this.options.timing.intervalMs * jitter * this.random()));
  }

  /** Stops the timer, aborts a fetch in flight and waits for the poll to end. */
  async stop(): Promise<void> {
    this.running = false;
    this.status.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.inFlight;
    this.status.nextPollAt = undefined;
  }

  /** Runs one poll now (waiting for one in flight first). Used by the timer, tests and "poll now" in the API. */
  async pollNow(): Promise<PollOutcome> {
    while (this.inFlight) await this.inFlight;
    this.inFlight = this.runPoll();
    try {
      return await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.status.nextPollAt = formatInstant(this.now() + delayMs, 0);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pollNow().then(() => {
        this.schedule(nextPollDelay(this.options.timing, this.consecutiveFailures, this.random()));
      });
    }, delayMs);
  }

  private async runPoll(): Promise<PollOutcome> {
    const counts = this.status.counts;
    counts.polls++;
    this.status.lastAttemptAt = formatInstant(this.now(), 0);
    let batches = 0;
    let posts = 0;
    try {
      for await (const batch of this.options.source.poll(this.cursor, { signal: this.abort.signal, now: this.now })) {
        batches++;
        if (batch.posts.length > 0 || batch.rejected.length > 0 || batch.cursor !== this.cursor) {
          await this.options.onBatch(batch.posts, batch.cursor, { rejected: batch.rejected, warnings: batch.warnings });
        }
        // Advance only after the hand-off resolved: a crash before this line re-fetches the batch.
        this.cursor = batch.cursor;
        this.status.cursor = batch.cursor;
        posts += batch.posts.length;
        counts.batches++;
        counts.posts += batch.posts.length;
        counts.rejected += batch.rejected.length;
      }
      if (batches === 0) counts.unchanged++;
      this.consecutiveFailures = 0;
      this.status.lastSuccessAt = formatInstant(this.now(), 0);
      return { ok: true, batches, posts };
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      this.consecutiveFailures++;
      counts.failures++;
      this.status.lastError = {
        at: formatInstant(this.now(), 0),
        name: error.name,
        code: (error as { code?: string }).code,
        message: error.message,
      };
      return { ok: false, error };
    } finally {
      this.status.consecutiveFailures = this.consecutiveFailures;
      this.status.health = sourceHealth(this.consecutiveFailures, this.options.timing.unhealthyAfter);
      this.options.onState?.(this.state());
    }
  }
}
