import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { headersToStrings, parseDeadLetter } from '../dead-letter';
import type { DeadLetter } from '../port';
import { KAFKAJS_LOG_LEVEL, kafkajsLogCreator } from './kafkajs-logger';
import { installIdleRequestQueue } from './idle-request-queue';

export interface ReadDeadLettersOptions {
  brokers: string[];
  /** The dead-letter topic itself, i.e. `deadLetterTopic(inputTopic)`. */
  topic: string;
  logger: Logger;
  /** Wait until at least this many are there (they may still be on their way). Default 0. */
  atLeast?: number;
  /** Default 30 s. */
  timeoutMs?: number;
}

/**
 * Reads a dead-letter topic from its start, for tools and tests: every message present when the
 * call began (and more, until `atLeast`), in partition and offset order. Uses a throwaway consumer
 * group that it deletes afterwards, so it never moves anyone's offsets.
 */
export async function readDeadLetters(options: ReadDeadLettersOptions): Promise<DeadLetter[]> {
  installIdleRequestQueue();
  const kafka = new Kafka({
    clientId: 'huiying-dead-letter-reader',
    brokers: options.brokers,
    logLevel: KAFKAJS_LOG_LEVEL,
    logCreator: kafkajsLogCreator(options.logger),
  });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `huiying-dead-letter-reader-${randomUUID()}`;
  try {
    const offsets = await admin.fetchTopicOffsets(options.topic);
    const present = offsets.reduce((sum, p) => sum + (Number(p.high) - Number(p.low)), 0);
    const wanted = Math.max(present, options.atLeast ?? 0);
    if (wanted === 0) return [];

    const found: Array<{ partition: number; offset: bigint; letter: DeadLetter }> = [];
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
      const timeoutMs = options.timeoutMs ?? 30_000;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`found ${found.length} of ${wanted} dead letters in ${options.topic} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              found.push({
                partition,
                offset: BigInt(message.offset),
                letter: parseDeadLetter({
                  key: message.key?.toString() ?? null,
                  value: message.value,
                  headers: headersToStrings(message.headers),
                }),
              });
              if (found.length >= wanted) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    found.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    return found.map((f) => f.letter);
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
