import { createClassifier } from '@huiying/classifier-core';
import { startPipeline } from '@huiying/embedded/src/pipeline';
import {
  TEST_REDIS_URL, eventually, isolatedDatabase, isolatedTopics, isolationName, testLogger,
} from '@huiying/embedded/src/testing/real-services';
import { parseClockPolicy } from '@huiying/sla-timer';
import { createMetricsRegistry } from '@huiying/telemetry';
import Fastify, { type FastifyRequest } from 'fastify';
import type { Principal } from '@huiying/access';
import { PostIngestedMessage } from '@huiying/contracts';
import { statementRoutes } from '../http/statements.routes';
import { TEST_PRINCIPAL_HEADER } from '../testing/statements-fixture';

/** The 5-hour deadline shortened by configuration to one minute; the post is dated back so it passes soon. */
const POST_AGE_MS = 25_000;

/**
 * The whole loop on real Kafka, PostgreSQL and Redis: a landslide post opens an incident whose
 * statement clock runs; the county government's statement is drafted, signed off and published
 * before the (shortened) deadline; the clock is met and no breach alert follows.
 */
describe('publishing a statement meets its clock', () => {
  const name = isolationName('stmt_clock');
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let pipeline: Awaited<ReturnType<typeof startPipeline>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let app: ReturnType<typeof Fastify>;

  beforeAll(async () => {
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('stmt-clock');
    pipeline = await startPipeline({
      bus, db: database.db, redisUrl: TEST_REDIS_URL, logger: testLogger(), registry: createMetricsRegistry('stmt-clock', false),
      classifier: createClassifier(), clockQueue: name.replace(/_/g, '-'), redisPrefix: name, groupPrefix: `${name}-`,
      clockPolicy: parseClockPolicy({
        emergency: { statementMinutes: 1, pressConferenceMinutes: 120 },
        warnings: ['50%'],
        escalation: { maxSteps: 0 },
        provisionalStart: { minConfidence: 0.5 },
      }),
    });
    app = Fastify();
    await app.register(statementRoutes, {
      db: database.db, relay: pipeline.relay, logger: testLogger(), publicBaseUrl: 'https://huiying.example.gov.cn', cityName: '陇南市',
      authorize: (request: FastifyRequest) => {
        const header = request.headers[TEST_PRINCIPAL_HEADER];
        if (typeof header === 'string') (request as unknown as { principal: Principal }).principal = JSON.parse(header) as Principal;
      },
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.timer.queue.obliterate({ force: true }).catch(() => undefined);
    await pipeline?.stop();
    await bus?.close();
    await topics?.drop();
    await database?.drop();
  });

  it('marks the statement clock met and raises no breach alert after the deadline', async () => {
    const publishedAt = new Date(Date.now() - POST_AGE_MS).toISOString();
    // Straight onto the ingest topic, as any connector would put it.
    await bus.publish(PostIngestedMessage, {
      id: 'stmt-weibo:1', sourceId: 'stmt-weibo', sourceKind: 'webhook', nativeId: '1', author: '文县本地通', publishedAt,
      collectedAt: new Date().toISOString(), text: '文县碧口镇李子坝村发生山体滑坡，已造成12人死亡，多人失联。',
    }, { key: 'stmt-weibo:1' });
    const clock = await eventually(async () => {
      const { rows } = await database.db.query<{ id: string; incident_id: string; due_at: string; status: string }>(`SELECT id, incident_id, due_at, status FROM clocks WHERE stage = 'statement'`);
      return rows[0];
    }, 'the statement clock');
    expect(clock.status).toBe('running');
    // The shortened deadline, counted from the post's time.
    expect(Date.parse(clock.due_at) - Date.parse(publishedAt)).toBe(60_000);
    const { rows: [incident] } = await database.db.query<{ departments: string[] }>('SELECT departments FROM incidents WHERE id = $1', [clock.incident_id]);
    const department = incident!.departments[0] ?? '文县人民政府';

    const person = (id: string, roles: Principal['roles'], departments: string[]): Record<string, string> =>
      ({ [TEST_PRINCIPAL_HEADER]: JSON.stringify({ id, roles, departments, active: true }) });
    const author = person('u-spokes', ['spokesperson'], [department]);
    const call = async (headers: Record<string, string>, url: string, payload?: object) => {
      const response = await app.inject({ method: 'POST', url, headers, ...(payload !== undefined && { payload }) });
      expect(response.statusCode).toBeLessThan(300);
      return response.json();
    };
    const draft = await call(author, '/api/drafts', { kind: 'situation_report', department, incidentId: clock.incident_id, fields: { measures: '全力搜救', nextSteps: '持续发布' } });
    const { steps } = await call(author, '/api/drafts/' + draft.id + '/submit');
    // Deadlines follow the clock: the last step keeps one slice (30 min) before the clock's deadline.
    expect(Date.parse(steps[2].dueAt)).toBe(Date.parse(clock.due_at) - 30 * 60_000);
    await call(person('u-head', ['approver'], [department]), `/api/drafts/${draft.id}/steps/0/approve`);
    await call(person('u-deputy', ['approver'], [department]), `/api/drafts/${draft.id}/steps/1/approve`);
    await call(person('u-news', ['approver'], ['市政府新闻办']), `/api/drafts/${draft.id}/steps/2/approve`);
    const { statement } = await call(author, `/api/drafts/${draft.id}/publish`);
    expect(Date.parse(statement.publishedAt)).toBeLessThan(Date.parse(clock.due_at));

    const met = await eventually(async () => {
      const { rows } = await database.db.query<{ status: string; met_at: string }>('SELECT status, met_at FROM clocks WHERE id = $1', [clock.id]);
      return rows[0]?.status === 'met' ? rows[0] : undefined;
    }, 'the statement clock met');
    expect(new Date(met.met_at).toISOString()).toBe(statement.publishedAt);

    // Past the deadline (and a margin for the timer's delayed job): still met, and no breach alert.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(clock.due_at) - Date.now()) + 3_000));
    const { rows: after } = await database.db.query<{ status: string }>('SELECT status FROM clocks WHERE id = $1', [clock.id]);
    expect(after[0]!.status).toBe('met');
    const { rows: breaches } = await database.db.query(`SELECT id FROM alerts WHERE clock_id = $1 AND severity = 'critical'`, [clock.id]);
    expect(breaches).toEqual([]);
    const { rows: history } = await database.db.query<{ event: string }>('SELECT event FROM clock_history WHERE clock_id = $1 ORDER BY at, id', [clock.id]);
    expect(history.map((h) => h.event)).not.toContain('breached');
    expect(history.map((h) => h.event)).toContain('met');
  });
});
