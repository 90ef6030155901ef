import type { Logger } from '@huiying/telemetry';
import type { Redis } from 'ioredis';

/** Takes the whole hash and deletes it in one step, so two instances never flush one count twice. */
const TAKE_ALL = `local v = redis.call('HGETALL', KEYS[1]); redis.call('DEL', KEYS[1]); return v`;

/**
 * Counts each copy once: KEYS[1] is the hash, then one `copy-of:<id>` key per copy; ARGV is the
 * link TTL, then the post each copy copies. A copy already linked (polled again, or a retried
 * batch that got this far) is not counted twice.
 */
const COUNT_ONCE = `
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[i], 'PX', ARGV[1], 'NX') then redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
end
return 0`;

export interface RepostCounterOptions {
  redis: Redis;
  /** The hash is `${keyPrefix}reposts`. */
  keyPrefix: string;
  /** Adds the counts to the system of record (post_repost_counts). */
  persist: (counts: { postId: string; reposts: number }[], at: Date) => Promise<void>;
  logger: Logger;
  /** Default 5 s: a duty officer's view of a repost storm may lag by that much. */
  flushIntervalMs?: number;
  /** How long a copy's link to what it copies is kept: the dedup window. */
  windowMs: number;
}

/**
 * Counts copies of a known text on the first post instead of emitting them. Every instance
 * increments one Redis hash (cheap, no database write per repost in a storm of thousands); a
 * flush takes the hash atomically and adds it to PostgreSQL. If the database write fails the
 * counts go back into the hash; a process killed between take and write loses at most one
 * interval's counts — they are a measure of spread, not evidence.
 */
export class RepostCounter {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<number> | undefined;
  private readonly key: string;
  private readonly linkTtlMs: number;

  constructor(private readonly options: RepostCounterOptions) {
    this.key = `${options.keyPrefix}reposts`;
    this.linkTtlMs = options.windowMs;
  }

  /**
   * Counts each duplicate on the post it copies — always the first post, as dedup never points
   * a copy at another copy — once: the copy's `copy-of` link marks it counted for the window.
   */
  async record(duplicates: ReadonlyArray<{ id: string; of: string }>): Promise<void> {
    if (duplicates.length === 0) return;
    const keys = [this.key, ...duplicates.map((d) => `${this.options.keyPrefix}copy-of:${d.id}`)];
    await this.options.redis.eval(COUNT_ONCE, keys.length, ...keys, this.linkTtlMs, ...duplicates.map((d) => d.of));
  }

  start(): void {
    if (this.timer) return;
    const every = this.options.flushIntervalMs ?? 5_000;
    const tick = () => {
      this.timer = setTimeout(() => {
        void this.flush()
          .catch((error: unknown) => this.options.logger.warn({ err: error }, 'repost counts not flushed; will retry'))
          .finally(() => {
            if (this.timer) tick();
          });
      }, every);
    };
    tick();
  }

  /** Stops the timer and flushes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch((error: unknown) => this.options.logger.warn({ err: error }, 'repost counts not flushed at stop'));
  }

  /** Moves the counted reposts to the database; returns how many posts got counts. */
  flush(): Promise<number> {
    this.flushing ??= this.takeAndPersist().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async takeAndPersist(): Promise<number> {
    const flat = (await this.options.redis.eval(TAKE_ALL, 1, this.key)) as string[];
    const counts: { postId: string; reposts: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) counts.push({ postId: flat[i]!, reposts: Number(flat[i + 1]) });
    if (counts.length === 0) return 0;
    try {
      await this.options.persist(counts, new Date());
    } catch (error) {
      const pipeline = this.options.redis.pipeline();
      for (const c of counts) pipeline.hincrby(this.key, c.postId, c.reposts);
      await pipeline.exec();
      throw error;
    }
    return counts.length;
  }
}
