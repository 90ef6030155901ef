import { kafkaBusFor } from '@huiying/bus';
import { exitOnConfigError } from '@huiying/config';
import { createOutboxRelay } from '@huiying/outbox';
import { migrate, openDatabase } from '@huiying/store';
import { closeOnSignals, createHealthServer, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { loadPolicyFromConfig } from './clock-policy-config';
import { createClockTimer } from './clock-timer';
import { loadSlaTimerConfig } from './config';
import { redisOptionsFromUrl, warnOnUnsafeRedis } from './redis-check';

async function main(): Promise<void> {
  const config = loadSlaTimerConfig();
  const logger = createLogger('sla-timer', config.LOG_LEVEL);
  const registry = createMetricsRegistry('sla-timer');
  const policy = loadPolicyFromConfig(config);
  logger.info({ policy }, 'clock policy');
  await warnOnUnsafeRedis(config.REDIS_URL, logger);
  const db = await openDatabase({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
  await migrate(db);
  const bus = kafkaBusFor('sla-timer', config, logger);
  const relay = createOutboxRelay({ db, bus, logger });
  relay.start();
  const timer = createClockTimer({
    bus, db, relay, logger, policy,
    redis: redisOptionsFromUrl(config.REDIS_URL),
    prefix: config.REDIS_PREFIX,
    queueName: config.CLOCK_QUEUE,
    reconcileEveryMs: config.RECONCILE_EVERY_MS,
  });
  await timer.start();
  const health = createHealthServer({
    service: 'sla-timer', registry, logger,
    checks: [
      { name: 'postgres', check: async () => void (await db.query('SELECT 1')) },
      { name: 'redis', check: async () => void (await timer.queue.getJobCounts('delayed')) },
    ],
  });
  await health.listen({ host: '0.0.0.0', port: config.PORT });
  // Stop the timer first: its worker can otherwise fire a step mid-shutdown with the bus closed.
  closeOnSignals(logger, [
    { name: 'db', close: () => db.close() },
    { name: 'bus', close: () => bus.close() },
    { name: 'relay', close: () => relay.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'timer', close: () => timer.stop() },
  ]);
}

main().catch(exitOnConfigError);
