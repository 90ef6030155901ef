import type { Envelope, MessageDef } from '@huiying/contracts';

/**
 * The publish/subscribe port every service talks to. Two adapters implement it: Kafka (kafkajs)
 * for production, and in-memory for the single-process embedded mode. Both give at-least-once
 * delivery, per-key order, bounded retries and a dead-letter topic per input topic.
 */
export interface Bus {
  /**
   * Publishes one message and resolves only once the broker acknowledged it (Kafka: acks=-1).
   * The envelope (id, times, trace id, producer) is filled in here.
   */
  publish<P>(def: MessageDef<string, any>, payload: P, options: PublishOptions): Promise<Envelope<P>>;
  /** Publishes many messages of one definition in one round trip; resolves when all are acknowledged. */
  publishBatch<P>(
    def: MessageDef<string, any>,
    items: ReadonlyArray<{ payload: P; options: PublishOptions }>,
  ): Promise<Envelope<P>[]>;
  /**
   * Puts input that never became a valid message (a malformed item at ingestion) on the
   * dead-letter topic of `def`'s topic: the raw bytes as they arrived, the reason in the
   * headers. Resolves once the broker acknowledged every letter.
   */
  publishDeadLetters(def: MessageDef<string, any>, letters: ReadonlyArray<RejectedInput>): Promise<void>;
  /** Starts consuming; resolves once the consumer joined its group. */
  subscribe(subscription: Subscription): Promise<SubscriptionHandle>;
  /** Drains in-flight handlers, commits what finished, disconnects. Idempotent. */
  close(): Promise<void>;
}

export interface PublishOptions {
  /** Partition key: messages with one key keep their order (post id, incident id). */
  key: string;
  /** Carry the trace id of the message this one answers; a new one is made when absent. */
  traceId?: string;
  /** Defaults to now. */
  occurredAt?: Date;
  /** Defaults to a random UUID; pass a deterministic one to make republishing idempotent downstream. */
  id?: string;
  /**
   * The payload was built field by field by code whose output a test holds against the schema
   * (not taken from outside input), so the publish-time schema pass is skipped. Consumers still
   * validate every message they read.
   */
  prevalidated?: boolean;
}

export interface Subscription {
  /** Consumer group: instances with one group share the partitions. */
  group: string;
  /** The message definitions consumed; each topic's bytes are validated against its schema. */
  messages: ReadonlyArray<MessageDef<string, any>>;
  handler: MessageHandler;
  /**
   * Optional: handles a run of consecutive messages of one partition at once, e.g. in one
   * database transaction instead of one per message. Resolving settles the whole run as ok.
   * Throwing settles nothing: each message of the run then goes through `handler` one by one,
   * with its retries and dead-lettering, so one bad message cannot hold up the others. Per-key
   * order holds either way. A run never mixes partitions.
   */
  batchHandler?: BatchHandler;
  /** Most messages in one run handed to `batchHandler`. Default 500. */
  maxBatchSize?: number;
  /**
   * Kafka: hands `batchHandler` the runs of every partition one fetch brought together, as one
   * run of at most `maxBatchSize` (each partition's messages in their order, so per-key order
   * holds), instead of one call per partition in turn: one transaction per fetch instead of one
   * per partition, which is what a message otherwise waits behind. The handlers (`batchHandler`,
   * and `handler` on the one-by-one path) then never run concurrently with each other, whatever
   * `partitionsConsumedConcurrently` (default 16 here, so every partition of a fetch comes at once).
   * Only for a batch handler that does not assume one partition per run.
   */
  runsAcrossPartitions?: boolean;
  /** Attempts before a failing message goes to the dead-letter topic. Default 5. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. Default 200 ms. */
  retryBaseMs?: number;
  /** Read from the earliest offset when the group has none yet. Default true. */
  fromBeginning?: boolean;
  /**
   * Partitions handled at once by this instance; each partition stays sequential, so per-key
   * order holds whatever the number. Default 1 (Kafka); the memory adapter runs every partition
   * at once.
   */
  partitionsConsumedConcurrently?: number;
}

export interface Delivery<P = unknown> {
  envelope: Envelope<P>;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** 1 on first delivery to this handler, more on retries. */
  attempt: number;
}

/**
 * What a handler says about a message. Throwing is treated as `retry`: the message is tried
 * again up to `maxAttempts`, then dead-lettered with the error as reason.
 */
export type HandlerOutcome =
  | { outcome: 'ok' }
  | { outcome: 'drop'; reason: string }
  | { outcome: 'dead-letter'; reason: string };

export type MessageHandler = (delivery: Delivery<any>) => Promise<HandlerOutcome | void>;

/** Handles a run of deliveries of one partition, oldest first; throwing falls back to `handler`. */
export type BatchHandler = (deliveries: ReadonlyArray<Delivery<any>>) => Promise<void>;

export interface SubscriptionHandle {
  /** Stops consuming after in-flight handlers finish. */
  stop(): Promise<void>;
}

/** Header carrying the envelope's trace id, so tools can follow a message without parsing it. */
export const TraceIdHeader = 'x-trace-id';

/** Input refused before it became a message, for `publishDeadLetters`. */
export interface RejectedInput {
  /** The bytes exactly as received (a feed item's XML, a JSON item, a file line). */
  value: Buffer;
  key: string | null;
  reason: string;
  /** Who refused it, shown as the dead letter's group (e.g. `ingest:weibo-longnan`). */
  rejectedBy: string;
  /** Extra headers, e.g. the source id. */
  headers?: Record<string, string>;
}

/** A message as it sits in a dead-letter topic. */
export interface DeadLetter {
  originalTopic: string;
  reason: string;
  /** The bytes exactly as they arrived, so a fixed consumer can replay them. */
  value: Buffer;
  key: string | null;
  attempts: number;
  failedAt: string;
  group: string;
  /** Where the message sat in its original topic; null when the headers were missing. */
  originalPartition: number | null;
  originalOffset: string | null;
  /** Every header the message carried, including the original ones (trace id …). */
  headers: Record<string, string>;
}

export const ok: HandlerOutcome = { outcome: 'ok' };
export const drop = (reason: string): HandlerOutcome => ({ outcome: 'drop', reason });
export const deadLetter = (reason: string): HandlerOutcome => ({ outcome: 'dead-letter', reason });
