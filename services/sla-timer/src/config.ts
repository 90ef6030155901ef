import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

const HOUR = 60 * 60 * 1000;

export const SlaTimerConfig = z.object({
  PORT: env.port(3104),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  DATABASE_URL: env.url(),
  REDIS_URL: env.url().default('redis://127.0.0.1:6379'),
  LOG_LEVEL: env.logLevel(),
  CLOCK_QUEUE: z.string().regex(/^[a-z0-9-]+$/).default('huiying-clocks'),
  /** The rules: authoritative information within 5 hours (国办发〔2016〕80号). Shorten only for drills and tests. */
  STATEMENT_DEADLINE_MS: env.durationMs(5 * HOUR),
  /** Press conference within 24 hours. */
  PRESS_CONFERENCE_DEADLINE_MS: env.durationMs(24 * HOUR),
  /** Other important opinion: a response within 48 hours (国办发〔2016〕61号). */
  RESPONSE_DEADLINE_MS: env.durationMs(48 * HOUR),
  /** The classifier's I/II proposal at this confidence starts clocks before a person confirms. */
  AUTO_START_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.8),
  ESCALATION_EVERY_MS: env.durationMs(30 * 60 * 1000),
});
export type SlaTimerConfig = z.infer<typeof SlaTimerConfig>;

export const loadSlaTimerConfig = (environment = process.env) => parseConfig('sla-timer', SlaTimerConfig, environment);
