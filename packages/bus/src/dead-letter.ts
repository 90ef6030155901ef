import { DeadLetterHeaders } from '@huiying/contracts';
import type { DeadLetter } from './port';

export interface DeadLetterFacts {
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  group: string;
  reason: string;
  attempts: number;
  failedAt: Date;
}

/** Longest reason kept in a header: a stack or a zod report can be long, a header should not be. */
const MAX_REASON_CHARS = 2000;

/**
 * Headers of a dead-lettered message: the original ones kept (trace id …), the dead-letter facts
 * added. The value stays the original bytes, so a fixed consumer can replay them unchanged.
 */
export function deadLetterHeaders(
  original: Record<string, string>,
  facts: DeadLetterFacts,
): Record<string, string> {
  return {
    ...original,
    [DeadLetterHeaders.reason]: facts.reason.slice(0, MAX_REASON_CHARS),
    [DeadLetterHeaders.originalTopic]: facts.originalTopic,
    [DeadLetterHeaders.originalPartition]: String(facts.originalPartition),
    [DeadLetterHeaders.originalOffset]: facts.originalOffset,
    [DeadLetterHeaders.consumerGroup]: facts.group,
    [DeadLetterHeaders.attempts]: String(facts.attempts),
    [DeadLetterHeaders.failedAt]: facts.failedAt.toISOString(),
  };
}

/**
 * Headers of input refused before it became a message: no partition or offset (it never sat in
 * the input topic), zero attempts.
 */
export function rejectedInputHeaders(
  letter: { reason: string; rejectedBy: string; headers?: Record<string, string> },
  originalTopic: string,
  failedAt: Date,
): Record<string, string> {
  return {
    ...letter.headers,
    [DeadLetterHeaders.reason]: letter.reason.slice(0, MAX_REASON_CHARS),
    [DeadLetterHeaders.originalTopic]: originalTopic,
    [DeadLetterHeaders.consumerGroup]: letter.rejectedBy,
    [DeadLetterHeaders.attempts]: '0',
    [DeadLetterHeaders.failedAt]: failedAt.toISOString(),
  };
}

/** Reads a message of a dead-letter topic back; missing headers become empty values, not errors. */
export function parseDeadLetter(message: {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}): DeadLetter {
  const h = message.headers;
  const partition = h[DeadLetterHeaders.originalPartition];
  return {
    originalTopic: h[DeadLetterHeaders.originalTopic] ?? '',
    reason: h[DeadLetterHeaders.reason] ?? '',
    value: message.value ?? Buffer.alloc(0),
    key: message.key,
    attempts: Number(h[DeadLetterHeaders.attempts] ?? 0),
    failedAt: h[DeadLetterHeaders.failedAt] ?? '',
    group: h[DeadLetterHeaders.consumerGroup] ?? '',
    originalPartition: partition === undefined ? null : Number(partition),
    originalOffset: h[DeadLetterHeaders.originalOffset] ?? null,
    headers: { ...h },
  };
}

/** kafkajs hands headers over as Buffers (or arrays of them); the bus speaks strings. */
export function headersToStrings(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}
