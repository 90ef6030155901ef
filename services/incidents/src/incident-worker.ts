import type { Bus, SubscriptionHandle } from '@huiying/bus';
import { PostClassifiedMessage } from '@huiying/contracts';
import { defaultCorrelationPolicy, type CorrelationPolicy } from '@huiying/incident-core';
import type { OutboxRelay } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import { consumerMetrics, type Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import { correlateClassifiedPost } from './correlate.step';

export interface IncidentWorkerOptions {
  bus: Bus;
  db: Db;
  relay: OutboxRelay;
  logger: Logger;
  registry: Registry;
  policy?: CorrelationPolicy;
  group?: string;
  now?: () => Date;
}

export function createIncidentWorker(options: IncidentWorkerOptions) {
  const metrics = consumerMetrics(options.registry);
  const now = options.now ?? (() => new Date());
  let handle: SubscriptionHandle | undefined;
  return {
    async start() {
      handle = await options.bus.subscribe({
        group: options.group ?? 'huiying-incidents',
        messages: [PostClassifiedMessage],
        handler: async (delivery) => {
          const result = await correlateClassifiedPost(options.db, delivery.envelope, options.policy ?? defaultCorrelationPolicy, now());
          metrics.handled.inc({ topic: delivery.topic, outcome: result.outcome });
          if (result.outcome === 'opened' || result.outcome === 'joined') {
            options.logger.info({ traceId: delivery.envelope.traceId, postId: delivery.envelope.payload.post.id, ...result }, `post ${result.outcome} incident`);
            // Publish the incident events now rather than at the next sweep: clocks wait on them.
            await options.relay.flush();
          }
          return { outcome: 'ok' };
        },
      });
    },
    async stop() {
      await handle?.stop();
    },
  };
}
