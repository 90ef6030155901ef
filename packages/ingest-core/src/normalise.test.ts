import { normalisePost, parseCount, stablePostId, type NormaliseContext, type PostDraft } from './normalise';

const ctx: NormaliseContext = { sourceId: 'qq-news', sourceKind: 'rss', collectedAt: '2026-11-26T08:00:00Z' };

describe('normalisePost', () => {
  it('builds a full post', () => {
    const result = normalisePost(
      {
        nativeId: 'abc',
        url: 'HTTP://News.QQ.com/a/1.htm?utm_source=rss#top',
        author: ' 新华社 ',
        title: '<b>文县</b>发生滑坡',
        text: '<p>文县&nbsp;今日 发生滑坡，２人受伤。</p>',
        publishedAt: '2018-09-18 14:38:10',
        engagement: { reposts: '1.2万', comments: 3, likes: '10万+' },
        raw: { any: 'thing' },
      },
      ctx,
    );
    expect(result).toEqual({
      ok: true,
      warnings: [],
      post: {
        id: 'qq-news:abc',
        sourceId: 'qq-news',
        sourceKind: 'rss',
        nativeId: 'abc',
        url: 'http://news.qq.com/a/1.htm',
        author: '新华社',
        title: '文县发生滑坡',
        text: '文县 今日 发生滑坡，2人受伤。',
        publishedAt: '2018-09-18T14:38:10+08:00',
        collectedAt: '2026-11-26T08:00:00Z',
        engagement: { reposts: 12000, comments: 3, likes: 100000 },
        raw: { any: 'thing' },
      },
    });
  });

  it.each<[string, PostDraft, string]>([
    ['native id', { nativeId: 42, url: 'https://x.cn/a', text: 't' }, 'qq-news:42'],
    ['url hash when no native id', { url: 'https://x.cn/a?utm_source=1', text: 't' }, `qq-news:u:${''}`],
    ['text hash when neither', { text: '只有文字' }, 'qq-news:t:'],
  ])('id from %s', (_name, draft, prefix) => {
    const result = normalisePost(draft, ctx);
    if (!result.ok) throw new Error('expected a post');
    expect(result.post.id.startsWith(prefix)).toBe(true);
    // Stable: the same item normalised again gets the same id.
    const again = normalisePost(draft, { ...ctx, collectedAt: '2027-01-01T00:00:00Z' });
    expect(again.ok && again.post.id).toBe(result.post.id);
  });

  it('gives tracking variants of one URL the same id', () => {
    const a = normalisePost({ url: 'https://x.cn/a?b=1&utm_source=wx', text: 'x' }, ctx);
    const b = normalisePost({ url: 'https://X.cn/a?spm=3&b=1#f', text: 'y' }, ctx);
    expect(a.ok && b.ok && a.post.id === b.post.id).toBe(true);
  });

  it('falls back to the collection time for a blank date, and says so', () => {
    const result = normalisePost({ text: 'x', publishedAt: '  ' }, ctx);
    expect(result.ok && result.post.publishedAt).toBe(ctx.collectedAt);
    expect(result.ok && result.warnings).toEqual([
      { path: ['publishedAt'], reason: 'blank; used the collection time' },
    ]);
  });

  it.each<[string, PostDraft, { path: (string | number)[]; reason: string }[]]>([
    ['no text and no title', { text: ' <p></p> ' }, [{ path: ['text'], reason: 'no text and no title' }]],
    [
      'a numeric id beyond 2^53 and no text',
      { nativeId: Number('3436164122209450123'), text: '' },
      [
        { path: ['nativeId'], reason: 'numeric id beyond 2^53 has lost precision; map the string id instead' },
        { path: ['text'], reason: 'no text and no title' },
      ],
    ],
  ])('rejects %s with every issue', (_name, draft, issues) => {
    expect(normalisePost(draft, ctx)).toEqual({ ok: false, issues });
  });

  it('drops a bad link and bad counts with warnings but keeps the post', () => {
    const result = normalisePost({ text: 'x', url: 'javascript:void(0)', engagement: { likes: 'many' } }, ctx);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.post.url).toBeUndefined();
    expect(result.post.engagement).toBeUndefined();
    expect(result.warnings.map((w) => w.path.join('.'))).toEqual(['url', 'publishedAt', 'engagement.likes']);
  });

  it('cuts an over-long text', () => {
    const result = normalisePost({ text: '长'.repeat(100_010), publishedAt: '2020-01-01' }, ctx);
    expect(result.ok && result.post.text.length).toBe(100_000);
    expect(result.ok && result.warnings[0]?.path).toEqual(['text']);
  });
});

describe('parseCount', () => {
  it.each([
    [12, 12],
    ['345', 345],
    ['1,234', 1234],
    ['1.2万', 12000],
    ['10万+', 100000],
    ['3亿', 300000000],
    ['3k', 3000],
    ['２０', 20],
  ])('%s → %i', (input, expected) => {
    expect(parseCount(input)).toEqual({ value: expected });
  });
  it.each([['many'], [-1], [{}]])('refuses %p', (input) => {
    expect(parseCount(input).reason).toBeDefined();
  });
});

describe('stablePostId', () => {
  it('hashes a native id too long for the id field', () => {
    const id = stablePostId('s', 'x'.repeat(300), undefined, '');
    expect(id).toMatch(/^s:n:[0-9a-f]{40}$/);
  });
});
