import type { Bus } from '@huiying/bus';
import { PostIngestedMessage, type Post } from '@huiying/contracts';
import type { Logger } from '@huiying/telemetry';
import type { FastifyInstance } from 'fastify';
import { PostBatchInput, fieldProblems, toPost } from './post-input';

export interface WebhookOptions {
  bus: Bus;
  logger: Logger;
  now?: () => Date;
  /** Called with the posts Kafka acknowledged (metrics, dedupe bookkeeping). */
  onAccepted?: (posts: Post[]) => void;
}

const SOURCE_HEADER = 'x-huiying-source';
const SOURCE_ID = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

/**
 * `POST /ingest/v1/posts`: one post or `{ posts: [...] }`. Answers 202 with the accepted ids only
 * after the bus acknowledged every one of them, so a 202 means nothing can be lost any more.
 */
export async function webhookRoutes(app: FastifyInstance, options: WebhookOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  app.post('/ingest/v1/posts', async (request, reply) => {
    const sourceId = String(request.headers[SOURCE_HEADER] ?? 'webhook');
    if (!SOURCE_ID.test(sourceId)) {
      return reply.code(400).send({ error: 'bad_source', problems: [{ path: `header ${SOURCE_HEADER}`, problem: 'expected a source id of a-z, 0-9, _ . -' }] });
    }
    const parsed = PostBatchInput.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid_posts', problems: fieldProblems(parsed.error) });
    }
    const at = now();
    const posts = parsed.data.posts.map((input) => toPost(sourceId, 'webhook', input, at));
    await options.bus.publishBatch(
      PostIngestedMessage,
      posts.map((post) => ({ payload: post, options: { key: post.id, occurredAt: new Date(post.publishedAt) } })),
    );
    options.onAccepted?.(posts);
    return reply.code(202).send({ accepted: posts.map((p) => p.id) });
  });
}
