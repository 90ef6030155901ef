import { PostBatchInput, fieldProblems, parsePublishedAt, postId, toPost } from './post-input';

describe('parsePublishedAt', () => {
  it.each([
    ['2026-07-01 14:30:00', '2026-07-01T06:30:00.000Z'],
    ['2026-07-01T14:30', '2026-07-01T06:30:00.000Z'],
    ['2026-07-01T14:30:00+08:00', '2026-07-01T06:30:00.000Z'],
    ['2026-07-01T06:30:00Z', '2026-07-01T06:30:00.000Z'],
    ['Wed, 01 Jul 2026 14:30:00 +0800', '2026-07-01T06:30:00.000Z'],
    ['yesterday', null],
  ])('%s → %s', (text, expected) => {
    expect(parsePublishedAt(text)).toBe(expected);
  });
});

describe('PostBatchInput', () => {
  it('accepts one post or a batch', () => {
    expect(PostBatchInput.parse({ text: '滑坡' }).posts).toHaveLength(1);
    expect(PostBatchInput.parse({ posts: [{ text: 'a' }, { text: 'b' }] }).posts).toHaveLength(2);
  });

  it('lists every invalid field path of a batch', () => {
    const result = PostBatchInput.safeParse({ posts: [{ text: '' }, { text: 'ok', url: 'not a url' }] });
    expect(result.success).toBe(false);
    const paths = fieldProblems(result.error!).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['posts.0.text', 'posts.1.url']));
  });
});

describe('toPost', () => {
  const now = new Date('2026-07-01T00:00:00Z');
  it('gives the same id to the same item fetched twice', () => {
    expect(postId('weibo', { nativeId: '42', text: 'x' })).toBe('weibo:42');
    expect(postId('site', { text: '同一条' })).toBe(postId('site', { text: '同一条' }));
    expect(postId('site', { text: '同一条' })).not.toBe(postId('site', { text: '另一条' }));
  });

  it('defaults publishedAt to arrival and keeps the raw item', () => {
    const post = toPost('site', 'webhook', { text: '文县暴雨' }, now);
    expect(post.publishedAt).toBe(now.toISOString());
    expect(post.raw).toEqual({ text: '文县暴雨' });
  });
});
