import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const ClassifierConfig = z.object({
  PORT: env.port(3102),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  LOG_LEVEL: env.logLevel(),
  // Optional: without it the classifier runs with no claims registry (rules and models only).
  DATABASE_URL: env.url().optional(),
  // How often debunked claims and published statements are re-read.
  CLAIMS_REFRESH_MS: env.durationMs(60_000),
  // Posts classified and published as one run (one publish round trip per run).
  CLASSIFY_RUN_SIZE: env.positiveInt(500),
  // Partitions handled at once: 2 lets one partition's publish overlap another's classifying;
  // more only queue on the one JS thread.
  CLASSIFY_PARTITIONS_CONCURRENTLY: env.positiveInt(2),
});
export type ClassifierConfig = z.infer<typeof ClassifierConfig>;

export const loadClassifierConfig = (environment = process.env) =>
  parseConfig('classifier', ClassifierConfig, environment);
