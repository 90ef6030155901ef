import { deadLetterTopic, type Envelope, type MessageDef } from '@huiying/contracts';
import { Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { rejectedInputHeaders } from '../dead-letter';
import { buildEnvelope, encodeEnvelopeText } from '../envelope-codec';
import { TraceIdHeader, type Bus, type PublishOptions, type RejectedInput, type Subscription, type SubscriptionHandle } from '../port';
import { installCrc32c } from './crc32c';
import { installIdleRequestQueue } from './idle-request-queue';
import { explainKafkaError } from './kafka-errors';
import { KAFKAJS_LOG_LEVEL, kafkajsLogCreator } from './kafkajs-logger';
import { startKafkaSubscription } from './kafka-subscription';
import { javaCompatiblePartitioner } from './partitioner';
import { installRecordEncoder } from './record-encoder';

export interface KafkaBusOptions {
  /** `host:port` list, e.g. from the KAFKA_BROKERS variable. */
  brokers: string[];
  /** The service: kafkajs client id and the `producer` of every envelope published. */
  service: string;
  logger: Logger;
  /** How long `close()` waits for running handlers before leaving them uncommitted. Default 30 s. */
  shutdownTimeoutMs?: number;
  /** The coordinator drops a member silent for this long. Default 30 s (kafkajs default). */
  sessionTimeoutMs?: number;
  /** Heartbeats are sent at most this often, also during long handlers and retries. Default 3 s. */
  heartbeatIntervalMs?: number;
  /**
   * Settled offsets are committed at the end of every batch and at least this often within a long
   * batch. A crash redelivers at most this much work. Default 1 s.
   */
  commitIntervalMs?: number;
  /** Longest fetch long-poll; bounds how long a stop waits for an idle fetch. Default 1 s. */
  maxWaitTimeMs?: number;
  /**
   * Partitions a subscription handles at once when it does not say (see `Subscription`). Each
   * partition stays in order; more than one lets handlers that wait on a database overlap
   * instead of queueing one partition behind another within a fetch. Default 1.
   */
  partitionsConsumedConcurrently?: number;
  /** `runsAcrossPartitions` of a subscription that does not say (see `Subscription`). Default false. */
  runsAcrossPartitions?: boolean;
  /** `subscribe()` fails if the group was not joined by then. Default 60 s. */
  joinTimeoutMs?: number;
  /** Clock for `producedAt` and dead-letter times. */
  now?: () => Date;
}

export interface KafkaBus extends Bus {
  /** Connects the producer now instead of on first publish: a service fails fast at boot. */
  connect(): Promise<void>;
}

/** The production adapter of the bus port: kafkajs, acks=-1, manual commits, dead-letter topics. */
export function createKafkaBus(options: KafkaBusOptions): KafkaBus {
  const logger = options.logger.child({ component: 'bus' });
  const now = options.now ?? (() => new Date());
  // Before the first produce loads kafkajs' request encoder (see record-encoder.ts).
  if (!installRecordEncoder()) logger.debug('kafkajs encodes records itself (not the pinned version, or loaded earlier)');
  if (!installCrc32c()) logger.debug('kafkajs checksums record batches itself (not the pinned version, or loaded earlier)');
  if (!installIdleRequestQueue()) logger.debug('kafkajs request queues poll on their own timer (not the pinned version)');
  const kafka = new Kafka({
    clientId: options.service,
    brokers: options.brokers,
    logLevel: KAFKAJS_LOG_LEVEL,
    logCreator: kafkajsLogCreator(logger),
  });

  let producerReady: Promise<Producer> | undefined;
  const producer = (): Promise<Producer> => {
    producerReady ??= (async () => {
      const p = kafka.producer({
        // Java's partitioner: a key lands on the same partition whichever client produced it.
        createPartitioner: javaCompatiblePartitioner,
        allowAutoTopicCreation: false,
      });
      await p.connect();
      return p;
    })().catch((error: unknown) => {
      producerReady = undefined;
      throw error;
    });
    return producerReady;
  };

  const handles = new Set<SubscriptionHandle>();
  let closing: Promise<void> | undefined;

  const toMessage = (envelope: Envelope<unknown>, key: string) => ({
    key,
    // Text, not a Buffer: the record encoder writes it into the record's own buffer, one copy less.
    value: encodeEnvelopeText(envelope),
    headers: { [TraceIdHeader]: envelope.traceId },
  });

  const bus: KafkaBus = {
    async connect() {
      await producer();
    },

    async publish<P>(def: MessageDef<string, any>, payload: P, publishOptions: PublishOptions) {
      const envelope = buildEnvelope(def, payload, publishOptions, options.service, now());
      const p = await producer();
      await p
        .send({ topic: def.topic, acks: -1, messages: [toMessage(envelope, publishOptions.key)] })
        .catch((error: unknown) => Promise.reject(explainKafkaError(error, [def.topic])));
      return envelope;
    },

    async publishBatch<P>(
      def: MessageDef<string, any>,
      items: ReadonlyArray<{ payload: P; options: PublishOptions }>,
    ) {
      if (items.length === 0) return [];
      const at = now();
      const envelopes = items.map((item) => buildEnvelope(def, item.payload, item.options, options.service, at));
      const p = await producer();
      await p
        .send({
          topic: def.topic,
          acks: -1,
          messages: envelopes.map((envelope, i) => toMessage(envelope, items[i]!.options.key)),
        })
        .catch((error: unknown) => Promise.reject(explainKafkaError(error, [def.topic])));
      return envelopes;
    },

    async publishDeadLetters(def: MessageDef<string, any>, letters: ReadonlyArray<RejectedInput>) {
      if (letters.length === 0) return;
      const topic = deadLetterTopic(def.topic);
      const at = now();
      const p = await producer();
      await p
        .send({
          topic,
          acks: -1,
          messages: letters.map((letter) => ({ key: letter.key, value: letter.value, headers: rejectedInputHeaders(letter, def.topic, at) })),
        })
        .catch((error: unknown) => Promise.reject(explainKafkaError(error, [topic])));
    },

    async subscribe(subscription: Subscription) {
      if (closing) throw new Error('bus is closed');
      const handle = await startKafkaSubscription(
        {
          kafka,
          producer,
          logger,
          shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
          sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
          heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
          commitIntervalMs: options.commitIntervalMs ?? 1_000,
          maxWaitTimeMs: options.maxWaitTimeMs ?? 1_000,
          joinTimeoutMs: options.joinTimeoutMs ?? 60_000,
          now,
        },
        {
          ...subscription,
          ...(subscription.partitionsConsumedConcurrently === undefined &&
            options.partitionsConsumedConcurrently !== undefined && { partitionsConsumedConcurrently: options.partitionsConsumedConcurrently }),
          runsAcrossPartitions: subscription.runsAcrossPartitions ?? options.runsAcrossPartitions ?? false,
        },
      );
      const tracked: SubscriptionHandle = {
        async stop() {
          await handle.stop();
          handles.delete(tracked);
        },
      };
      handles.add(tracked);
      return tracked;
    },

    close() {
      closing ??= (async () => {
        // Consumers first: their dead letters still need the producer while they drain.
        await Promise.allSettled([...handles].map((h) => h.stop()));
        if (producerReady) {
          const p = await producerReady.catch(() => undefined);
          await p?.disconnect();
        }
      })();
      return closing;
    },
  };
  return bus;
}
