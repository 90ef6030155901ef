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
});
export type ClassifierConfig = z.infer<typeof ClassifierConfig>;

export const loadClassifierConfig = (environment = process.env) =>
  parseConfig('classifier', ClassifierConfig, environment);
