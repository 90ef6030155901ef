import path from 'node:path';
import { createMemoryBus } from '@huiying/bus';
import { createClassifier } from '@huiying/classifier-core';
import { exitOnConfigError } from '@huiying/config';
import { parseClockPolicy, warnOnUnsafeRedis } from '@huiying/sla-timer';
import { migrate, openDatabase } from '@huiying/store';
import { closeOnSignals, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { loadEmbeddedConfig } from './config';
import { startPipeline } from './pipeline';
import { ensureRedis } from './private-redis';
import { replaySamples } from './sample-replay';

/** Every service in one process: in-memory bus, PGlite in .data/, Redis for the clocks. */
async function main(): Promise<void> {
  const config = loadEmbeddedConfig();
  const logger = createLogger('huiying', config.LOG_LEVEL);
  const registry = createMetricsRegistry('huiying');
  const redis = await ensureRedis(config.REDIS_URL, config.DATA_DIR, logger);
  await warnOnUnsafeRedis(redis.url, logger);
  logger.info('opening PGlite (the first start creates the database: up to half a minute)');
  const db = await openDatabase({ dataDir: path.join(config.DATA_DIR, 'pglite') });
  await migrate(db);
  const bus = createMemoryBus({ service: 'huiying', logger });
  const pipeline = await startPipeline({
    bus, db, logger, registry,
    redisUrl: redis.url,
    classifier: createClassifier(),
    clockQueue: config.CLOCK_QUEUE,
    demoUsers: true,
    // The policy counts in whole minutes; the embedded mode's deadlines are given in ms.
    clockPolicy: parseClockPolicy({
      emergency: {
        statementMinutes: Math.max(1, Math.round(config.STATEMENT_DEADLINE_MS / 60_000)),
        pressConferenceMinutes: Math.max(1, Math.round(config.PRESS_CONFERENCE_DEADLINE_MS / 60_000)),
      },
    }),
  });
  await pipeline.app.listen({ host: config.HOST, port: config.PORT });

  if (config.REPLAY_SAMPLES) {
    const n = await replaySamples(bus, config.SAMPLE_POSTS, new Date());
    logger.info({ posts: n, file: config.SAMPLE_POSTS }, 'replayed sample posts');
  }
  logger.info(`console: http://localhost:${config.PORT}/  (webhook: POST /ingest/v1/posts)`);

  closeOnSignals(logger, [
    { name: 'redis', close: () => redis.stop() },
    { name: 'db', close: () => db.close() },
    { name: 'bus', close: () => bus.close() },
    { name: 'pipeline', close: () => pipeline.stop() },
  ]);
}

main().catch(exitOnConfigError);
