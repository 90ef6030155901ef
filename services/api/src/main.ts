import { exitOnConfigError } from '@huiying/config';
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
  const app = await buildApiApp({
    db, logger, registry,
    checks: [{ name: 'postgres', check: async () => void (await db.query('SELECT 1')) }],
  });
  await app.listen({ host: config.HOST, port: config.PORT });
  closeOnSignals(logger, [
    { name: 'db', close: () => db.close() },
    { name: 'http', close: () => app.close() },
  ]);
}

main().catch(exitOnConfigError);
