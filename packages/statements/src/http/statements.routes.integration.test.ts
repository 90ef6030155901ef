import type { Principal } from '@huiying/access';
import { isolationName } from '@huiying/embedded/src/testing/real-services';
import { escalateOverdueSteps } from '../sign-off/sign-off-workflow';
import { createStatementsSetup } from '../statements-setup';
import { as, people, seedIncident, statementsTestApp } from '../testing/statements-fixture';

/**
 * The drafting workflow through HTTP on a real PostgreSQL schema: who may do what, a rejection
 * going back to its author, versions and their diff, publishing once, corrections.
 */
describe('statement routes', () => {
  let t: Awaited<ReturnType<typeof statementsTestApp>>;
  const incidentId = 'inc-mine-1';

  beforeAll(async () => {
    t = await statementsTestApp(isolationName('stmt_routes'));
    await seedIncident(t.db, incidentId, [
      { id: 'p1', text: '宕昌县某煤矿发生透水事故，已造成12人死亡，4人失联。', publishedAt: new Date(Date.now() - 60 * 60_000).toISOString() },
    ]);
  });
  afterAll(async () => t?.close());

  const call = (principal: Principal | null, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: as(principal), ...(payload !== undefined && { payload }) });

  async function newDraft(author: Principal = people.author): Promise<string> {
    const created = await call(author, 'POST', '/api/drafts', { kind: 'situation_report', department: '市安监局', incidentId });
    expect(created.statusCode).toBe(201);
    return created.json().id as string;
  }

  it('pre-fills a draft from its incident', async () => {
    const created = await call(people.author, 'POST', '/api/drafts', { kind: 'situation_report', department: '市安监局', incidentId });
    expect(created.statusCode).toBe(201);
    const draft = created.json();
    expect(draft).toMatchObject({ status: 'editing', currentVersion: 1, authorId: people.author.id, answeredPostIds: ['p1'], title: '关于宕昌县透水的情况通报' });
    expect(draft.fields).toMatchObject({ place: '宕昌县', event: '透水', category: '事故灾难', level: '重大（II级）', casualties: '（网传死亡12人、失联4人，待核实）', issuer: '市安监局' });
    expect(draft.body).toContain('【待填写：已采取的措施】');
  });

  it.each<[string, Principal | null, number, string | undefined]>([
    ['nobody signed in', null, 401, undefined],
    ['a duty officer (no drafting role)', people.dutyOfficer, 403, 'role'],
    ['an approver of another department', people.otherDepartmentApprover, 403, 'role'],
    ['a disabled account', people.disabled, 403, 'inactive'],
  ])('refuses a draft from %s', async (_who, principal, status, reason) => {
    const response = await call(principal, 'POST', '/api/drafts', { kind: 'rebuttal', department: '市安监局', incidentId });
    expect(response.statusCode).toBe(status);
    expect(response.json().reason).toBe(reason);
  });

  it('enforces four eyes and the order of the chain', async () => {
    const id = await newDraft(people.authorApprover);
    expect((await call(people.authorApprover, 'POST', `/api/drafts/${id}/submit`)).statusCode).toBe(200);
    const ownApproval = await call(people.authorApprover, 'POST', `/api/drafts/${id}/steps/0/approve`);
    expect([ownApproval.statusCode, ownApproval.json().reason]).toEqual([403, 'own_draft']);
    const early = await call(people.newsOffice, 'POST', `/api/drafts/${id}/steps/2/approve`);
    expect([early.statusCode, early.json().reason]).toEqual([403, 'not_current_step']);
    const outsider = await call(people.otherDepartmentApprover, 'POST', `/api/drafts/${id}/steps/0/approve`);
    expect([outsider.statusCode, outsider.json().reason]).toEqual([403, 'department']);
    const publishEarly = await call(people.authorApprover, 'POST', `/api/drafts/${id}/publish`);
    expect([publishEarly.statusCode, publishEarly.json().reason]).toEqual([403, 'not_signed_off']);

    expect((await call(people.departmentHead, 'POST', `/api/drafts/${id}/steps/0/approve`)).json().outcome).toBe('advanced');
    // The head signed step 0; step 1 is now current and can be signed by another approver of the department.
    const again = await call(people.departmentHead, 'POST', `/api/drafts/${id}/steps/0/approve`);
    expect([again.statusCode, again.json().reason]).toEqual([403, 'not_current_step']);
    expect((await call(people.deputyHead, 'POST', `/api/drafts/${id}/steps/1/approve`)).json().outcome).toBe('advanced');
    const wrongOffice = await call(people.deputyHead, 'POST', `/api/drafts/${id}/steps/2/approve`);
    expect([wrongOffice.statusCode, wrongOffice.json().reason]).toEqual([403, 'department']);
    expect((await call(people.newsOffice, 'POST', `/api/drafts/${id}/steps/2/approve`)).json().outcome).toBe('approved');
    expect((await call(people.authorApprover, 'GET', `/api/drafts/${id}`)).json().status).toBe('approved');
  });

  it('returns a rejected draft to its author with the comment, then runs a new round', async () => {
    const id = await newDraft();
    const submitted = await call(people.author, 'POST', `/api/drafts/${id}/submit`);
    expect(submitted.json().steps.map((s: { status: string }) => s.status)).toEqual(['pending', 'waiting', 'waiting']);
    expect((await call(people.author, 'PATCH', `/api/drafts/${id}`, { fields: { measures: 'x' } })).statusCode).toBe(409);
    expect((await call(people.departmentHead, 'POST', `/api/drafts/${id}/steps/0/reject`, { comment: '' })).statusCode).toBe(400);
    const rejected = await call(people.departmentHead, 'POST', `/api/drafts/${id}/steps/0/reject`, { comment: '死亡人数与应急局核实数不符' });
    expect(rejected.json().outcome).toBe('rejected');
    expect(rejected.json().steps.map((s: { status: string }) => s.status)).toEqual(['rejected', 'void', 'void']);

    const back = (await call(people.author, 'GET', `/api/drafts/${id}`)).json();
    expect(back).toMatchObject({ status: 'editing', authorId: people.author.id, rejection: { by: people.departmentHead.id, comment: '死亡人数与应急局核实数不符' } });

    const edited = await call(people.author, 'PATCH', `/api/drafts/${id}`, { fields: { casualties: '经核实，事故造成11人死亡，4人失联。', measures: '全力搜救' } });
    expect(edited.json()).toMatchObject({ status: 'editing', currentVersion: 2 });
    const resubmitted = await call(people.author, 'POST', `/api/drafts/${id}/submit`);
    expect(resubmitted.json().steps).toHaveLength(3);
    expect(resubmitted.json().steps[0]).toMatchObject({ round: 2, version: 2, status: 'pending' });
  });

  it('keeps every version and compares any two word by word', async () => {
    const id = await newDraft();
    await call(people.author, 'PATCH', `/api/drafts/${id}`, { fields: { casualties: '事故造成12人死亡。' } });
    await call(people.otherSpokesperson, 'PATCH', `/api/drafts/${id}`, { fields: { casualties: '事故造成11人死亡。' } });
    const versions = (await call(people.author, 'GET', `/api/drafts/${id}/versions`)).json().versions;
    expect(versions.map((v: { version: number; authorId: string }) => [v.version, v.authorId])).toEqual([[1, people.author.id], [2, people.author.id], [3, people.otherSpokesperson.id]]);
    const diff = (await call(people.departmentHead, 'GET', `/api/drafts/${id}/diff?from=2&to=3`)).json();
    expect(diff.body.segments.filter((s: { op: string }) => s.op !== 'equal')).toEqual([{ op: 'delete', text: '12' }, { op: 'insert', text: '11' }]);
    expect(diff.title.segments).toEqual([{ op: 'equal', text: versions[2].title }]);
    expect((await call(people.author, 'GET', `/api/drafts/${id}/diff?from=1&to=9`)).statusCode).toBe(404);
  });

  async function approvedDraft(): Promise<string> {
    const id = await newDraft();
    await call(people.author, 'POST', `/api/drafts/${id}/submit`);
    await call(people.departmentHead, 'POST', `/api/drafts/${id}/steps/0/approve`);
    await call(people.deputyHead, 'POST', `/api/drafts/${id}/steps/1/approve`);
    await call(people.newsOffice, 'POST', `/api/drafts/${id}/steps/2/approve`);
    return id;
  }

  it('publishes twice and publishes once', async () => {
    const id = await approvedDraft();
    const [first, second] = [await call(people.author, 'POST', `/api/drafts/${id}/publish`), await call(people.author, 'POST', `/api/drafts/${id}/publish`)];
    expect([first.statusCode, second.statusCode]).toEqual([201, 200]);
    expect(second.json()).toEqual({ statement: first.json().statement, alreadyPublished: true });
    const { rows: statements } = await t.db.query('SELECT id FROM statements WHERE draft_id = $1', [id]);
    expect(statements).toHaveLength(1);
    const { rows: events } = await t.db.query<{ payload: { statementId: string; kind: string }; published_at: unknown }>(
      `SELECT payload, published_at FROM outbox WHERE type = 'statement.event' AND payload->>'statementId' = $1`, [first.json().statement.id],
    );
    expect(events.map((e) => e.payload.kind)).toEqual(['statement_published']);
    expect(events[0]!.published_at).not.toBeNull();
  });

  it('keeps a published text immutable and publishes a correction that supersedes it', async () => {
    const id = await approvedDraft();
    const original = (await call(people.author, 'POST', `/api/drafts/${id}/publish`)).json().statement;
    await expect(t.db.query(`UPDATE statements SET body = 'changed' WHERE id = $1`, [original.id])).rejects.toThrow('immutable');
    await expect(t.db.query(`DELETE FROM statements WHERE id = $1`, [original.id])).rejects.toThrow('immutable');

    const correction = await call(people.author, 'PATCH', `/api/drafts/${id}`, { fields: { casualties: '经核实，事故造成11人死亡。' } });
    expect(correction.json()).toMatchObject({ status: 'editing', currentVersion: 2 });
    const notYet = await call(people.author, 'POST', `/api/drafts/${id}/publish`);
    expect([notYet.statusCode, notYet.json().reason]).toEqual([403, 'not_signed_off']);
    await call(people.author, 'POST', `/api/drafts/${id}/submit`);
    for (const [who, step] of [[people.departmentHead, 0], [people.deputyHead, 1], [people.newsOffice, 2]] as const) {
      await call(who, 'POST', `/api/drafts/${id}/steps/${step}/approve`);
    }
    const corrected = (await call(people.author, 'POST', `/api/drafts/${id}/publish`)).json().statement;
    expect(corrected).toMatchObject({ version: 2, supersedes: original.id });
    expect((await call(people.author, 'GET', `/api/statements/${original.id}`)).json()).toMatchObject({ supersededBy: corrected.id, body: original.body });

    const feed = await t.app.inject({ url: `/feeds/${encodeURIComponent('市安监局')}/feed.json` });
    expect(feed.headers['content-type']).toContain('application/feed+json');
    const titles = Object.fromEntries(feed.json().items.map((i: { id: string; title: string }) => [i.id, i.title]));
    expect(titles[corrected.id]).toMatch(/^【更正】/);
    expect(titles[original.id]).toMatch(/（已更正）$/);
  });

  it('serves the public feeds and statements without a principal', async () => {
    const rss = await t.app.inject({ url: `/feeds/${encodeURIComponent('市安监局')}/rss.xml` });
    expect(rss.statusCode).toBe(200);
    expect(rss.headers['content-type']).toContain('application/rss+xml');
    expect(rss.body).toContain('<rss version="2.0"');
    const empty = await t.app.inject({ url: `/feeds/${encodeURIComponent('市教育局')}/feed.json` });
    expect(empty.json().items).toEqual([]);
    expect((await t.app.inject({ url: '/api/drafts' })).statusCode).toBe(401);
  });

  it('records a held press conference and enqueues press_conference_held', async () => {
    const heldAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const body = { heldAt, venue: '市政府新闻发布厅', speakers: ['市安监局局长', '宕昌县县长'] };
    expect((await call(people.dutyOfficer, 'POST', `/api/incidents/${incidentId}/press-conferences`, body)).statusCode).toBe(403);
    const future = await call(people.author, 'POST', `/api/incidents/${incidentId}/press-conferences`, { ...body, heldAt: new Date(Date.now() + 3600_000).toISOString() });
    expect(future.statusCode).toBe(400);
    const recorded = await call(people.author, 'POST', `/api/incidents/${incidentId}/press-conferences`, body);
    expect(recorded.statusCode).toBe(201);
    const { rows } = await t.db.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM outbox WHERE payload->>'kind' = 'press_conference_held'`);
    expect(rows.map((r) => r.payload)).toEqual([{ kind: 'press_conference_held', incidentId, statementId: recorded.json().id, at: heldAt, actor: people.author.id }]);
  });

  it('escalates the approver of an overdue step once per interval through the outbox', async () => {
    const created = await call(people.author, 'POST', '/api/drafts', { kind: 'policy_interpretation', department: '市安监局', fields: { policyTitle: '安全生产条例' } });
    const id = created.json().id;
    const { steps } = (await call(people.author, 'POST', `/api/drafts/${id}/submit`)).json();
    const setup = createStatementsSetup({ db: t.db, relay: t.relay, escalation: { repeatEveryMs: 30 * 60_000, maxEscalations: 2 } });
    const due = Date.parse(steps[0].dueAt);
    const count = async () => (await t.db.query(`SELECT 1 FROM outbox WHERE type = 'statement.sign_off_overdue' AND key = $1`, [id])).rowCount;
    // Other tests' drafts share the schema: count only this draft's escalations.
    const seen: number[] = [];
    for (const offset of [-1_000, 0, 10 * 60_000, 30 * 60_000, 90 * 60_000]) {
      await escalateOverdueSteps(setup, new Date(due + offset));
      seen.push(await count());
    }
    expect(seen).toEqual([0, 1, 1, 2, 2]);
    const { rows } = await t.db.query<{ payload: { step: { label: string; department: string }; escalation: number } }>(
      `SELECT payload FROM outbox WHERE type = 'statement.sign_off_overdue' AND key = $1 ORDER BY seq`, [id],
    );
    expect(rows.map((r) => [r.payload.step.label, r.payload.step.department, r.payload.escalation])).toEqual([['新闻发言人审核', '市安监局', 1], ['新闻发言人审核', '市安监局', 2]]);
  });
});
