import type { IncidentSnapshot } from '@huiying/contracts';
import { CSRF_HEADER, CSRF_VALUE } from './access/authentication';
import { PASSWORD, seedIncident, startApiFixture, type ApiFixture } from './testing/api-fixture';

/**
 * Who may do what, through the real routes on a real PostgreSQL schema: login and sessions,
 * CSRF, API keys, and for each role the things it must be refused.
 */
describe('access control of the API', () => {
  let f: ApiFixture;
  let safety: IncidentSnapshot;
  let finance: IncidentSnapshot;

  beforeAll(async () => {
    f = await startApiFixture({ loginPerMinute: 5 });
    safety = await seedIncident(f.db, { departments: ['市安监局'], title: '礼县煤矿透水' });
    finance = await seedIncident(f.db, { departments: ['市财政局'], title: '网传财政拖欠工资' });
    await f.db.query(
      `INSERT INTO alerts (id, key, incident_id, severity, title, body, created_at, last_at, trace_id)
       VALUES ('al-1', 'k-1', $1, 'critical', '超时', '权威信息发布已超时', now(), now(), 't')`,
      [safety.id],
    );
  });
  afterAll(() => f?.close());

  describe('login', () => {
    it('answers an unknown user and a wrong password alike', async () => {
      const headers = { [CSRF_HEADER]: CSRF_VALUE };
      const unknown = await f.app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { username: 'nobody', password: PASSWORD } });
      const wrong = await f.app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { username: 'duty', password: 'wrong password' } });
      expect([unknown.statusCode, wrong.statusCode]).toEqual([401, 401]);
      expect(unknown.json().error).toBe('bad_credentials');
      expect(wrong.json()).toEqual(unknown.json());
    });

    it('sets an HttpOnly SameSite=Strict cookie that signs the user in until logout', async () => {
      const login = await f.app.inject({
        method: 'POST', url: '/api/auth/login', headers: { [CSRF_HEADER]: CSRF_VALUE }, payload: { username: 'DUTY', password: PASSWORD },
      });
      expect(login.statusCode).toBe(200);
      expect(login.json().user).toMatchObject({ username: 'duty', roles: ['duty_officer'], departments: ['市政府新闻办'] });
      expect(login.json().user.passwordHash).toBeUndefined();
      const setCookie = String(login.headers['set-cookie']);
      expect(setCookie).toMatch(/^hy_session=[A-Za-z0-9_-]{40,};/);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).toMatch(/Path=\//);
      const cookie = setCookie.split(';')[0]!;
      expect((await f.app.inject({ url: '/api/auth/me', headers: { cookie } })).json().user.username).toBe('duty');
      const logout = await f.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, [CSRF_HEADER]: CSRF_VALUE }, payload: {} });
      expect(logout.json()).toEqual({ ok: true });
      expect((await f.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    });

    it('refuses a login without the console header (login CSRF)', async () => {
      const response = await f.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'duty', password: PASSWORD } });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toBe('csrf');
    });
  });

  it('refuses a cookie-borne mutation without the console header', async () => {
    const { cookie } = await f.as('duty');
    const response = await f.app.inject({ method: 'POST', url: `/api/incidents/${safety.id}/confirm`, headers: { cookie }, payload: {} });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toBe('csrf');
  });

  it('answers 401 to a request without credentials', async () => {
    for (const url of ['/api/incidents', `/api/incidents/${safety.id}`, '/api/alerts', '/api/reports/sla?month=2026-05']) {
      const response = await f.app.inject({ url });
      expect([url, response.statusCode, response.json().error]).toEqual([url, 401, 'not_signed_in']);
    }
  });

  type Refusal = [string, string, string, string, unknown?];
  it.each<Refusal>([
    ['a spokesperson cannot confirm an incident', 'spokesperson', 'POST', 'confirm', { level: 'II' }],
    ['a spokesperson cannot dismiss an incident', 'spokesperson', 'POST', 'dismiss', { reason: '不是事件' }],
    ['an approver cannot set the level', 'approver', 'POST', 'level', { level: 'I', reason: '升级' }],
    ['a leader cannot assign departments', 'leader', 'POST', 'departments', { departments: ['市财政局'] }],
    ['an admin cannot merge incidents', 'admin', 'POST', 'merge', { into: 'FINANCE', reason: '同一事件' }],
    ['a leader cannot correct t0 (it moves every deadline)', 'leader', 'POST', 't0', { t0: '2026-05-01T00:00:00.000Z', reason: '更正起算时间' }],
    ['a spokesperson cannot correct t0', 'spokesperson', 'POST', 't0', { t0: '2026-05-01T00:00:00.000Z', reason: '更正起算时间' }],
    ['an approver cannot split an incident', 'approver', 'POST', 'split', { postIds: ['p-1'], reason: '不是同一事件' }],
    ['an admin cannot split an incident', 'admin', 'POST', 'split', { postIds: ['p-1'], reason: '不是同一事件' }],
    ['a leader of 市财政局 cannot read a 市安监局 incident', 'financeLeader', 'GET', '', undefined],
    ['a spokesperson of 市安监局 cannot read its statements list elsewhere', 'spokesperson', 'GET', 'FINANCE/statements', undefined],
  ])('%s', async (_name, user, method, action, payload) => {
    const target = action.startsWith('FINANCE') ? `${finance.id}${action.slice('FINANCE'.length)}` : action ? `${safety.id}/${action}` : safety.id;
    const body = payload && typeof payload === 'object' && 'into' in payload ? { ...payload, into: finance.id } : payload;
    const response = await f.app.inject({
      method: method as 'GET' | 'POST',
      url: `/api/incidents/${target}`,
      headers: await f.as(user),
      ...(body !== undefined && { payload: body as object }),
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toBe('forbidden');
    // Nothing changed.
    const { rows } = await f.db.query(`SELECT status, level_confirmed, t0 FROM incidents WHERE id = $1`, [safety.id]);
    expect(rows[0]).toEqual({ status: 'detected', level_confirmed: false, t0: safety.t0 });
  });

  it.each([
    ['an approver cannot acknowledge an alert', 'approver'],
    ['a leader cannot acknowledge an alert', 'leader'],
  ])('%s', async (_name, user) => {
    const response = await f.app.inject({ method: 'POST', url: '/api/alerts/al-1/acknowledge', headers: await f.as(user), payload: {} });
    expect(response.statusCode).toBe(403);
    const { rows } = await f.db.query(`SELECT acknowledged_at FROM alerts WHERE id = 'al-1'`);
    expect(rows[0]!.acknowledged_at).toBeNull();
  });

  it.each([
    ['a duty officer cannot read the report', 'duty', '2026-05', undefined, 403],
    ['a spokesperson cannot read the report', 'spokesperson', '2026-05', '市安监局', 403],
    ['a department leader cannot read the city-wide report', 'leader', '2026-05', undefined, 403],
    ['a department leader cannot read another department', 'leader', '2026-05', '市财政局', 403],
    ['a department leader reads their own department', 'leader', '2026-05', '市安监局', 200],
    ['a city leader reads the city-wide report', 'cityLeader', '2026-05', undefined, 200],
  ])('%s', async (_name, user, month, department, status) => {
    const query = department ? `month=${month}&department=${encodeURIComponent(department)}` : `month=${month}`;
    const report = await f.app.inject({ url: `/api/reports/sla?${query}`, headers: await f.as(user) });
    const csv = await f.app.inject({ url: `/api/reports/sla.csv?${query}`, headers: await f.as(user) });
    expect([report.statusCode, csv.statusCode]).toEqual([status, status]);
  });

  it('limits the incident list and the alerts to the departments of a scoped role', async () => {
    const ids = async (user: string) =>
      ((await f.app.inject({ url: '/api/incidents?status=all', headers: await f.as(user) })).json().incidents as { id: string }[]).map((i) => i.id).sort();
    expect(await ids('duty')).toEqual([safety.id, finance.id].sort());
    expect(await ids('spokesperson')).toEqual([safety.id]);
    expect(await ids('financeLeader')).toEqual([finance.id]);
    const alerts = async (user: string) => (await f.app.inject({ url: '/api/alerts', headers: await f.as(user) })).json().alerts.length;
    expect([await alerts('duty'), await alerts('spokesperson'), await alerts('financeLeader')]).toEqual([1, 1, 0]);
  });

  it('takes a machine API key as a bearer token, checked by the same policy, without the CSRF header', async () => {
    const reader = await f.apiKey({ id: 'bench-reader', roles: ['leader'], departments: ['市财政局'] });
    const authorization = `Bearer ${reader}`;
    const list = await f.app.inject({ url: '/api/incidents?status=all', headers: { authorization } });
    expect(list.json().incidents.map((i: { id: string }) => i.id)).toEqual([finance.id]);
    const confirm = await f.app.inject({ method: 'POST', url: `/api/incidents/${finance.id}/confirm`, headers: { authorization }, payload: {} });
    expect(confirm.statusCode).toBe(403);
    const forged = await f.app.inject({ url: '/api/incidents', headers: { authorization: `${authorization.slice(0, -2)}xx` } });
    expect(forged.statusCode).toBe(401);
  });

  it('tells a domain 404 from an unknown route', async () => {
    const missing = await f.app.inject({ url: '/api/incidents/no-such-incident', headers: await f.as('duty') });
    expect([missing.statusCode, missing.json().error]).toEqual([404, 'incident_not_found']);
    const unknown = await f.app.inject({ url: '/api/no-such-route', headers: await f.as('duty') });
    expect([unknown.statusCode, unknown.json().error]).toEqual([404, 'Not Found']);
  });

  it('refuses a body above the size limit and names schema problems', async () => {
    const big = await f.app.inject({
      method: 'POST', url: `/api/incidents/${safety.id}/dismiss`, headers: { ...(await f.as('duty')), 'content-type': 'application/json' },
      payload: JSON.stringify({ reason: 'x'.repeat(300 * 1024) }),
    });
    expect([big.statusCode, big.json().error]).toEqual([413, 'payload_too_large']);
    const bad = await f.app.inject({ method: 'POST', url: `/api/incidents/${safety.id}/level`, headers: await f.as('duty'), payload: { level: 'V' } });
    expect([bad.statusCode, bad.json().error]).toEqual([400, 'bad_request']);
    expect(bad.json().problems[0].path).toContain('level');
  });

  it('rate-limits login attempts per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await f.app.inject({
        method: 'POST', url: '/api/auth/login', headers: { [CSRF_HEADER]: CSRF_VALUE }, remoteAddress: '10.9.9.9',
        payload: { username: 'duty', password: 'guess' },
      });
      statuses.push(r.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });

  it('sends the security headers and keeps CORS closed', async () => {
    const response = await f.app.inject({ url: '/api/auth/me', headers: { origin: 'https://evil.example' } });
    expect(response.headers['content-security-policy']).toContain("require-trusted-types-for 'script'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await f.app.inject({
      method: 'OPTIONS', url: '/api/incidents', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.statusCode).toBe(404);
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('serves the OpenAPI document and its UI at /docs', async () => {
    const doc = (await f.app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/incidents/{id}/confirm', '/api/reports/sla']));
    expect(doc.paths['/api/incidents/{id}/level'].post.requestBody.content['application/json'].schema.properties.level.enum).toEqual(['I', 'II', 'III', 'IV']);
    const ui = await f.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    // Served from the package, not a CDN: the office network may not reach one.
    expect(ui.body).toContain('swagger-ui-bundle.js');
    expect(ui.body).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    // Swagger UI gets its own policy: the console's Trusted Types one would break it.
    expect(ui.headers['content-security-policy']).not.toContain('trusted-types');
    expect(ui.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await f.app.inject({ url: '/docs/static/swagger-ui-bundle.js' })).statusCode).toBe(200);
  });
});

describe('CORS opened to named origins', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await startApiFixture({ corsOrigins: ['https://console.example'] });
  });
  afterAll(() => f?.close());

  it('answers only the named origin', async () => {
    const named = await f.app.inject({ url: '/api/auth/me', headers: { origin: 'https://console.example' } });
    const other = await f.app.inject({ url: '/api/auth/me', headers: { origin: 'https://evil.example' } });
    expect(named.headers['access-control-allow-origin']).toBe('https://console.example');
    expect(named.headers['access-control-allow-credentials']).toBe('true');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
