import type { Redis } from 'ioredis';

/**
 * Remembers the signed requests a pushing source already delivered, so a captured request sent
 * again inside the signature's time tolerance is refused instead of published twice. A request
 * that did not end in 202 is forgotten again: the sender may resend the same bytes.
 */
export interface ReplayGuard {
  /** Records `key` for `ttlMs`; false when it was already recorded (a replay). */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Keeps a claimed key for `ttlMs` from now (after the 202). */
  keep(key: string, ttlMs: number): Promise<void>;
  release(key: string): Promise<void>;
}

/** Shared by every ingest instance, and it survives a restart of one. */
export class RedisReplayGuard implements ReplayGuard {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.keyPrefix}sig:${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async keep(key: string, ttlMs: number): Promise<void> {
    await this.redis.pexpire(`${this.keyPrefix}sig:${key}`, ttlMs);
  }

  async release(key: string): Promise<void> {
    await this.redis.del(`${this.keyPrefix}sig:${key}`);
  }
}

/** One process's memory: for the embedded mode and tests without Redis. */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const at = this.now();
    if (this.seen.size > 10_000) for (const [k, until] of this.seen) if (until <= at) this.seen.delete(k);
    const until = this.seen.get(key);
    if (until !== undefined && until > at) return false;
    this.seen.set(key, at + ttlMs);
    return true;
  }

  async keep(key: string, ttlMs: number): Promise<void> {
    if (this.seen.has(key)) this.seen.set(key, this.now() + ttlMs);
  }

  async release(key: string): Promise<void> {
    this.seen.delete(key);
  }
}
