import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

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

/**
 * The headers helmet sets for these options, worked out once. @fastify/helmet rebuilt helmet (and
 * re-parsed the whole policy) on every request, more event-loop time than the list route itself;
 * with no nonces and nothing depending on the request, the headers are the same every time.
 */
export function helmetHeaders(options: HelmetOptions): ReadonlyArray<readonly [string, string]> {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: string) => void headers.set(name, String(value)),
    removeHeader: (name: string) => void headers.delete(name),
  };
  helmet(options)({} as never, res as never, (error?: unknown) => {
    if (error) throw error;
  });
  return [...headers];
}

export async function installSecurity(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  // The console loads nothing cross-origin; COEP would only break the docs' data: images.
  const common = { referrerPolicy: { policy: 'no-referrer' }, crossOriginEmbedderPolicy: false } satisfies HelmetOptions;
  const consoleHeaders = helmetHeaders({ ...common, contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP_DIRECTIVES } });
  const docsHeaders = helmetHeaders({ ...common, contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP_DIRECTIVES } });
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.routeOptions.url;
    const headers = url !== undefined && (url === '/docs' || url.startsWith('/docs/')) ? docsHeaders : consoleHeaders;
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
  // Closed (the default), the plugin would only run a hook per request that adds nothing and
  // answer preflights with 404, as fastify does without it.
  if (options.corsOrigins.length > 0) await app.register(fastifyCors, { origin: [...options.corsOrigins], credentials: true });
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
