import { randomUUID } from 'node:crypto';
import { deadLetterTopic } from '@huiying/contracts';
import { Kafka, Partitioners, type Admin } from 'kafkajs';
import pino from 'pino';
import { TraceIdHeader, type Bus, type Delivery } from '../port';
import { eventually, sleep, testMessage } from '../test-support/test-messages';
import { readDeadLetters } from './dead-letters';
import { createKafkaBus, type KafkaBusOptions } from './kafka-bus';
import { MissingTopicError } from './kafka-errors';
import { createKafkaAdmin, ensureTopics } from './topics-admin';

// Needs the broker of `bash infra/kafka/kafka.sh start` (npm test makes sure of it).
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
// The projects' testTimeout in jest.config.js does not reach a test run (jest reads it globally).
jest.setTimeout(60_000);

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let admin: Admin;
const topics: string[] = [];
const groups: string[] = [];
const buses: Bus[] = [];

beforeAll(async () => {
  admin = createKafkaAdmin({ brokers, logger });
  await admin.connect();
});

afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((bus) => bus.close()));
  if (groups.length > 0) await admin.deleteGroups(groups.splice(0)).catch(() => undefined);
  if (topics.length > 0) await admin.deleteTopics({ topics: topics.splice(0) });
});

afterAll(async () => {
  await admin.disconnect();
});

/** A fresh topic (and its dead-letter topic) for one test, deleted after it. */
async function freshTopic(partitions = 1) {
  const def = testMessage(`test.bus.${randomUUID()}`);
  const specs = [
    { name: def.topic, partitions, retentionMs: 3_600_000 },
    { name: deadLetterTopic(def.topic), partitions: 1, retentionMs: 3_600_000 },
  ];
  await ensureTopics(admin, specs, logger);
  topics.push(...specs.map((s) => s.name));
  return def;
}

function freshGroup() {
  const group = `test-group-${randomUUID()}`;
  groups.push(group);
  return group;
}

function newBus(options: Partial<KafkaBusOptions> = {}) {
  const bus = createKafkaBus({
    brokers,
    service: 'bus-test',
    logger,
    shutdownTimeoutMs: 2_000,
    heartbeatIntervalMs: 500,
    sessionTimeoutMs: 10_000,
    ...options,
  });
  buses.push(bus);
  return bus;
}

async function committedOffset(group: string, topic: string): Promise<string | undefined> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return entry?.partitions.find((p) => p.partition === 0)?.offset;
}

describe('kafka bus', () => {
  it('delivers a published message with its envelope, acknowledged by the broker', async () => {
    const def = await freshTopic();
    const bus = newBus();
    const seen: Delivery[] = [];
    await bus.subscribe({ group: freshGroup(), messages: [def], handler: async (d) => void seen.push(d) });
    const sent = await bus.publish(def, { key: 'a', n: 1 }, { key: 'post-1', traceId: 'trace-rt' });
    await eventually(() => seen.length === 1, 20_000, 'message not delivered');
    expect(seen[0]).toMatchObject({ topic: def.topic, partition: 0, offset: '0', key: 'post-1', attempt: 1 });
    expect(seen[0]!.envelope).toEqual(sent);
    expect(sent).toMatchObject({ producer: 'bus-test', traceId: 'trace-rt', type: 'test.counted', version: 1 });
  });

  it('refuses to subscribe to a topic that does not exist, naming it', async () => {
    const bus = newBus();
    const def = testMessage(`test.missing.${randomUUID()}`);
    const subscribing = bus.subscribe({ group: freshGroup(), messages: [def], handler: async () => undefined });
    await expect(subscribing).rejects.toBeInstanceOf(MissingTopicError);
    await expect(subscribing).rejects.toThrow(`topic(s) ${def.topic} do not exist`);
  });

  it('keeps the order of each key across partitions consumed concurrently', async () => {
    const def = await freshTopic(3);
    const bus = newBus();
    const seen = new Map<string, number[]>();
    await bus.subscribe({
      group: freshGroup(),
      messages: [def],
      partitionsConsumedConcurrently: 3,
      handler: async ({ envelope }) => {
        await sleep(envelope.payload.n % 3);
        seen.set(envelope.payload.key, [...(seen.get(envelope.payload.key) ?? []), envelope.payload.n]);
      },
    });
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    for (let n = 0; n < 30; n++) {
      await bus.publishBatch(def, keys.map((key) => ({ payload: { key, n }, options: { key } })));
    }
    await eventually(() => [...seen.values()].reduce((s, v) => s + v.length, 0) >= 150, 30_000, 'not all delivered');
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 30 }, (_, n) => n));
  });

  it('handles the partitions of a subscription side by side when the bus is told to', async () => {
    const def = await freshTopic(2);
    const bus = newBus({ partitionsConsumedConcurrently: 2 });
    // Both partitions hold messages before the group joins, so one fetch brings both.
    await bus.publishBatch(
      def,
      Array.from({ length: 8 }, (_, n) => ({ payload: { key: `k${n}`, n }, options: { key: `k${n}` } })),
    );
    const running = new Set<number>();
    const partitions = new Set<number>();
    let overlapped = false;
    let handled = 0;
    await bus.subscribe({
      group: freshGroup(),
      messages: [def],
      handler: async ({ partition }) => {
        running.add(partition);
        partitions.add(partition);
        // Holds its partition a while, waiting for the other one's handler to run meanwhile;
        // handled one partition at a time, that never happens.
        for (let waited = 0; running.size < 2 && waited < 2_000; waited += 20) await sleep(20);
        if (running.size === 2) overlapped = true;
        running.delete(partition);
        handled++;
      },
    });
    await eventually(() => handled === 8, 40_000, 'not all handled');
    expect(partitions.size).toBe(2);
    expect(overlapped).toBe(true);
  });

  it('dead-letters bad bytes at once with reason and original bytes, and goes on', async () => {
    const def = await freshTopic();
    const bus = newBus();
    const handled: number[] = [];
    let calls = 0;
    await bus.subscribe({
      group: freshGroup(),
      messages: [def],
      handler: async ({ envelope }) => {
        calls++;
        handled.push(envelope.payload.n);
      },
    });
    const notJson = Buffer.from('{"type":"test.counted",');
    const badSchema = Buffer.from(JSON.stringify({ type: 'test.counted', version: 1, payload: { key: 'a', n: 'x' } }));
    const raw = new Kafka({ clientId: 'raw', brokers, logLevel: 0 }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await raw.connect();
    try {
      await raw.send({
        topic: def.topic,
        acks: -1,
        messages: [
          { key: 'a', value: notJson, headers: { [TraceIdHeader]: 'trace-bad-1' } },
          { key: 'a', value: badSchema },
        ],
      });
    } finally {
      await raw.disconnect();
    }
    await bus.publish(def, { key: 'a', n: 3 }, { key: 'a' });
    await eventually(() => handled.length === 1, 20_000, 'good message after bad ones not handled');
    expect(handled).toEqual([3]);
    expect(calls).toBe(1);

    const letters = await readDeadLetters({ brokers, logger, topic: deadLetterTopic(def.topic), atLeast: 2 });
    expect(letters).toHaveLength(2);
    expect(letters[0]!.value.equals(notJson)).toBe(true);
    expect(letters[0]!.reason).toMatch(/^not JSON: /);
    expect(letters[0]).toMatchObject({ originalTopic: def.topic, originalOffset: '0', originalPartition: 0, attempts: 0, key: 'a' });
    expect(letters[0]!.headers[TraceIdHeader]).toBe('trace-bad-1');
    expect(letters[1]!.value.equals(badSchema)).toBe(true);
    expect(letters[1]!.reason).toMatch(/^schema test\.counted v1: /);
    expect(letters[1]!.originalOffset).toBe('1');
  });

  it('retries a failing handler, then dead-letters it and handles the next message', async () => {
    const def = await freshTopic();
    const bus = newBus();
    const group = freshGroup();
    const attempts: number[] = [];
    const handled: number[] = [];
    await bus.subscribe({
      group,
      messages: [def],
      maxAttempts: 3,
      retryBaseMs: 50,
      handler: async ({ envelope, attempt }) => {
        if (envelope.payload.n === 1) {
          attempts.push(attempt);
          throw new Error('classifier exploded');
        }
        handled.push(envelope.payload.n);
      },
    });
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a', traceId: 'trace-fail' });
    await bus.publish(def, { key: 'a', n: 2 }, { key: 'a' });
    await eventually(() => handled.length === 1, 20_000, 'next message not handled');
    expect(attempts).toEqual([1, 2, 3]);
    const [letter] = await readDeadLetters({ brokers, logger, topic: deadLetterTopic(def.topic), atLeast: 1 });
    expect(letter).toMatchObject({ reason: 'failed 3 attempts: classifier exploded', attempts: 3, group, originalOffset: '0' });
    expect(JSON.parse(letter!.value.toString())).toMatchObject({ traceId: 'trace-fail', payload: { n: 1 } });
    expect(letter!.headers[TraceIdHeader]).toBe('trace-fail');
  });

  it('commits only settled messages: one stuck when its member stops goes to the next member', async () => {
    const def = await freshTopic();
    const group = freshGroup();
    const first = newBus({ shutdownTimeoutMs: 500 });
    const firstSaw: number[] = [];
    const handle = await first.subscribe({
      group,
      messages: [def],
      handler: async ({ envelope }) => {
        firstSaw.push(envelope.payload.n);
        // The second message never finishes: like a process killed mid-handler.
        if (envelope.payload.n === 2) await new Promise(() => undefined);
      },
    });
    await first.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    await first.publish(def, { key: 'a', n: 2 }, { key: 'a' });
    await eventually(() => firstSaw.length === 2, 20_000, 'first member did not start message 2');
    await handle.stop();
    expect(await committedOffset(group, def.topic)).toBe('1');

    const second = newBus();
    const secondSaw: number[] = [];
    await second.subscribe({ group, messages: [def], handler: async ({ envelope }) => void secondSaw.push(envelope.payload.n) });
    await eventually(() => secondSaw.length === 1, 20_000, 'stuck message not redelivered');
    expect(secondSaw).toEqual([2]);
    await eventually(() => secondSaw.length > 1, 1_000, 'no more').catch(() => undefined);
    expect(secondSaw).toEqual([2]);
  });

  it('waits in close() for a running handler, then commits it', async () => {
    const def = await freshTopic();
    const group = freshGroup();
    const bus = newBus({ shutdownTimeoutMs: 10_000 });
    let started = false;
    let finished = false;
    await bus.subscribe({
      group,
      messages: [def],
      handler: async () => {
        started = true;
        await sleep(1_500);
        finished = true;
      },
    });
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    await eventually(() => started, 20_000, 'handler never started');
    await bus.close();
    expect(finished).toBe(true);
    expect(await committedOffset(group, def.topic)).toBe('1');
  });
  it('keeps its group membership through a handler and a backoff longer than the session timeout', async () => {
    const def = await freshTopic();
    const group = freshGroup();
    // 6 s is the broker's smallest allowed session timeout; the handler plus backoff take ~12 s.
    const bus = newBus({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 });
    const attempts: Array<[number, number]> = [];
    await bus.subscribe({
      group,
      messages: [def],
      maxAttempts: 2,
      retryBaseMs: 6_500,
      handler: async ({ envelope, attempt }) => {
        attempts.push([envelope.payload.n, attempt]);
        if (envelope.payload.n === 1 && attempt === 1) {
          await sleep(6_500);
          throw new Error('slow and failing');
        }
      },
    });
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    await bus.publish(def, { key: 'a', n: 2 }, { key: 'a' });
    await eventually(() => attempts.some(([n]) => n === 2), 40_000, 'second message not handled');
    await bus.close();
    // A member kicked out mid-way would have seen message 1 again from attempt 1.
    expect(attempts).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    expect(await committedOffset(group, def.topic)).toBe('2');
  });
});

describe('ensureTopics', () => {
  it('creates, then leaves alone, then grows partitions and sets retention', async () => {
    const name = `test.topics.${randomUUID()}`;
    topics.push(name);
    const spec = { name, partitions: 2, retentionMs: 3_600_000 };
    expect(await ensureTopics(admin, [spec], logger)).toMatchObject({ created: [name] });
    expect(await ensureTopics(admin, [spec], logger)).toMatchObject({ created: [], unchanged: [name] });
    const changed = { name, partitions: 4, retentionMs: 7_200_000 };
    expect(await ensureTopics(admin, [changed], logger)).toMatchObject({ grown: [name], retentionSet: [name] });
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    expect(metadata.topics[0]!.partitions).toHaveLength(4);
    expect(await ensureTopics(admin, [changed], logger)).toMatchObject({ unchanged: [name] });
  });
});

describe('kafka bus batch handler', () => {
  it('hands runs of one partition in order, commits them, and falls back to the handler for a poison run', async () => {
    const def = await freshTopic(2);
    const group = freshGroup();
    const bus = newBus();
    const seen = new Map<string, number[]>();
    const runSizes: number[] = [];
    const record = (key: string, n: number) => seen.set(key, [...(seen.get(key) ?? []), n]);
    await bus.subscribe({
      group,
      messages: [def],
      maxBatchSize: 50,
      retryBaseMs: 10,
      maxAttempts: 2,
      batchHandler: async (deliveries) => {
        expect(new Set(deliveries.map((d) => d.partition)).size).toBe(1);
        if (deliveries.some((d) => d.envelope.payload.n === 13)) throw new Error('13 is poison');
        runSizes.push(deliveries.length);
        for (const d of deliveries) record(d.envelope.payload.key, d.envelope.payload.n);
      },
      handler: async ({ envelope }) => {
        if (envelope.payload.n === 13) throw new Error('13 is poison');
        record(envelope.payload.key, envelope.payload.n);
      },
    });
    const keys = ['a', 'b', 'c', 'd'];
    await bus.publishBatch(
      def,
      Array.from({ length: 100 }, (_, n) => ({ payload: { key: keys[n % 4]!, n }, options: { key: keys[n % 4]! } })),
    );
    await eventually(() => [...seen.values()].reduce((a, l) => a + l.length, 0) === 99, 30_000, 'all but the poison message handled');
    for (const key of keys) {
      const expected = Array.from({ length: 100 }, (_, n) => n).filter((n) => keys[n % 4] === key && n !== 13);
      expect(seen.get(key)).toEqual(expected);
    }
    expect(Math.max(...runSizes)).toBeGreaterThan(1);
    expect(Math.max(...runSizes)).toBeLessThanOrEqual(50);
    const letters = await readDeadLetters({ brokers, logger, topic: deadLetterTopic(def.topic), atLeast: 1 });
    expect(letters).toHaveLength(1);
    expect(letters[0]!.reason).toMatch(/13 is poison/);
  });

  it('across partitions: one call for what a fetch brought, one call at a time, per-key order kept, poison handled alone', async () => {
    const def = await freshTopic(3);
    const group = freshGroup();
    const bus = newBus({ runsAcrossPartitions: true });
    const seen = new Map<string, number[]>();
    const partitionsPerCall: number[] = [];
    const runSizes: number[] = [];
    let running = 0;
    let overlapped = false;
    const record = (key: string, n: number) => seen.set(key, [...(seen.get(key) ?? []), n]);
    const exclusive = async (fn: () => Promise<void>) => {
      if (++running > 1) overlapped = true;
      try {
        await fn();
      } finally {
        running--;
      }
    };
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    await bus.publishBatch(
      def,
      Array.from({ length: 120 }, (_, n) => ({ payload: { key: keys[n % 6]!, n }, options: { key: keys[n % 6]! } })),
    );
    await bus.subscribe({
      group,
      messages: [def],
      maxBatchSize: 100,
      retryBaseMs: 10,
      maxAttempts: 2,
      batchHandler: (deliveries) =>
        exclusive(async () => {
          await sleep(20);
          if (deliveries.some((d) => d.envelope.payload.n === 133)) throw new Error('133 is poison');
          partitionsPerCall.push(new Set(deliveries.map((d) => d.partition)).size);
          runSizes.push(deliveries.length);
          for (const d of deliveries) record(d.envelope.payload.key, d.envelope.payload.n);
        }),
      handler: ({ envelope }) =>
        exclusive(async () => {
          await sleep(1);
          if (envelope.payload.n === 133) throw new Error('133 is poison');
          record(envelope.payload.key, envelope.payload.n);
        }),
    });
    const handled = () => [...seen.values()].reduce((a, l) => a + l.length, 0);
    const publish = (from: number, count: number) =>
      bus.publishBatch(
        def,
        Array.from({ length: count }, (_, i) => from + i).map((n) => ({ payload: { key: keys[n % 6]!, n }, options: { key: keys[n % 6]! } })),
      );
    await eventually(() => handled() >= 120, 30_000, 'the first 120 not handled');
    // Then a poison message: its run fails, and the messages gathered with it go one by one.
    await publish(120, 30);
    await eventually(() => handled() >= 149, 30_000, 'all but the poison message handled');
    // Then more: the group is past its first fetches (which may bring partitions one by one).
    await publish(150, 60);
    await eventually(() => handled() >= 209, 30_000, 'the last 60 not handled');
    for (const key of keys) {
      const expected = Array.from({ length: 210 }, (_, n) => n).filter((n) => keys[n % 6] === key && n !== 133);
      expect(seen.get(key)).toEqual(expected);
    }
    expect(Math.max(...partitionsPerCall)).toBeGreaterThan(1);
    expect(Math.max(...runSizes)).toBeLessThanOrEqual(100);
    expect(overlapped).toBe(false);
    const letters = await readDeadLetters({ brokers, logger, topic: deadLetterTopic(def.topic), atLeast: 1 });
    expect(letters).toHaveLength(1);
    // Everything settled is committed: a new member of the group finds nothing left.
    await bus.close();
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [def.topic] });
    const high = await admin.fetchTopicOffsets(def.topic);
    expect(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(high.map((p) => [p.partition, p.high]).sort());
  });
});
