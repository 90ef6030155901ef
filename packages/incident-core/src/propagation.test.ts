import { propagationOf, type PropagationInput, type PropagationOptions } from './propagation';

const post = (id: string, publishedAt: string, extra: Partial<PropagationInput['post']> = {}, counties: string[] = []): PropagationInput => ({
  post: { id, publishedAt, sourceId: 'weibo', ...extra },
  classification: { counties },
});

describe('propagationOf', () => {
  const posts = [
    post('p3', '2025-07-01T10:40:00+08:00', { author: '陇南发布', engagement: { reposts: 300, comments: 50, likes: 900 } }, ['文县']),
    post('p2', '2025-07-01T09:05:00+08:00', { author: '网友甲', engagement: { reposts: 2 } }, ['文县', '武都区']),
    post('p1', '2025-07-01T09:05:00+08:00', { author: '网友乙', url: 'https://weibo.example/p1', title: '碧口镇山体滑坡' }, ['文县']),
    post('p4', '2025-07-01T12:10:00+08:00', { author: '网友甲', engagement: { comments: 5, likes: 5 } }, ['武都区']),
    post('p5', '2025-07-01T12:20:00+08:00', { sourceId: 'rss-gansu' }, ['文县']),
  ];

  it('finds the first source, breaking a tie on the minute by post id', () => {
    expect(propagationOf(posts).firstSource).toEqual({
      postId: 'p1', sourceId: 'weibo', author: '网友乙', url: 'https://weibo.example/p1', title: '碧口镇山体滑坡', publishedAt: '2025-07-01T01:05:00.000Z',
    });
  });

  it('lays the posts on hourly buckets, empty ones included', () => {
    expect(propagationOf(posts).timeline).toEqual([
      { start: '2025-07-01T01:00:00.000Z', posts: 2, engagement: 2 },
      { start: '2025-07-01T02:00:00.000Z', posts: 1, engagement: 1250 },
      { start: '2025-07-01T03:00:00.000Z', posts: 0, engagement: 0 },
      { start: '2025-07-01T04:00:00.000Z', posts: 2, engagement: 10 },
    ]);
  });

  it('ranks spreaders by engagement, grouping an author and naming authorless posts by source', () => {
    const { topSpreaders, totalEngagement } = propagationOf(posts, { topSpreaders: 3 });
    expect(topSpreaders.map((s) => [s.spreader, s.posts, s.engagement])).toEqual([
      ['陇南发布', 1, 1250],
      ['网友甲', 2, 12],
      ['网友乙', 1, 0], // ties with source:rss-gansu on engagement and posts; posted earlier
    ]);
    expect(totalEngagement).toBe(1262);
  });

  it('counts posts per county, a county once per post', () => {
    expect(propagationOf([...posts, post('p6', '2025-07-01T12:30:00+08:00', {}, ['文县', '文县'])]).counties).toEqual([
      { county: '文县', posts: 5 },
      { county: '武都区', posts: 2 },
    ]);
  });

  it.each<[Partial<PropagationOptions>, string[]]>([
    [{ bucketMs: 86_400_000, alignOffsetMs: -8 * 3_600_000 }, ['2025-06-30T16:00:00.000Z']], // a China day
    [{ bucketMs: 60_000, maxBuckets: 100 }, ['2025-07-01T01:04:00.000Z']], // 196 minute buckets are too many: 2-minute ones
  ])('aligns and widens buckets: %j', (options, firstStarts) => {
    const result = propagationOf(posts, options);
    expect(result.timeline[0]!.start).toBe(firstStarts[0]);
    if (options.bucketMs === 60_000) expect(result.bucketMs).toBe(120_000);
    expect(result.timeline.length).toBeLessThanOrEqual(options.maxBuckets ?? 500);
    expect(result.timeline.reduce((n, b) => n + b.posts, 0)).toBe(posts.length);
  });

  it('is empty for no posts', () => {
    expect(propagationOf([])).toEqual({ totalPosts: 0, totalEngagement: 0, firstSource: null, bucketMs: 3_600_000, timeline: [], topSpreaders: [], counties: [] });
  });
});
