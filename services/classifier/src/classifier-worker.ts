import type { Bus, SubscriptionHandle } from '@huiying/bus';
import { PostClassifiedMessage, PostIngestedMessage } from '@huiying/contracts';
import { consumerMetrics, type Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import type { Queryable } from '@huiying/store';
import { createRegistryRefresher } from './claims-registry';
import { classifyStep, type PostClassifier } from './classify.step';

export interface ClassifierWorkerOptions {
  bus: Bus;
  classifier: PostClassifier;
  logger: Logger;
  registry: Registry;
  group?: string;
  /** Where the claims registry and published statements are read; without it, no registry. */
  db?: Queryable;
  /** How often the registry is re-read. Default 60 s. */
  registryRefreshMs?: number;
}

/** Consumes ingested posts, publishes classified ones. Stateless: any number of instances. */
export function createClassifierWorker(options: ClassifierWorkerOptions) {
  const metrics = consumerMetrics(options.registry);
  let handle: SubscriptionHandle | undefined;
  const refresher =
    options.db && options.classifier.setRegistry
      ? createRegistryRefresher({
          db: options.db,
          classifier: options.classifier,
          ...(options.registryRefreshMs !== undefined && { intervalMs: options.registryRefreshMs }),
          onError: (error) =>
            options.logger.warn({ err: error }, 'claims registry not refreshed; keeping the last one'),
          onLoaded: (count) => options.logger.debug({ count }, 'claims registry loaded'),
        })
      : undefined;
  return {
    async start() {
      // The registry first: posts consumed before it is loaded would miss known rumours.
      await refresher?.start();
      handle = await options.bus.subscribe({
        group: options.group ?? 'huiying-classifier',
        messages: [PostIngestedMessage],
        handler: async (delivery) => {
          const result = classifyStep(options.classifier, delivery);
          metrics.handled.inc({ topic: delivery.topic, outcome: result.outcome });
          if (result.outcome !== 'classified') return result;
          await options.bus.publish(
            PostClassifiedMessage,
            { post: result.post, classification: result.classification },
            {
              key: result.post.id,
              traceId: delivery.envelope.traceId,
              id: result.messageId,
              occurredAt: new Date(result.post.publishedAt),
            },
          );
          return { outcome: 'ok' };
        },
      });
      options.logger.info({ version: options.classifier.version }, 'classifier consuming');
    },
    async stop() {
      await handle?.stop();
      await refresher?.stop();
    },
  };
}
