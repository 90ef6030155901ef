import type { Logger } from '@huiying/telemetry';
import type { Redis } from 'ioredis';

/** Takes the whole hash and deletes it in one step, so two instances never flush one count twice. */
const TAKE_ALL = `local v = redis.call('HGETALL', KEYS[1]); redis.call('DEL', KEYS[1]); return v`;

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
   * Counts each duplicate on the post it copies, and remembers that link: a copy may match
   * another copy rather than the original (a repost of a repost claims its own link), and the
   * flush follows the links so the count lands on the first post.
   */
  async record(duplicates: ReadonlyArray<{ id: string; of: string }>): Promise<void> {
    if (duplicates.length === 0) return;
    const pipeline = this.options.redis.pipeline();
    for (const d of duplicates) {
      pipeline.hincrby(this.key, d.of, 1);
      pipeline.set(`${this.options.keyPrefix}copy-of:${d.id}`, d.of, 'PX', this.linkTtlMs);
    }
    await pipeline.exec();
  }

  /** The first post a post copies, following at most a few links. */
  private async firstOf(postIds: readonly string[]): Promise<string[]> {
    const current = [...postIds];
    for (let hop = 0; hop < 5; hop++) {
      const next = await this.options.redis.mget(...current.map((id) => `${this.options.keyPrefix}copy-of:${id}`));
      let moved = false;
      next.forEach((of, i) => {
        if (of && of !== current[i]) {
          current[i] = of;
          moved = true;
        }
      });
      if (!moved) break;
    }
    return current;
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
    const taken: { postId: string; reposts: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) taken.push({ postId: flat[i]!, reposts: Number(flat[i + 1]) });
    if (taken.length === 0) return 0;
    const firsts = await this.firstOf(taken.map((c) => c.postId));
    const summed = new Map<string, number>();
    taken.forEach((c, i) => summed.set(firsts[i]!, (summed.get(firsts[i]!) ?? 0) + c.reposts));
    const counts = [...summed].map(([postId, reposts]) => ({ postId, reposts }));
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
