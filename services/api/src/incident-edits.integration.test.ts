import type { IncidentSnapshot } from '@huiying/contracts';
import { classifyLikeTheClassifier } from '@huiying/incident-core/src/correlation-stream.fixture';
import { seedIncident, startApiFixture, type ApiFixture } from './testing/api-fixture';

/**
 * Split and merge through incident-core's edit transactions, a leader's acknowledgement of a
 * breach, and the leader's pause and resume of a clock: the real API on a fresh PostgreSQL schema.
 */
describe('incident edits and clock exceptions through the API', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await startApiFixture();
  });
  afterAll(() => f?.close());

  const post = async (who: string, url: string, payload: object = {}) => f.app.inject({ method: 'POST', url, headers: await f.as(who), payload });
  const listed = async () =>
    ((await f.app.inject({ url: '/api/incidents?status=all', headers: await f.as('duty') })).json().incidents as { id: string }[]).map((i) => i.id);
  const eventsOf = async (incidentId: string) =>
    (await f.db.query<{ payload: { kind: string; mergedInto?: string } }>(`SELECT payload FROM outbox WHERE key = $1 ORDER BY seq`, [incidentId])).rows.map((r) => r.payload);

  /** An incident holding real posts, as the incident worker would have linked them. */
  async function incidentWithPosts(texts: string[]): Promise<{ incident: IncidentSnapshot; postIds: string[] }> {
    const incident = await seedIncident(f.db, { postCount: texts.length });
    const postIds: string[] = [];
    for (const [n, text] of texts.entries()) {
      const id = `${incident.id}-p${n}`;
      const at = new Date(Date.now() - (texts.length - n) * 10 * 60_000).toISOString();
      await f.db.query(
        `INSERT INTO posts (id, source_id, source_kind, text, published_at, collected_at, trace_id, classification) VALUES ($1, 'weibo', 'json', $2, $3, $3, 't', $4)`,
        [id, text, at, JSON.stringify(classifyLikeTheClassifier(undefined, text))],
      );
      await f.db.query(`INSERT INTO incident_posts (post_id, incident_id) VALUES ($1, $2)`, [id, incident.id]);
      postIds.push(id);
    }
    return { incident, postIds };
  }

  it('splits posts out into a new incident, with the reason on record', async () => {
    const { incident, postIds } = await incidentWithPosts([
      '文县碧口镇发生山体滑坡，道路中断',
      '文县碧口镇滑坡现场，救援人员已赶到',
      '礼县一煤矿发生透水事故，井下人员被困',
    ]);
    const response = await post('duty', `/api/incidents/${incident.id}/split`, { postIds: [postIds[2]], reason: '煤矿透水与滑坡无关' });
    expect(response.statusCode).toBe(200);
    const { incident: source, split, movedPostIds } = response.json();
    expect(movedPostIds).toEqual([postIds[2]]);
    expect(source).toMatchObject({ id: incident.id, postCount: 2 });
    expect(split).toMatchObject({ postCount: 1, status: 'detected' });
    const { rows } = await f.db.query(`SELECT incident_id FROM incident_posts WHERE post_id = $1`, [postIds[2]]);
    expect(rows[0]!.incident_id).toBe(split.id);
    expect((await eventsOf(split.id)).map((e) => e.kind)).toContain('opened');
    expect(await listed()).toEqual(expect.arrayContaining([incident.id, split.id]));

    expect((await post('spokesperson', `/api/incidents/${incident.id}/split`, { postIds: [postIds[0]], reason: '无权拆分' })).statusCode).toBe(403);
    const notItsPost = await post('duty', `/api/incidents/${incident.id}/split`, { postIds: ['no-such-post'], reason: '不属于该事件' });
    expect(notItsPost.statusCode).toBe(409);
    expect((await post('duty', `/api/incidents/inc-missing/split`, { postIds: [postIds[0]], reason: '不存在' })).statusCode).toBe(404);
  });

  it('merges: the absorbed incident leaves the list, its event names the survivor, a second merge of it is a 409', async () => {
    const survivor = await seedIncident(f.db);
    const absorbed = await seedIncident(f.db);
    const response = await post('duty', `/api/incidents/${absorbed.id}/merge`, { into: survivor.id, reason: '同一山体滑坡' });
    expect(response.statusCode).toBe(200);
    expect(response.json().incident.id).toBe(survivor.id);
    expect(await listed()).not.toContain(absorbed.id);
    expect(await listed()).toContain(survivor.id);
    expect(await eventsOf(absorbed.id)).toContainEqual(expect.objectContaining({ kind: 'merged', mergedInto: survivor.id }));
    const again = await post('duty', `/api/incidents/${absorbed.id}/merge`, { into: survivor.id, reason: '重复合并' });
    expect(again.statusCode).toBe(409);
  });

  async function clockOf(incident: IncidentSnapshot, status: 'running' | 'breached'): Promise<string> {
    const id = `clk-${incident.id}`;
    const t0 = Date.now() - 6 * 3_600_000;
    await f.db.query(
      `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, breached_at, updated_at) VALUES ($1, $2, 'statement', $3, $4, $5, $4, $6, now())`,
      [id, incident.id, status, new Date(t0).toISOString(), new Date(status === 'breached' ? t0 + 5 * 3_600_000 : Date.now() + 3_600_000).toISOString(),
        status === 'breached' ? new Date(t0 + 5 * 3_600_000).toISOString() : null],
    );
    return id;
  }

  it("a leader acknowledges a breach's alert, which acknowledges the clock; a duty officer's acknowledgement does not", async () => {
    const incident = await seedIncident(f.db, { departments: ['市安监局'] });
    const clockId = await clockOf(incident, 'breached');
    for (const id of ['al-breach-leader', 'al-breach-duty']) {
      await f.db.query(
        `INSERT INTO alerts (id, key, incident_id, clock_id, severity, title, body, created_at, last_at, trace_id) VALUES ($1, $1, $2, $3, 'critical', '超时', '权威信息发布已超时', now(), now(), 't')`,
        [id, incident.id, clockId],
      );
    }
    const byDuty = await post('duty', '/api/alerts/al-breach-duty/acknowledge');
    expect(byDuty.statusCode).toBe(200);
    const before = await f.db.query(`SELECT acknowledged_at FROM clocks WHERE id = $1`, [clockId]);
    expect(before.rows[0]!.acknowledged_at).toBeNull();

    expect((await post('financeLeader', '/api/alerts/al-breach-leader/acknowledge')).statusCode).toBe(403);
    const byLeader = await post('leader', '/api/alerts/al-breach-leader/acknowledge');
    expect(byLeader.statusCode).toBe(200);
    expect(byLeader.json().alert).toMatchObject({ acknowledgedBy: 'leader 测试' });
    const after = await f.db.query(`SELECT acknowledged_at, acknowledged_by FROM clocks WHERE id = $1`, [clockId]);
    expect(after.rows[0]!.acknowledged_at).not.toBeNull();
    expect(after.rows[0]!.acknowledged_by).toBe(f.ids.leader);
  });

  it('lets a leader of the department pause a clock with a reason and resume it; nobody else', async () => {
    const incident = await seedIncident(f.db, { departments: ['市安监局'] });
    const clockId = await clockOf(incident, 'running');
    expect((await post('duty', `/api/clocks/${clockId}/pause`, { reason: '等待省厅核实' })).statusCode).toBe(403);
    expect((await post('financeLeader', `/api/clocks/${clockId}/pause`, { reason: '等待省厅核实' })).json().reason).toBe('department');
    expect((await post('leader', `/api/clocks/${clockId}/pause`, { reason: '' })).statusCode).toBe(400);
    const paused = await post('leader', `/api/clocks/${clockId}/pause`, { reason: '等待省厅核实伤亡数字' });
    expect([paused.statusCode, paused.json().clock.status]).toEqual([200, 'paused']);
    const { rows } = await f.db.query(`SELECT reason, signed_off_by FROM clock_pauses WHERE clock_id = $1`, [clockId]);
    expect(rows).toEqual([{ reason: '等待省厅核实伤亡数字', signed_off_by: f.ids.leader }]);
    const twice = await post('leader', `/api/clocks/${clockId}/pause`, { reason: '再次暂停' });
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'already_paused']);
    const resumed = await post('leader', `/api/clocks/${clockId}/resume`);
    expect([resumed.statusCode, resumed.json().clock.status]).toEqual([200, 'running']);
    expect((await post('leader', `/api/clocks/${clockId}/resume`)).json().code).toBe('not_paused');
    expect((await post('leader', `/api/clocks/clk-none/pause`, { reason: '不存在的时钟' })).statusCode).toBe(404);
  });

  // clock.pause: clocks run 24/7, the one exception is a leader's recorded sign-off in their departments.
  it.each([
    ['duty', 403, 'role'],
    ['spokesperson', 403, 'role'],
    ['approver', 403, 'role'],
    ['admin', 403, 'role'],
    ['financeLeader', 403, 'department'],
    ['cityLeader', 200, undefined],
  ])('pausing and resuming a 市安监局 clock as %s: %i', async (user, status, reason) => {
    const clockId = await clockOf(await seedIncident(f.db, { departments: ['市安监局'] }), 'running');
    const paused = await post(user, `/api/clocks/${clockId}/pause`, { reason: '等待省厅核实' });
    expect([paused.statusCode, paused.json().reason]).toEqual([status, reason]);
    const resumed = await post(user, `/api/clocks/${clockId}/resume`);
    expect([resumed.statusCode, resumed.json().reason]).toEqual([status, reason]);
    const { rows } = await f.db.query(`SELECT count(*)::int AS n FROM clock_pauses WHERE clock_id = $1`, [clockId]);
    expect(rows[0]!.n).toBe(status === 200 ? 1 : 0);
  });
});
