import { kafkaBusFor } from '@huiying/bus';
import { createClassifier } from '@huiying/classifier-core';
import { exitOnConfigError } from '@huiying/config';
import { openDatabase } from '@huiying/store';
import { closeOnSignals, createHealthServer, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { createClassifierWorker } from './classifier-worker';
import { loadClassifierConfig } from './config';

async function main(): Promise<void> {
  const config = loadClassifierConfig();
  const logger = createLogger('classifier', config.LOG_LEVEL);
  const registry = createMetricsRegistry('classifier');
  // Loading the dictionary and model takes a moment: do it before joining the group.
  const classifier = createClassifier();
  const bus = kafkaBusFor('classifier', config, logger);
  // Read-only use (the claims registry): no migrations from here, the owning services run them.
  const db = config.DATABASE_URL ? await openDatabase({ url: config.DATABASE_URL }) : undefined;
  const worker = createClassifierWorker({
    bus,
    classifier,
    logger,
    registry,
    ...(db && { db }),
    registryRefreshMs: config.CLAIMS_REFRESH_MS,
    maxRunSize: config.CLASSIFY_RUN_SIZE,
    partitionsConsumedConcurrently: config.CLASSIFY_PARTITIONS_CONCURRENTLY,
  });
  await worker.start();
  const health = createHealthServer({ service: 'classifier', registry, logger, checks: [] });
  await health.listen({ host: '0.0.0.0', port: config.PORT });
  // Stop consuming first (drains the handler in flight), then the bus it publishes on.
  closeOnSignals(logger, [
    ...(db ? [{ name: 'db', close: () => db.close() }] : []),
    { name: 'bus', close: () => bus.close() },
    { name: 'health', close: () => health.close() },
    { name: 'worker', close: () => worker.stop() },
  ]);
}

main().catch(exitOnConfigError);
