import { deadLetterTopic, type MessageDef } from '@huiying/contracts';
import type { EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { retryDelayMs, runAttempts, untilSettledOrAbandoned, type Verdict } from '../attempts';
import { deadLetterHeaders, headersToStrings } from '../dead-letter';
import { decodeEnvelope } from '../envelope-codec';
import { explainKafkaError } from './kafka-errors';
import type { Delivery, Subscription, SubscriptionHandle } from '../port';

export interface KafkaSubscriptionContext {
  kafka: Kafka;
  producer: () => Promise<Producer>;
  logger: Logger;
  shutdownTimeoutMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  commitIntervalMs: number;
  maxWaitTimeMs: number;
  joinTimeoutMs: number;
  now: () => Date;
}

/**
 * One consumer group member. Offsets are committed only for messages that were settled (handled,
 * dropped or dead-lettered); anything still running when the member stops stays uncommitted and
 * goes to the next member of the group.
 */
export async function startKafkaSubscription(
  ctx: KafkaSubscriptionContext,
  subscription: Subscription,
): Promise<SubscriptionHandle> {
  const { group } = subscription;
  const logger = ctx.logger.child({ group });
  const maxAttempts = subscription.maxAttempts ?? 5;
  const retryBaseMs = subscription.retryBaseMs ?? 200;
  const defsByTopic = new Map<string, MessageDef<string, any>[]>();
  for (const def of subscription.messages) {
    defsByTopic.set(def.topic, [...(defsByTopic.get(def.topic) ?? []), def]);
  }
  if (defsByTopic.size === 0) throw new Error(`subscription ${group} names no messages`);

  const batchHandler = subscription.batchHandler;
  const maxBatchSize = Math.max(1, subscription.maxBatchSize ?? 500);
  const acrossPartitions = subscription.runsAcrossPartitions === true && batchHandler !== undefined;
  // Across partitions, one handler call at a time: the partitions' runs meet in `gather`.
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    if (!acrossPartitions) return fn();
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
  const handler = acrossPartitions ? (delivery: Delivery) => serially(() => subscription.handler(delivery)) : subscription.handler;
  const gather = acrossPartitions && batchHandler ? createRunGatherer(batchHandler, maxBatchSize, serially) : undefined;

  let stopping = false;
  const abandonment = new AbortController();
  const abandoned = abandonment.signal;
  const abandon = () => abandonment.abort();
  const sleepers = new Set<() => void>();

  /** Sleeps unless stopping; false when a stop cut it short (the message is then left uncommitted). */
  const wait = (ms: number, heartbeat: () => Promise<void>): Promise<boolean> =>
    new Promise((resolve) => {
      if (stopping) return resolve(false);
      // Heartbeat through long backoffs, or the coordinator takes the member for dead.
      const beat = setInterval(() => heartbeat().catch(() => undefined), ctx.heartbeatIntervalMs);
      const done = (slept: boolean) => {
        clearTimeout(timer);
        clearInterval(beat);
        sleepers.delete(wake);
        resolve(slept);
      };
      const timer = setTimeout(() => done(true), ms);
      const wake = () => done(false);
      sleepers.add(wake);
    });

  const consumer = ctx.kafka.consumer({
    groupId: group,
    sessionTimeout: ctx.sessionTimeoutMs,
    heartbeatInterval: ctx.heartbeatIntervalMs,
    maxWaitTimeInMs: ctx.maxWaitTimeMs,
    allowAutoTopicCreation: false,
  });

  async function sendDeadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    attempts: number,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const headers = deadLetterHeaders(headersToStrings(message.headers), {
      originalTopic: topic,
      originalPartition: partition,
      originalOffset: message.offset,
      group,
      reason,
      attempts,
      failedAt: ctx.now(),
    });
    // Losing a dead letter loses the message: keep trying until it is stored or we are stopping.
    for (let attempt = 1; ; attempt++) {
      try {
        const producer = await ctx.producer();
        await producer.send({
          topic: deadLetterTopic(topic),
          acks: -1,
          messages: [{ key: message.key, value: message.value, headers }],
        });
        logger.warn({ topic, partition, offset: message.offset, reason, attempts }, 'message dead-lettered');
        return true;
      } catch (error) {
        logger.error({ err: error, topic, partition, offset: message.offset, attempt }, 'dead-letter publish failed');
        if (!(await wait(retryDelayMs(attempt, 500, 10_000), heartbeat))) return false;
      }
    }
  }

  /** Settles one message; false when it was abandoned and must stay uncommitted. */
  async function settle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    onHeartbeatFailure: (error: unknown) => void,
  ): Promise<boolean> {
    const decoded = decodeEnvelope(message.value, defsByTopic.get(topic) ?? []);
    let verdict: Verdict;
    if (!decoded.ok) {
      // Bad bytes stay bad: no retry, straight to the dead-letter topic.
      verdict = { kind: 'dead-letter', reason: decoded.reason, attempts: 0 };
    } else {
      // kafkajs heartbeats only when asked; a long handler would otherwise lose the member.
      const beat = setInterval(() => heartbeat().catch(onHeartbeatFailure), ctx.heartbeatIntervalMs);
      try {
        verdict = await runAttempts({
          handler,
          delivery: (attempt) => ({
            envelope: decoded.envelope,
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            attempt,
          }),
          maxAttempts,
          retryBaseMs,
          wait: (ms) => wait(ms, heartbeat),
          abandoned,
          logger,
        });
      } finally {
        clearInterval(beat);
      }
    }
    switch (verdict.kind) {
      case 'ok':
        return true;
      case 'drop':
        logger.info({ topic, partition, offset: message.offset, reason: verdict.reason }, 'message dropped');
        return true;
      case 'abandoned':
        logger.warn({ topic, partition, offset: message.offset }, 'stopped before the message was settled; left for redelivery');
        return false;
      case 'dead-letter':
        return sendDeadLetter(topic, partition, message, verdict.reason, verdict.attempts, heartbeat);
    }
  }

  /**
   * Hands a run of messages to the batch handler. True when it settled them all; false when it
   * threw or was abandoned (then nothing of the run is settled and the caller decides).
   */
  async function settleRun(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    heartbeat: () => Promise<void>,
    onHeartbeatFailure: (error: unknown) => void,
  ): Promise<'settled' | 'failed' | 'abandoned'> {
    if (!batchHandler) return 'failed';
    const deliveries: Delivery[] = [];
    for (const message of messages) {
      const decoded = decodeEnvelope(message.value, defsByTopic.get(topic) ?? []);
      // A message with bad bytes is dead-lettered one by one, in its place.
      if (!decoded.ok) return 'failed';
      deliveries.push({ envelope: decoded.envelope, topic, partition, offset: message.offset, key: message.key?.toString() ?? null, attempt: 1 });
    }
    const beat = setInterval(() => heartbeat().catch(onHeartbeatFailure), ctx.heartbeatIntervalMs);
    try {
      const running = Promise.resolve().then(() => (gather ? gather(deliveries) : batchHandler(deliveries)));
      running.catch(() => undefined);
      const settled = await untilSettledOrAbandoned(running, abandoned);
      return settled.done ? 'settled' : 'abandoned';
    } catch (error) {
      logger.warn({ err: error, topic, partition, messages: messages.length }, 'batch handler failed; handling the run one message at a time');
      return 'failed';
    } finally {
      clearInterval(beat);
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale } =
      payload;
    let rebalancing = false;
    let lastCommit = Date.now();
    const commit = async () => {
      const offsets = uncommittedOffsets();
      if (offsets.topics.length > 0) await commitOffsetsIfNecessary(offsets);
      lastCommit = Date.now();
    };
    const onHeartbeatFailure = (error: unknown) => {
      rebalancing = true;
      logger.warn({ err: error }, 'heartbeat failed during a handler; ending the batch early');
    };
    try {
      if (batchHandler) {
        for (let start = 0; start < batch.messages.length; start += maxBatchSize) {
          if (stopping || rebalancing || !isRunning() || isStale()) return;
          const run = batch.messages.slice(start, start + maxBatchSize);
          const outcome = await settleRun(batch.topic, batch.partition, run, heartbeat, onHeartbeatFailure);
          if (outcome === 'abandoned') return;
          if (outcome === 'settled') {
            resolveOffset(run[run.length - 1]!.offset);
          } else {
            for (const message of run) {
              if (stopping || rebalancing || !isRunning() || isStale()) return;
              if (!(await settle(batch.topic, batch.partition, message, heartbeat, onHeartbeatFailure))) return;
              resolveOffset(message.offset);
            }
          }
          if (Date.now() - lastCommit >= ctx.commitIntervalMs) await commit();
          if (!stopping) await heartbeat();
        }
        return;
      }
      for (const message of batch.messages) {
        if (stopping || rebalancing || !isRunning() || isStale()) break;
        const settled = await settle(batch.topic, batch.partition, message, heartbeat, onHeartbeatFailure);
        if (!settled) break;
        resolveOffset(message.offset);
        if (Date.now() - lastCommit >= ctx.commitIntervalMs) await commit();
        if (!stopping) await heartbeat();
      }
    } finally {
      // Commit what was settled even when the batch ends early (stop, rebalance).
      await commit().catch((error: unknown) =>
        logger.warn({ err: error, topic: batch.topic, partition: batch.partition }, 'commit failed; settled messages may be redelivered'),
      );
    }
  }

  await consumer.connect();
  const joined = new Promise<void>((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
  });
  try {
    await consumer.subscribe({ topics: [...defsByTopic.keys()], fromBeginning: subscription.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: subscription.partitionsConsumedConcurrently ?? (acrossPartitions ? 16 : 1),
      eachBatch,
    });
    await withTimeout(joined, ctx.joinTimeoutMs, `consumer group ${group} did not join within ${ctx.joinTimeoutMs} ms`);
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw explainKafkaError(error, [...defsByTopic.keys()]);
  }
  logger.debug({ topics: [...defsByTopic.keys()] }, 'subscribed');

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const wake of [...sleepers]) wake();
        // A handler stuck past the shutdown timeout is abandoned (uncommitted) so the process can exit.
        const timer = setTimeout(abandon, ctx.shutdownTimeoutMs);
        try {
          await consumer.disconnect();
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopped;
    },
  };
}

/**
 * Collects the runs that partitions handled at once submit within one turn of the event loop (the
 * batches of one fetch arrive together) and hands them to the batch handler as one run of at most
 * `maxBatchSize`, one call at a time. Each submitter learns its run's fate: resolved, or the error.
 */
function createRunGatherer(
  batchHandler: (deliveries: ReadonlyArray<Delivery>) => Promise<void>,
  maxBatchSize: number,
  serially: <T>(fn: () => Promise<T>) => Promise<T>,
): (deliveries: Delivery[]) => Promise<void> {
  interface Submitted {
    deliveries: Delivery[];
    resolve: () => void;
    reject: (error: unknown) => void;
  }
  let waiting: Submitted[] = [];
  const flush = () => {
    const submitted = waiting;
    waiting = [];
    const groups: Submitted[][] = [];
    let size = Infinity;
    for (const s of submitted) {
      if (size + s.deliveries.length > maxBatchSize) {
        groups.push([]);
        size = 0;
      }
      groups[groups.length - 1]!.push(s);
      size += s.deliveries.length;
    }
    for (const group of groups) {
      serially(() => batchHandler(group.flatMap((s) => s.deliveries))).then(
        () => group.forEach((s) => s.resolve()),
        (error: unknown) => group.forEach((s) => s.reject(error)),
      );
    }
  };
  return (deliveries) =>
    new Promise<void>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ deliveries, resolve, reject });
    });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
