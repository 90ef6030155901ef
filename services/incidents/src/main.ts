import { kafkaBusFor } from '@huiying/bus';
import { exitOnConfigError } from '@huiying/config';
import { defaultCorrelationPolicy } from '@huiying/incident-core';
import { createOutboxRelay } from '@huiying/outbox';
import { migrate, openDatabase } from '@huiying/store';
import { closeOnSignals, createHealthServer, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { loadIncidentsConfig } from './config';
import { createIncidentWorker } from './incident-worker';

async function main(): Promise<void> {
  const config = loadIncidentsConfig();
  const logger = createLogger('incidents', config.LOG_LEVEL);
  const registry = createMetricsRegistry('incidents');
  const db = await openDatabase({ url: config.DATABASE_URL });
  await migrate(db);
  const bus = kafkaBusFor('incidents', config, logger);
  const relay = createOutboxRelay({ db, bus, logger });
  relay.start();
  const worker = createIncidentWorker({
    bus, db, relay, logger, registry,
    policy: { ...defaultCorrelationPolicy, windowMs: config.CORRELATION_WINDOW_MS },
    batchSize: config.CORRELATION_BATCH_SIZE,
    schemeRefreshMs: config.WATCH_SCHEME_REFRESH_MS,
    spikeSweepMs: config.SPIKE_SWEEP_MS,
  });
  await worker.start();
  const health = createHealthServer({
    service: 'incidents', registry, logger,
    checks: [{ name: 'postgres', check: async () => void (await db.query('SELECT 1')) }],
  });
  await health.listen({ host: '0.0.0.0', port: config.PORT });
  closeOnSignals(logger, [
    { name: 'db', close: () => db.close() },
    { name: 'bus', close: () => bus.close() },
    { name: 'relay', close: () => relay.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'worker', close: () => worker.stop() },
  ]);
}

main().catch(exitOnConfigError);
