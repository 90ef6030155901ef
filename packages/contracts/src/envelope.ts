import { z } from 'zod';

/** ISO-8601 instant with an explicit offset (`Z` or `+08:00`). */
export const Instant = z.iso.datetime({ offset: true });
export type Instant = z.infer<typeof Instant>;

/**
 * A message definition: the topic it travels on, its type and version, and the schema of the
 * whole envelope. Consumers validate the bytes that arrive against `schema`, not the types that
 * were sent.
 */
export interface MessageDef<TType extends string = string, TPayload extends z.ZodType = z.ZodType> {
  readonly topic: string;
  readonly type: TType;
  readonly version: number;
  readonly payload: TPayload;
  readonly schema: z.ZodType<Envelope<z.infer<TPayload>>>;
}

export interface Envelope<P = unknown> {
  type: string;
  version: number;
  /** Unique per message; consumers deduplicate redeliveries on it. */
  id: string;
  /** When the thing the message speaks of happened (a post's publication, a clock's firing). */
  occurredAt: string;
  /** When the message was produced. */
  producedAt: string;
  /** Carried from the post to the incident to the alert, so one search finds the whole path. */
  traceId: string;
  /** The service that produced it. */
  producer: string;
  payload: P;
}

export function defineMessage<TType extends string, TPayload extends z.ZodType>(def: {
  topic: string;
  type: TType;
  version: number;
  payload: TPayload;
}): MessageDef<TType, TPayload> {
  const schema = z.object({
    type: z.literal(def.type),
    version: z.literal(def.version),
    id: z.string().min(1).max(200),
    occurredAt: Instant,
    producedAt: Instant,
    traceId: z.string().min(1).max(200),
    producer: z.string().min(1).max(100),
    payload: def.payload,
  }) as unknown as z.ZodType<Envelope<z.infer<TPayload>>>;
  return { ...def, schema };
}

/** Headers a dead-lettered message carries beside its original bytes. */
export const DeadLetterHeaders = {
  reason: 'x-dead-letter-reason',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  consumerGroup: 'x-consumer-group',
  attempts: 'x-attempts',
  failedAt: 'x-failed-at',
} as const;
