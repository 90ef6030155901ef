import { kafkaBusFor } from '@huiying/bus';
import { exitOnConfigError } from '@huiying/config';
import { createOutboxRelay } from '@huiying/outbox';
import { migrate, openDatabase } from '@huiying/store';
import { closeOnSignals, createHealthServer, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { createAlertRecorder } from './alert-recorder';
import { loadNotifierConfig } from './config';

async function main(): Promise<void> {
  const config = loadNotifierConfig();
  const logger = createLogger('notifier', config.LOG_LEVEL);
  const registry = createMetricsRegistry('notifier');
  const db = await openDatabase({ url: config.DATABASE_URL });
  await migrate(db);
  const bus = kafkaBusFor('notifier', config, logger);
  const relay = createOutboxRelay({ db, bus, logger });
  relay.start();
  const recorder = createAlertRecorder({ bus, db, relay, logger, registry });
  await recorder.start();
  const health = createHealthServer({
    service: 'notifier', registry, logger,
    checks: [{ name: 'postgres', check: async () => void (await db.query('SELECT 1')) }],
  });
  await health.listen({ host: '0.0.0.0', port: config.PORT });
  closeOnSignals(logger, [
    { name: 'db', close: () => db.close() },
    { name: 'bus', close: () => bus.close() },
    { name: 'relay', close: () => relay.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'recorder', close: () => recorder.stop() },
  ]);
}

main().catch(exitOnConfigError);
