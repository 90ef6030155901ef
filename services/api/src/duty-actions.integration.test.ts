import { seedIncident, startApiFixture, type ApiFixture } from './testing/api-fixture';

/**
 * The duty officer's actions through the real routes: each one changes the incident, writes a
 * history row and the outbox event the SLA timer re-plans on; a refused transition changes nothing.
 */
describe('duty actions', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await startApiFixture();
  });
  afterAll(() => f?.close());

  const post = async (url: string, payload: object) => f.app.inject({ method: 'POST', url, headers: await f.as('duty'), payload });
  const outboxKinds = async (incidentId: string) =>
    (await f.db.query<{ kind: string }>(`SELECT payload->>'kind' AS kind FROM outbox WHERE key = $1 ORDER BY seq`, [incidentId])).rows.map((r) => r.kind);
  const history = async (incidentId: string) =>
    (await f.db.query<{ actor: string; action: string; reason: string | null }>(`SELECT actor, action, reason FROM incident_history WHERE incident_id = $1 ORDER BY id`, [incidentId])).rows;

  it('confirms with a level, once; a second confirmation is a 409 that changes nothing', async () => {
    const incident = await seedIncident(f.db, { level: 'III' });
    const first = await post(`/api/incidents/${incident.id}/confirm`, { level: 'II' });
    expect(first.statusCode).toBe(200);
    expect(first.json().incident).toMatchObject({ id: incident.id, status: 'confirmed', level: 'II', levelConfirmed: true });
    expect(await outboxKinds(incident.id)).toEqual(['opened', 'confirmed', 'level_changed']);
    expect((await history(incident.id)).at(-1)).toEqual({ actor: f.ids.duty, action: 'confirmed,level_changed', reason: null });
    const again = await post(`/api/incidents/${incident.id}/confirm`, {});
    expect([again.statusCode, again.json().error]).toEqual([409, 'state_changed']);
    expect(await outboxKinds(incident.id)).toHaveLength(3);
  });

  it('sets the level with its reason', async () => {
    const incident = await seedIncident(f.db, { level: 'II' });
    const response = await post(`/api/incidents/${incident.id}/level`, { level: 'I', reason: '死亡人数升至32人' });
    expect(response.json().incident).toMatchObject({ level: 'I', levelConfirmed: true });
    expect((await history(incident.id)).at(-1)).toMatchObject({ action: 'level_changed', reason: '死亡人数升至32人' });
    expect(await outboxKinds(incident.id)).toEqual(['opened', 'level_changed']);
  });

  it.each([
    ['no reason', {}],
    ['a one-character reason', { reason: '否' }],
    ['only spaces', { reason: '    ' }],
  ])('refuses a dismissal with %s', async (_name, payload) => {
    const incident = await seedIncident(f.db);
    const response = await post(`/api/incidents/${incident.id}/dismiss`, payload);
    expect([response.statusCode, response.json().error]).toEqual([400, 'reason_required']);
    expect(await outboxKinds(incident.id)).toEqual(['opened']);
  });

  it('dismisses with a reason, which stops further actions', async () => {
    const incident = await seedIncident(f.db);
    const response = await post(`/api/incidents/${incident.id}/dismiss`, { reason: '系旧闻，与本地无关' });
    expect(response.json().incident.status).toBe('dismissed');
    expect(await outboxKinds(incident.id)).toEqual(['opened', 'dismissed']);
    expect((await post(`/api/incidents/${incident.id}/level`, { level: 'I', reason: 'x' })).statusCode).toBe(409);
  });

  it('assigns departments', async () => {
    const incident = await seedIncident(f.db, { departments: [] });
    const response = await post(`/api/incidents/${incident.id}/departments`, { departments: ['市安监局', '礼县政府', '市安监局'] });
    expect(response.json().incident.departments).toEqual(['市安监局', '礼县政府']);
    const { rows } = await f.db.query(`SELECT departments FROM incidents WHERE id = $1`, [incident.id]);
    expect(rows[0]!.departments).toEqual(['市安监局', '礼县政府']);
    expect(await outboxKinds(incident.id)).toEqual(['opened', 'updated']);
  });

  it('corrects t0 with a reason, and refuses a t0 in the future', async () => {
    const incident = await seedIncident(f.db);
    const t0 = new Date(Date.now() - 3 * 3600_000).toISOString();
    const response = await post(`/api/incidents/${incident.id}/t0`, { t0, reason: '首条信息实为三小时前发布' });
    expect(response.json().incident.t0).toBe(t0);
    expect(await outboxKinds(incident.id)).toEqual(['opened', 't0_corrected']);
    const future = await post(`/api/incidents/${incident.id}/t0`, { t0: new Date(Date.now() + 3600_000).toISOString(), reason: '未来时间' });
    expect(future.statusCode).toBe(409);
  });

  it('merges one incident into another: posts, counts and t0 follow the survivor', async () => {
    const survivor = await seedIncident(f.db, { postCount: 2, departments: ['市安监局'] });
    const earlier = new Date(Date.now() - 7200_000).toISOString();
    const absorbed = await seedIncident(f.db, { postCount: 3, departments: ['文县政府'], t0: earlier });
    await f.db.query(`INSERT INTO incident_posts (post_id, incident_id) VALUES ('p-a', $1), ('p-b', $1)`, [absorbed.id]);
    const response = await post(`/api/incidents/${absorbed.id}/merge`, { into: survivor.id, reason: '同一山体滑坡' });
    expect(response.statusCode).toBe(200);
    expect(response.json().incident).toMatchObject({ id: survivor.id, postCount: 5, t0: earlier, departments: ['市安监局', '文县政府'] });
    const { rows } = await f.db.query(`SELECT merged_into FROM incidents WHERE id = $1`, [absorbed.id]);
    expect(rows[0]!.merged_into).toBe(survivor.id);
    const links = await f.db.query(`SELECT incident_id FROM incident_posts WHERE post_id IN ('p-a', 'p-b')`);
    expect(links.rows.map((r) => r.incident_id)).toEqual([survivor.id, survivor.id]);
    expect(await outboxKinds(absorbed.id)).toEqual(['opened', 'merged']);
    expect(await outboxKinds(survivor.id)).toEqual(['opened', 'updated', 't0_corrected']);
    const list = (await f.app.inject({ url: '/api/incidents', headers: await f.as('duty') })).json().incidents.map((i: { id: string }) => i.id);
    expect(list).toContain(survivor.id);
    expect(list).not.toContain(absorbed.id);
    const self = await post(`/api/incidents/${survivor.id}/merge`, { into: survivor.id, reason: '自身合并' });
    expect(self.statusCode).toBe(409);
  });

  it('acknowledges an alert once, naming who did it', async () => {
    const incident = await seedIncident(f.db);
    await f.db.query(
      `INSERT INTO alerts (id, key, incident_id, severity, title, body, created_at, last_at, trace_id)
       VALUES ('al-ack', 'k-ack', $1, 'warning', '即将超时', '距权威信息发布时限还有30分钟', now(), now(), 't')`,
      [incident.id],
    );
    const listed = (await f.app.inject({ url: '/api/alerts?status=unacknowledged', headers: await f.as('duty') })).json().alerts;
    expect(listed).toEqual([expect.objectContaining({ id: 'al-ack', incidentId: incident.id, incidentTitle: incident.title, acknowledgedAt: null })]);
    const ack = await post('/api/alerts/al-ack/acknowledge', {});
    expect(ack.statusCode).toBe(200);
    expect(ack.json().alert).toMatchObject({ id: 'al-ack', acknowledgedBy: 'duty 测试' });
    const at = ack.json().alert.acknowledgedAt;
    expect(Date.parse(at)).toBeGreaterThan(Date.now() - 10_000);
    expect((await post('/api/alerts/al-ack/acknowledge', {})).json().alert.acknowledgedAt).toBe(at);
    expect((await f.app.inject({ url: '/api/alerts', headers: await f.as('duty') })).json().alerts).toEqual([]);
    const missing = await post('/api/alerts/al-none/acknowledge', {});
    expect([missing.statusCode, missing.json().error]).toEqual([404, 'alert_not_found']);
  });

  it('answers 404 incident_not_found for an action on a missing incident', async () => {
    const response = await post('/api/incidents/inc-missing/confirm', {});
    expect([response.statusCode, response.json().error]).toEqual([404, 'incident_not_found']);
  });
});
