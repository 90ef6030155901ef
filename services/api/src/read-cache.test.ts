import { ReadCache } from './read-cache';

/** A loader whose reads finish only when the test says so, counting how often it was asked. */
function reads() {
  const pending: Array<(v: string) => void> = [];
  let n = 0;
  return {
    get count() { return n; },
    load: () => new Promise<string>((resolve) => { n += 1; pending.push(resolve); }),
    finish: async (value: string) => { pending.shift()!(value); await new Promise((r) => setImmediate(r)); },
  };
}

describe('ReadCache', () => {
  it('reads once for concurrent readers and reuses the value within the TTL', async () => {
    const cache = new ReadCache<string>(1000);
    const r = reads();
    const both = Promise.all([cache.get('k', r.load, 0), cache.get('k', r.load, 10)]);
    await r.finish('v1');
    expect(await both).toEqual(['v1', 'v1']);
    expect(await cache.get('k', r.load, 999)).toBe('v1');
    expect(r.count).toBe(1);
  });

  it('serves the old value while its successor is read once the TTL is over, then the new one', async () => {
    const cache = new ReadCache<string>(1000);
    const r = reads();
    const first = cache.get('k', r.load, 0);
    await r.finish('v1');
    await first;
    expect(await cache.get('k', r.load, 1500)).toBe('v1');
    expect(await cache.get('k', r.load, 1600)).toBe('v1');
    expect(r.count).toBe(2);
    await r.finish('v2');
    expect(await cache.get('k', r.load, 1700)).toBe('v2');
    expect(r.count).toBe(2);
  });

  it('after clear() nobody gets the old value, and a refresh begun before it is not kept', async () => {
    const cache = new ReadCache<string>(1000);
    const r = reads();
    const first = cache.get('k', r.load, 0);
    await r.finish('v1');
    await first;
    expect(await cache.get('k', r.load, 1500)).toBe('v1');
    cache.clear();
    const after = cache.get('k', r.load, 1510);
    await r.finish('from before the change');
    await r.finish('v2');
    expect(await after).toBe('v2');
    expect(await cache.get('k', r.load, 1520)).toBe('v2');
  });

  it.each([
    { name: 'TTL 0 reads every time', ttlMs: 0, secondAtMs: 0 },
    { name: 'an entry past maxStaleMs is not served while refreshing', ttlMs: 1000, secondAtMs: 10_000 },
  ])('$name', async ({ ttlMs, secondAtMs }) => {
    const cache = new ReadCache<string>(ttlMs);
    const r = reads();
    const first = cache.get('k', r.load, 0);
    await r.finish('v1');
    await first;
    const second = cache.get('k', r.load, secondAtMs);
    await r.finish('v2');
    expect(await second).toBe('v2');
  });

  it('forgets a failed read, so the next reader tries again', async () => {
    const cache = new ReadCache<string>(1000);
    await expect(cache.get('k', () => Promise.reject(new Error('db down')), 0)).rejects.toThrow('db down');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', async () => 'v', 1)).toBe('v');
  });
});
