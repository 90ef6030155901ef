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
});
