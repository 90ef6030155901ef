import { createOutboxRelay } from '@huiying/outbox';
import { redisOptionsFromUrl } from '@huiying/sla-timer';
import { createMetricsRegistry } from '@huiying/telemetry';
import IORedis from 'ioredis';
import { TEST_REDIS_URL, isolatedDatabase, isolatedTopics, testLogger } from '../../../embedded/src/testing/real-services';
import { wipeRedisPrefix } from '../../../sla-timer/src/testing/clock-fixtures';
import { createNotifier } from '../notifier';

type NotifierOptions = Parameters<typeof createNotifier>[0];

/**
 * A notifier on the real Kafka, PostgreSQL and Redis, each under `name` (topics, schema, queue
 * prefix, consumer group), reading its roster, chains and channels from `configDir`. `stop()`
 * removes all of it.
 */
export async function startTestNotifier(
  name: string,
  configDir: string,
  options: Pick<NotifierOptions, 'escalation' | 'bundleWindowMs'> & Partial<Pick<NotifierOptions, 'now'>>,
) {
  const database = await isolatedDatabase(name);
  const topics = await isolatedTopics(`${name}.`);
  const bus = topics.bus(`${name}-test`);
  const relay = createOutboxRelay({ db: database.db, bus, logger: testLogger() });
  relay.start();
  const redis = new IORedis(redisOptionsFromUrl(TEST_REDIS_URL));
  const notifier = createNotifier({
    bus,
    db: database.db,
    relay,
    logger: testLogger(),
    registry: createMetricsRegistry(`${name}-test`, false),
    redis: redisOptionsFromUrl(TEST_REDIS_URL),
    queueName: 'notify',
    prefix: name,
    group: `${name}-notifier`,
    configDir,
    maxAttempts: 4,
    retryBaseMs: 200,
    ...options,
  });
  await notifier.start();
  return {
    db: database.db,
    bus,
    redis,
    notifier,
    async stop() {
      await notifier.stop();
      await relay.stop();
      await wipeRedisPrefix(redis, name);
      redis.disconnect();
      await bus.close();
      await topics.drop();
      await database.drop();
    },
  };
}
