import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';

/** A named readiness check: resolves when the dependency answers, throws with the reason otherwise. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface HealthRoutesOptions {
  service: string;
  registry: Registry;
  checks: ReadonlyArray<ReadinessCheck>;
}

/**
 * `/healthz` says the process is alive; `/readyz` says its dependencies answer (503 with the
 * failing ones otherwise); `/metrics` is Prometheus text.
 */
export function registerHealthRoutes(app: FastifyInstance<any, any, any, any, any>, options: HealthRoutesOptions): void {
  app.get('/healthz', async () => ({ status: 'ok', service: options.service }));
  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000, name);
          return { name, ok: true as const };
        } catch (error) {
          return { name, ok: false as const, error: (error as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', service: options.service, checks: results });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.registry.contentType);
    return options.registry.metrics();
  });
}

/** A stand-alone health server for a service that has no other HTTP surface. */
export function createHealthServer(options: HealthRoutesOptions & { logger: Logger }): FastifyInstance<any, any, any, any, any> {
  const app = Fastify({ // Request lines only at warn: one per post would drown the log. pino 10's types are newer than fastify's copy of them; the runtime contract is the same.
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger });
  registerHealthRoutes(app, options);
  return app;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
