import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeIssues, SourceDefinition } from './sources/source-definition';
import type { SourceRegistry } from './sources/source-registry';

export interface SourcesRoutesOptions {
  registry: SourceRegistry;
  /** The admin API key (INGEST_ADMIN_API_KEY); without one the routes answer 503. */
  adminApiKey: string | undefined;
  /** Refuses URLs that would reach private addresses (SSRF), before a source is stored. */
  checkUrl: (url: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const key = request.headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/**
 * The sources API: list and inspect (health, last success, lag, failures), add, pause, resume,
 * poll now. Guarded by one admin key until the console's roles reach the ingest service.
 */
export async function sourcesRoutes(app: FastifyInstance, options: SourcesRoutesOptions): Promise<void> {
  const expected = options.adminApiKey ? digest(options.adminApiKey) : undefined;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!expected) return reply.code(503).send({ error: 'admin_api_disabled', message: 'set INGEST_ADMIN_API_KEY to use the sources API' });
    const key = presentedKey(request);
    // Digests of equal length, so the comparison is constant-time whatever was sent.
    if (!key || !timingSafeEqual(digest(key), expected)) return reply.code(401).send({ error: 'unauthorized' });
    return undefined;
  });

  app.get('/ingest/v1/sources', async () => ({ sources: await options.registry.views() }));

  app.get<{ Params: { id: string } }>('/ingest/v1/sources/:id', async (request, reply) => {
    const view = await options.registry.viewOf(request.params.id);
    return view ? { source: view } : reply.code(404).send({ error: 'not_found' });
  });

  app.post('/ingest/v1/sources', async (request, reply) => {
    const parsed = SourceDefinition.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_source', problems: describeIssues(parsed.error) });
    if (parsed.data.kind !== 'webhook') {
      const check = await options.checkUrl(parsed.data.url);
      if (!check.ok) return reply.code(400).send({ error: 'invalid_source', problems: [{ path: 'url', problem: check.reason }] });
    }
    if (!(await options.registry.add(parsed.data))) return reply.code(409).send({ error: 'exists', message: `source ${parsed.data.id} exists` });
    return reply.code(201).send({ source: await options.registry.viewOf(parsed.data.id) });
  });

  for (const [action, paused] of [['pause', true], ['resume', false]] as const) {
    app.post<{ Params: { id: string } }>(`/ingest/v1/sources/:id/${action}`, async (request, reply) => {
      if (!(await options.registry.setPaused(request.params.id, paused))) return reply.code(404).send({ error: 'not_found' });
      return { source: await options.registry.viewOf(request.params.id) };
    });
  }
}
