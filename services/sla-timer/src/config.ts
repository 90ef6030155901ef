import path from 'node:path';
import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

const minutes = () => z.coerce.number().int().positive().optional();

export const SlaTimerConfig = z.object({
  PORT: env.port(3104),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  DATABASE_URL: env.url(),
  /** A PostgreSQL schema to work in (search_path): isolates a drill or test deployment. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional(),
  /**
   * Partitions each consumer handles at once: a run of incident events waits on PostgreSQL (its
   * transaction, the outbox publish, the wake-ups), so partitions overlap instead of queueing
   * behind each other; each stays in order, and one incident's events share a partition.
   */
  KAFKA_PARTITIONS_CONCURRENTLY: env.positiveInt(3),
  REDIS_URL: env.url().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix: isolates a drill or test deployment on a shared Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('huiying'),
  LOG_LEVEL: env.logLevel(),
  CLOCK_QUEUE: z.string().regex(/^[a-z0-9-]+$/).default('huiying-clocks'),
  /** The policy file (JSON, see config/clock-policy.json); the CLOCK_* variables below override it. */
  CLOCK_POLICY_FILE: z.string().default(path.resolve(__dirname, '../config/clock-policy.json')),
  /** Authoritative information "within 5 hours at the latest" (国办发〔2016〕80号): shorten only for drills. */
  CLOCK_STATEMENT_MINUTES: minutes(),
  CLOCK_PRESS_CONFERENCE_MINUTES: minutes(),
  CLOCK_CONTINUED_RELEASE_MINUTES: minutes(),
  CLOCK_RESPONSE_MINUTES: minutes(),
  CLOCK_ESCALATION_EVERY_MINUTES: minutes(),
  /** Comma-separated warning points, e.g. `50%,80%,30m-before,due`. */
  CLOCK_WARNINGS: z.string().optional(),
  /** The classifier's I/II proposal at this confidence starts the clocks before a person confirms. */
  CLOCK_PROVISIONAL_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).optional(),
  CLOCK_PROVISIONAL_START: z.enum(['true', 'false']).optional(),
  /** Holiday schedules (cn-<year>.json); default: the ones shipped with @huiying/deadlines. */
  CALENDAR_DIR: z.string().optional(),
  /** The reconciler compares PostgreSQL with Redis at start and then this often. */
  RECONCILE_EVERY_MS: env.durationMs(60_000),
});
export type SlaTimerConfig = z.infer<typeof SlaTimerConfig>;

export const loadSlaTimerConfig = (environment = process.env) => parseConfig('sla-timer', SlaTimerConfig, environment);
