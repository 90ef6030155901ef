import { kafkaBusFor } from '@huiying/bus';
import { exitOnConfigError } from '@huiying/config';
import { createOutboxRelay } from '@huiying/outbox';
import { createStatementsWorker } from '@huiying/statements';
import { migrate, openDatabase } from '@huiying/store';
import { closeOnSignals, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { buildApiApp } from './api-app';
import { loadApiConfig } from './config';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  const registry = createMetricsRegistry('api');
  const db = await openDatabase({ url: config.DATABASE_URL });
  await migrate(db);
  const bus = kafkaBusFor('api', config, logger);
  const relay = createOutboxRelay({ db, bus, logger: logger.child({ component: 'outbox' }) });
  relay.start();
  const app = await buildApiApp({
    db, logger, registry, bus, relay,
    reportDatabase: { url: config.DATABASE_URL },
    secureCookie: config.COOKIE_SECURE,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
    requestsPerMinute: config.RATE_LIMIT_PER_MINUTE,
    loginPerMinute: config.LOGIN_RATE_LIMIT_PER_MINUTE,
    statements: { publicBaseUrl: config.PUBLIC_BASE_URL, cityName: config.CITY_NAME },
    checks: [{ name: 'postgres', check: async () => void (await db.query('SELECT 1')) }],
  });
  await app.listen({ host: config.HOST, port: config.PORT });
  // The API process owns the statements' background work in the split deployment: sign-off
  // escalation, webhook retries, linking posts to debunked claims. Every instance may run it;
  // each tick works under row locks.
  const statements = createStatementsWorker({ db, relay, logger: logger.child({ component: 'statements' }) });
  statements.start();
  closeOnSignals(logger, [
    { name: 'db', close: () => db.close() },
    { name: 'bus', close: () => bus.close() },
    { name: 'relay', close: () => relay.stop() },
    { name: 'http', close: () => app.close() },
    { name: 'statements', close: () => statements.stop() },
  ]);
}

main().catch(exitOnConfigError);
