/**
 * A per-source rate in posts (not requests): a batch of 1000 costs 1000. Pure; the caller
 * passes the time. The bucket holds `burst` tokens and refills at `perMinute`.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes `n` tokens from `key`'s bucket; on refusal, how long until they would be there. */
  take(key: string, n: number, limit: { perMinute: number; burst: number }, nowMs: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const ratePerMs = limit.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: nowMs };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + Math.max(0, nowMs - bucket.at) * ratePerMs);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (n <= bucket.tokens) {
      bucket.tokens -= n;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((n - bucket.tokens) / ratePerMs) };
  }
}
