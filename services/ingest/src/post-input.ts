import { createHash } from 'node:crypto';
import { Engagement, Instant, MAX_POST_TEXT, type Post, type SourceKind } from '@huiying/contracts';
import { z } from 'zod';

/** What a pushing source sends for one post: the webhook's and the file import's input. */
export const PostInput = z.object({
  nativeId: z.string().min(1).max(200).optional(),
  url: z.url().max(2000).optional(),
  author: z.string().max(200).optional(),
  title: z.string().max(2000).optional(),
  text: z.string().min(1, 'text is empty').max(MAX_POST_TEXT),
  /** With an offset; a bare `2026-07-01 14:30:00` is Beijing time. Defaults to arrival time. */
  publishedAt: z.string().optional(),
  engagement: Engagement.optional(),
});
export type PostInput = z.infer<typeof PostInput>;

export const PostBatchInput = z.union([
  z.object({ posts: z.array(PostInput).min(1).max(1000) }),
  PostInput.transform((post) => ({ posts: [post] })),
]);

export interface FieldProblem {
  path: string;
  problem: string;
}

/** Every invalid field of a body, as `posts.3.text: text is empty`. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', problem: issue.message }));
}

const BEIJING_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Chinese sources often print Beijing time with no offset; such a time is read as +08:00.
 * Returns null when the text is no date at all.
 */
export function parsePublishedAt(text: string): string | null {
  const local = BEIJING_LOCAL.exec(text.trim());
  if (local) {
    const [, y, mo, d, h, mi, s] = local;
    return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}+08:00`).toISOString();
  }
  if (!Instant.safeParse(text).success && Number.isNaN(Date.parse(text))) return null;
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/** Same item, same id: the source's own id when it has one, else a digest of what identifies it. */
export function postId(sourceId: string, input: Pick<PostInput, 'nativeId' | 'url' | 'text'>): string {
  if (input.nativeId) return `${sourceId}:${input.nativeId}`;
  const basis = input.url ?? input.text;
  return `${sourceId}:h${createHash('sha256').update(basis).digest('hex').slice(0, 24)}`;
}

export function toPost(sourceId: string, sourceKind: SourceKind, input: PostInput, now: Date): Post {
  const publishedAt = (input.publishedAt && parsePublishedAt(input.publishedAt)) || now.toISOString();
  return {
    id: postId(sourceId, input),
    sourceId,
    sourceKind,
    ...(input.nativeId !== undefined && { nativeId: input.nativeId }),
    ...(input.url !== undefined && { url: input.url }),
    ...(input.author !== undefined && { author: input.author }),
    ...(input.title !== undefined && { title: input.title }),
    text: input.text,
    publishedAt,
    collectedAt: now.toISOString(),
    ...(input.engagement !== undefined && { engagement: input.engagement }),
    raw: input,
  };
}
