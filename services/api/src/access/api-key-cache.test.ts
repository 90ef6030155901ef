import type { Principal } from '@huiying/access';
import { ApiKeyPrincipalCache } from './authentication';

const duty: Principal = { id: 'bench-duty', roles: ['duty_officer'], departments: [], active: true };

/** A key store that answers `answers` in turn and counts how often it was asked. */
function verifier(answers: Array<Principal | null>) {
  const asked: string[] = [];
  return { asked, verify: async (key: string) => { asked.push(key); return answers[asked.length - 1] ?? null; } };
}

describe('ApiKeyPrincipalCache', () => {
  it.each([
    { name: 'second request within the TTL is not verified again', ttlMs: 5000, atMs: [0, 4999], answers: [duty, duty], asked: 1, last: duty },
    { name: 'a request after the TTL is verified again', ttlMs: 5000, atMs: [0, 5000], answers: [duty, duty], asked: 2, last: duty },
    { name: 'a key revoked elsewhere stops working once the TTL is over', ttlMs: 5000, atMs: [0, 6000], answers: [duty, null], asked: 2, last: null },
    { name: 'a refused key is not remembered: a key created a moment later works', ttlMs: 5000, atMs: [0, 1], answers: [null, duty], asked: 2, last: duty },
    { name: 'TTL 0 verifies every request', ttlMs: 0, atMs: [0, 0], answers: [duty, duty], asked: 2, last: duty },
  ])('$name', async ({ ttlMs, atMs, answers, asked, last }) => {
    const cache = new ApiKeyPrincipalCache(ttlMs);
    const store = verifier(answers);
    let result: Principal | null = null;
    for (const at of atMs) result = await cache.resolve('hy_key', store.verify, at);
    expect(store.asked).toHaveLength(asked);
    expect(result).toEqual(last);
  });

  it('keeps different keys apart', async () => {
    const cache = new ApiKeyPrincipalCache(5000);
    const leader: Principal = { id: 'bench-leader', roles: ['leader'], departments: ['*'], active: true };
    const store = verifier([duty, leader]);
    expect(await cache.resolve('hy_a', store.verify, 0)).toEqual(duty);
    expect(await cache.resolve('hy_b', store.verify, 1)).toEqual(leader);
    expect(await cache.resolve('hy_a', store.verify, 2)).toEqual(duty);
    expect(store.asked).toEqual(['hy_a', 'hy_b']);
  });

  it('verifies a key once however many requests ask while it is being verified', async () => {
    const cache = new ApiKeyPrincipalCache(5000);
    const store = verifier([duty, duty]);
    const answers = await Promise.all([0, 1, 2].map((at) => cache.resolve('hy_a', store.verify, at)));
    expect(answers).toEqual([duty, duty, duty]);
    expect(store.asked).toEqual(['hy_a']);
    // Once it has settled, the TTL alone decides: past it the key is verified again.
    expect(await cache.resolve('hy_a', store.verify, 5000)).toEqual(duty);
    expect(store.asked).toEqual(['hy_a', 'hy_a']);
  });

  it('shares a failed verification with those waiting for it, and tries again afterwards', async () => {
    const cache = new ApiKeyPrincipalCache(5000);
    let calls = 0;
    const verify = async () => {
      calls++;
      if (calls === 1) throw new Error('database down');
      return duty;
    };
    const answers = await Promise.allSettled([cache.resolve('hy_a', verify, 0), cache.resolve('hy_a', verify, 1)]);
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    expect(await cache.resolve('hy_a', verify, 2)).toEqual(duty);
    expect(calls).toBe(2);
  });
});
