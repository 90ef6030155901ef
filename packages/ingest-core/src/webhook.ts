import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { FieldIssue } from './errors';
import type { PostDraft } from './normalise';

/**
 * Signed push webhooks.
 *
 * The scheme, for a source with secret S:
 *   - header `X-Huiying-Timestamp`: Unix time in whole seconds when the sender signed;
 *   - header `X-Huiying-Signature`: `v1=` + lower-case hex of HMAC-SHA256(key = S as UTF-8,
 *     message = timestamp + "." + raw body bytes exactly as sent);
 *   - several `v1=` values separated by commas are accepted, so a sender can sign with an old
 *     and a new secret while a rotation is under way; the receiver likewise accepts any of the
 *     source's configured secrets.
 * A timestamp more than 5 minutes away from the receiver's clock (past or future) is refused, so
 * a captured request cannot be replayed later. Comparison is constant-time.
 */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-huiying-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-huiying-signature';
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

export type WebhookRefusal =
  | 'missing-timestamp'
  | 'malformed-timestamp'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'missing-signature'
  | 'malformed-signature'
  | 'bad-signature'
  | 'no-secret';

export type WebhookVerdict = { ok: true; signedAtMs: number } | { ok: false; reason: WebhookRefusal };

export interface VerifyWebhookInput {
  rawBody: Uint8Array;
  timestamp: string | undefined;
  signature: string | undefined;
  /** The source's secrets; more than one during a rotation. */
  secrets: readonly string[];
  nowMs: number;
  toleranceMs?: number;
}

export function signWebhook(secret: string, timestamp: string, rawBody: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header value a sender puts in X-Huiying-Signature. */
export function webhookSignatureHeader(secret: string, timestamp: string, rawBody: Uint8Array): string {
  return `v1=${signWebhook(secret, timestamp, rawBody)}`;
}

export function verifyWebhook(input: VerifyWebhookInput): WebhookVerdict {
  if (input.secrets.length === 0) return { ok: false, reason: 'no-secret' };
  const ts = input.timestamp?.trim();
  if (!ts) return { ok: false, reason: 'missing-timestamp' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'malformed-timestamp' };
  const signedAtMs = Number(ts) * 1000;
  const tolerance = input.toleranceMs ?? WEBHOOK_TOLERANCE_MS;
  if (input.nowMs - signedAtMs > tolerance) return { ok: false, reason: 'stale-timestamp' };
  if (signedAtMs - input.nowMs > tolerance) return { ok: false, reason: 'future-timestamp' };

  const header = input.signature?.trim();
  if (!header) return { ok: false, reason: 'missing-signature' };
  const offered = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3));
  if (offered.length === 0 || offered.some((sig) => !/^[0-9a-f]{64}$/i.test(sig))) {
    return { ok: false, reason: 'malformed-signature' };
  }
  let match = false;
  for (const secret of input.secrets) {
    const expected = Buffer.from(signWebhook(secret, ts, input.rawBody), 'hex');
    for (const sig of offered) {
      // Every pair is compared, match or not, so timing does not tell which secret matched.
      if (timingSafeEqual(expected, Buffer.from(sig, 'hex'))) match = true;
    }
  }
  return match ? { ok: true, signedAtMs } : { ok: false, reason: 'bad-signature' };
}

/** One post as a pushing source sends it; the receiver adds source id, kind and collection time. */
export const WebhookPost = z
  .object({
    nativeId: z.union([z.string().min(1).max(200), z.number().int().nonnegative()]).optional(),
    url: z.string().max(4000).optional(),
    author: z.string().max(500).optional(),
    title: z.string().max(4000).optional(),
    text: z.string().max(200_000),
    publishedAt: z.union([z.string().min(1).max(100), z.number().positive()]),
    engagement: z
      .object({
        reposts: z.number().int().nonnegative().optional(),
        comments: z.number().int().nonnegative().optional(),
        likes: z.number().int().nonnegative().optional(),
      })
      .optional(),
    raw: z.unknown().optional(),
  })
  .refine((p) => p.text.trim() !== '' || (p.title ?? '').trim() !== '', {
    message: 'text and title are both empty',
    path: ['text'],
  });
export type WebhookPost = z.infer<typeof WebhookPost>;

export const DEFAULT_WEBHOOK_MAX_BATCH = 1000;

export type WebhookBodyResult = { ok: true; drafts: PostDraft[] } | { ok: false; issues: FieldIssue[] };

/**
 * Validates a webhook body: one post object, `{ "posts": [...] }`, or a bare array. Lists every
 * invalid field of every post (`posts[3].publishedAt`), not only the first, so the sender can fix
 * a batch in one round.
 */
export function parseWebhookBody(body: unknown, maxBatch: number = DEFAULT_WEBHOOK_MAX_BATCH): WebhookBodyResult {
  let items: unknown[];
  let prefix: (string | number)[];
  if (Array.isArray(body)) {
    items = body;
    prefix = [];
  } else if (body !== null && typeof body === 'object' && 'posts' in body) {
    const posts = (body as { posts: unknown }).posts;
    if (!Array.isArray(posts)) return { ok: false, issues: [{ path: ['posts'], reason: 'must be an array' }] };
    items = posts;
    prefix = ['posts'];
  } else if (body !== null && typeof body === 'object') {
    const result = WebhookPost.safeParse(body);
    return result.success ? { ok: true, drafts: [result.data] } : { ok: false, issues: zodIssues(result.error, []) };
  } else {
    return { ok: false, issues: [{ path: [], reason: 'body must be a post object, {"posts": [...]} or an array' }] };
  }
  if (items.length === 0) return { ok: false, issues: [{ path: prefix, reason: 'empty batch' }] };
  if (items.length > maxBatch)
    return { ok: false, issues: [{ path: prefix, reason: `batch of ${items.length} exceeds ${maxBatch}` }] };
  const drafts: PostDraft[] = [];
  const issues: FieldIssue[] = [];
  items.forEach((item, i) => {
    const result = WebhookPost.safeParse(item);
    if (result.success) drafts.push(result.data);
    else issues.push(...zodIssues(result.error, [...prefix, i]));
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, drafts };
}

function zodIssues(error: z.ZodError, prefix: (string | number)[]): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    reason: issue.message,
  }));
}
