import type { Bus } from '@huiying/bus';
import { counter, registerHealthRoutes, type Logger, type ReadinessCheck } from '@huiying/telemetry';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { webhookRoutes } from './webhook.routes';

export interface IngestAppOptions {
  bus: Bus;
  logger: Logger;
  registry: Registry;
  maxBodyBytes: number;
  checks: ReadinessCheck[];
}

/** The ingest HTTP surface, built apart from `listen` so tests use `inject()`. */
export async function buildIngestApp(options: IngestAppOptions) {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger,
    bodyLimit: options.maxBodyBytes,
  });
  const accepted = counter(options.registry, 'huiying_ingest_posts_accepted_total', 'Posts accepted by ingest', ['source']);
  registerHealthRoutes(app, { service: 'ingest', registry: options.registry, checks: options.checks });
  await app.register(webhookRoutes, {
    bus: options.bus,
    logger: options.logger,
    onAccepted: (posts) => {
      for (const post of posts) accepted.inc({ source: post.sourceId });
    },
  });
  return app;
}
