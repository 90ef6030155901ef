import { MemorySessionStore } from '@huiying/access';
import { revocationAware, SessionPrincipalCache, type SignedIn } from './authentication';

const duty: SignedIn = { id: 'u-duty', roles: ['duty_officer'], departments: [], active: true, username: 'duty', displayName: '王值班' };
const leader: SignedIn = { id: 'u-leader', roles: ['leader'], departments: ['*'], active: true, username: 'leader', displayName: '李领导' };
const endsAt = (ms: number) => ({ expiresAt: new Date(ms) });

describe('SessionPrincipalCache', () => {
  it.each([
    { name: 'within the TTL the principal is reused', ttlMs: 2000, expiresMs: 10_000, atMs: 1999, found: duty },
    { name: 'after the TTL the session is read again', ttlMs: 2000, expiresMs: 10_000, atMs: 2000, found: null },
    { name: "at the session's hard end it stops, whatever the TTL", ttlMs: 2000, expiresMs: 1500, atMs: 1500, found: null },
    { name: 'TTL 0 remembers nothing', ttlMs: 0, expiresMs: 10_000, atMs: 0, found: null },
  ])('$name', ({ ttlMs, expiresMs, atMs, found }) => {
    const cache = new SessionPrincipalCache(ttlMs);
    cache.remember('d-1', endsAt(expiresMs), duty, 0);
    expect(cache.find('d-1', atMs)).toEqual(found);
  });

  it('forgets one session on logout and every session of a user on revokeAllOf, through the store', async () => {
    const cache = new SessionPrincipalCache(60_000);
    const store = revocationAware(new MemorySessionStore(), cache);
    cache.remember('d-duty-1', endsAt(1e12), duty, 0);
    cache.remember('d-duty-2', endsAt(1e12), duty, 0);
    cache.remember('d-leader', endsAt(1e12), leader, 0);
    await store.revoke('d-duty-1');
    expect([cache.find('d-duty-1', 1), cache.find('d-duty-2', 1)]).toEqual([null, duty]);
    await store.revokeAllOf('u-duty');
    expect([cache.find('d-duty-2', 1), cache.find('d-leader', 1)]).toEqual([null, leader]);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = new SessionPrincipalCache(60_000, 2);
    ['a', 'b', 'c'].forEach((d) => cache.remember(d, endsAt(1e12), duty, 0));
    expect(['a', 'b', 'c'].map((d) => cache.find(d, 1) !== null)).toEqual([false, true, true]);
  });

  it('looks a session up once however many requests with its cookie miss meanwhile', async () => {
    const cache = new SessionPrincipalCache(2000);
    let lookups = 0;
    const lookup = async () => {
      lookups++;
      return { session: endsAt(1e12), principal: duty };
    };
    const answers = await Promise.all([cache.load('d-1', 0, lookup), cache.load('d-1', 0, lookup), cache.load('d-2', 0, lookup)]);
    expect(answers).toEqual([duty, duty, duty]);
    expect(lookups).toBe(2);
    expect(cache.find('d-1', 1)).toEqual(duty);
  });

  it.each([
    { name: 'a logout of that session', revoke: (cache: SessionPrincipalCache) => cache.forget('d-1') },
    { name: "a revocation of all the user's sessions", revoke: (cache: SessionPrincipalCache) => cache.forgetUser('u-duty') },
  ])('a lookup under way during $name answers its request but is not remembered, and is not joined', async ({ revoke }) => {
    const cache = new SessionPrincipalCache(2000);
    let release: () => void = () => undefined;
    let lookups = 0;
    const slow = () => {
      lookups++;
      return new Promise<{ session: { expiresAt: Date }; principal: SignedIn }>((resolve) => {
        release = () => resolve({ session: endsAt(1e12), principal: duty });
      });
    };
    const before = cache.load('d-1', 0, slow);
    revoke(cache);
    // A request after the revocation reads the session anew (the store now says it has ended).
    const after = cache.load('d-1', 1, async () => null);
    release();
    expect(await before).toEqual(duty);
    expect(await after).toBeNull();
    expect(lookups).toBe(1);
    expect(cache.find('d-1', 2)).toBeNull();
  });

  it('remembers nothing for a session the store refuses', async () => {
    const cache = new SessionPrincipalCache(2000);
    expect(await cache.load('d-1', 0, async () => null)).toBeNull();
    expect(cache.find('d-1', 1)).toBeNull();
  });
});
