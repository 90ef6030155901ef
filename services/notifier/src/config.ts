import path from 'node:path';
import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const NotifierConfig = z.object({
  PORT: env.port(3105),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  DATABASE_URL: env.url(),
  /** A PostgreSQL schema to work in (search_path): isolates a drill or test deployment. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional(),
  LOG_LEVEL: env.logLevel(),
  REDIS_URL: env.url().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('huiying'),
  NOTIFY_QUEUE: z.string().regex(/^[a-z0-9-]+$/).default('huiying-notify'),
  /**
   * Folder with roster.json (值班表), chains.json (escalation chains) and channels.json. Secrets
   * in channels.json are written `env:NAME` and read from the environment.
   */
  ALERTING_CONFIG_DIR: z.string().default(path.resolve(__dirname, '../config/longnan')),
  /** An unacknowledged alert is sent again every N minutes. */
  ALERT_REPEAT_EVERY_MINUTES: env.positiveInt(10),
  /** … and the next step of the chain is added every M minutes. */
  ALERT_ESCALATE_AFTER_MINUTES: env.positiveInt(30),
  /** Alerts with the same key within this window become one message with a count. */
  ALERT_BUNDLE_WINDOW_MS: env.positiveInt(120_000),
  /** Attempts per message and channel (exponential backoff from ALERT_RETRY_BASE_MS). */
  ALERT_DELIVERY_ATTEMPTS: env.positiveInt(6),
  ALERT_RETRY_BASE_MS: env.positiveInt(2_000),
  /**
   * Partitions each consumer handles at once (clock events, spikes): a burst of clocks starting
   * for several incidents is recorded side by side instead of one incident after another, since
   * recording waits on PostgreSQL and Redis, not the CPU. One incident's events share a partition
   * and stay in order. Each takes a connection of the pool (10), shared with the delivery worker.
   */
  KAFKA_PARTITIONS_CONCURRENTLY: env.positiveInt(3),
  /** Where duty officers open an alert, e.g. https://huiying.example.gov.cn/alerts/ (id appended). */
  ALERT_LINK_BASE: z.url().optional(),
});
export type NotifierConfig = z.infer<typeof NotifierConfig>;

export const loadNotifierConfig = (environment = process.env) => parseConfig('notifier', NotifierConfig, environment);
