import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const IngestConfig = z.object({
  PORT: env.port(3101),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  LOG_LEVEL: env.logLevel(),
  /** Webhook bodies above this are refused with 413 (1 MiB holds a batch of ~1000 posts). */
  INGEST_MAX_BODY_BYTES: env.positiveInt(1024 * 1024),
});
export type IngestConfig = z.infer<typeof IngestConfig>;

export const loadIngestConfig = (environment = process.env) => parseConfig('ingest', IngestConfig, environment);
