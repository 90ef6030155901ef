import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  DEFAULT_SCRYPT_PARAMS,
  PostgresApiKeyStore,
  PostgresSessionStore,
  PostgresUserDirectory,
  type ScryptParams,
  type SessionPolicy,
} from '@huiying/access';
import type { Bus } from '@huiying/bus';
import { statementRoutes, type WebhookTarget } from '@huiying/statements';
import type { OutboxRelay } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import { registerHealthRoutes, type Logger, type ReadinessCheck } from '@huiying/telemetry';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { installAuthentication, revocationAware, SessionPrincipalCache, signedIn } from './access/authentication';
import { ensureDemoUsers } from './access/user-accounts';
import { DEFAULT_CONSOLE_DIR, serveConsole } from './console-static';
import { installErrorHandler } from './errors';
import { createLiveFeed, type LiveFeed } from './live/live-feed';
import { alertRoutes } from './routes/alerts.routes';
import { authRoutes } from './routes/auth.routes';
import { clockRoutes } from './routes/clocks.routes';
import { dutyActionRoutes } from './routes/duty-actions.routes';
import { eventRoutes } from './routes/events.routes';
import { incidentRoutes, type IncidentListCache } from './routes/incidents.routes';
import { ReadCache } from './read-cache';
import type { ReportDatabase } from './reports/report-worker';
import { lazyRequestLogger } from './request-logger';
import { reportRoutes } from './routes/reports.routes';
import { signOffRoutes } from './routes/sign-off.routes';
import { installSecurity } from './security';

export interface ApiAppOptions {
  db: Db;
  logger: Logger;
  registry: Registry;
  checks: ReadinessCheck[];
  service?: string;
  /** The bus feeds `/api/events`; without one the console falls back to polling. */
  bus?: Bus;
  /** Flushed after each duty action, so the clocks re-plan without waiting for the relay's sweep. */
  relay?: OutboxRelay;
  /** Consumer-group prefix of the live feed (each instance adds a random suffix). */
  groupPrefix?: string;
  now?: () => Date;
  /** `Secure` on the session cookie. Default true; the embedded mode on http://localhost turns it off. */
  secureCookie?: boolean;
  /** scrypt cost for new password hashes (tests pass a cheap one). Default OWASP's N=2^17. */
  passwordParams?: ScryptParams;
  sessionPolicy?: SessionPolicy;
  /** Requests per minute per user (or address). Default 1200: a console polls and reloads on events. */
  requestsPerMinute?: number;
  /** Login attempts per minute per client address. Default 10. */
  loginPerMinute?: number;
  /** Browser origins allowed cross-origin; default none (CORS closed). */
  corsOrigins?: string[];
  /** The console build to serve at `/`; null serves none. Default services/console/dist. */
  consoleDir?: string | null;
  /** Embedded mode only: create one user per role when the users table is empty, and log them. */
  demoUsers?: boolean;
  /**
   * How long a verified session cookie is reused without reading PostgreSQL. Default 2 s: a
   * session revoked by another process (the CLI, another instance) works at most that long;
   * a logout through this API ends it at once. 0 turns it off.
   */
  sessionCacheMs?: number;
  /** How long the open-incident list is reused when no change was heard. Default 1 s; 0 turns it off. */
  listCacheMs?: number;
  /** How long a computed SLA report is reused. Default 15 s. */
  reportCacheMs?: number;
  /**
   * The connection string (and schema) of `db`, when it is PostgreSQL: SLA reports are then
   * computed on a worker thread with its own connections, off the event loop every request waits on.
   */
  reportDatabase?: ReportDatabase;
  /** Whether a reverse proxy in front sets X-Forwarded-For. Default false. */
  trustProxy?: boolean;
  /** Body size limit in bytes. Default 256 KiB: the largest legitimate body is an ingest batch. */
  bodyLimit?: number;
  /** Drafting, sign-off and publishing (packages/statements). */
  statements?: StatementsOptions;
}

export interface StatementsOptions {
  /** The product's public origin for the feeds' links. Default http://localhost:3000. */
  publicBaseUrl?: string;
  /** Names the public feeds. Default 陇南市, the default configuration. */
  cityName?: string;
  /** Default 市政府新闻办. */
  newsOffice?: string;
  webhooks?: readonly WebhookTarget[];
}

/** The API and the console, built apart from `listen` so tests use `inject()`. */
export async function buildApiApp(options: ApiAppOptions) {
  const now = options.now ?? (() => new Date());
  const passwordParams = options.passwordParams ?? DEFAULT_SCRYPT_PARAMS;
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // Only behind a reverse proxy may X-Forwarded-For name the client: otherwise anyone could
    // pick their own address and step around the login rate limit.
    trustProxy: options.trustProxy ?? false,
    // Two log calls and a child logger per request for lines nobody reads (the level is warn):
    // errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // A request's pino child is made only when something is logged through it (errors, refused logins).
    childLoggerFactory: lazyRequestLogger,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'huiying API', description: '回应：舆情回应 — incidents, duty actions, live feed, SLA reports', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'hy_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifyCookie);
  const users = new PostgresUserDirectory(options.db);
  const sessionCache = new SessionPrincipalCache(options.sessionCacheMs ?? 2000);
  const sessions = revocationAware(new PostgresSessionStore(options.db), sessionCache);
  installAuthentication(app, {
    users,
    sessions,
    sessionCache,
    apiKeys: new PostgresApiKeyStore(options.db),
    ...(options.sessionPolicy && { sessionPolicy: options.sessionPolicy }),
    now,
  });
  await installSecurity(app, { requestsPerMinute: options.requestsPerMinute ?? 1200, corsOrigins: options.corsOrigins ?? [] });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  registerHealthRoutes(app, { service: options.service ?? 'api', registry: options.registry, checks: options.checks });
  await app.register(authRoutes, {
    users,
    sessions,
    passwordParams,
    ...(options.sessionPolicy && { sessionPolicy: options.sessionPolicy }),
    secureCookie: options.secureCookie ?? true,
    loginPerMinute: options.loginPerMinute ?? 10,
    now,
  });
  // One second at most: the duty list is read by every open console on every event.
  const listCache: IncidentListCache = new ReadCache(options.listCacheMs ?? 1000);
  await app.register(incidentRoutes, { db: options.db, listCache });
  await app.register(dutyActionRoutes, { db: options.db, ...(options.relay && { relay: options.relay }), now, onChange: () => listCache.clear() });
  await app.register(alertRoutes, { db: options.db, now });
  await app.register(clockRoutes, { db: options.db, now, onChange: () => listCache.clear() });
  await app.register(reportRoutes, {
    db: options.db,
    now,
    ...(options.reportCacheMs !== undefined && { cacheMs: options.reportCacheMs }),
    ...(options.reportDatabase && { reportDatabase: options.reportDatabase }),
  });
  // Without a relay the outbox relay's own sweep publishes the statements' events a little later.
  const statementsRelay = options.relay ?? { flush: async () => 0 };
  const statements = options.statements ?? {};
  const statementsSetup = {
    db: options.db,
    relay: statementsRelay,
    logger: options.logger.child({ component: 'statements' }),
    ...(statements.newsOffice !== undefined && { newsOffice: statements.newsOffice }),
    ...(statements.webhooks !== undefined && { webhooks: statements.webhooks }),
  };
  await app.register(statementRoutes, {
    ...statementsSetup,
    publicBaseUrl: statements.publicBaseUrl ?? 'http://localhost:3000',
    cityName: statements.cityName ?? '陇南市',
    // Async on purpose: fastify waits forever on a two-argument hook that returns no promise.
    authorize: async (request) => void signedIn(request),
  });
  await app.register(signOffRoutes, statementsSetup);

  let live: LiveFeed | undefined;
  if (options.bus) {
    live = createLiveFeed({ bus: options.bus, db: options.db, logger: options.logger, ...(options.groupPrefix && { groupPrefix: options.groupPrefix }) });
    live.on(() => listCache.clear());
    await live.start();
    await app.register(eventRoutes, { live });
    app.addHook('onClose', async () => live?.stop());
  }

  const consoleDir = options.consoleDir === undefined ? DEFAULT_CONSOLE_DIR : options.consoleDir;
  if (consoleDir !== null) await serveConsole(app, consoleDir);

  if (options.demoUsers) await ensureDemoUsers(options.db, options.logger, now(), passwordParams);
  return app;
}

export type ApiApp = Awaited<ReturnType<typeof buildApiApp>>;
