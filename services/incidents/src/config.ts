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
  /** Most classified posts correlated in one transaction. Larger batches amortise the round trips. */
  CORRELATION_BATCH_SIZE: env.positiveInt(500),
  /**
   * One correlation transaction per fetch for every partition it brought, instead of one per
   * partition in turn (a post otherwise waits behind the other partitions' transactions). The
   * runs stay within CORRELATION_BATCH_SIZE and one at a time, as the correlation cache needs.
   */
  KAFKA_RUNS_ACROSS_PARTITIONS: env.bool(true),
  /** How often the watch schemes' revision is checked; a saved scheme routes posts after at most this. */
  WATCH_SCHEME_REFRESH_MS: env.durationMs(10_000),
  /** How often post volumes are checked for spikes; 0 turns the sweep off. */
  SPIKE_SWEEP_MS: env.durationMs(60_000),
});
export type IncidentsConfig = z.infer<typeof IncidentsConfig>;

export const loadIncidentsConfig = (environment = process.env) => parseConfig('incidents', IncidentsConfig, environment);
