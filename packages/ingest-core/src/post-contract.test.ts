import { Post } from '@huiying/contracts';
import fc from 'fast-check';
import { normalisePost, type PostDraft } from './normalise';

/** normalisePost builds posts without a schema pass; these hold its output against the contract. */
describe('normalised posts meet the Post contract', () => {
  it.each<[string, PostDraft]>([
    ['minimal', { text: 'x' }],
    [
      'everything',
      {
        nativeId: 9,
        url: 'https://x.cn/a?b=1',
        author: 'a',
        title: 't',
        text: '<p>x</p>',
        publishedAt: 'Wed Apr 18 14:00:30 +0800 2012',
        engagement: { likes: '1万' },
        raw: { a: 1 },
      },
    ],
    ['IDN host and Chinese path', { url: 'https://例子.中国/新闻/一?标题=滑坡', text: 'x' }],
    ['long native id', { nativeId: 'n'.repeat(500), text: 'x' }],
    ['long title and author', { title: '题'.repeat(5000), author: '者'.repeat(500), text: '' }],
    ['negative-offset date', { text: 'x', publishedAt: '2020-04-10T01:07:36-05:00' }],
    ['millisecond epoch', { text: 'x', publishedAt: 1_790_000_000_123 }],
    ['spaces in URL', { url: 'https://x.cn/a b?c=d e', text: 'x' }],
    ['epoch past the year 9999', { text: 'x', publishedAt: 253_402_300_800_000 }],
    ['counts beyond 2^53', { text: 'x', engagement: { likes: 1e300, reposts: '99999999999999万' } }],
  ])('%s', (_name, draft) => {
    const result = normalisePost(draft, {
      sourceId: 's'.repeat(100),
      sourceKind: 'webhook',
      collectedAt: '2026-11-26T08:00:00.123+08:00',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const checked = Post.safeParse(result.post);
    expect(checked.success ? [] : checked.error.issues).toEqual([]);
  });

  it.each([
    ['an empty source id', '', '2026-11-26T08:00:00Z', 'sourceId'],
    ['a collection time without offset', 's', '2026-11-26 08:00:00', 'collectedAt'],
  ])('refuses a context with %s', (_name, sourceId, collectedAt, path) => {
    const result = normalisePost({ text: 'x' }, { sourceId, sourceKind: 'rss', collectedAt });
    expect(result.ok === false && result.issues.map((i) => i.path[0])).toEqual([path]);
  });

  // Admission publishes these posts without a schema pass (PublishOptions.prevalidated), so every
  // draft normalisePost accepts, however odd, must meet the contract.
  it('holds for any draft it accepts', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom('<p>标题</p>&amp;', '　全角　ＡＢＣ１２３', '\u200b', '题'.repeat(2100)),
    );
    const url = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.string({ maxLength: 40 }),
      fc.constantFrom('https://例子.中国/新闻?utm_source=x', 'http://[::1]:8080/a b', 'https://x.cn/' + 'a'.repeat(2100), 'HTTP://X.CN/%zz'),
    );
    const publishedAt = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer(),
      fc.double(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2026-07-01 14:30', '2026年7月1日 14:30', '刚刚', '3分钟前', 'Wed Apr 18 14:00:30 +0800 2012', '9999-12-31T23:59:59Z'),
    );
    const count = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.constantFrom('1.2万', '10万+', '3k'));
    const draft: fc.Arbitrary<PostDraft> = fc.record(
      {
        nativeId: fc.oneof(fc.string({ maxLength: 220 }), fc.integer(), fc.double()),
        url,
        author: text,
        title: text,
        text,
        publishedAt,
        engagement: fc.record({ reposts: count, comments: count, likes: count }, { requiredKeys: [] }),
        raw: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<PostDraft>;
    fc.assert(
      fc.property(draft, fc.constantFrom<'webhook' | 'file' | 'rss'>('webhook', 'file', 'rss'), (d, sourceKind) => {
        const result = normalisePost(d, { sourceId: 'weibo-longnan', sourceKind, collectedAt: '2026-11-26T08:00:00.123+08:00' });
        if (!result.ok) return;
        const checked = Post.safeParse(result.post);
        expect(checked.success ? [] : checked.error.issues).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
