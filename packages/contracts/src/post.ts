import { z } from 'zod';
import { Instant } from './envelope';

export const SourceKind = z.enum(['rss', 'json', 'webhook', 'file', 'sample']);
export type SourceKind = z.infer<typeof SourceKind>;

export const Engagement = z.object({
  reposts: z.number().int().nonnegative().optional(),
  comments: z.number().int().nonnegative().optional(),
  likes: z.number().int().nonnegative().optional(),
});
export type Engagement = z.infer<typeof Engagement>;

/** The largest text a post may carry; longer texts are cut by the ingester, not rejected. */
export const MAX_POST_TEXT = 100_000;

/** A normalised post, whatever connector brought it in. */
export const Post = z.object({
  /** Stable id: the same item fetched twice gets the same id (source + native id, or a hash). */
  id: z.string().min(1).max(200),
  sourceId: z.string().min(1).max(100),
  sourceKind: SourceKind,
  nativeId: z.string().max(200).optional(),
  url: z.url().max(2000).optional(),
  author: z.string().max(200).optional(),
  title: z.string().max(2000).optional(),
  text: z.string().max(MAX_POST_TEXT),
  publishedAt: Instant,
  collectedAt: Instant,
  engagement: Engagement.optional(),
  /** The item as the source gave it, kept for audit. */
  raw: z.unknown().optional(),
});
export type Post = z.infer<typeof Post>;
