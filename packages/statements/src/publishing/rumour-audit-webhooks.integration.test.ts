import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Principal } from '@huiying/access';
import { isolationName, testLogger, TEST_DATABASE_URL } from '@huiying/embedded/src/testing/real-services';
import { verifyAuditTrail } from '../audit/audit-trail';
import { claimVolumeOfIncident, linkAllRepeatingPosts, listClaims } from '../claims/claim-registry';
import { as, addPost, people, seedIncident, statementsTestApp } from '../testing/statements-fixture';
import { createWebhookDeliverer, signDelivery } from './webhook-delivery';

const SECRET = 'cms-shared-secret-0123456789';

/** A real HTTP receiver: refuses the first request of each delivery, then accepts. */
async function flakyReceiver() {
  const received: Array<{ headers: IncomingMessage['headers']; body: string; answered: number }> = [];
  const seen = new Set<string>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const delivery = String(request.headers['x-huiying-delivery']);
      const answered = seen.has(delivery) ? 200 : 503;
      seen.add(delivery);
      received.push({ headers: request.headers, body, answered });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

describe('publishing: webhooks, the rumour loop and the audit trail', () => {
  const schema = isolationName('stmt_loop');
  let receiver: Awaited<ReturnType<typeof flakyReceiver>>;
  let t: Awaited<ReturnType<typeof statementsTestApp>>;
  const incidentId = 'inc-rumour-1';
  const claim = '宕昌县煤矿透水事故死亡人数超过五十人';
  const hour = 60 * 60_000;

  beforeAll(async () => {
    receiver = await flakyReceiver();
    t = await statementsTestApp(schema, { webhooks: [{ name: 'site-cms', url: receiver.url, secret: SECRET }] });
    await seedIncident(t.db, incidentId, [
      { id: 'r1', text: `网传${claim}，官方一直在瞒报！`, publishedAt: new Date(Date.now() - 3 * hour).toISOString(), rumor: true },
      { id: 'r2', text: `转发：${claim}。太可怕了`, publishedAt: new Date(Date.now() - 2 * hour).toISOString(), rumor: true },
      { id: 'n1', text: '宕昌县煤矿透水事故救援正在进行', publishedAt: new Date(Date.now() - 2 * hour).toISOString() },
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const call = (principal: Principal, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: as(principal), ...(payload !== undefined && { payload }) });

  let statementId: string;
  let claimId: string;

  it('publishes a rebuttal: the claim is debunked, its earlier repeats linked, the webhook signed and retried once', async () => {
    const draft = (await call(people.author, 'POST', '/api/drafts', { kind: 'rebuttal', department: '市安监局', incidentId, claimText: claim })).json();
    claimId = draft.claimId;
    expect(draft.title).toBe(`关于网传“${claim}”的说明`);
    expect((await listClaims(t.db)).map((c) => c.id)).not.toContain(claimId);
    await call(people.author, 'PATCH', `/api/drafts/${draft.id}`, { fields: { checked: '经现场核查', facts: '事故造成11人死亡' } });
    await call(people.author, 'POST', `/api/drafts/${draft.id}/submit`);
    for (const [who, step] of [[people.departmentHead, 0], [people.deputyHead, 1], [people.newsOffice, 2]] as const) {
      expect((await call(who, 'POST', `/api/drafts/${draft.id}/steps/${step}/approve`)).statusCode).toBe(200);
    }
    const published = await call(people.author, 'POST', `/api/drafts/${draft.id}/publish`);
    expect(published.statusCode).toBe(201);
    statementId = published.json().statement.id;

    expect(await listClaims(t.db)).toEqual([{ id: claimId, kind: 'debunked', text: claim }]);
    const volume = await claimVolumeOfIncident(t.db, incidentId);
    expect(volume).toEqual([{ claimId, text: claim, statementId, publishedAt: published.json().statement.publishedAt, before: 2, after: 0 }]);

    // Webhook: sent once at publication (refused), then retried by the worker (accepted), same delivery id.
    const deliverer = createWebhookDeliverer({
      db: t.db, webhooks: [{ name: 'site-cms', url: receiver.url, secret: SECRET }], logger: testLogger(),
      retry: { baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 3, timeoutMs: 2_000 },
    });
    expect(await deliverer.deliverDue()).toEqual({ delivered: 0, retrying: 1, failed: 0 });
    expect(await deliverer.deliverDue()).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(await deliverer.deliverDue()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(receiver.received.map((r) => r.answered)).toEqual([503, 200]);
    const [first, second] = receiver.received;
    expect(second!.headers['x-huiying-delivery']).toBe(first!.headers['x-huiying-delivery']);
    expect(second!.headers['idempotency-key']).toBe(first!.headers['x-huiying-delivery']);
    expect(second!.headers['x-huiying-signature']).toBe(signDelivery(SECRET, String(second!.headers['x-huiying-timestamp']), second!.body));
    expect(JSON.parse(second!.body).statement).toMatchObject({ id: statementId, kind: 'rebuttal', incidentId });

    // Publishing again sends nothing again.
    expect((await call(people.author, 'POST', `/api/drafts/${draft.id}/publish`)).statusCode).toBe(200);
    expect(await deliverer.deliverDue()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
  });

  it('links later posts the classifier tagged with the claim and counts them after publication', async () => {
    await addPost(t.db, incidentId, { id: 'r3', text: '还有人在传死亡超过五十人', publishedAt: new Date(Date.now() + 1_000).toISOString(), claimId });
    expect(await t.db.transaction((tx) => linkAllRepeatingPosts(tx, new Date()))).toBe(1);
    expect(await t.db.transaction((tx) => linkAllRepeatingPosts(tx, new Date()))).toBe(0);
    const [volume] = await claimVolumeOfIncident(t.db, incidentId);
    expect(volume).toMatchObject({ claimId, before: 2, after: 1 });
    const claims = (await call(people.author, 'GET', '/api/claims')).json().claims;
    expect(claims).toEqual([expect.objectContaining({ id: claimId, status: 'debunked', statementId, repeatingPosts: 3 })]);
  });

  it('records every action in the chained audit trail, with who and from where', async () => {
    const { rows } = await t.db.query<{ action: string; actor: string; user_agent: string; ip: string }>('SELECT action, actor, user_agent, ip FROM statement_audit ORDER BY seq');
    expect(rows.map((r) => r.action)).toEqual([
      'claim.registered', 'draft.created', 'draft.version_saved', 'draft.submitted', 'sign_off.approved', 'sign_off.approved', 'sign_off.approved',
      'statement.published', 'statement.publish_repeated',
    ]);
    expect(rows[7]).toEqual({ action: 'statement.published', actor: people.author.id, user_agent: 'jest-statements', ip: '127.0.0.1' });
    expect(await verifyAuditTrail(t.db)).toEqual({ ok: true, checked: 9 });
    await expect(t.db.query(`UPDATE statement_audit SET actor = 'x' WHERE seq = 1`)).rejects.toThrow('append-only');
  });

  it('detects a tampered audit row, and `huiying audit verify` names it', async () => {
    const cli = (args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../../cli/src/main.ts'), 'audit', ...args], {
      cwd: resolve(__dirname, '../../../..'), env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, NODE_OPTIONS: '' },
    }).then((r) => ({ code: 0, stdout: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }));
    expect(await cli(['verify'])).toEqual({ code: 0, stdout: 'audit trail intact: 9 entries verified\n' });

    // Someone with the table owner's rights goes around the trigger and rewrites who approved.
    await t.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE statement_audit DISABLE TRIGGER statement_audit_append_only');
      await tx.query(`UPDATE statement_audit SET actor = 'u-someone-else' WHERE seq = 6`);
      await tx.query('ALTER TABLE statement_audit ENABLE TRIGGER statement_audit_append_only');
    });
    expect(await verifyAuditTrail(t.db)).toEqual({ ok: false, checked: 5, firstBroken: { seq: 6, reason: 'hash_mismatch' } });
    expect(await cli(['verify'])).toEqual({ code: 1, stdout: 'audit trail BROKEN at entry 6 (hash_mismatch); 5 entries before it verified\n' });
    expect(JSON.parse((await cli(['verify', '--json'])).stdout)).toEqual({ ok: false, checked: 5, firstBroken: { seq: 6, reason: 'hash_mismatch' } });
  });
});
