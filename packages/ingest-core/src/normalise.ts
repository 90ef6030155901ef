import { createHash } from 'node:crypto';
import { MAX_POST_TEXT, type Engagement, type Post, type SourceKind } from '@huiying/contracts';
import { canonicalUrl } from './canonical-url';
import type { FieldIssue } from './errors';
import { BEIJING_OFFSET_MINUTES, parsePublishedAt } from './published-at';
import { cleanText, normaliseText } from './text';

/** What a connector extracts from one source item, before normalisation. */
export interface PostDraft {
  nativeId?: string | number | null;
  url?: string | null;
  author?: string | null;
  title?: string | null;
  /** HTML or plain text; HTML is stripped. */
  text?: string | null;
  /** A date string in any format `parsePublishedAt` reads, epoch seconds/ms, or a Date. */
  publishedAt?: unknown;
  engagement?: { reposts?: unknown; comments?: unknown; likes?: unknown };
  /** The item as the source gave it, kept for audit. */
  raw?: unknown;
}

export interface NormaliseContext {
  sourceId: string;
  sourceKind: SourceKind;
  /** When this item was collected (ISO with offset); the fallback for a missing publication time. */
  collectedAt: string;
  /** Offset for times printed without one; Beijing (+480) unless the source is configured otherwise. */
  defaultOffsetMinutes?: number;
  /** Base for relative links. */
  urlBase?: string;
  /** Replaces the default tracking-parameter list of `canonicalUrl`. */
  trackingParams?: readonly string[];
}

export type NormaliseResult = { ok: true; post: Post; warnings: FieldIssue[] } | { ok: false; issues: FieldIssue[] };

const MAX_TITLE = 2000;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const MAX_AUTHOR = 200;
const MAX_ID = 200;

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * The id the same item gets every time it is fetched: source + native id when the source has
 * one, else a hash of the canonical URL, else a hash of the text. Scoped by source, so two
 * sources never collide; cross-source duplicates are the deduplicator's job.
 */
export function stablePostId(
  sourceId: string,
  nativeId: string | undefined,
  url: string | undefined,
  text: string,
): string {
  if (nativeId !== undefined) {
    const direct = `${sourceId}:${nativeId}`;
    return direct.length <= MAX_ID ? direct : `${sourceId}:n:${sha256Hex(nativeId).slice(0, 40)}`;
  }
  if (url !== undefined) return `${sourceId}:u:${sha256Hex(url).slice(0, 40)}`;
  return `${sourceId}:t:${sha256Hex(text).slice(0, 40)}`;
}

const CHINESE_UNITS: Record<string, number> = { 万: 10_000, 亿: 100_000_000, k: 1_000, K: 1_000, w: 10_000, W: 10_000 };

/**
 * An engagement count: a number, a numeric string, or the abbreviated forms platforms display
 * (`1.2万`, `10万+`, `3k`). Returns undefined with a reason when it is none of these.
 */
export function parseCount(value: unknown): { value?: number; reason?: string } {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER ? { value: Math.round(value) } : { reason: `not a count: ${value}` };
  }
  if (typeof value !== 'string') return { reason: `not a count: ${typeof value}` };
  const m = /^\s*(\d+(?:\.\d+)?)\s*([万亿kKwW])?\+?\s*$/.exec(value.replace(/,/g, '').normalize('NFKC'));
  if (!m) return { reason: `not a count: "${value.slice(0, 40)}"` };
  const unit = m[2] ? (CHINESE_UNITS[m[2]] ?? 1) : 1;
  const count = Math.round(Number(m[1]) * unit);
  // Beyond 2^53 the digits are lost (and the contract refuses it): no platform counts that high.
  return count <= Number.MAX_SAFE_INTEGER ? { value: count } : { reason: `not a count: "${value.slice(0, 40)}"` };
}

function cut(s: string, max: number, path: string, warnings: FieldIssue[]): string {
  if (s.length <= max) return s;
  warnings.push({ path: [path], reason: `cut from ${s.length} to ${max} characters` });
  return s.slice(0, max);
}

/**
 * Turns a connector's draft into the contract's Post. Field problems that make the item
 * unusable are issues (the item is rejected with all of them); problems that only lose detail
 * are warnings (a bad link is dropped, a missing date falls back to the collection time).
 */
export function normalisePost(draft: PostDraft, ctx: NormaliseContext): NormaliseResult {
  const issues: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  if (ctx.sourceId.length === 0 || ctx.sourceId.length > 100)
    issues.push({ path: ['sourceId'], reason: 'must be 1 to 100 characters' });
  if (!INSTANT_RE.test(ctx.collectedAt))
    issues.push({ path: ['collectedAt'], reason: 'must be ISO 8601 with an offset' });

  let nativeId: string | undefined;
  if (typeof draft.nativeId === 'number') {
    if (!Number.isSafeInteger(draft.nativeId)) {
      issues.push({
        path: ['nativeId'],
        reason: 'numeric id beyond 2^53 has lost precision; map the string id instead',
      });
    } else nativeId = String(draft.nativeId);
  } else if (typeof draft.nativeId === 'string' && draft.nativeId.trim() !== '') {
    nativeId = draft.nativeId.trim();
  }

  let url: string | undefined;
  if (typeof draft.url === 'string' && draft.url.trim() !== '') {
    url = canonicalUrl(draft.url, { base: ctx.urlBase, trackingParams: ctx.trackingParams });
    if (url === undefined)
      warnings.push({ path: ['url'], reason: `not an absolute http(s) URL: "${draft.url.slice(0, 100)}"; dropped` });
    else if (url.length > 2000) {
      warnings.push({ path: ['url'], reason: 'longer than 2000 characters; dropped' });
      url = undefined;
    }
  }

  const title = typeof draft.title === 'string' ? cut(cleanText(draft.title), MAX_TITLE, 'title', warnings) : '';
  let text = typeof draft.text === 'string' ? cleanText(draft.text) : '';
  if (text === '' && title === '') issues.push({ path: ['text'], reason: 'no text and no title' });
  text = cut(text, MAX_POST_TEXT, 'text', warnings);
  const author =
    typeof draft.author === 'string' ? cut(normaliseText(draft.author), MAX_AUTHOR, 'author', warnings) : '';

  const parsed = parsePublishedAt(draft.publishedAt, ctx.defaultOffsetMinutes ?? BEIJING_OFFSET_MINUTES);
  let publishedAt: string;
  if (parsed.ok) publishedAt = parsed.instant;
  else {
    publishedAt = ctx.collectedAt;
    warnings.push({ path: ['publishedAt'], reason: `${parsed.reason}; used the collection time` });
  }

  let engagement: Engagement | undefined;
  if (draft.engagement) {
    for (const key of ['reposts', 'comments', 'likes'] as const) {
      const count = parseCount(draft.engagement[key]);
      if (count.reason) warnings.push({ path: ['engagement', key], reason: `${count.reason}; dropped` });
      if (count.value !== undefined) (engagement ??= {})[key] = count.value;
    }
  }

  if (issues.length > 0) return { ok: false, issues };

  // Built field by field from values checked above, so the result meets the Post contract
  // without a schema pass (which would halve import throughput); post-contract.test.ts holds
  // the outputs against Post.
  const post: Post = {
    id: stablePostId(ctx.sourceId, nativeId, url, title + '\n' + text),
    sourceId: ctx.sourceId,
    sourceKind: ctx.sourceKind,
    text,
    publishedAt,
    collectedAt: ctx.collectedAt,
  };
  if (nativeId !== undefined && nativeId.length <= MAX_ID) post.nativeId = nativeId;
  if (url !== undefined) post.url = url;
  if (author !== '') post.author = author;
  if (title !== '') post.title = title;
  if (engagement) post.engagement = engagement;
  if (draft.raw !== undefined) post.raw = draft.raw;
  return { ok: true, post, warnings };
}
