import type { Bus } from '@huiying/bus';
import { registerHealthRoutes, type Logger, type ReadinessCheck } from '@huiying/telemetry';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { PostAdmission } from './admission/post-admission';
import type { ReplayGuard } from './admission/replay-guard';
import { sourcesRoutes } from './sources.routes';
import type { SourceRegistry } from './sources/source-registry';
import { webhookRoutes } from './webhook.routes';

export interface IngestAppOptions {
  bus: Bus;
  logger: Logger;
  registry: Registry;
  sources: SourceRegistry;
  admit: PostAdmission;
  maxBodyBytes: number;
  adminApiKey: string | undefined;
  checkUrl: (url: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
  checks: ReadinessCheck[];
  replays?: ReplayGuard;
  now?: () => number;
}

/** The ingest HTTP surface, built apart from `listen` so tests use `inject()` or a real port. */
export async function buildIngestApp(options: IngestAppOptions) {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger,
    bodyLimit: options.maxBodyBytes,
  });
  registerHealthRoutes(app, { service: 'ingest', registry: options.registry, checks: options.checks });
  await app.register(webhookRoutes, {
    bus: options.bus,
    logger: options.logger,
    sources: options.sources.webhookSource,
    admit: options.admit,
    maxBodyBytes: options.maxBodyBytes,
    ...(options.replays && { replays: options.replays }),
    ...(options.now && { now: options.now }),
  });
  await app.register(sourcesRoutes, { registry: options.sources, adminApiKey: options.adminApiKey, checkUrl: options.checkUrl });
  return app;
}
