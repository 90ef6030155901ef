import { TopicSpecs, deadLetterTopic, type MessageDef, type TopicSpec } from '@huiying/contracts';
import type { Logger } from 'pino';
import { createKafkaBus } from './kafka/kafka-bus';
import type { Bus } from './port';

/**
 * A bus whose every topic carries a prefix: one broker can then host several isolated
 * pipelines — an integration test's, a drill environment's — without their messages meeting.
 * Dead-letter topics follow, since they derive from the topic a message arrived on; consumer
 * groups take the prefix too, so two pipelines never join each other's groups.
 */
export function withTopicPrefix(bus: Bus, prefix: string): Bus {
  if (!prefix) return bus;
  const prefixed = <D extends MessageDef<string, any>>(def: D): D => ({ ...def, topic: `${prefix}${def.topic}` });
  return {
    publish: (def, payload, options) => bus.publish(prefixed(def), payload, options),
    publishBatch: (def, items) => bus.publishBatch(prefixed(def), items),
    publishDeadLetters: (def, letters) => bus.publishDeadLetters(prefixed(def), letters),
    subscribe: (subscription) =>
      bus.subscribe({ ...subscription, group: `${prefix}${subscription.group}`, messages: subscription.messages.map(prefixed) }),
    close: () => bus.close(),
  };
}

/** The topic specs under a prefix, for creating an isolated pipeline's topics. */
export function prefixedTopicSpecs(prefix: string, specs: readonly TopicSpec[] = TopicSpecs): TopicSpec[] {
  return specs.map((spec) => ({ ...spec, name: `${prefix}${spec.name}` }));
}

export function prefixedDeadLetterTopic(prefix: string, topic: string): string {
  return deadLetterTopic(`${prefix}${topic}`);
}

/** The Kafka variables a service's config may carry; the consumer tuning ones are optional. */
export interface KafkaBusConfig {
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PREFIX: string;
  /** Partitions each subscription handles at once unless it says (`partitionsConsumedConcurrently`). */
  KAFKA_PARTITIONS_CONCURRENTLY?: number | undefined;
  /** Batch handlers get the runs of every partition of a fetch at once (`runsAcrossPartitions`). */
  KAFKA_RUNS_ACROSS_PARTITIONS?: boolean | undefined;
}

/** The bus a service process uses: Kafka, under `KAFKA_TOPIC_PREFIX` when one is set. */
export function kafkaBusFor(service: string, config: KafkaBusConfig, logger: Logger): Bus {
  return withTopicPrefix(
    createKafkaBus({
      brokers: config.KAFKA_BROKERS,
      service,
      logger,
      ...(config.KAFKA_PARTITIONS_CONCURRENTLY !== undefined && { partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY }),
      ...(config.KAFKA_RUNS_ACROSS_PARTITIONS !== undefined && { runsAcrossPartitions: config.KAFKA_RUNS_ACROSS_PARTITIONS }),
    }),
    config.KAFKA_TOPIC_PREFIX,
  );
}
