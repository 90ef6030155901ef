import { feedSource, formatIssues, jsonSource, SourcePoller, type PollerState, type PollSource, type RejectedItem } from '@huiying/ingest-core';
import type { Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import type { Dispatcher } from 'undici';
import type { IngestMetrics } from '../admission/ingest-metrics';
import type { PostAdmission, RefusedItem } from '../admission/post-admission';
import { jsonSourceHeaders, type PolledSourceDefinition } from '../sources/source-definition';
import { sourceRepository, type StoredSource } from '../sources/source-repository';

export interface PollerFleetOptions {
  db: Db;
  admit: PostAdmission;
  metrics: IngestMetrics;
  logger: Logger;
  /** The SSRF-guarded pool every fetch goes through. */
  dispatcher: Dispatcher;
  /** Checked before a poller starts; a refused URL leaves the source stopped with the reason shown. */
  checkUrl: (url: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
  environment?: Record<string, string | undefined>;
  now?: () => number;
  random?: () => number;
  /** First poll delay; default a random part of the jitter. Tests poll at once. */
  firstDelayMs?: number;
}

interface Running {
  definitionJson: string;
  poller: SourcePoller<unknown>;
}

/** The raw bytes of a refused item, for the dead-letter topic: a feed item's XML as it was. */
function rawBytes(raw: unknown): Buffer {
  if (typeof raw === 'string') return Buffer.from(raw);
  if (raw && typeof raw === 'object' && typeof (raw as { xml?: unknown }).xml === 'string') return Buffer.from((raw as { xml: string }).xml);
  return Buffer.from(JSON.stringify(raw) ?? '');
}

export function refusedItems(rejected: readonly RejectedItem[]): RefusedItem[] {
  return rejected.map((item) => ({ raw: rawBytes(item.raw), reason: formatIssues(item.issues) }));
}

/**
 * One SourcePoller per enabled, unpaused RSS or JSON source, each on its own timer, so a slow or
 * stalled source delays only itself. A batch is handed to admission (dedup, Kafka, dead
 * letters) and the cursor saved only after that resolved: a crash re-fetches, never skips.
 */
export class PollerFleet {
  private readonly running = new Map<string, Running>();
  private readonly refused = new Map<string, string>();
  private readonly environment: Record<string, string | undefined>;

  constructor(private readonly options: PollerFleetOptions) {
    this.environment = options.environment ?? process.env;
  }

  /** Starts, stops or restarts pollers so that exactly the wanted sources run. */
  async sync(sources: readonly StoredSource[]): Promise<void> {
    const wanted = new Map<string, StoredSource & { definition: PolledSourceDefinition }>();
    for (const s of sources) {
      if ((s.definition.kind === 'rss' || s.definition.kind === 'json') && s.definition.enabled && !s.paused) {
        wanted.set(s.definition.id, s as StoredSource & { definition: PolledSourceDefinition });
      }
    }
    for (const [id, run] of this.running) {
      const next = wanted.get(id);
      if (!next || JSON.stringify(next.definition) !== run.definitionJson) {
        this.running.delete(id);
        await run.poller.stop();
      }
    }
    for (const [id, stored] of wanted) {
      if (this.running.has(id)) continue;
      const check = await this.options.checkUrl(stored.definition.url);
      if (!check.ok) {
        this.refused.set(id, check.reason);
        this.options.logger.warn({ source: id, reason: check.reason }, 'source URL refused by the SSRF guard; not polling');
        continue;
      }
      this.refused.delete(id);
      // Read the cursor now, not from the list: a poller just stopped may have saved a newer one.
      const fresh = await sourceRepository.get(this.options.db, id);
      const poller = this.pollerFor(stored.definition, fresh?.cursor);
      this.running.set(id, { definitionJson: JSON.stringify(stored.definition), poller });
      poller.start(this.options.firstDelayMs);
    }
  }

  state(id: string): PollerState<unknown> | undefined {
    return this.running.get(id)?.poller.state();
  }

  /** Why a wanted source is not polled (its URL was refused), if so. */
  refusal(id: string): string | undefined {
    return this.refused.get(id);
  }

  async pollNow(id: string) {
    return this.running.get(id)?.poller.pollNow();
  }

  async stop(): Promise<void> {
    const runs = [...this.running.values()];
    this.running.clear();
    await Promise.all(runs.map((run) => run.poller.stop()));
  }

  private pollerFor(definition: PolledSourceDefinition, initialCursor: unknown): SourcePoller<unknown> {
    const { db, admit, metrics, logger } = this.options;
    const fetch = { timeoutMs: definition.polling.timeoutMs, maxBodyBytes: definition.polling.maxBodyBytes, dispatcher: this.options.dispatcher };
    const shared = {
      sourceId: definition.id,
      url: definition.url,
      ...(definition.defaultOffsetMinutes !== undefined && { defaultOffsetMinutes: definition.defaultOffsetMinutes }),
      ...(definition.trackingParams && { trackingParams: definition.trackingParams }),
    };
    const source: PollSource<unknown> =
      definition.kind === 'rss'
        ? (feedSource({ ...shared, fetch }) as PollSource<unknown>)
        : (jsonSource({
            ...shared,
            mapping: definition.mapping,
            cursor: definition.cursor,
            maxPagesPerPoll: definition.maxPagesPerPoll,
            fetch: { ...fetch, headers: jsonSourceHeaders(definition, this.environment) },
          }) as PollSource<unknown>);
    let lastSuccess: string | undefined;
    return new SourcePoller<unknown>({
      sourceId: definition.id,
      source,
      timing: definition.polling,
      ...(initialCursor !== undefined && { initialCursor }),
      ...(this.options.now && { now: this.options.now }),
      ...(this.options.random && { random: this.options.random }),
      onBatch: async (posts, cursor, details) => {
        const refused = refusedItems(details.rejected);
        await admit(definition.id, posts, refused);
        // Only now, after Kafka acknowledged: the saved cursor never runs ahead of what is safe.
        await sourceRepository.saveProgress(db, definition.id, cursor, new Date(this.options.now?.() ?? Date.now()));
        if (details.warnings.length > 0) logger.info({ source: definition.id, warnings: details.warnings.slice(0, 5) }, 'poll warnings');
      },
      onState: (state) => {
        metrics.polled(definition.id, state);
        if (state.lastSuccessAt && state.lastSuccessAt !== lastSuccess) {
          lastSuccess = state.lastSuccessAt;
          metrics.succeeded(definition.id, new Date(state.lastSuccessAt));
        }
        if (state.consecutiveFailures > 0 && state.lastError) {
          logger.warn({ source: definition.id, health: state.health, failures: state.consecutiveFailures, error: state.lastError }, 'poll failed');
        }
      },
    });
  }
}
