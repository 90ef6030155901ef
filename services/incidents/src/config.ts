import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const IncidentsConfig = z.object({
  PORT: env.port(3103),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  DATABASE_URL: env.url(),
  LOG_LEVEL: env.logLevel(),
  /** A post joins an incident whose newest post is at most this old (6 h). */
  CORRELATION_WINDOW_MS: env.durationMs(6 * 60 * 60 * 1000),
});
export type IncidentsConfig = z.infer<typeof IncidentsConfig>;

export const loadIncidentsConfig = (environment = process.env) => parseConfig('incidents', IncidentsConfig, environment);
