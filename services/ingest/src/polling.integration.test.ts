import { prefixedDeadLetterTopic, readDeadLetters } from '@huiying/bus';
import { Topics } from '@huiying/contracts';
import { startTestServer, type TestServer } from '@huiying/ingest-core/src/test-http-server';
import { eventually, isolatedDatabase, isolatedTopics, isolationName, testLogger, TEST_KAFKA_BROKERS } from '../../embedded/src/testing/real-services';
import type { SourceDefinitionInput } from './sources/source-definition';
import { ADMIN_KEY, collectPosts, dropRedisKeys, startIngestInstance } from './testing/ingest-harness';

jest.setTimeout(120_000);

/** A vendor API paging by since_id, three items a page, oldest first. */
function vendorApi() {
  const items: { id: number; text: string; created_at: string }[] = [];
  const sinceIds: (string | null)[] = [];
  const add = (from: number, to: number) => {
    for (let id = from; id <= to; id++) items.push({ id, text: id === 5 ? '' : `宕昌县第${id}条道路塌方通报：国道212线临时管制，绕行路线见正文，编号${id * 104729}。`, created_at: '2026-07-01T10:00:00+08:00' });
  };
  return {
    add,
    sinceIds,
    handler: (req: { url?: string }, res: import('node:http').ServerResponse) => {
      const since = new URL(req.url ?? '/', 'http://x').searchParams.get('since_id');
      sinceIds.push(since);
      const page = items.filter((i) => since === null || i.id > Number(since)).slice(0, 3);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ statuses: page }));
    },
  };
}

describe('pollers in the real service: cursor, dead letters, health', () => {
  const name = isolationName('ingest_poll');
  const redisPrefix = `${name}:`;
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let output: Awaited<ReturnType<typeof collectPosts>>;
  const servers: TestServer[] = [];
  const api = vendorApi();
  let sources: SourceDefinitionInput[];

  beforeAll(async () => {
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('ingest-test');
    output = await collectPosts(bus, `${name}-reader`);
    const vendor = await startTestServer(api.handler);
    const broken = await startTestServer((_req, res) => {
      res.statusCode = 500;
      res.end('upstream down');
    });
    servers.push(vendor, broken);
    sources = [
      {
        id: 'vendor-json',
        name: '平台接口',
        kind: 'json',
        url: `${vendor.url}/statuses`,
        mapping: { items: '$.statuses[*]', nativeId: 'id', text: 'text', publishedAt: 'created_at' },
        cursor: { kind: 'since-id', param: 'since_id' },
      },
      { id: 'broken-site', name: '故障站点', kind: 'rss', url: `${broken.url}/rss.xml`, polling: { intervalMs: 60_000, unhealthyAfter: 2, backoffBaseMs: 100 } },
    ];
  });

  afterAll(async () => {
    await output?.stop();
    for (const s of servers) await s.close();
    await bus?.close();
    await topics?.drop();
    await database?.drop();
    await dropRedisKeys(redisPrefix);
  });

  it('resumes after a restart exactly at the saved cursor: no gap, no repeat', async () => {
    api.add(1, 7);
    const first = await startIngestInstance({ bus, db: database.db, redisPrefix, sources });
    try {
      const outcome = await first.service.fleet!.pollNow('vendor-json');
      expect(outcome).toMatchObject({ ok: true });
    } finally {
      await first.stop();
    }
    // Posts 1–7 except 5 (no text: dead-lettered); the cursor stands at 7.
    await eventually(async () => (output.posts.filter((p) => p.sourceId === 'vendor-json').length >= 6 ? true : undefined), 'six posts');
    api.add(8, 11);
    api.sinceIds.length = 0;

    const second = await startIngestInstance({ bus, db: database.db, redisPrefix, sources });
    try {
      expect(await second.service.fleet!.pollNow('vendor-json')).toMatchObject({ ok: true });
    } finally {
      await second.stop();
    }
    expect(api.sinceIds[0]).toBe('7');
    const ids = await eventually(async () => {
      const got = output.posts.filter((p) => p.sourceId === 'vendor-json').map((p) => Number(p.nativeId));
      return got.length >= 10 ? got : undefined;
    }, 'ten posts');
    await new Promise((r) => setTimeout(r, 1000));
    const all = output.posts.filter((p) => p.sourceId === 'vendor-json').map((p) => Number(p.nativeId));
    expect(all.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    expect(ids.length).toBe(10);
  });

  it('sends the malformed item to the dead-letter topic with its reason and raw bytes', async () => {
    const letters = await readDeadLetters({ brokers: TEST_KAFKA_BROKERS, topic: prefixedDeadLetterTopic(`${name}.`, Topics.postsIngested), logger: testLogger(), atLeast: 1 });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'text: no text and no title', group: 'ingest:vendor-json', attempts: 0 });
    expect(JSON.parse(letters[0]!.value.toString())).toMatchObject({ id: 5, text: '' });
  });

  it('marks a failing source unhealthy after N failures, in the API and the metrics', async () => {
    const instance = await startIngestInstance({ bus, db: database.db, redisPrefix, sources });
    try {
      for (let i = 0; i < 2; i++) expect(await instance.service.fleet!.pollNow('broken-site')).toMatchObject({ ok: false });
      const body = (await (await fetch(`${instance.url}/ingest/v1/sources/broken-site`, { headers: { 'x-api-key': ADMIN_KEY } })).json()) as { source: Record<string, unknown> };
      expect(body.source).toMatchObject({ health: 'unhealthy', consecutiveFailures: 2, lastError: { name: 'FetchError', code: 'http-status' } });
      const metrics = await (await fetch(`${instance.url}/metrics`)).text();
      expect(metrics).toMatch(/huiying_ingest_source_health\{[^}]*source="broken-site"[^}]*\} 2/);
      // The vendor source, polled by the same instance, is unaffected.
      const vendor = (await (await fetch(`${instance.url}/ingest/v1/sources/vendor-json`, { headers: { 'x-api-key': ADMIN_KEY } })).json()) as { source: Record<string, unknown> };
      expect(vendor.source).toMatchObject({ health: 'healthy', cursor: '11' });
    } finally {
      await instance.stop();
    }
  });

  it('adds, pauses and resumes sources through the API, refusing private addresses', async () => {
    const instance = await startIngestInstance({ bus, db: database.db, redisPrefix, sources });
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${instance.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    try {
      const added = await call('POST', '/ingest/v1/sources', { id: 'kang-county', name: '康县政府网', kind: 'rss', url: `${servers[0]!.url}/rss.xml` });
      expect(added.status).toBe(201);
      expect((await call('POST', '/ingest/v1/sources', { id: 'kang-county', name: 'again', kind: 'rss', url: `${servers[0]!.url}/x` })).status).toBe(409);
      const invalid = await call('POST', '/ingest/v1/sources', { id: 'Bad Id', name: '', kind: 'rss', url: 'ftp://x' });
      expect(((await invalid.json()) as { problems: { path: string }[] }).problems.map((p) => p.path).sort()).toEqual(['id', 'name', 'url']);
      const intranet = await call('POST', '/ingest/v1/sources', { id: 'intranet', name: '内网', kind: 'rss', url: 'http://10.1.2.3/rss.xml' });
      expect(intranet.status).toBe(400);
      expect(await intranet.text()).toContain('private');

      expect(instance.service.fleet!.state('kang-county')).toBeDefined();
      const paused = (await (await call('POST', '/ingest/v1/sources/kang-county/pause')).json()) as { source: Record<string, unknown> };
      expect(paused.source).toMatchObject({ paused: true, health: 'idle' });
      expect(instance.service.fleet!.state('kang-county')).toBeUndefined();
      await call('POST', '/ingest/v1/sources/kang-county/resume');
      expect(instance.service.fleet!.state('kang-county')).toBeDefined();
      expect((await call('POST', '/ingest/v1/sources/nothing/pause')).status).toBe(404);
    } finally {
      await instance.stop();
    }
  });
});
