/**
 * Creates every topic of TopicSpecs on the broker (and grows partitions, sets retention on the
 * ones that exist). Idempotent: `npm run topics:create` at every start is fine.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 tsx packages/bus/src/cli/create-topics.ts
 */
import { exitOnConfigError, env, parseConfig } from '@huiying/config';
import { TopicSpecs } from '@huiying/contracts';
import pino from 'pino';
import { z } from 'zod';
import { createKafkaAdmin, ensureTopics } from '../kafka/topics-admin';

async function main() {
  const config = parseConfig('create-topics', z.object({ KAFKA_BROKERS: env.brokers(), LOG_LEVEL: env.logLevel() }));
  const brokers = config.KAFKA_BROKERS ?? ['127.0.0.1:9092'];
  const logger = pino({ level: config.LOG_LEVEL });
  const admin = createKafkaAdmin({ brokers, logger, clientId: 'huiying-create-topics' });
  await admin.connect();
  try {
    const report = await ensureTopics(admin, TopicSpecs, logger);
    const line = (label: string, names: string[]) => names.length > 0 && console.log(`${label}: ${names.join(', ')}`);
    line('created', report.created);
    line('partitions grown', report.grown);
    line('retention set', report.retentionSet);
    console.log(
      `topics: ${TopicSpecs.length} in spec on ${brokers.join(',')}; ${report.created.length} created, ${report.unchanged.length} already right`,
    );
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  try {
    exitOnConfigError(error);
  } catch {
    console.error(`create-topics failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
});
