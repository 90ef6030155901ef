import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const ClassifierConfig = z.object({
  PORT: env.port(3102),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  LOG_LEVEL: env.logLevel(),
});
export type ClassifierConfig = z.infer<typeof ClassifierConfig>;

export const loadClassifierConfig = (environment = process.env) => parseConfig('classifier', ClassifierConfig, environment);
