import type { Bus, Delivery, PublishOptions, SubscriptionHandle } from '@huiying/bus';
import { Instant, PostClassifiedMessage, PostIngestedMessage } from '@huiying/contracts';
import { consumerMetrics, type Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import type { Queryable } from '@huiying/store';
import { createRegistryRefresher } from './claims-registry';
import { classifyStep, type ClassifyResult, type PostClassifier } from './classify.step';

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
  /** Most posts classified and published as one run. Default 500. */
  maxRunSize?: number;
  /**
   * Partitions handled at once. Default 2: classifying is CPU on one thread, so more than two
   * only adds waiting; two let one partition's publish round trip overlap the other's classifying.
   */
  partitionsConsumedConcurrently?: number;
}

type ClassifiedPayload = PostClassifiedMessage['payload'];

/**
 * Kafka refuses a record batch past ~1 MB (broker default); a run is published in chunks of about
 * half that, estimated from the text (UTF-8: up to 3 bytes per character) plus the classification.
 */
const CHUNK_BYTES = 512 * 1024;
function estimatedBytes(result: Extract<ClassifyResult, { outcome: 'classified' }>): number {
  const { post } = result;
  const raw =
    post.raw === undefined ? 0 : typeof post.raw === 'string' ? post.raw.length : JSON.stringify(post.raw).length;
  return 3 * (post.text.length + (post.title?.length ?? 0) + raw) + 2048;
}

/**
 * The classified message of one post; its id is derived, so a redelivered post republishes the same
 * message. Its parts are already held to the contract — the post by the bus when it decoded the
 * ingested message, the classification by `classifyStep` — so the publish skips the schema pass
 * over the whole envelope, which cost as much again as that check (~20 µs a post). The one field
 * made here from them, the occurred instant, is checked on its own: a publication time at the edge
 * of year 9999 with an offset normalises past it, and keeps the full pass and its failure path.
 */
function classifiedMessage(
  delivery: Delivery,
  result: Extract<ClassifyResult, { outcome: 'classified' }>,
): { payload: ClassifiedPayload; options: PublishOptions } {
  const occurredAt = new Date(result.post.publishedAt);
  return {
    payload: { post: result.post, classification: result.classification },
    options: {
      key: result.post.id,
      traceId: delivery.envelope.traceId,
      id: result.messageId,
      occurredAt,
      prevalidated: Instant.safeParse(occurredAt.toISOString()).success,
    },
  };
}

/** A run holding a post for the dead-letter topic: handled one by one, where the bus dead-letters it. */
class RunNeedsDeadLetter extends Error {
  constructor(reason: string) {
    super(`a post of the run goes to the dead-letter topic (${reason}); handling the run one post at a time`);
  }
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

  /**
   * A run of one partition: every post classified, the results published in one round trip (per
   * ~512 KB chunk), resolved only once the broker acknowledged them all, so a crash before that
   * leaves the run uncommitted and it is classified again into the same message ids. Empty or
   * binary posts are dropped here as the one-by-one path drops them. A post for the dead-letter
   * topic (the classifier failed on it) is rare: the run is then thrown back before anything is
   * published, and the bus handles it post by post, dead-lettering that one with its bytes,
   * reason and attempts.
   */
  async function classifyRun(deliveries: ReadonlyArray<Delivery>): Promise<void> {
    const results = deliveries.map((d) =>
      classifyStep(options.classifier, d as Delivery<PostIngestedMessage['payload']>),
    );
    const failed = results.find((r) => r.outcome === 'dead-letter');
    if (failed) throw new RunNeedsDeadLetter(failed.reason);
    const chunks: Array<Array<{ payload: ClassifiedPayload; options: PublishOptions }>> = [[]];
    let chunkBytes = 0;
    for (const [i, result] of results.entries()) {
      if (result.outcome !== 'classified') continue;
      const bytes = estimatedBytes(result);
      if (chunkBytes + bytes > CHUNK_BYTES && chunks[chunks.length - 1]!.length > 0) {
        chunks.push([]);
        chunkBytes = 0;
      }
      chunks[chunks.length - 1]!.push(classifiedMessage(deliveries[i]!, result));
      chunkBytes += bytes;
    }
    // One chunk after the other: the keys are post ids, so order between chunks does not matter,
    // but sending them together would only queue them in the same producer.
    for (const chunk of chunks) if (chunk.length > 0) await options.bus.publishBatch(PostClassifiedMessage, chunk);
    // Counted once published: a run that fails here is counted again on the one-by-one path.
    for (const [i, result] of results.entries()) {
      const delivery = deliveries[i]!;
      if (result.outcome === 'drop') {
        options.logger.info(
          { topic: delivery.topic, partition: delivery.partition, offset: delivery.offset, reason: result.reason },
          'message dropped',
        );
      }
      metrics.handled.inc({ topic: delivery.topic, outcome: result.outcome });
    }
  }

  return {
    async start() {
      // The registry first: posts consumed before it is loaded would miss known rumours.
      await refresher?.start();
      handle = await options.bus.subscribe({
        group: options.group ?? 'huiying-classifier',
        messages: [PostIngestedMessage],
        maxBatchSize: options.maxRunSize ?? 500,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 2,
        batchHandler: classifyRun,
        // One post at a time: what a run falls back to, with retries and the dead-letter topic.
        handler: async (delivery) => {
          const result = classifyStep(options.classifier, delivery);
          metrics.handled.inc({ topic: delivery.topic, outcome: result.outcome });
          if (result.outcome !== 'classified') return result;
          const message = classifiedMessage(delivery, result);
          await options.bus.publish(PostClassifiedMessage, message.payload, message.options);
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
