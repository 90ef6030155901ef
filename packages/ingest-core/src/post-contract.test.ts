import { Post } from '@huiying/contracts';
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
});
