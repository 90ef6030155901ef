import type { Post } from '@huiying/contracts';
import { checkDuplicate, checkDuplicates, dedupText, DEFAULT_HAMMING_THRESHOLD, exactKeys, MemoryDedupStore, type DedupWrite } from './dedup';
import { simhash, simhashBands } from './simhash';

const base: Post = {
  id: 'weibo:1',
  sourceId: 'weibo',
  sourceKind: 'json',
  nativeId: '1',
  url: 'https://weibo.com/1/1',
  text: '网传文县城关镇发生山体滑坡，已造成三人死亡，十二名群众被困，请大家转发扩散',
  publishedAt: '2026-11-26T08:00:00+08:00',
  collectedAt: '2026-11-26T00:00:01Z',
};
const post = (over: Partial<Post>): Post => ({ ...base, ...over });

describe('checkDuplicate', () => {
  it('sees the first post as new, the same post again as a repeat', async () => {
    const store = new MemoryDedupStore(() => 0);
    expect((await checkDuplicate(base, store)).kind).toBe('new');
    expect(await checkDuplicate(base, store)).toEqual({ kind: 'repeat' });
  });

  it.each<[string, Partial<Post>, object]>([
    [
      'same URL from another source',
      { id: 'rss:9', sourceId: 'rss', nativeId: '9', text: '完全不同的文字内容，长度足够长，用于测试近似去重的阈值' },
      { kind: 'exact', of: 'weibo:1', by: 'url' },
    ],
    [
      'same native id from the same source',
      { id: 'weibo:1b', url: undefined, text: '完全不同的文字内容，长度足够长，用于测试近似去重的阈值' },
      { kind: 'exact', of: 'weibo:1', by: 'native-id' },
    ],
    [
      'near text (a repost)',
      { id: 'weibo:2', nativeId: '2', url: 'https://weibo.com/2/2', text: `转发：${base.text}！！` },
      { kind: 'near', of: 'weibo:1' },
    ],
  ])('finds %s', async (_name, over, verdict) => {
    const store = new MemoryDedupStore(() => 0);
    await checkDuplicate(base, store);
    expect(await checkDuplicate(post(over), store)).toEqual(expect.objectContaining(verdict));
  });

  it('lets a different text through', async () => {
    const store = new MemoryDedupStore(() => 0);
    await checkDuplicate(base, store);
    const other = post({
      id: 'weibo:3',
      nativeId: '3',
      url: 'https://weibo.com/3/3',
      text: '市财政局发布二〇二五年政府债务情况说明，全年地方政府债务余额控制在限额以内',
    });
    expect((await checkDuplicate(other, store)).kind).toBe('new');
  });

  it('skips near checks for short texts', async () => {
    const store = new MemoryDedupStore(() => 0);
    const a = post({ id: 'a', nativeId: 'a', url: undefined, text: '转发微博' });
    const b = post({ id: 'b', nativeId: 'b', url: undefined, text: '转发微博' });
    await checkDuplicate(a, store);
    expect((await checkDuplicate(b, store)).kind).toBe('new');
  });

  it('forgets after the window', async () => {
    let now = 0;
    const store = new MemoryDedupStore(() => now);
    await checkDuplicate(base, store, { windowMs: 1000 });
    now = 1001;
    expect((await checkDuplicate(post({ id: 'weibo:1c' }), store, { windowMs: 1000 })).kind).toBe('new');
  });

  it('drops expired keys once enough writes came after them, judging as before', async () => {
    let now = 0;
    const store = new MemoryDedupStore(() => now);
    const distinct = (i: number) => post({ id: `w:${i}`, nativeId: String(i), url: `https://weibo.com/x/${i}`, text: `${i}`.repeat(3) });
    for (let i = 0; i < 3000; i++) await checkDuplicate(distinct(i), store, { windowMs: 1000 });
    const held = store.size;
    expect(held).toBe(6000);
    now = 1001;
    for (let i = 3000; i < 5000; i++) await checkDuplicate(distinct(i), store, { windowMs: 1000 });
    // Past 4,096 writes the first 3,000 posts' keys went; the newer ones stay and still count.
    expect(store.size).toBe(4000);
    expect(await checkDuplicate(distinct(4999), store, { windowMs: 1000 })).toEqual({ kind: 'repeat' });
    expect((await checkDuplicate(post({ id: 'w:new', nativeId: 'new', url: 'https://weibo.com/x/4998', text: 'zzz' }), store, { windowMs: 1000 })).kind).toBe('exact');
    expect((await checkDuplicate(distinct(1), store, { windowMs: 1000 })).kind).toBe('new');
  });

  it('respects a stricter threshold', async () => {
    const store = new MemoryDedupStore(() => 0);
    await checkDuplicate(base, store, { hammingThreshold: 0 });
    const repost = post({
      id: 'weibo:2',
      nativeId: '2',
      url: undefined,
      text: `转发：${base.text}，大家小心，真的吗？我不信`,
    });
    expect((await checkDuplicate(repost, store, { hammingThreshold: 0 })).kind).toBe('new');
  });
});

describe('dedupText', () => {
  it.each([
    ['repost boilerplate and mentions', '转发微博 //@某人: 是真的吗 @应急管理部 网传滑坡', '是真的吗 网传滑坡'],
    ['short links', '网传滑坡 http://t.cn/A6abc 转', '网传滑坡 转'],
    ['title when there is no text', '', '标题'],
  ])('drops %s', (_name, text, expected) => {
    expect(dedupText({ text, title: '标题' })).toBe(expected);
  });
});

describe('exactKeys', () => {
  it.each([
    [{ sourceId: 's', nativeId: '1', url: 'https://x.cn/' }, ['n:s:1', 'u:https://x.cn/']],
    [{ sourceId: 's', nativeId: undefined, url: undefined }, []],
  ])('%p', (input, keys) => {
    expect(exactKeys(input).map((k) => k.key)).toEqual(keys);
  });
});

describe('copies of copies', () => {
  const copy = post({ id: 'weibo:2', nativeId: '2', url: 'https://weibo.com/2/2', text: `转发：${base.text}！！` });
  /** Shares only the copy's URL, with words of its own. */
  const copyOfCopy = post({ id: 'rss:7', sourceId: 'rss', nativeId: '7', url: 'https://weibo.com/2/2', text: '完全不同的文字内容，长度足够长，用于测试近似去重的阈值' });

  it('point at the first post, not at the copy they match', async () => {
    const store = new MemoryDedupStore(() => 0);
    await checkDuplicate(base, store);
    expect(await checkDuplicate(copy, store)).toEqual(expect.objectContaining({ kind: 'near', of: 'weibo:1' }));
    expect(await checkDuplicate(copyOfCopy, store)).toEqual({ kind: 'exact', of: 'weibo:1', by: 'url' });
  });

  it('do so inside one batch too', async () => {
    const store = new MemoryDedupStore(() => 0);
    const verdicts = await checkDuplicates([base, copy, copyOfCopy], store);
    expect(verdicts.map((v) => ('of' in v ? `${v.kind} of ${v.of}` : v.kind))).toEqual(['new', 'near of weibo:1', 'exact of weibo:1']);
  });

  it('a copy polled again stays a copy of the first post (not a repeat to emit)', async () => {
    const store = new MemoryDedupStore(() => 0);
    await checkDuplicates([base, copy], store);
    expect(await checkDuplicate(copy, store)).toEqual({ kind: 'exact', of: 'weibo:1', by: 'native-id' });
  });

  it('a post polled again is a repeat', async () => {
    const store = new MemoryDedupStore(() => 0);
    await checkDuplicates([base, copy], store);
    expect(await checkDuplicates([base], store)).toEqual([{ kind: 'repeat' }]);
  });
});

describe('near duplicates across instances', () => {
  /** Two instances sharing one store, interleaved at the worst point: both read before either commits. */
  const racingStore = (shared: MemoryDedupStore) => {
    let gate: () => void = () => undefined;
    const bothRead = new Promise<void>((resolve) => (gate = resolve));
    let reads = 0;
    return {
      read: async (exact: readonly string[], bands: readonly string[]) => {
        const snapshot = await shared.read(exact, bands);
        if (++reads === 2) gate();
        await bothRead;
        return snapshot;
      },
      commit: shared.commit.bind(shared),
    };
  };

  it('emits one of two racing near copies as new', async () => {
    const racing = racingStore(new MemoryDedupStore(() => 0));
    const a = post({ id: 'a:1', nativeId: undefined, url: undefined });
    const b = post({ id: 'b:1', sourceId: 'b', nativeId: undefined, url: undefined, text: `${base.text}！` });
    const verdicts = await Promise.all([checkDuplicate(a, racing), checkDuplicate(b, racing)]);
    expect(verdicts.map((v) => v.kind).sort()).toEqual(['near', 'new']);
  });

  it('emits one of two racing posts with the same URL as new, and the other points at it', async () => {
    const racing = racingStore(new MemoryDedupStore(() => 0));
    const a = post({ id: 'a:1', sourceId: 'a', nativeId: '1', text: '市财政局发布二〇二五年政府债务情况说明，全年地方政府债务余额控制在限额以内' });
    const b = post({ id: 'b:1', sourceId: 'b', nativeId: '1' });
    const verdicts = await Promise.all([checkDuplicate(a, racing), checkDuplicate(b, racing)]);
    const first = verdicts[0]!.kind === 'new' ? 'a:1' : 'b:1';
    expect(verdicts.map((v) => v.kind).sort()).toEqual(['exact', 'new']);
    expect(verdicts.find((v) => v.kind === 'exact')).toEqual({ kind: 'exact', of: first, by: 'url' });
  });

  it('keeps one bucket entry for a storm of copies', async () => {
    const store = new MemoryDedupStore(() => 0);
    const verdicts: string[] = [];
    for (let i = 0; i < 50; i++) {
      const copy = post({
        id: `w:${i}`,
        nativeId: String(i),
        url: undefined,
        text: `${base.text}${'！'.repeat(i % 3)}`,
      });
      verdicts.push((await checkDuplicate(copy, store)).kind);
    }
    expect(verdicts.filter((v) => v === 'new')).toHaveLength(1);
    const bands = simhashBands(simhash(dedupText(base)), DEFAULT_HAMMING_THRESHOLD);
    const snapshot = await store.read([], bands.map((band) => `s:${band}`));
    expect(snapshot.bands.map((m) => m.length)).toEqual(bands.map(() => 1));
  });
});

describe('MemoryDedupStore.commit', () => {
  const claim = (id: string, hash: string, sizeAtRead: number): DedupWrite => ({ kind: 'claim', value: id, exactKeys: [`n:${id}`], member: `${hash}:${id}`, threshold: 3, bands: [{ key: 'band', sizeAtRead }] });

  it.each([
    ['a far text joined the bucket meanwhile: no conflict', 'ffffffff00000000', 2],
    ['a near text joined the bucket meanwhile: stops before it', '0000000000000001', 0],
  ])('%s', async (_name, otherHash, applied) => {
    const store = new MemoryDedupStore(() => 0);
    await store.commit([claim('other', otherHash, 0)], 1000);
    expect(await store.commit([claim('mine', '0000000000000000', 0), claim('next', '1234567812345678', 2)], 1000)).toBe(applied);
  });

  it('stops before a claim whose exact key was taken, and points only free keys', async () => {
    const store = new MemoryDedupStore(() => 0);
    await store.commit([{ kind: 'point', value: 'first', exactKeys: ['n:a'] }], 1000);
    expect(await store.commit([{ kind: 'point', value: 'second', exactKeys: ['n:a', 'u:x'] }, claim('a', '0000000000000000', 0)], 1000)).toBe(1);
    expect((await store.read(['n:a', 'u:x'], [])).exact).toEqual(['first', 'second']);
  });
});
