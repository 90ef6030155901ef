import { join } from 'node:path';
import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const IngestConfig = z.object({
  PORT: env.port(3101),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  LOG_LEVEL: env.logLevel(),
  DATABASE_URL: env.url(),
  /** Dedup keys and repost counts; shared by every ingest instance. */
  REDIS_URL: env.url().default('redis://127.0.0.1:6379'),
  /** Webhook bodies above this are refused with 413 (1 MiB holds a batch of ~1000 posts). */
  INGEST_MAX_BODY_BYTES: env.positiveInt(1024 * 1024),
  /** The sources configuration file, loaded into PostgreSQL at start. */
  INGEST_SOURCES_FILE: z.string().min(1).default(join(__dirname, '../config/sources.json')),
  /** Key for the sources API (Bearer or X-Api-Key); unset turns the API off. */
  INGEST_ADMIN_API_KEY: z.string().min(16, 'at least 16 characters').optional(),
  /** Comma-separated CIDRs or host names that pollers may reach although private (an intranet feed). */
  INGEST_SSRF_ALLOW: z.string().default('').transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  /** Prefix of every dedup key in Redis; instances that should dedupe together share it. */
  INGEST_DEDUP_KEY_PREFIX: z.string().default('huiying:dedup:'),
  /** How long a post's text is remembered: 48 h, the longest response clock. */
  INGEST_DEDUP_WINDOW_MS: env.positiveInt(48 * 3600_000),
  /** SimHash bits that may differ between two copies of one text (see ingest-core dedup.ts for the measurements). */
  INGEST_DEDUP_HAMMING: z.coerce.number().int().min(0).max(10).default(3),
  /** How often the sources are re-read, so a pause on one instance reaches the others. */
  INGEST_SOURCES_RELOAD_MS: env.durationMs(30_000),
  /** Off for an instance that only takes webhooks. */
  INGEST_POLLING: env.bool(true),
});
export type IngestConfig = z.infer<typeof IngestConfig>;

export const loadIngestConfig = (environment = process.env) => parseConfig('ingest', IngestConfig, environment);
