import type { Bus } from '@huiying/bus';
import {
  canonicalUrl,
  normalisePost,
  parseWebhookBody,
  verifyWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_TOLERANCE_MS,
  type FieldIssue,
} from '@huiying/ingest-core';
import type { Logger } from '@huiying/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { ingestMetrics } from './admission/ingest-metrics';
import { createPostAdmission, type PostAdmission } from './admission/post-admission';
import { MemoryReplayGuard, type ReplayGuard } from './admission/replay-guard';
import { TokenBuckets } from './admission/token-bucket';
import type { WebhookSourceLookup } from './sources/source-registry';
import { SourceDefinition, type WebhookSourceDefinition } from './sources/source-definition';

export const SOURCE_HEADER = 'x-huiying-source';
/** Longest a webhook request is expected to take (a Kafka acknowledgement under load included). */
const IN_FLIGHT_MS = 60_000;
const SOURCE_ID = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

export interface WebhookOptions {
  bus: Bus;
  logger: Logger;
  /** Which pushing sources exist, with their secrets. */
  sources: WebhookSourceLookup;
  /** Dedup, metrics and dead letters; default: publish every post, count nothing. */
  admit?: PostAdmission;
  /** Request bodies above this get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Signed requests already delivered; default: this process's memory. */
  replays?: ReplayGuard;
  now?: () => number;
}

/** A field path as senders read it: `posts.3.publishedAt`. */
function dotted(path: readonly (string | number)[]): string {
  return path.map(String).join('.') || '(body)';
}

function itemsOf(body: unknown): { items: unknown[]; prefix: (string | number)[] } {
  if (Array.isArray(body)) return { items: body, prefix: [] };
  if (body !== null && typeof body === 'object' && Array.isArray((body as { posts?: unknown }).posts)) return { items: (body as { posts: unknown[] }).posts, prefix: ['posts'] };
  return { items: [body], prefix: [] };
}

/** A post without a publication time is dated on arrival (a monitoring vendor may not know it). */
function withArrivalTime(body: unknown, collectedAt: string): unknown {
  const date = (item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item) && (item as { publishedAt?: unknown }).publishedAt === undefined ? { ...item, publishedAt: collectedAt } : item;
  if (Array.isArray(body)) return body.map(date);
  if (body !== null && typeof body === 'object' && Array.isArray((body as { posts?: unknown }).posts)) return { ...body, posts: (body as { posts: unknown[] }).posts.map(date) };
  return date(body);
}

/** Links that are present but unusable: a webhook sender can fix them, so they are refused, not dropped. */
function urlIssues(body: unknown): FieldIssue[] {
  const { items, prefix } = itemsOf(body);
  const issues: FieldIssue[] = [];
  items.forEach((item, i) => {
    const url = item !== null && typeof item === 'object' ? (item as { url?: unknown }).url : undefined;
    if (typeof url === 'string' && url.trim() !== '' && canonicalUrl(url) === undefined) issues.push(badUrl([...prefix, ...(prefix.length > 0 || items.length > 1 ? [i] : [])]));
  });
  return issues;
}

function badUrl(at: (string | number)[]): FieldIssue {
  return { path: [...at, 'url'], reason: 'not an absolute http(s) URL' };
}

/** normalisePost's warning for a link it could not read: the same check as urlIssues, already done. */
const isUnreadableUrl = (warning: FieldIssue) => warning.path.length === 1 && warning.path[0] === 'url' && warning.reason.startsWith('not an absolute http(s) URL');

/**
 * The embedded mode's lookup: every source id is an unsigned source. Only for the
 * single-process demo bound to a trusted machine; the ingest service never uses it.
 */
export const embeddedUnsignedSources: WebhookSourceLookup = (sourceId) => ({
  definition: SourceDefinition.parse({ id: sourceId, name: sourceId, kind: 'webhook', auth: 'unsigned' }) as WebhookSourceDefinition,
  secrets: [],
});

/**
 * `POST /ingest/v1/posts`: one post, `{ "posts": [...] }` or an array, from the source named by
 * `X-Huiying-Source`, signed per source (HMAC-SHA256 over timestamp + "." + raw body). Answers
 * 202 with the accepted ids only after Kafka acknowledged them; 400 lists every invalid field;
 * 401 for an unknown source or a bad, forged or stale signature; 413 over the size limit; 429
 * when the source is over its rate.
 */
export async function webhookRoutes(app: FastifyInstance, options: WebhookOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const admit = options.admit ?? createPostAdmission({ bus: options.bus, metrics: ingestMetrics(new Registry()) });
  const buckets = new TokenBuckets();
  const log = options.logger.child({ component: 'webhook' });
  const replays = options.replays ?? new MemoryReplayGuard(now);
  // A timestamp is accepted up to the tolerance on either side of now, so a signature stays
  // usable for twice the tolerance: remember it that long.
  const replayTtlMs = 2 * WEBHOOK_TOLERANCE_MS;

  // The signature covers the bytes as sent, so the body is kept raw and parsed here.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/ingest/v1/posts', { bodyLimit: options.maxBodyBytes ?? 1024 * 1024 }, async (request, reply) => {
    const sourceId = String(request.headers[SOURCE_HEADER] ?? 'webhook');
    const source = SOURCE_ID.test(sourceId) ? options.sources(sourceId) : undefined;
    if (!source) {
      log.warn({ source: sourceId.slice(0, 100), ip: request.ip }, 'webhook refused: unknown or disabled source');
      return reply.code(401).send({ error: 'unknown_source', message: `no enabled pushing source "${sourceId.slice(0, 100)}"` });
    }
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (source.definition.auth === 'hmac') {
      const header = (name: string) => {
        const v = request.headers[name];
        return Array.isArray(v) ? v.join(',') : v;
      };
      const verdict = verifyWebhook({ rawBody: raw, timestamp: header(WEBHOOK_TIMESTAMP_HEADER), signature: header(WEBHOOK_SIGNATURE_HEADER), secrets: source.secrets, nowMs: now() });
      if (!verdict.ok) {
        log.warn({ source: sourceId, reason: verdict.reason, ip: request.ip }, 'webhook refused: signature');
        return reply.code(401).send({ error: 'bad_signature', reason: verdict.reason });
      }
      const replayKey = `${sourceId}:${header(WEBHOOK_SIGNATURE_HEADER)}`;
      // Claimed only for as long as a request may take, so a process that dies mid-request does
      // not lock out the sender's retry; kept for the signature's whole life once answered 202.
      if (!(await replays.claim(replayKey, IN_FLIGHT_MS))) {
        log.warn({ source: sourceId, reason: 'replayed', ip: request.ip }, 'webhook refused: signature');
        return reply
          .code(401)
          .send({ error: 'bad_signature', reason: 'replayed', message: 'this signed request was already delivered; to send it again, sign it with a fresh timestamp' });
      }
      try {
        const answered = await admitBody(request, reply, sourceId, source, raw);
        if (reply.statusCode === 202) await replays.keep(replayKey, replayTtlMs);
        else await replays.release(replayKey);
        return answered;
      } catch (error) {
        await replays.release(replayKey).catch(() => undefined);
        throw error;
      }
    }
    return admitBody(request, reply, sourceId, source, raw);
  });

  /** Everything after authentication: parse, validate, rate-limit, admit. */
  async function admitBody(request: FastifyRequest, reply: FastifyReply, sourceId: string, source: { definition: WebhookSourceDefinition }, raw: Buffer) {

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return reply.code(400).send({ error: 'invalid_json', problems: [{ path: '(body)', problem: (error as Error).message }] });
    }
    const collectedAt = new Date(now()).toISOString();
    const { items: originals, prefix } = itemsOf(body);
    const parsed = parseWebhookBody(withArrivalTime(body, collectedAt), source.definition.maxBatch);
    // A valid body's links are checked by normalisation below (one URL parse per post, not two).
    const issues = parsed.ok ? [] : [...parsed.issues, ...urlIssues(body)];
    const posts = [];
    if (parsed.ok) {
      const context = {
        sourceId,
        sourceKind: 'webhook' as const,
        collectedAt,
        ...(source.definition.defaultOffsetMinutes !== undefined && { defaultOffsetMinutes: source.definition.defaultOffsetMinutes }),
        ...(source.definition.trackingParams && { trackingParams: source.definition.trackingParams }),
      };
      for (let i = 0; i < parsed.drafts.length; i++) {
        const draft = parsed.drafts[i]!;
        // The item as sent is what audit keeps, unless the sender passed its own raw form.
        const result = normalisePost({ ...draft, raw: draft.raw ?? originals[i] }, context);
        const at = prefix.length > 0 || parsed.drafts.length > 1 ? [...prefix, i] : [];
        if (result.ok) {
          posts.push(result.post);
          if (result.warnings.some(isUnreadableUrl)) issues.push(badUrl(at));
        } else {
          issues.push(...result.issues.map((issue) => ({ ...issue, path: [...at, ...issue.path] })));
          const url = draft.url;
          if (typeof url === 'string' && url.trim() !== '' && canonicalUrl(url) === undefined) issues.push(badUrl(at));
        }
      }
    }
    if (issues.length > 0) {
      const problems = issues.map((issue) => ({ path: dotted(issue.path), problem: issue.reason }));
      problems.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
      return reply.code(400).send({ error: 'invalid_posts', problems });
    }

    const perMinute = source.definition.postsPerMinute;
    const allowed = buckets.take(sourceId, posts.length, { perMinute, burst: Math.max(source.definition.maxBatch, Math.ceil(perMinute / 6)) }, now());
    if (!allowed.ok) {
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(allowed.retryAfterMs / 1000)))
        .send({ error: 'rate_limited', message: `source ${sourceId} may push ${perMinute} posts a minute` });
    }

    const result = await admit(sourceId, posts);
    return reply.code(202).send({
      accepted: result.accepted.map((p) => p.id),
      ...(result.duplicates.length > 0 && { duplicates: result.duplicates }),
    });
  }
}
