import type { Bus, Delivery, SubscriptionHandle } from '@huiying/bus';
import { PostClassifiedMessage } from '@huiying/contracts';
import { createCorrelationCache, defaultCorrelationPolicy, sweepSpikesInDb, type CorrelationPolicy, type SpikeWindow } from '@huiying/incident-core';
import type { OutboxRelay } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import { consumerMetrics, type Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import { correlateClassifiedPosts, type CorrelateOutcome } from './correlate.step';
import { createSchemeRouter } from './scheme-router';

export interface IncidentWorkerOptions {
  bus: Bus;
  db: Db;
  relay: OutboxRelay;
  logger: Logger;
  registry: Registry;
  policy?: CorrelationPolicy;
  group?: string;
  now?: () => Date;
  /** Most posts per correlation transaction. Default 500. */
  batchSize?: number;
  /** Watch schemes are re-read when changed, checked at most this often. Default 10 s. */
  schemeRefreshMs?: number;
  /** Spike sweep period; 0 (the default here, so tests stay quiet) turns it off. main.ts sets it. */
  spikeSweepMs?: number;
  spikeWindows?: readonly SpikeWindow[];
}

export function createIncidentWorker(options: IncidentWorkerOptions) {
  const metrics = consumerMetrics(options.registry);
  const now = options.now ?? (() => new Date());
  const policy = options.policy ?? defaultCorrelationPolicy;
  const router = createSchemeRouter({ db: options.db, refreshMs: options.schemeRefreshMs ?? 10_000 });
  const logger = options.logger;
  // Safe with several instances: read and brought up to date only under the correlation lock.
  const cache = createCorrelationCache();
  let handle: SubscriptionHandle | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  let publishing: Promise<void> | undefined;

  async function handle_(deliveries: ReadonlyArray<Delivery<PostClassifiedMessage['payload']>>): Promise<CorrelateOutcome[]> {
    await router.refresh();
    const outcomes = await correlateClassifiedPosts(options.db, deliveries.map((d) => d.envelope), {
      policy,
      now: now(),
      route: router.route,
      cache,
    });
    let changed = false;
    outcomes.forEach((result, i) => {
      const delivery = deliveries[i]!;
      metrics.handled.inc({ topic: delivery.topic, outcome: result.outcome });
      if (result.outcome === 'opened' || result.outcome === 'joined') {
        changed = true;
        logger.debug({ traceId: delivery.envelope.traceId, postId: delivery.envelope.payload.post.id, ...result }, `post ${result.outcome} incident`);
      }
      if (result.outcome === 'opened') {
        logger.info({ traceId: delivery.envelope.traceId, postId: delivery.envelope.payload.post.id, incidentId: result.incidentId }, 'incident opened');
      }
    });
    // Publish the incident events now rather than at the next sweep (clocks wait on them), but
    // without holding up the next batch: it correlates while these are published. The relay
    // publishes in outbox order, one flush at a time, so per-incident order holds; a flush that
    // fails leaves the rows for the relay's sweep.
    if (changed) publishing = options.relay.flush().then(() => undefined, (error: unknown) => logger.error({ err: error }, 'outbox flush failed; the sweep retries'));
    return outcomes;
  }

  async function sweep(): Promise<void> {
    try {
      const spikes = await sweepSpikesInDb(options.db, { now: now(), ...(options.spikeWindows && { windows: options.spikeWindows }) });
      for (const spike of spikes) logger.warn({ subject: spike.subject, window: spike.window, because: spike.because }, 'spike detected');
      if (spikes.length > 0) await options.relay.flush();
    } catch (error) {
      logger.error({ err: error }, 'spike sweep failed; next round retries');
    }
  }

  return {
    async start() {
      await router.refresh(true);
      handle = await options.bus.subscribe({
        group: options.group ?? 'huiying-incidents',
        messages: [PostClassifiedMessage],
        maxBatchSize: options.batchSize ?? 500,
        batchHandler: async (deliveries) => void (await handle_(deliveries as Array<Delivery<PostClassifiedMessage['payload']>>)),
        handler: async (delivery) => {
          await handle_([delivery as Delivery<PostClassifiedMessage['payload']>]);
          return { outcome: 'ok' };
        },
      });
      const every = options.spikeSweepMs ?? 0;
      if (every > 0) {
        sweepTimer = setInterval(() => {
          sweeping ??= sweep().finally(() => (sweeping = undefined));
        }, every);
      }
    },
    /** One spike sweep now (tests, and an operator's command). */
    sweepSpikes: sweep,
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      await sweeping;
      await handle?.stop();
      await publishing;
    },
  };
}
