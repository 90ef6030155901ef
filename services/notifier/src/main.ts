import { kafkaBusFor } from '@huiying/bus';
import { exitOnConfigError } from '@huiying/config';
import { createOutboxRelay } from '@huiying/outbox';
import { redisOptionsFromUrl } from '@huiying/sla-timer';
import { migrate, openDatabase } from '@huiying/store';
import { closeOnSignals, createHealthServer, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { loadNotifierConfig } from './config';
import { createNotifier } from './notifier';

async function main(): Promise<void> {
  const config = loadNotifierConfig();
  const logger = createLogger('notifier', config.LOG_LEVEL);
  const registry = createMetricsRegistry('notifier');
  const db = await openDatabase({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
  await migrate(db);
  const bus = kafkaBusFor('notifier', config, logger);
  const relay = createOutboxRelay({ db, bus, logger });
  relay.start();
  const notifier = createNotifier({
    bus, db, relay, logger, registry,
    redis: redisOptionsFromUrl(config.REDIS_URL),
    prefix: config.REDIS_PREFIX,
    queueName: config.NOTIFY_QUEUE,
    configDir: config.ALERTING_CONFIG_DIR,
    escalation: { repeatEveryMinutes: config.ALERT_REPEAT_EVERY_MINUTES, escalateAfterMinutes: config.ALERT_ESCALATE_AFTER_MINUTES },
    bundleWindowMs: config.ALERT_BUNDLE_WINDOW_MS,
    maxAttempts: config.ALERT_DELIVERY_ATTEMPTS,
    retryBaseMs: config.ALERT_RETRY_BASE_MS,
    ...(config.ALERT_LINK_BASE !== undefined && { linkBase: config.ALERT_LINK_BASE }),
  });
  await notifier.start();
  const health = createHealthServer({
    service: 'notifier', registry, logger,
    checks: [
      { name: 'postgres', check: async () => void (await db.query('SELECT 1')) },
      { name: 'redis', check: async () => void (await notifier.queue.getJobCounts('delayed')) },
      // Names anyone in a chain with no working channel, roster gaps and unconfigured channels.
      notifier.readinessCheck,
    ],
  });
  await health.listen({ host: '0.0.0.0', port: config.PORT });
  closeOnSignals(logger, [
    { name: 'db', close: () => db.close() },
    { name: 'bus', close: () => bus.close() },
    { name: 'relay', close: () => relay.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'notifier', close: () => notifier.stop() },
  ]);
}

main().catch(exitOnConfigError);
