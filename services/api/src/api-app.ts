import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { Db } from '@huiying/store';
import { registerHealthRoutes, type Logger, type ReadinessCheck } from '@huiying/telemetry';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { incidentRoutes } from './routes/incidents.routes';

export interface ApiAppOptions {
  db: Db;
  logger: Logger;
  registry: Registry;
  checks: ReadinessCheck[];
  service?: string;
}

/** The API and the console, built apart from `listen` so tests use `inject()`. */
export async function buildApiApp(options: ApiAppOptions) {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger,
    bodyLimit: 256 * 1024,
  });
  registerHealthRoutes(app, { service: options.service ?? 'api', registry: options.registry, checks: options.checks });
  await app.register(incidentRoutes, { db: options.db });
  await app.register(fastifyStatic, { root: path.resolve(__dirname, '../public'), prefix: '/' });
  return app;
}
