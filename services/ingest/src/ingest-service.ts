import { readFile } from 'node:fs/promises';
import { checkSourceUrl, parseAllowList } from '@huiying/access';
import type { Bus } from '@huiying/bus';
import { type DedupOptions } from '@huiying/ingest-core';
import type { Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { ingestMetrics } from './admission/ingest-metrics';
import { createPostAdmission } from './admission/post-admission';
import { RedisReplayGuard } from './admission/replay-guard';
import { RedisDedupStore } from './admission/redis-dedup-store';
import { RepostCounter } from './admission/repost-counter';
import { buildIngestApp } from './ingest-app';
import { guardedDispatcher } from './polling/fetch-guard';
import { PollerFleet } from './polling/poller-fleet';
import { parseSourcesFile, type SourceDefinition } from './sources/source-definition';
import { sourceRepository } from './sources/source-repository';
import { SourceRegistry } from './sources/source-registry';

export interface IngestServiceOptions {
  bus: Bus;
  db: Db;
  redis: Redis;
  logger: Logger;
  registry: Registry;
  /** The configuration file's sources (already parsed), or its path. */
  sources: readonly SourceDefinition[] | string;
  dedup: Required<Pick<DedupOptions, 'keyPrefix' | 'windowMs' | 'hammingThreshold'>>;
  maxBodyBytes: number;
  adminApiKey: string | undefined;
  /** CIDRs / hosts the pollers may reach although private. */
  ssrfAllow: readonly string[];
  polling: boolean;
  /** 0 turns the periodic reload off. */
  reloadIntervalMs: number;
  repostFlushMs?: number;
  environment?: Record<string, string | undefined>;
  now?: () => number;
  /** Tests poll at once instead of after a random part of the jitter. */
  firstPollDelayMs?: number;
}

/**
 * The ingest service wired from its parts: admission (Redis dedup, Kafka, dead letters, repost
 * counts), the sources from PostgreSQL, one poller per pulled source, the webhook and the
 * sources API. main.ts and the integration tests start it the same way. Nothing runs until
 * `start()`.
 */
export async function createIngestService(options: IngestServiceOptions) {
  const { bus, db, redis, logger, registry } = options;
  const metrics = ingestMetrics(registry);
  const allow = parseAllowList(options.ssrfAllow);
  const checkUrl = async (url: string) => {
    const verdict = await checkSourceUrl(url, { allow });
    return verdict.ok ? ({ ok: true } as const) : verdict;
  };
  const reposts = new RepostCounter({
    redis,
    keyPrefix: options.dedup.keyPrefix,
    windowMs: options.dedup.windowMs,
    persist: (counts, at) => sourceRepository.addRepostCounts(db, counts, at),
    logger,
    ...(options.repostFlushMs !== undefined && { flushIntervalMs: options.repostFlushMs }),
  });
  const admit = createPostAdmission({ bus, metrics, dedup: { store: new RedisDedupStore(redis), options: options.dedup }, reposts });
  const dispatcher = guardedDispatcher(allow);
  const fleet = options.polling
    ? new PollerFleet({
        db,
        admit,
        metrics,
        logger: logger.child({ component: 'poller' }),
        dispatcher,
        checkUrl,
        ...(options.environment && { environment: options.environment }),
        ...(options.now && { now: options.now }),
        ...(options.firstPollDelayMs !== undefined && { firstDelayMs: options.firstPollDelayMs }),
      })
    : undefined;
  const sources = new SourceRegistry({ db, metrics, ...(fleet && { fleet }), ...(options.environment && { environment: options.environment }) });
  const app = await buildIngestApp({
    bus,
    logger,
    registry,
    sources,
    admit,
    maxBodyBytes: options.maxBodyBytes,
    replays: new RedisReplayGuard(redis, options.dedup.keyPrefix),
    adminApiKey: options.adminApiKey,
    checkUrl,
    checks: [
      { name: 'postgres', check: async () => void (await db.query('SELECT 1')) },
      { name: 'redis', check: async () => void (await redis.ping()) },
    ],
    ...(options.now && { now: options.now }),
  });
  let reloadTimer: NodeJS.Timeout | undefined;

  return {
    app,
    sources,
    fleet,
    reposts,
    admit,
    /** Loads the sources (file into PostgreSQL), starts the pollers and the repost flush. */
    async start(): Promise<void> {
      const fileSources = typeof options.sources === 'string' ? parseSourcesFile(await readFile(options.sources, 'utf8'), options.sources) : options.sources;
      await sources.load(fileSources);
      reposts.start();
      if (options.reloadIntervalMs > 0) {
        const tick = () => {
          reloadTimer = setTimeout(() => {
            sources
              .reload()
              .catch((error: unknown) => logger.warn({ err: error }, 'sources not reloaded'))
              .finally(() => reloadTimer && tick());
          }, options.reloadIntervalMs);
        };
        tick();
      }
    },
    /** Stops taking posts, then the pollers (a batch in flight finishes), then flushes counts. */
    async stop(): Promise<void> {
      if (reloadTimer) clearTimeout(reloadTimer);
      reloadTimer = undefined;
      await app.close();
      await fleet?.stop();
      await reposts.stop();
      await dispatcher.close();
    },
  };
}
export type IngestService = Awaited<ReturnType<typeof createIngestService>>;
