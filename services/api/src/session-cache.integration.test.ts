import { CSRF_HEADER, CSRF_VALUE } from './access/authentication';
import { startApiFixture, type ApiFixture } from './testing/api-fixture';

/**
 * Verified session cookies are reused for a moment (sessionCacheMs) without reading PostgreSQL;
 * revocations still hold: a logout at once, a revocation by another process within the TTL.
 */
describe('session cookies, cached briefly', () => {
  let f: ApiFixture;
  let nowMs = Date.now();

  beforeAll(async () => {
    f = await startApiFixture({ sessionCacheMs: 2000, now: () => new Date(nowMs) });
  });
  afterAll(() => f?.close());

  const me = async (cookie: string) => (await f.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode;

  it('ends a session at once on logout, even while it is cached', async () => {
    const cookie = await f.login('duty');
    expect(await me(cookie)).toBe(200);
    const out = await f.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, [CSRF_HEADER]: CSRF_VALUE }, payload: {} });
    expect(out.statusCode).toBe(200);
    expect(await me(cookie)).toBe(401);
  });

  it('honours a revocation made elsewhere (the CLI, another instance) once the TTL is over', async () => {
    const cookie = await f.login('leader');
    expect(await me(cookie)).toBe(200);
    await f.db.query(`DELETE FROM sessions WHERE user_id = $1`, [f.ids.leader]);
    // Within the TTL the cached principal still answers: the bound this cache trades for speed.
    nowMs += 1000;
    expect(await me(cookie)).toBe(200);
    nowMs += 1500;
    expect(await me(cookie)).toBe(401);
  });

  it('stops serving a disabled account once the TTL is over', async () => {
    const cookie = await f.login('approver');
    expect(await me(cookie)).toBe(200);
    await f.db.query(`UPDATE users SET active = false WHERE id = $1`, [f.ids.approver]);
    nowMs += 2500;
    expect(await me(cookie)).toBe(401);
  });
});
