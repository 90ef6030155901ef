import { deadLetterTopic, TopicSpecs, type MessageDef } from '@huiying/contracts';
import type { Logger } from 'pino';
import { runAttempts, untilSettledOrAbandoned, type Verdict } from '../attempts';
import { deadLetterHeaders, parseDeadLetter, rejectedInputHeaders } from '../dead-letter';
import { buildEnvelope, decodeEnvelope, encodeEnvelope } from '../envelope-codec';
import {
  TraceIdHeader,
  type Bus,
  type DeadLetter,
  type Delivery,
  type PublishOptions,
  type Subscription,
  type SubscriptionHandle,
} from '../port';
import { partitionForKey } from './partition';

export interface MemoryBusOptions {
  /** The `producer` of every envelope published. */
  service: string;
  logger: Logger;
  /** Partition count of a topic; default: its TopicSpec, else 3. */
  partitions?: (topic: string) => number;
  /** How long `close()` waits for running handlers before abandoning them. Default 30 s. */
  shutdownTimeoutMs?: number;
  now?: () => Date;
}

export interface RawMessage {
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

export interface MemoryBus extends Bus {
  /** Appends bytes as they are, unchecked: replays a dead letter, or feeds a test bad input. */
  publishRaw(topic: string, message: RawMessage): void;
  /** Dead letters of one input topic (all topics when absent), in arrival order. */
  deadLetters(inputTopic?: string): DeadLetter[];
  /** Resolves once every group has settled everything published so far. */
  idle(): Promise<void>;
}

interface StoredMessage {
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

interface Member {
  subscription: Subscription;
  defsByTopic: Map<string, MessageDef<string, any>[]>;
  stopping: boolean;
  inFlight: Set<Promise<boolean>>;
  sleepers: Set<() => void>;
  abandoned: AbortSignal;
  abandon: () => void;
}

/** One partition as seen by one group: its committed offset and the loop that advances it. */
interface Cursor {
  topic: string;
  partition: number;
  committed: number;
  wake: (() => void) | undefined;
}

interface Group {
  members: Member[];
  cursors: Map<string, Cursor>;
}

/**
 * The single-process adapter for the embedded mode and for tests of services: same semantics as
 * Kafka where they matter — keyed partitions keep per-key order, groups share partitions, bytes
 * are validated on arrival, failures retry then dead-letter, unsettled messages are redelivered.
 * Nothing survives the process.
 */
export function createMemoryBus(options: MemoryBusOptions): MemoryBus {
  const logger = options.logger.child({ component: 'bus', adapter: 'memory' });
  const now = options.now ?? (() => new Date());
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
  const specPartitions = new Map(TopicSpecs.map((s) => [s.name, s.partitions]));
  const partitionsOf = options.partitions ?? ((topic: string) => specPartitions.get(topic) ?? 3);

  const logs = new Map<string, StoredMessage[][]>();
  const groups = new Map<string, Group>();
  const roundRobin = new Map<string, number>();
  let closed = false;

  function logOf(topic: string): StoredMessage[][] {
    let log = logs.get(topic);
    if (!log) {
      log = Array.from({ length: Math.max(1, partitionsOf(topic)) }, () => []);
      logs.set(topic, log);
    }
    return log;
  }

  function wakeAll(topic?: string) {
    for (const group of groups.values()) {
      for (const cursor of group.cursors.values()) {
        if (topic === undefined || cursor.topic === topic) cursor.wake?.();
      }
    }
  }

  function append(topic: string, message: RawMessage): void {
    if (closed) throw new Error('bus is closed');
    const log = logOf(topic);
    let partition: number;
    if (message.key === null) {
      // Like Kafka's partitioner: no key, no order promise; spread the messages.
      partition = (roundRobin.get(topic) ?? 0) % log.length;
      roundRobin.set(topic, partition + 1);
    } else {
      partition = partitionForKey(message.key, log.length);
    }
    const messages = log[partition]!;
    messages.push({ offset: messages.length, key: message.key, value: message.value, headers: { ...message.headers } });
    wakeAll(topic);
  }

  function wait(member: Member, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (member.stopping) return resolve(false);
      const done = (slept: boolean) => {
        clearTimeout(timer);
        member.sleepers.delete(wake);
        resolve(slept);
      };
      const timer = setTimeout(() => done(true), ms);
      const wake = () => done(false);
      member.sleepers.add(wake);
    });
  }

  /** Settles one message with one member; false when abandoned (left for another member). */
  async function settle(member: Member, group: string, cursor: Cursor, message: StoredMessage): Promise<boolean> {
    const { topic, partition } = cursor;
    const subscription = member.subscription;
    const decoded = decodeEnvelope(message.value, member.defsByTopic.get(topic) ?? []);
    const verdict: Verdict = !decoded.ok
      ? { kind: 'dead-letter', reason: decoded.reason, attempts: 0 }
      : await runAttempts({
          handler: subscription.handler,
          delivery: (attempt) => ({
            envelope: decoded.envelope,
            topic,
            partition,
            offset: String(message.offset),
            key: message.key,
            attempt,
          }),
          maxAttempts: subscription.maxAttempts ?? 5,
          retryBaseMs: subscription.retryBaseMs ?? 200,
          wait: (ms) => wait(member, ms),
          abandoned: member.abandoned,
          logger,
        });
    switch (verdict.kind) {
      case 'ok':
        return true;
      case 'drop':
        logger.info({ topic, partition, offset: message.offset, group, reason: verdict.reason }, 'message dropped');
        return true;
      case 'abandoned':
        return false;
      case 'dead-letter': {
        const log = logOf(deadLetterTopic(topic));
        // One partition per dead-letter topic, as in TopicSpecs: arrival order is the story.
        log[0]!.push({
          offset: log[0]!.length,
          key: message.key,
          value: message.value,
          headers: deadLetterHeaders(message.headers, {
            originalTopic: topic,
            originalPartition: partition,
            originalOffset: String(message.offset),
            group,
            reason: verdict.reason,
            attempts: verdict.attempts,
            failedAt: now(),
          }),
        });
        logger.warn({ topic, partition, offset: message.offset, group, reason: verdict.reason }, 'message dead-lettered');
        wakeAll(deadLetterTopic(topic));
        return true;
      }
    }
  }

  /**
   * Hands a run of messages to the member's batch handler: the number settled, the whole run or
   * none. With none, the run goes through `settle` one message at a time, as on Kafka.
   */
  async function settleRun(member: Member, group: string, cursor: Cursor, run: readonly StoredMessage[]): Promise<number> {
    const { topic, partition } = cursor;
    const batchHandler = member.subscription.batchHandler!;
    const deliveries: Delivery[] = [];
    let decodable = true;
    for (const message of run) {
      const decoded = decodeEnvelope(message.value, member.defsByTopic.get(topic) ?? []);
      if (!decoded.ok) {
        decodable = false;
        break;
      }
      deliveries.push({ envelope: decoded.envelope, topic, partition, offset: String(message.offset), key: message.key, attempt: 1 });
    }
    if (decodable) {
      try {
        const running = Promise.resolve().then(() => batchHandler(deliveries));
        running.catch(() => undefined);
        const settled = (await untilSettledOrAbandoned(running, member.abandoned)).done;
        if (!settled) return 0;
        return run.length;
      } catch (error) {
        logger.warn({ err: error, topic, partition, group, messages: run.length }, 'batch handler failed; handling the run one message at a time');
      }
    }
    let settled = 0;
    for (const message of run) {
      if (!(await settle(member, group, cursor, message))) break;
      settled++;
      // Commit as we go: a stop midway must not redeliver what was settled.
      cursor.committed++;
    }
    return -settled;
  }

  /** Advances one partition for one group, one message at a time: that is what keeps key order. */
  async function pump(groupName: string, group: Group, cursor: Cursor): Promise<void> {
    while (!closed) {
      const messages = logOf(cursor.topic)[cursor.partition]!;
      const members = group.members.filter((m) => !m.stopping && m.defsByTopic.has(cursor.topic));
      const message = messages[cursor.committed];
      if (!message || members.length === 0) {
        await new Promise<void>((resolve) => (cursor.wake = resolve));
        cursor.wake = undefined;
        continue;
      }
      // Partitions are spread over the members like Kafka's assignor would: each member owns some.
      const member = members[cursor.partition % members.length]!;
      if (member.subscription.batchHandler) {
        const run = messages.slice(cursor.committed, cursor.committed + Math.max(1, member.subscription.maxBatchSize ?? 500));
        const settlingRun = settleRun(member, groupName, cursor, run).catch((error: unknown) => {
          logger.error({ err: error, topic: cursor.topic, partition: cursor.partition }, 'settling failed; will redeliver');
          return 0;
        });
        const tracked = settlingRun.then((n) => n !== 0);
        member.inFlight.add(tracked);
        const settled = await settlingRun;
        member.inFlight.delete(tracked);
        // Positive: the batch handler settled the run; negative: that many were settled one by one
        // (already committed); zero: nothing, try again shortly.
        if (settled > 0) cursor.committed += settled;
        else if (settled === 0 || -settled < run.length) await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const settling = settle(member, groupName, cursor, message).catch((error: unknown) => {
        logger.error({ err: error, topic: cursor.topic, partition: cursor.partition }, 'settling failed; will redeliver');
        return false;
      });
      member.inFlight.add(settling);
      const settled = await settling;
      member.inFlight.delete(settling);
      if (settled) cursor.committed++;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  function join(groupName: string, member: Member) {
    let group = groups.get(groupName);
    if (!group) {
      group = { members: [], cursors: new Map() };
      groups.set(groupName, group);
    }
    group.members.push(member);
    for (const topic of member.defsByTopic.keys()) {
      const partitions = logOf(topic).length;
      for (let partition = 0; partition < partitions; partition++) {
        const id = `${topic}#${partition}`;
        if (group.cursors.has(id)) continue;
        // A new group starts at the end when it asked not to read history, like Kafka's `latest`.
        const committed = member.subscription.fromBeginning === false ? logOf(topic)[partition]!.length : 0;
        const cursor: Cursor = { topic, partition, committed, wake: undefined };
        group.cursors.set(id, cursor);
        void pump(groupName, group, cursor);
      }
    }
    wakeAll();
  }

  const members = new Set<{ stop(): Promise<void> }>();

  const bus: MemoryBus = {
    async publish<P>(def: MessageDef<string, any>, payload: P, publishOptions: PublishOptions) {
      const envelope = buildEnvelope(def, payload, publishOptions, options.service, now());
      append(def.topic, {
        key: publishOptions.key,
        value: encodeEnvelope(envelope),
        headers: { [TraceIdHeader]: envelope.traceId },
      });
      return envelope;
    },

    async publishBatch<P>(def: MessageDef<string, any>, items: ReadonlyArray<{ payload: P; options: PublishOptions }>) {
      const at = now();
      // Validate all first: a batch is stored whole or not at all.
      const envelopes = items.map((item) => buildEnvelope(def, item.payload, item.options, options.service, at));
      envelopes.forEach((envelope, i) =>
        append(def.topic, {
          key: items[i]!.options.key,
          value: encodeEnvelope(envelope),
          headers: { [TraceIdHeader]: envelope.traceId },
        }),
      );
      return envelopes;
    },

    publishRaw(topic, message) {
      append(topic, message);
    },

    async publishDeadLetters(def, letters) {
      const at = now();
      for (const letter of letters) {
        append(deadLetterTopic(def.topic), { key: letter.key, value: letter.value, headers: rejectedInputHeaders(letter, def.topic, at) });
      }
    },

    async subscribe(subscription: Subscription): Promise<SubscriptionHandle> {
      if (closed) throw new Error('bus is closed');
      const defsByTopic = new Map<string, MessageDef<string, any>[]>();
      for (const def of subscription.messages) {
        defsByTopic.set(def.topic, [...(defsByTopic.get(def.topic) ?? []), def]);
      }
      if (defsByTopic.size === 0) throw new Error(`subscription ${subscription.group} names no messages`);
      const abandonment = new AbortController();
      const abandoned = abandonment.signal;
      const abandon = () => abandonment.abort();
      const member: Member = {
        subscription,
        defsByTopic,
        stopping: false,
        inFlight: new Set(),
        sleepers: new Set(),
        abandoned,
        abandon,
      };
      join(subscription.group, member);
      let stopped: Promise<void> | undefined;
      const handle = {
        stop() {
          stopped ??= (async () => {
            member.stopping = true;
            for (const wakeSleeper of [...member.sleepers]) wakeSleeper();
            const timer = setTimeout(member.abandon, shutdownTimeoutMs);
            try {
              await Promise.allSettled([...member.inFlight]);
            } finally {
              clearTimeout(timer);
            }
            const group = groups.get(subscription.group);
            if (group) group.members = group.members.filter((m) => m !== member);
            members.delete(handle);
            // Its partitions go to the remaining members.
            wakeAll();
          })();
          return stopped;
        },
      };
      members.add(handle);
      return handle;
    },

    deadLetters(inputTopic) {
      const topics = inputTopic ? [deadLetterTopic(inputTopic)] : [...logs.keys()].filter((t) => t.endsWith('.dlq'));
      return topics.flatMap((topic) =>
        (logs.get(topic) ?? []).flat().map((m) => parseDeadLetter({ key: m.key, value: m.value, headers: m.headers })),
      );
    },

    async idle() {
      const busy = () =>
        [...groups.values()].some(
          (group) =>
            group.members.some((m) => m.inFlight.size > 0) ||
            [...group.cursors.values()].some(
              (c) =>
                group.members.some((m) => !m.stopping && m.defsByTopic.has(c.topic)) &&
                c.committed < logOf(c.topic)[c.partition]!.length,
            ),
        );
      while (busy()) await new Promise((resolve) => setTimeout(resolve, 2));
    },

    close() {
      return (async () => {
        await Promise.allSettled([...members].map((m) => m.stop()));
        closed = true;
        wakeAll();
      })();
    },
  };
  return bus;
}
