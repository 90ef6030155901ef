import { PostgresApiKeyStore, issueApiKey, type Principal } from '@huiying/access';
import { seedIncident, startApiFixture, type ApiFixture } from '../../api/src/testing/api-fixture';

/**
 * The role refusals with machine tokens (API keys as Bearer), the other way in besides the
 * console's session cookie: statements-access.integration.test.ts checks the same refusals with
 * sessions. A token is what an integration or a leaked script would hold.
 */
describe('role refusals for bearer tokens', () => {
  let f: ApiFixture;
  let draftId: string;
  const tokens: Record<string, { authorization: string }> = {};

  async function token(name: string, principal: Principal) {
    const { key, stored } = issueApiKey(name, principal, new Date());
    await new PostgresApiKeyStore(f.db).create(stored);
    tokens[name] = { authorization: `Bearer ${key}` };
  }

  beforeAll(async () => {
    f = await startApiFixture();
    const incident = await seedIncident(f.db, { departments: ['市安监局'], title: '礼县煤矿透水' });
    // The draft a spokesperson of 市安监局 wrote and submitted into its sign-off chain.
    const author = await f.as('spokesperson');
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/drafts',
      headers: author,
      payload: { kind: 'situation_report', department: '市安监局', incidentId: incident.id },
    });
    expect(created.statusCode).toBe(201);
    draftId = created.json().id as string;
    expect(
      (await f.app.inject({ method: 'POST', url: `/api/drafts/${draftId}/submit`, headers: author })).statusCode,
    ).toBe(200);
    await token('spokes-token', { id: 'spokes-bot', roles: ['spokesperson'], departments: ['市安监局'], active: true });
    await token('duty-token', { id: 'duty-bot', roles: ['duty_officer'], departments: ['市政府新闻办'], active: true });
    await token('finance-leader-token', {
      id: 'finance-bot',
      roles: ['leader'],
      departments: ['市财政局'],
      active: true,
    });
    await token('safety-leader-token', {
      id: 'safety-bot',
      roles: ['leader'],
      departments: ['市安监局'],
      active: true,
    });
  });
  afterAll(() => f?.close());

  const call = (who: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    f.app.inject({ method, url, headers: tokens[who]!, ...(payload !== undefined && { payload }) });

  it("a spokesperson's token cannot approve a sign-off step", async () => {
    const approve = await call('spokes-token', 'POST', `/api/drafts/${draftId}/sign-off`, {
      step: 0,
      decision: 'approve',
    });
    expect([approve.statusCode, approve.json().reason]).toEqual([403, 'role']);
    const steps = (await call('safety-leader-token', 'GET', `/api/drafts/${draftId}`)).json().steps as Array<{
      status: string;
    }>;
    expect(steps.some((s) => s.status === 'approved')).toBe(false);
  });

  it("a duty officer's token cannot publish, and nothing is published", async () => {
    const publish = await call('duty-token', 'POST', `/api/drafts/${draftId}/publish`);
    expect([publish.statusCode, publish.json().reason]).toEqual([403, 'role']);
    const { rows } = await f.db.query<{ n: number }>('SELECT count(*)::int AS n FROM statements WHERE draft_id = $1', [
      draftId,
    ]);
    expect(rows[0]!.n).toBe(0);
  });

  it("a leader's token of 市财政局 cannot read 市安监局's draft, nor see it listed; 市安监局's leader can", async () => {
    const read = await call('finance-leader-token', 'GET', `/api/drafts/${draftId}`);
    expect([read.statusCode, read.json().reason]).toEqual([403, 'department']);
    const listed = (await call('finance-leader-token', 'GET', '/api/drafts')).json().drafts as Array<{ id: string }>;
    expect(listed.map((d) => d.id)).not.toContain(draftId);
    expect((await call('safety-leader-token', 'GET', `/api/drafts/${draftId}`)).statusCode).toBe(200);
  });
});
