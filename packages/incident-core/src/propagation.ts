import type { Classification, Post } from '@huiying/contracts';

/**
 * How an incident spread: who posted first, how volume moved over time, who carried it furthest,
 * and which counties the posts name. Pure, over the incident's posts with their classification.
 */
export interface PropagationInput {
  post: Pick<Post, 'id' | 'publishedAt' | 'sourceId'> & Partial<Pick<Post, 'author' | 'url' | 'title' | 'engagement'>>;
  classification: Pick<Classification, 'counties'>;
}

export interface PropagationOptions {
  /** Width of a timeline bucket. Default one hour. */
  bucketMs: number;
  /** Buckets start at multiples of bucketMs from the epoch shifted by this: −8 h gives days that start at midnight in China (16:00 UTC). */
  alignOffsetMs: number;
  /** A longer span widens the buckets (×2 until it fits), so a month of minutes stays readable. */
  maxBuckets: number;
  /** How many spreaders to list. */
  topSpreaders: number;
}

export const defaultPropagationOptions: PropagationOptions = {
  bucketMs: 60 * 60 * 1000,
  alignOffsetMs: 0,
  maxBuckets: 500,
  topSpreaders: 10,
};

export interface FirstSource {
  postId: string;
  sourceId: string;
  author: string | null;
  url: string | null;
  title: string | null;
  publishedAt: string;
}

export interface TimelineBucket {
  start: string;
  posts: number;
  /** Reposts + comments + likes of the posts published in the bucket. */
  engagement: number;
}

export interface Spreader {
  /** The author, or `source:<sourceId>` for posts without one. */
  spreader: string;
  posts: number;
  reposts: number;
  comments: number;
  likes: number;
  engagement: number;
  firstPostAt: string;
}

export interface Propagation {
  totalPosts: number;
  totalEngagement: number;
  firstSource: FirstSource | null;
  /** The bucket width actually used (see `maxBuckets`). */
  bucketMs: number;
  /** Every bucket from the first post to the last, empty ones included, so gaps show. */
  timeline: TimelineBucket[];
  topSpreaders: Spreader[];
  /** Counties by number of posts naming them, most first. */
  counties: Array<{ county: string; posts: number }>;
}

function engagementOf(post: PropagationInput['post']): { reposts: number; comments: number; likes: number } {
  return { reposts: post.engagement?.reposts ?? 0, comments: post.engagement?.comments ?? 0, likes: post.engagement?.likes ?? 0 };
}

export function propagationOf(posts: readonly PropagationInput[], options: Partial<PropagationOptions> = {}): Propagation {
  const o = { ...defaultPropagationOptions, ...options };
  if (!(o.bucketMs > 0) || !(o.maxBuckets >= 1)) throw new RangeError('propagation: bucketMs and maxBuckets must be positive');
  // Ties on the minute are common (a source and its copies); the id order keeps the answer stable.
  const ordered = [...posts]
    .map((p) => ({ ...p, at: Date.parse(p.post.publishedAt) }))
    .sort((a, b) => a.at - b.at || (a.post.id < b.post.id ? -1 : a.post.id > b.post.id ? 1 : 0));
  const first = ordered[0];

  let totalEngagement = 0;
  const spreaders = new Map<string, Spreader>();
  const counties = new Map<string, number>();
  for (const { post, classification, at } of ordered) {
    const e = engagementOf(post);
    const sum = e.reposts + e.comments + e.likes;
    totalEngagement += sum;
    const key = post.author?.trim() ? post.author.trim() : `source:${post.sourceId}`;
    const s = spreaders.get(key) ?? { spreader: key, posts: 0, reposts: 0, comments: 0, likes: 0, engagement: 0, firstPostAt: new Date(at).toISOString() };
    s.posts++;
    s.reposts += e.reposts;
    s.comments += e.comments;
    s.likes += e.likes;
    s.engagement += sum;
    spreaders.set(key, s);
    for (const county of new Set(classification.counties)) counties.set(county, (counties.get(county) ?? 0) + 1);
  }

  let bucketMs = o.bucketMs;
  const timeline: TimelineBucket[] = [];
  if (first) {
    const last = ordered[ordered.length - 1]!;
    const floor = (t: number, width: number) => Math.floor((t - o.alignOffsetMs) / width) * width + o.alignOffsetMs;
    while ((floor(last.at, bucketMs) - floor(first.at, bucketMs)) / bucketMs + 1 > o.maxBuckets) bucketMs *= 2;
    const start = floor(first.at, bucketMs);
    const count = (floor(last.at, bucketMs) - start) / bucketMs + 1;
    for (let i = 0; i < count; i++) timeline.push({ start: new Date(start + i * bucketMs).toISOString(), posts: 0, engagement: 0 });
    for (const { post, at } of ordered) {
      const bucket = timeline[Math.floor((at - start) / bucketMs)]!;
      const e = engagementOf(post);
      bucket.posts++;
      bucket.engagement += e.reposts + e.comments + e.likes;
    }
  }

  return {
    totalPosts: ordered.length,
    totalEngagement,
    firstSource: first
      ? {
          postId: first.post.id,
          sourceId: first.post.sourceId,
          author: first.post.author ?? null,
          url: first.post.url ?? null,
          title: first.post.title ?? null,
          publishedAt: new Date(first.at).toISOString(),
        }
      : null,
    bucketMs,
    timeline,
    topSpreaders: [...spreaders.values()]
      .sort((a, b) => b.engagement - a.engagement || b.posts - a.posts || a.firstPostAt.localeCompare(b.firstPostAt))
      .slice(0, o.topSpreaders),
    counties: [...counties.entries()]
      .map(([county, n]) => ({ county, posts: n }))
      .sort((a, b) => b.posts - a.posts || a.county.localeCompare(b.county)),
  };
}
