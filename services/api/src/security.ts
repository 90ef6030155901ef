import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

/**
 * The console's policy (API.md), exactly what it is tested under: nothing inline, nothing from
 * elsewhere, and Trusted Types so no string reaches innerHTML (post texts are hostile input).
 */
export const CONSOLE_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ['default'],
};

/** Swagger UI styles itself inline and builds its DOM with innerHTML: /docs gets its own, looser policy. */
const DOCS_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

export interface SecurityOptions {
  /** Requests per minute per signed-in user (or client address when signed out). */
  requestsPerMinute: number;
  /** Origins allowed to call the API from a browser; empty = same origin only (CORS closed). */
  corsOrigins: readonly string[];
}

export async function installSecurity(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  // Before helmet, so its onRoute hook sees the per-route policy of the docs routes.
  app.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) {
      (route as { helmet?: unknown }).helmet = { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP_DIRECTIVES } };
    }
  });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP_DIRECTIVES },
    referrerPolicy: { policy: 'no-referrer' },
    // The console loads nothing cross-origin; COEP would only break the docs' data: images.
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyCors, {
    origin: options.corsOrigins.length === 0 ? false : [...options.corsOrigins],
    credentials: true,
  });
  // preHandler, not onRequest: by then the principal is known, so limits follow the person, not
  // the office's shared NAT address.
  await app.register(fastifyRateLimit, {
    hook: 'preHandler',
    max: options.requestsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.principal ? `user:${request.principal.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, error: 'rate_limited', message: `too many requests; retry in ${context.after}` }),
  });
}
