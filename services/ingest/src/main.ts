import { kafkaBusFor } from '@huiying/bus';
import { exitOnConfigError } from '@huiying/config';
import { openDatabase } from '@huiying/store';
import { closeOnSignals, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { Redis } from 'ioredis';
import { loadIngestConfig } from './config';
import { createIngestService } from './ingest-service';

async function main(): Promise<void> {
  const config = loadIngestConfig();
  const logger = createLogger('ingest', config.LOG_LEVEL);
  const registry = createMetricsRegistry('ingest');
  const bus = kafkaBusFor('ingest', config, logger);
  const db = await openDatabase({ url: config.DATABASE_URL });
  // Auto-pipelining batches the dedup commands of a webhook batch into few round trips.
  const redis = new Redis(config.REDIS_URL, { enableAutoPipelining: true });
  const service = await createIngestService({
    bus,
    db,
    redis,
    logger,
    registry,
    sources: config.INGEST_SOURCES_FILE,
    dedup: { keyPrefix: config.INGEST_DEDUP_KEY_PREFIX, windowMs: config.INGEST_DEDUP_WINDOW_MS, hammingThreshold: config.INGEST_DEDUP_HAMMING },
    maxBodyBytes: config.INGEST_MAX_BODY_BYTES,
    adminApiKey: config.INGEST_ADMIN_API_KEY,
    ssrfAllow: config.INGEST_SSRF_ALLOW,
    polling: config.INGEST_POLLING,
    reloadIntervalMs: config.INGEST_SOURCES_RELOAD_MS,
  });
  await service.start();
  await service.app.listen({ host: '0.0.0.0', port: config.PORT });
  // Closed last to first: the service stops taking posts and polling before the bus closes, so
  // no 202 is sent and no cursor saved for a post Kafka did not acknowledge.
  closeOnSignals(logger, [
    { name: 'postgres', close: () => db.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
    { name: 'bus', close: () => bus.close() },
    { name: 'ingest', close: () => service.stop() },
  ]);
}

main().catch(exitOnConfigError);
