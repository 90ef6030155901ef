import { webhookSignatureHeader } from '@huiying/ingest-core';
import { eventually, isolatedDatabase, isolatedTopics, isolationName } from '../../embedded/src/testing/real-services';
import type { SourceDefinitionInput } from './sources/source-definition';
import { sourceRepository } from './sources/source-repository';
import { ADMIN_KEY, collectPosts, dropRedisKeys, push, startIngestInstance } from './testing/ingest-harness';

jest.setTimeout(120_000);

const SECRET = 'vendor-secret-0123456789';
const OLD_SECRET = 'vendor-old-secret-0123456789';
const sources: SourceDefinitionInput[] = [
  { id: 'vendor', name: '监测服务商', kind: 'webhook', secrets: [SECRET, OLD_SECRET] },
  { id: 'sample', name: '样例', kind: 'webhook', auth: 'unsigned' },
  { id: 'trickle', name: '限速', kind: 'webhook', secrets: [SECRET], postsPerMinute: 60, maxBatch: 10 },
  { id: 'off', name: '停用', kind: 'webhook', enabled: false, secrets: [SECRET] },
];

const post = (n: number | string, text = `文县碧口镇第${n}号通报：白龙江水位上涨，沿岸群众已转移。`) => ({ nativeId: String(n), text, publishedAt: '2026-07-01 14:30:00' });

describe('the signed webhook, through the real service on Kafka, PostgreSQL and Redis', () => {
  const name = isolationName('ingest_wh');
  const redisPrefix = `${name}:`;
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let ingest: Awaited<ReturnType<typeof startIngestInstance>>;
  let output: Awaited<ReturnType<typeof collectPosts>>;

  beforeAll(async () => {
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('ingest-test');
    ingest = await startIngestInstance({ bus, db: database.db, redisPrefix, sources, maxBodyBytes: 64 * 1024 });
    output = await collectPosts(bus, `${name}-reader`);
  });

  afterAll(async () => {
    await output?.stop();
    await ingest?.stop();
    await bus?.close();
    await topics?.drop();
    await database?.drop();
    await dropRedisKeys(redisPrefix);
  });

  it('answers 202 with the ids only once Kafka has them', async () => {
    const response = await push(ingest.url, { posts: [post(1), post(2)] }, { source: 'vendor', secret: SECRET });
    expect(response).toEqual({ status: 202, json: { accepted: ['vendor:1', 'vendor:2'] } });
    const seen = await eventually(async () => {
      const ids = output.posts.filter((p) => p.sourceId === 'vendor').map((p) => p.id);
      return ids.length >= 2 ? ids : undefined;
    }, 'the two posts on posts.ingested');
    expect(seen.sort()).toEqual(['vendor:1', 'vendor:2']);
    const first = output.posts.find((p) => p.id === 'vendor:1')!;
    // Beijing time without an offset, read as +08:00; the item as sent kept for audit.
    expect(first).toMatchObject({ sourceKind: 'webhook', publishedAt: '2026-07-01T14:30:00+08:00', raw: post(1) });
  });

  it('accepts a signature made with the old secret during a rotation', async () => {
    expect((await push(ingest.url, post(3), { source: 'vendor', secret: OLD_SECRET })).status).toBe(202);
  });

  it.each([
    ['no signature at all', { source: 'vendor' }, 'missing-timestamp'],
    ['a forged signature (wrong secret)', { source: 'vendor', secret: 'attacker-secret-0123456789' }, 'bad-signature'],
    ['a replay older than 5 minutes', { source: 'vendor', secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 301 }, 'stale-timestamp'],
    ['a timestamp from the future', { source: 'vendor', secret: SECRET, timestamp: Math.floor(Date.now() / 1000) + 400 }, 'future-timestamp'],
    ['a malformed signature', { source: 'vendor', secret: SECRET, signature: 'v1=zz' }, 'malformed-signature'],
  ])('refuses %s with 401', async (_, options, reason) => {
    const response = await push(ingest.url, post('refused'), options);
    expect(response).toEqual({ status: 401, json: { error: 'bad_signature', reason } });
  });

  it('refuses a signature over other bytes than were sent (a body altered on the way)', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = webhookSignatureHeader(SECRET, ts, Buffer.from(JSON.stringify(post('original'))));
    const response = await push(ingest.url, post('altered'), { source: 'vendor', signature, timestamp: Number(ts) });
    expect(response).toMatchObject({ status: 401, json: { reason: 'bad-signature' } });
  });

  it.each([
    ['an unknown source', 'nobody'],
    ['a disabled source', 'off'],
  ])('refuses %s with 401', async (_, source) => {
    expect((await push(ingest.url, post(9), { source, secret: SECRET })).json).toMatchObject({ error: 'unknown_source' });
  });

  it('takes unsigned posts only from a source configured as unsigned', async () => {
    expect((await push(ingest.url, post(1), { source: 'sample' })).status).toBe(202);
  });

  it('lists every invalid field path with 400 and publishes nothing of the batch', async () => {
    const body = { posts: [post(10), { text: '' , publishedAt: '2026-07-01 14:30:00' }, { text: '好', url: 'not a url', publishedAt: 'sometime', engagement: { likes: -1 } }] };
    const response = await push(ingest.url, body, { source: 'vendor', secret: SECRET });
    expect(response.status).toBe(400);
    expect(response.json.problems.map((p: { path: string }) => p.path)).toEqual(['posts.1.text', 'posts.2.engagement.likes', 'posts.2.url']);
    // Every other field valid: the unusable link alone refuses the batch, at its path.
    const onlyLink = await push(ingest.url, { posts: [post(11), { ...post(12), url: 'ftp://example.cn/a' }] }, { source: 'vendor', secret: SECRET });
    expect(onlyLink.json.problems).toEqual([{ path: 'posts.1.url', problem: 'not an absolute http(s) URL' }]);
    expect((await push(ingest.url, '{"posts": [', { source: 'vendor', secret: SECRET })).json).toMatchObject({ error: 'invalid_json' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(output.posts.some((p) => p.id === 'vendor:10' || p.id === 'vendor:11')).toBe(false);
  });

  it('refuses a body over the size limit with 413', async () => {
    const huge = { posts: [post(11, '滑坡'.repeat(40_000))] };
    expect((await push(ingest.url, huge, { source: 'vendor', secret: SECRET })).status).toBe(413);
  });

  it('answers 429 once a source pushes more posts than its rate', async () => {
    const batch = Array.from({ length: 10 }, (_, i) => post(`t${i}`, `礼县第${i}批次核查通报，请以官方发布为准，编号${i * 7919}。`));
    expect((await push(ingest.url, batch, { source: 'trickle', secret: SECRET })).status).toBe(202);
    const over = await push(ingest.url, [post('t10', '礼县又一条不同的通报内容，编号十一，仅供测试使用。')], { source: 'trickle', secret: SECRET });
    expect(over.status).toBe(429);
    // Other sources keep their own budget.
    expect((await push(ingest.url, post(12), { source: 'vendor', secret: SECRET })).status).toBe(202);
  });

  it('counts a repost on the first post instead of emitting it', async () => {
    const original = '网传西和县某化工厂发生爆炸，现场浓烟滚滚，已有多人受伤送医，请大家注意安全。';
    expect((await push(ingest.url, post('r1', original), { source: 'vendor', secret: SECRET })).json).toEqual({ accepted: ['vendor:r1'] });
    const copies = [post('r2', `转发：${original}`), post('r3', `${original} http://t.cn/abc`), post('r4', `//@陇南身边事: ${original}`)];
    const response = await push(ingest.url, copies, { source: 'vendor', secret: SECRET });
    expect(response.status).toBe(202);
    expect(response.json.accepted).toEqual([]);
    expect(response.json.duplicates.map((d: { of: string }) => d.of)).toEqual(['vendor:r1', 'vendor:r1', 'vendor:r1']);
    await ingest.service.reposts.flush();
    expect(await sourceRepository.repostCount(database.db, 'vendor:r1')).toBe(3);
    await new Promise((r) => setTimeout(r, 1500));
    expect(output.posts.filter((p) => ['vendor:r2', 'vendor:r3', 'vendor:r4'].includes(p.id))).toEqual([]);
  });

  it('shows per-source counts in the sources API and in Prometheus', async () => {
    const unauthorised = await fetch(`${ingest.url}/ingest/v1/sources`);
    expect(unauthorised.status).toBe(401);
    const response = await fetch(`${ingest.url}/ingest/v1/sources/vendor`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const { source } = (await response.json()) as { source: { counts: Record<string, number>; definition: { secrets: string[] } } };
    expect(source.counts.duplicates).toBe(3);
    expect(source.counts.accepted).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(source.definition)).not.toContain(SECRET);
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/huiying_ingest_duplicates_total\{[^}]*source="vendor"[^}]*\} 3/);
  });
});
