import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const NotifierConfig = z.object({
  PORT: env.port(3105),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  DATABASE_URL: env.url(),
  LOG_LEVEL: env.logLevel(),
});
export type NotifierConfig = z.infer<typeof NotifierConfig>;

export const loadNotifierConfig = (environment = process.env) => parseConfig('notifier', NotifierConfig, environment);
