import type { Db } from '@huiying/store';
import type { IngestMetrics, SourceCounts } from '../admission/ingest-metrics';
import type { PollerFleet } from '../polling/poller-fleet';
import { redactSource, webhookSecrets, type SourceDefinition, type WebhookSourceDefinition } from './source-definition';
import { sourceRepository, type StoredSource } from './source-repository';

/** What the webhook needs to know about a pushing source. */
export interface WebhookSourceView {
  definition: WebhookSourceDefinition;
  secrets: string[];
}

/** Finds the pushing source a request names; undefined when there is none or it is disabled. */
export type WebhookSourceLookup = (sourceId: string) => WebhookSourceView | undefined;

/** One source as the sources API shows it. */
export interface SourceView {
  id: string;
  kind: SourceDefinition['kind'];
  name: string;
  origin: 'file' | 'api';
  enabled: boolean;
  paused: boolean;
  /** healthy / degraded / unhealthy while polled; `idle` when not polled (paused, disabled, webhook); `refused` when its URL failed the SSRF check. */
  health: 'healthy' | 'degraded' | 'unhealthy' | 'idle' | 'refused';
  refusal?: string;
  consecutiveFailures: number;
  lastSuccessAt: string | null;
  lastError?: { at: string; name: string; code?: string; message: string };
  nextPollAt?: string;
  cursor: unknown;
  counts: SourceCounts;
  definition: SourceDefinition;
}

export interface SourceRegistryOptions {
  db: Db;
  metrics: IngestMetrics;
  /** Absent in an instance that only receives pushes. */
  fleet?: PollerFleet;
  environment?: Record<string, string | undefined>;
}

/**
 * The sources as PostgreSQL holds them, cached for the webhook's per-request lookup, with the
 * pollers kept in step. Several instances converge through `reload()` (main.ts runs it every
 * 30 s), so a pause made on one reaches the others within that time.
 */
export class SourceRegistry {
  private sources = new Map<string, StoredSource>();
  private readonly environment: Record<string, string | undefined>;

  constructor(private readonly options: SourceRegistryOptions) {
    this.environment = options.environment ?? process.env;
  }

  /** Loads the configuration file's sources into the database, then everything into memory. */
  async load(fileSources: readonly SourceDefinition[]): Promise<void> {
    await sourceRepository.upsertFromFile(this.options.db, fileSources);
    await this.reload();
  }

  async reload(): Promise<void> {
    const list = await sourceRepository.list(this.options.db);
    this.sources = new Map(list.map((s) => [s.definition.id, s]));
    await this.options.fleet?.sync(list);
  }

  readonly webhookSource: WebhookSourceLookup = (sourceId) => {
    const stored = this.sources.get(sourceId);
    if (!stored || stored.definition.kind !== 'webhook' || !stored.definition.enabled || stored.paused) return undefined;
    return { definition: stored.definition, secrets: webhookSecrets(stored.definition, this.environment) };
  };

  /** Adds a source; false when the id is taken. */
  async add(definition: SourceDefinition): Promise<boolean> {
    const added = await sourceRepository.add(this.options.db, definition);
    if (added) await this.reload();
    return added;
  }

  /** False when there is no such source. */
  async setPaused(id: string, paused: boolean): Promise<boolean> {
    const found = await sourceRepository.setPaused(this.options.db, id, paused);
    if (found) await this.reload();
    return found;
  }

  async views(): Promise<SourceView[]> {
    const list = await sourceRepository.list(this.options.db);
    return list.map((s) => this.view(s));
  }

  async viewOf(id: string): Promise<SourceView | undefined> {
    const stored = await sourceRepository.get(this.options.db, id);
    return stored && this.view(stored);
  }

  private view(stored: StoredSource): SourceView {
    const id = stored.definition.id;
    const state = this.options.fleet?.state(id);
    const refusal = this.options.fleet?.refusal(id);
    return {
      id,
      kind: stored.definition.kind,
      name: stored.definition.name,
      origin: stored.origin,
      enabled: stored.definition.enabled,
      paused: stored.paused,
      health: state ? state.health : refusal ? 'refused' : 'idle',
      ...(refusal && { refusal }),
      consecutiveFailures: state?.consecutiveFailures ?? 0,
      lastSuccessAt: state?.lastSuccessAt ?? stored.lastSuccessAt,
      ...(state?.lastError && { lastError: state.lastError }),
      ...(state?.nextPollAt && { nextPollAt: state.nextPollAt }),
      cursor: state?.cursor ?? stored.cursor ?? null,
      counts: this.options.metrics.counts(id),
      definition: redactSource(stored.definition),
    };
  }
}
