import type { Bus, SubscriptionHandle } from '@huiying/bus';
import { PostClassifiedMessage, PostIngestedMessage } from '@huiying/contracts';
import { consumerMetrics, type Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import { classifyStep, type PostClassifier } from './classify.step';

export interface ClassifierWorkerOptions {
  bus: Bus;
  classifier: PostClassifier;
  logger: Logger;
  registry: Registry;
  group?: string;
}

/** Consumes ingested posts, publishes classified ones. Stateless: any number of instances. */
export function createClassifierWorker(options: ClassifierWorkerOptions) {
  const metrics = consumerMetrics(options.registry);
  let handle: SubscriptionHandle | undefined;
  return {
    async start() {
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
    },
  };
}
