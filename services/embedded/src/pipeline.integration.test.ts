import { PostgresApiKeyStore, issueApiKey } from '@huiying/access';
import { createClassifier } from '@huiying/classifier-core';
import { parseClockPolicy } from '@huiying/sla-timer';
import { createMetricsRegistry } from '@huiying/telemetry';
import { startPipeline } from './pipeline';
import { TEST_REDIS_URL, eventually, isolatedDatabase, isolatedTopics, isolationName, testLogger } from './testing/real-services';

/**
 * The walking skeleton: a post POSTed to the ingest webhook goes through real Kafka, the
 * classifier, the incident service (PostgreSQL) and the clock service (BullMQ on Redis); when
 * the shortened statement deadline passes, an alert is recorded and shown by the API.
 */
describe('one post, end to end, on real Kafka, PostgreSQL and Redis', () => {
  const name = isolationName('e2e');
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let pipeline: Awaited<ReturnType<typeof startPipeline>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  /** The API checks who asks: the test reads it as a duty officer's machine key. */
  let reader: { authorization: string };

  beforeAll(async () => {
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('e2e');
    pipeline = await startPipeline({
      bus,
      db: database.db,
      redisUrl: TEST_REDIS_URL,
      logger: testLogger(),
      registry: createMetricsRegistry('e2e', false),
      classifier: createClassifier(),
      clockQueue: name.replace(/_/g, '-'),
      redisPrefix: name,
      groupPrefix: `${name}-`,
      // The 5-hour deadline, shortened by configuration to one minute; the post is dated 56 s
      // back (a clock counts from t0), so the test sees the deadline pass within seconds.
      clockPolicy: parseClockPolicy({
        emergency: { statementMinutes: 1, pressConferenceMinutes: 120 },
        warnings: ['50%'],
        escalation: { maxSteps: 0 },
        provisionalStart: { minConfidence: 0.5 },
      }),
    });
  });

  beforeAll(async () => {
    const { key, stored } = issueApiKey('e2e', { id: 'e2e-reader', roles: ['duty_officer'], departments: [], active: true }, new Date());
    await new PostgresApiKeyStore(database.db).create(stored);
    reader = { authorization: `Bearer ${key}` };
  });

  afterAll(async () => {
    await pipeline?.timer.queue.obliterate({ force: true }).catch(() => undefined);
    await pipeline?.stop();
    await bus?.close();
    await topics?.drop();
    await database?.drop();
  });

  it('turns a landslide post into an incident whose missed statement deadline raises an alert', async () => {
    const publishedAt = new Date(Date.now() - 56_000).toISOString();
    const accepted = await pipeline.app.inject({
      method: 'POST',
      url: '/ingest/v1/posts',
      headers: { 'x-huiying-source': 'e2e-weibo' },
      payload: { nativeId: '1', author: '文县本地通', publishedAt, text: '文县碧口镇李子坝村发生山体滑坡，已造成12人死亡，多人失联。' },
    });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json()).toEqual({ accepted: ['e2e-weibo:1'] });

    const incidentId = await eventually(async () => {
      const list = (await pipeline.app.inject({ url: '/api/incidents', headers: reader })).json() as { incidents: Array<{ id: string }> };
      return list.incidents[0]?.id;
    }, 'an incident');

    const detail = await eventually(async () => {
      const body = (await pipeline.app.inject({ url: `/api/incidents/${incidentId}`, headers: reader })).json();
      return body.alerts.some((a: { severity: string }) => a.severity === 'critical') ? body : undefined;
    }, 'the breach alert of the statement clock', 60_000);

    expect(detail.incident).toMatchObject({ kind: 'emergency', subtype: 'landslide', level: 'II', counties: ['文县'], postCount: 1, t0: new Date(publishedAt).toISOString() });
    expect(detail.posts.map((p: { id: string }) => p.id)).toEqual(['e2e-weibo:1']);
    const statement = detail.clocks.find((c: { stage: string }) => c.stage === 'statement');
    expect(statement).toMatchObject({ status: 'breached', t0: new Date(publishedAt).toISOString() });
    expect(Date.parse(statement.dueAt) - Date.parse(publishedAt)).toBe(60_000);
    expect(detail.clocks.find((c: { stage: string }) => c.stage === 'press_conference')).toMatchObject({ status: 'running' });
    const breach = detail.alerts.find((a: { severity: string }) => a.severity === 'critical');
    expect(breach.body).toContain('权威信息发布已超时');
    expect(breach.clockId).toBe(statement.id);
    // The breach fired once, however often Kafka or BullMQ redelivered.
    expect(detail.alerts.filter((a: { severity: string }) => a.severity === 'critical')).toHaveLength(1);
  });

  it('refuses a bad post with every invalid field named, and publishes nothing for it', async () => {
    const response = await pipeline.app.inject({
      method: 'POST',
      url: '/ingest/v1/posts',
      payload: { posts: [{ text: '' }, { text: '好', url: 'not a url', engagement: { likes: -1 } }] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().problems.map((p: { path: string }) => p.path).sort()).toEqual(['posts.0.text', 'posts.1.engagement.likes', 'posts.1.url']);
  });
});
