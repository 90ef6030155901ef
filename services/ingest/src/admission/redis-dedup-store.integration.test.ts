import type { Post } from '@huiying/contracts';
import { checkDuplicates, type DedupWrite } from '@huiying/ingest-core';
import { Redis } from 'ioredis';
import { isolationName, TEST_REDIS_URL } from '../../../embedded/src/testing/real-services';
import { dropRedisKeys } from '../testing/ingest-harness';
import { RedisDedupStore } from './redis-dedup-store';

const rumour = '网传文县城关镇发生山体滑坡，已造成三人死亡，十二名群众被困，请大家转发扩散';
const post = (id: string, over: Partial<Post> = {}): Post => ({
  id,
  sourceId: id.split(':')[0]!,
  sourceKind: 'webhook',
  nativeId: id.split(':')[1],
  text: rumour,
  publishedAt: '2026-11-26T08:00:00+08:00',
  collectedAt: '2026-11-26T00:00:01Z',
  ...over,
});
const kinds = (verdicts: Awaited<ReturnType<typeof checkDuplicates>>) => verdicts.map((v) => ('of' in v ? `${v.kind} of ${v.of}` : v.kind));

describe('RedisDedupStore on the real Redis', () => {
  const prefix = `${isolationName('ingest_dedup')}:`;
  const redis = new Redis(TEST_REDIS_URL);
  const store = new RedisDedupStore(redis);
  const options = { keyPrefix: prefix, windowMs: 60_000 };

  afterAll(async () => {
    await dropRedisKeys(prefix);
    await redis.quit();
  });

  it('judges a batch with copies of copies pointing at the first post, and keeps the keys with a TTL', async () => {
    const first = post('weibo:1', { url: 'https://weibo.com/1' });
    const copy = post('weibo:2', { url: 'https://weibo.com/2', text: `转发：${rumour}！！` });
    const copyOfCopy = post('rss:7', { url: 'https://weibo.com/2', text: '完全不同的文字内容，长度足够长，用于测试近似去重的阈值' });
    expect(kinds(await checkDuplicates([first, copy, copyOfCopy], store, options))).toEqual(['new', 'near of weibo:1', 'exact of weibo:1']);
    // Across a restart (a fresh store on the same Redis): the same post is a repeat, the copy stays a copy.
    expect(kinds(await checkDuplicates([first, copy], new RedisDedupStore(redis), options))).toEqual(['repeat', 'exact of weibo:1']);
    const ttl = await redis.pttl(`${prefix}u:https://weibo.com/2`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('commits like the memory store: a far text in a grown bucket is no conflict, a near one or a taken key is', async () => {
    const p = `${prefix}c:`;
    const claim = (id: string, hash: string, sizeAtRead: number): DedupWrite => ({
      kind: 'claim',
      value: id,
      exactKeys: [`${p}n:${id}`],
      member: `${hash}:${id}`,
      threshold: 3,
      bands: [{ key: `${p}band`, sizeAtRead }],
    });
    expect(await store.commit([claim('far', 'ffffffff00000000', 0)], 60_000)).toBe(1);
    expect(await store.commit([claim('mine', '0000000000000000', 0), claim('next', '1234567812345678', 2)], 60_000)).toBe(2);
    expect(await store.commit([claim('near', '0000000000000003', 1)], 60_000)).toBe(0);
    expect(await store.commit([{ kind: 'point', value: 'x', exactKeys: [`${p}n:mine`, `${p}u:free`] }, claim('mine', '0f0f0f0f0f0f0f0f', 3)], 60_000)).toBe(1);
    expect((await store.read([`${p}n:mine`, `${p}u:free`], [`${p}band`])).exact).toEqual(['mine', 'x']);
  });

  it('lets exactly one of two instances racing on copies of one text see it as new', async () => {
    const copies = Array.from({ length: 10 }, (_, i) => post(`race${i}:1`, { text: `${rumour}${'！'.repeat(i % 3)}` }));
    const other = new Redis(TEST_REDIS_URL);
    const stores = [new RedisDedupStore(redis), new RedisDedupStore(other)];
    const verdicts = await Promise.all(copies.map((c, i) => checkDuplicates([c], stores[i % 2]!, { ...options, keyPrefix: `${prefix}race:` })));
    const flat = verdicts.flat();
    expect(flat.filter((v) => v.kind === 'new')).toHaveLength(1);
    const firstId = copies[flat.findIndex((v) => v.kind === 'new')]!.id;
    expect(flat.filter((v) => v.kind === 'near').every((v) => 'of' in v && v.of === firstId)).toBe(true);
    await other.quit();
  });
});
