import { TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  const limit = { perMinute: 600, burst: 100 }; // 10 posts a second

  it.each([
    // [takes as [n, atMs], expected verdicts]
    ['a full burst at once', [[100, 0]], [true]],
    ['one more than the burst', [[101, 0]], [false]],
    ['the burst, then one more at once', [[100, 0], [1, 0]], [true, false]],
    ['the burst, then 10 after a second', [[100, 0], [10, 1000]], [true, true]],
    ['the burst, then 11 after a second', [[100, 0], [11, 1000]], [true, false]],
    ['idle for an hour refills only to the burst', [[1, 0], [101, 3_600_000]], [true, false]],
  ] as const)('%s', (_, takes, expected) => {
    const buckets = new TokenBuckets();
    expect(takes.map(([n, at]) => buckets.take('s', n, limit, at).ok)).toEqual(expected);
  });

  it('keeps sources apart and says when to retry', () => {
    const buckets = new TokenBuckets();
    expect(buckets.take('a', 100, limit, 0).ok).toBe(true);
    expect(buckets.take('b', 100, limit, 0).ok).toBe(true);
    expect(buckets.take('a', 5, limit, 0)).toEqual({ ok: false, retryAfterMs: 500 });
  });
});
