import type { IncidentSnapshot } from '@huiying/contracts';
import { CSRF_HEADER, CSRF_VALUE } from './access/authentication';
import { addUser } from './access/user-accounts';
import { CHEAP_SCRYPT, PASSWORD, seedIncident, startApiFixture, type ApiFixture } from './testing/api-fixture';

/**
 * The refusals of the drafting desk through the real API with real sessions (issues 8 and 9):
 * the statements package's routes behind the API's authentication, on a fresh PostgreSQL schema.
 */
describe('drafting and sign-off through the API', () => {
  let f: ApiFixture;
  let incident: IncidentSnapshot;
  /** Holds both roles: drafts, and approves other people's drafts of 市安监局. */
  let spokesApprover: Record<string, string>;

  beforeAll(async () => {
    f = await startApiFixture();
    incident = await seedIncident(f.db, { departments: ['市安监局'], title: '礼县煤矿透水' });
    await addUser(f.db, { username: 'spokes-approver', displayName: '兼任审核人', roles: ['spokesperson', 'approver'], departments: ['市安监局'], password: PASSWORD }, new Date(), CHEAP_SCRYPT);
    const login = await f.app.inject({
      method: 'POST', url: '/api/auth/login', headers: { [CSRF_HEADER]: CSRF_VALUE }, remoteAddress: '10.0.1.1',
      payload: { username: 'spokes-approver', password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    spokesApprover = { cookie: `hy_session=${login.cookies.find((c) => c.name === 'hy_session')!.value}`, [CSRF_HEADER]: CSRF_VALUE };
  });
  afterAll(() => f?.close());

  const call = async (who: string | Record<string, string> | null, method: 'GET' | 'POST', url: string, payload?: object) =>
    f.app.inject({
      method, url,
      headers: who === null ? { [CSRF_HEADER]: CSRF_VALUE } : typeof who === 'string' ? await f.as(who) : who,
      ...(payload !== undefined && { payload }),
    });

  /** A draft of 市安监局 on the incident, submitted into its sign-off chain. */
  async function submittedDraft(author: string | Record<string, string>): Promise<string> {
    const created = await call(author, 'POST', '/api/drafts', { kind: 'situation_report', department: '市安监局', incidentId: incident.id });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect((await call(author, 'POST', `/api/drafts/${id}/submit`)).statusCode).toBe(200);
    return id;
  }

  const stepStatuses = async (id: string) => (await call('approver', 'GET', `/api/drafts/${id}`)).json().steps.map((s: { status: string }) => s.status);

  it('answers 401 without a session, on reads and writes alike', async () => {
    expect((await call(null, 'GET', '/api/drafts')).statusCode).toBe(401);
    expect((await call(null, 'POST', '/api/drafts', { kind: 'situation_report', department: '市安监局' })).statusCode).toBe(401);
  });

  it("refuses a spokesperson's approval: not an approver, whoever wrote the draft", async () => {
    const id = await submittedDraft('spokesperson');
    const own = await call('spokesperson', 'POST', '/api/drafts/' + id + '/sign-off', { step: 0, decision: 'approve' });
    expect([own.statusCode, own.json().reason]).toEqual([403, 'role']);
    const perStep = await call('spokesperson', 'POST', `/api/drafts/${id}/steps/0/approve`);
    expect([perStep.statusCode, perStep.json().reason]).toEqual([403, 'role']);
    const other = await submittedDraft(spokesApprover);
    const notTheirs = await call('spokesperson', 'POST', `/api/drafts/${other}/sign-off`, { step: 0, decision: 'approve' });
    expect([notTheirs.statusCode, notTheirs.json().reason]).toEqual([403, 'role']);
    expect(await stepStatuses(id)).toEqual(['pending', 'waiting', 'waiting']);
  });

  it('refuses an approver signing off a draft they wrote (four eyes)', async () => {
    const id = await submittedDraft(spokesApprover);
    const own = await call(spokesApprover, 'POST', `/api/drafts/${id}/sign-off`, { step: 0, decision: 'approve' });
    expect([own.statusCode, own.json().reason]).toEqual([403, 'own_draft']);
    expect(await stepStatuses(id)).toEqual(['pending', 'waiting', 'waiting']);
    // Someone else of the department may.
    const approved = await call('approver', 'POST', `/api/drafts/${id}/sign-off`, { step: 0, decision: 'approve', version: 1 });
    expect(approved.statusCode).toBe(200);
    expect(approved.json().draft.signOff.map((s: { status: string }) => s.status)).toEqual(['approved', 'pending', 'waiting']);
  });

  it("lists drafts in the drafting desk's shape: names, incident title, deadline, and who may act on which step", async () => {
    await f.db.query(
      `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, updated_at)
       VALUES ($1, $2, 'statement', 'running', now(), now() + interval '5 hours', now(), now()) ON CONFLICT DO NOTHING`,
      [`clk-desk-${incident.id}`, incident.id],
    );
    const id = await submittedDraft('spokesperson');
    const deskOf = async (who: string | Record<string, string>) =>
      ((await call(who, 'GET', '/api/drafts')).json().drafts as { id: string }[]).find((d) => d.id === id) as Record<string, any>;
    const forApprover = await deskOf('approver');
    expect(forApprover).toMatchObject({
      incidentId: incident.id, incidentTitle: '礼县煤矿透水', kind: 'situation_report', department: '市安监局',
      authorName: 'spokesperson 测试', version: 1, status: 'in_review', deadline: { stage: 'statement' },
    });
    expect(Date.parse(forApprover.deadline.dueAt)).toBeGreaterThan(Date.now());
    expect(forApprover.signOff.map((s: { status: string; canAct: boolean }) => [s.status, s.canAct])).toEqual([['pending', true], ['waiting', false], ['waiting', false]]);
    // The author sees the same chain and may act on none of it; a leader reads it and may not either.
    expect((await deskOf('spokesperson')).signOff.map((s: { canAct: boolean }) => s.canAct)).toEqual([false, false, false]);
    expect((await deskOf('leader')).signOff.map((s: { canAct: boolean }) => s.canAct)).toEqual([false, false, false]);
    const rejected = await call('approver', 'POST', `/api/drafts/${id}/sign-off`, { step: 0, decision: 'reject', comment: '请补充伤亡数字', version: 1 });
    expect(rejected.json().draft).toMatchObject({ status: 'rejected', signOff: [{ status: 'rejected', comment: '请补充伤亡数字', approverName: 'approver 测试', canAct: false }] });
  });

  it("refuses a duty officer's session publishing, and leaves the draft unpublished", async () => {
    const id = await submittedDraft('spokesperson');
    const publish = await call('duty', 'POST', `/api/drafts/${id}/publish`);
    expect([publish.statusCode, publish.json().reason]).toEqual([403, 'role']);
    const { rows } = await f.db.query(`SELECT count(*)::int AS n FROM statements WHERE draft_id = $1`, [id]);
    expect(rows[0]!.n).toBe(0);
  });

  it("keeps one department's drafts from another department's leader", async () => {
    const id = await submittedDraft('spokesperson');
    const read = await call('financeLeader', 'GET', `/api/drafts/${id}`);
    expect([read.statusCode, read.json().reason]).toEqual([403, 'department']);
    const listed = (await call('financeLeader', 'GET', '/api/drafts')).json().drafts as { id: string }[];
    expect(listed.map((d) => d.id)).not.toContain(id);
    const filtered = await call('financeLeader', 'GET', `/api/drafts?department=${encodeURIComponent('市安监局')}`);
    expect(filtered.statusCode === 403 || (filtered.json().drafts as unknown[]).length === 0).toBe(true);
    // Their own department's leader reads it.
    expect((await call('leader', 'GET', `/api/drafts/${id}`)).statusCode).toBe(200);
  });

  it('answers the sign-off route with 409 for a step that is not current or a stale version, 400 for a bare rejection', async () => {
    const id = await submittedDraft('spokesperson');
    const early = await call('approver', 'POST', `/api/drafts/${id}/sign-off`, { step: 1, decision: 'approve' });
    expect([early.statusCode, early.json().error]).toEqual([409, 'step_not_current']);
    const stale = await call('approver', 'POST', `/api/drafts/${id}/sign-off`, { step: 0, decision: 'approve', version: 7 });
    expect([stale.statusCode, stale.json().error]).toEqual([409, 'stale_version']);
    const bare = await call('approver', 'POST', `/api/drafts/${id}/sign-off`, { step: 0, decision: 'reject', comment: ' ' });
    expect([bare.statusCode, bare.json().error]).toEqual([400, 'comment_required']);
    const rejected = await call('approver', 'POST', `/api/drafts/${id}/sign-off`, { step: 0, decision: 'reject', comment: '伤亡数字需与应急局核对' });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json().draft.status).toBe('rejected');
  });
});
