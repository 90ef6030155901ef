import { counter, gauge } from '@huiying/telemetry';
import type { SourceHealth } from '@huiying/ingest-core';
import type { Registry } from 'prom-client';

/** What the sources API shows per source, since this process started. */
export interface SourceCounts {
  fetched: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Seconds from the newest accepted post's publication to its acceptance, at the last batch. */
  lagSeconds: number | null;
  lastAcceptedAt: string | null;
}

const HEALTH_VALUE: Record<SourceHealth, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * Per-source ingestion metrics, in Prometheus and in memory for the API. Label values are
 * source ids, which the configuration bounds.
 */
export function ingestMetrics(registry: Registry) {
  const fetched = counter(registry, 'huiying_ingest_fetched_total', 'Items fetched or received, by source', ['source']);
  const accepted = counter(registry, 'huiying_ingest_accepted_total', 'Posts published to posts.ingested, by source', ['source']);
  const duplicates = counter(registry, 'huiying_ingest_duplicates_total', 'Copies of known posts counted instead of emitted, by source', ['source']);
  const rejected = counter(registry, 'huiying_ingest_rejected_total', 'Malformed items sent to the dead-letter topic, by source', ['source']);
  const lastSuccess = gauge(registry, 'huiying_ingest_last_success_timestamp_seconds', 'Last successful poll or accepted push, by source', ['source']);
  const lag = gauge(registry, 'huiying_ingest_lag_seconds', 'Publication-to-acceptance delay of the newest post of the last batch', ['source']);
  const health = gauge(registry, 'huiying_ingest_source_health', 'Source health: 0 healthy, 1 degraded, 2 unhealthy', ['source']);
  const failures = gauge(registry, 'huiying_ingest_consecutive_failures', 'Consecutive failed polls, by source', ['source']);
  const counts = new Map<string, SourceCounts>();

  const of = (source: string): SourceCounts => {
    let c = counts.get(source);
    if (!c) {
      c = { fetched: 0, accepted: 0, duplicates: 0, rejected: 0, lagSeconds: null, lastAcceptedAt: null };
      counts.set(source, c);
    }
    return c;
  };

  return {
    /** One batch of one source went through admission. */
    batch(source: string, n: { fetched: number; accepted: number; duplicates: number; rejected: number; newestPublishedAt?: string }, at: Date): void {
      const c = of(source);
      c.fetched += n.fetched;
      c.accepted += n.accepted;
      c.duplicates += n.duplicates;
      c.rejected += n.rejected;
      fetched.inc({ source }, n.fetched);
      accepted.inc({ source }, n.accepted);
      duplicates.inc({ source }, n.duplicates);
      rejected.inc({ source }, n.rejected);
      if (n.newestPublishedAt) {
        c.lagSeconds = Math.max(0, (at.getTime() - Date.parse(n.newestPublishedAt)) / 1000);
        c.lastAcceptedAt = at.toISOString();
        lag.set({ source }, c.lagSeconds);
      }
    },
    succeeded(source: string, at: Date): void {
      lastSuccess.set({ source }, at.getTime() / 1000);
    },
    polled(source: string, state: { health: SourceHealth; consecutiveFailures: number }): void {
      health.set({ source }, HEALTH_VALUE[state.health]);
      failures.set({ source }, state.consecutiveFailures);
    },
    counts(source: string): SourceCounts {
      return { ...of(source) };
    },
  };
}
export type IngestMetrics = ReturnType<typeof ingestMetrics>;
