import { DeadLetterHeaders } from '@huiying/contracts';
import pino from 'pino';
import { InvalidMessageError } from '../envelope-codec';
import { deadLetter, drop, TraceIdHeader, type Delivery } from '../port';
import { eventually, sleep, testMessage } from '../test-support/test-messages';
import { createMemoryBus, type MemoryBusOptions } from './memory-bus';

const logger = pino({ level: 'silent' });
const newBus = (options: Partial<MemoryBusOptions> = {}) =>
  createMemoryBus({ service: 'test', logger, partitions: () => 4, ...options });

describe('memory bus', () => {
  it('delivers a published message with its envelope filled in', async () => {
    const bus = newBus();
    const def = testMessage();
    const seen: Delivery[] = [];
    await bus.subscribe({ group: 'g', messages: [def], handler: async (d) => void seen.push(d) });
    const sent = await bus.publish(def, { key: 'a', n: 1 }, { key: 'a', traceId: 'trace-1' });
    await bus.idle();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.envelope).toEqual(sent);
    expect(seen[0]!.envelope).toMatchObject({ type: 'test.counted', version: 1, traceId: 'trace-1', producer: 'test' });
    expect(seen[0]).toMatchObject({ topic: def.topic, key: 'a', attempt: 1 });
    await bus.close();
  });

  it('rejects a payload that does not match its schema before storing it', async () => {
    const bus = newBus();
    const def = testMessage();
    await expect(bus.publish(def, { key: 'a', n: 'one' }, { key: 'a' })).rejects.toBeInstanceOf(InvalidMessageError);
    await bus.close();
  });

  it('keeps the order of each key while partitions run side by side', async () => {
    const bus = newBus();
    const def = testMessage();
    const seen = new Map<string, number[]>();
    await bus.subscribe({
      group: 'g',
      messages: [def],
      handler: async ({ envelope }) => {
        // Uneven handler times: order must come from the bus, not from luck.
        await sleep((envelope.payload.n * 7) % 5);
        seen.set(envelope.payload.key, [...(seen.get(envelope.payload.key) ?? []), envelope.payload.n]);
      },
    });
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    for (let n = 0; n < 20; n++) {
      await bus.publishBatch(def, keys.map((key) => ({ payload: { key, n }, options: { key } })));
    }
    await bus.idle();
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    await bus.close();
  });

  it.each([
    ['not JSON', Buffer.from('{"type": "test.counted", '), /^not JSON/],
    ['empty', Buffer.alloc(0), /^empty message value/],
    [
      'the wrong shape',
      Buffer.from(JSON.stringify({ type: 'test.counted', version: 1, id: 'x', payload: { key: 'a', n: 'one' } })),
      /^schema test\.counted v1: .*payload\.n/,
    ],
    ['another version', Buffer.from(JSON.stringify({ type: 'test.counted', version: 2 })), /^schema test\.counted v1: version/],
  ])('dead-letters %s at once with its original bytes, and goes on', async (_label, bytes, reason) => {
    const bus = newBus({ partitions: () => 1 });
    const def = testMessage();
    const handled: number[] = [];
    await bus.subscribe({ group: 'g', messages: [def], handler: async ({ envelope }) => void handled.push(envelope.payload.n) });
    bus.publishRaw(def.topic, { key: 'a', value: bytes, headers: { [TraceIdHeader]: 't-1' } });
    await bus.publish(def, { key: 'a', n: 2 }, { key: 'a' });
    await bus.idle();
    expect(handled).toEqual([2]);
    const letters = bus.deadLetters(def.topic);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.reason).toMatch(reason);
    expect(letters[0]!.value.equals(bytes)).toBe(true);
    expect(letters[0]).toMatchObject({ originalTopic: def.topic, key: 'a', attempts: 0, group: 'g', originalOffset: '0' });
    expect(letters[0]!.headers[TraceIdHeader]).toBe('t-1');
    await bus.close();
  });

  it.each([
    [1, 1],
    [3, 3],
  ])('retries a failing handler up to %i attempts, then dead-letters it', async (maxAttempts, expectedCalls) => {
    const bus = newBus({ partitions: () => 1 });
    const def = testMessage();
    const attempts: number[] = [];
    const handled: number[] = [];
    await bus.subscribe({
      group: 'g',
      messages: [def],
      maxAttempts,
      retryBaseMs: 5,
      handler: async ({ envelope, attempt }) => {
        if (envelope.payload.n === 1) {
          attempts.push(attempt);
          throw new Error('database is down');
        }
        handled.push(envelope.payload.n);
      },
    });
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    await bus.publish(def, { key: 'a', n: 2 }, { key: 'a' });
    await bus.idle();
    expect(attempts).toEqual(Array.from({ length: expectedCalls }, (_, i) => i + 1));
    expect(handled).toEqual([2]);
    const [letter] = bus.deadLetters(def.topic);
    expect(letter!.reason).toBe(`failed ${maxAttempts} attempts: database is down`);
    expect(letter!.attempts).toBe(maxAttempts);
    expect(letter!.headers[DeadLetterHeaders.failedAt]).toMatch(/^\d{4}-\d\d-\d\dT/);
    await bus.close();
  });

  it('settles a message that succeeds on a retry without a dead letter', async () => {
    const bus = newBus();
    const def = testMessage();
    let calls = 0;
    await bus.subscribe({
      group: 'g',
      messages: [def],
      retryBaseMs: 1,
      handler: async () => {
        calls++;
        if (calls < 3) throw new Error('flaky');
      },
    });
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    await bus.idle();
    expect(calls).toBe(3);
    expect(bus.deadLetters()).toEqual([]);
    await bus.close();
  });

  it.each([
    ['drop', drop('duplicate'), 0],
    ['dead-letter', deadLetter('unknown county'), 1],
  ])('follows a handler that says %s without retrying', async (_label, outcome, letters) => {
    const bus = newBus();
    const def = testMessage();
    let calls = 0;
    await bus.subscribe({ group: 'g', messages: [def], handler: async () => (calls++, outcome) });
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    await bus.idle();
    expect(calls).toBe(1);
    expect(bus.deadLetters(def.topic)).toHaveLength(letters);
    if (letters) expect(bus.deadLetters(def.topic)[0]).toMatchObject({ reason: 'unknown county', attempts: 1 });
    await bus.close();
  });

  it('shares partitions inside a group and gives every group everything', async () => {
    const bus = newBus({ partitions: () => 4 });
    const def = testMessage();
    const byMember = { a: [] as number[], b: [] as number[], other: [] as number[] };
    const member = (name: keyof typeof byMember) => async ({ envelope }: Delivery<{ n: number }>) =>
      void byMember[name].push(envelope.payload.n);
    await bus.subscribe({ group: 'g', messages: [def], handler: member('a') });
    await bus.subscribe({ group: 'g', messages: [def], handler: member('b') });
    await bus.subscribe({ group: 'h', messages: [def], handler: member('other') });
    await bus.publishBatch(def, Array.from({ length: 40 }, (_, n) => ({ payload: { key: `k${n}`, n }, options: { key: `k${n}` } })));
    await bus.idle();
    expect(byMember.a.length).toBeGreaterThan(0);
    expect(byMember.b.length).toBeGreaterThan(0);
    expect([...byMember.a, ...byMember.b].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(byMember.other.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    await bus.close();
  });

  it('redelivers to the next member a message whose member stopped mid-handler', async () => {
    const bus = newBus({ partitions: () => 1, shutdownTimeoutMs: 50 });
    const def = testMessage();
    const stuck = await bus.subscribe({ group: 'g', messages: [def], handler: () => new Promise(() => undefined) });
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    await sleep(20);
    const received: number[] = [];
    await bus.subscribe({ group: 'g', messages: [def], handler: async ({ envelope }) => void received.push(envelope.payload.n) });
    await stuck.stop();
    await eventually(() => received.length === 1, 2000, 'the second member never got the message');
    expect(received).toEqual([1]);
    await bus.close();
  });

  it('waits in close() for a running handler to finish', async () => {
    const bus = newBus();
    const def = testMessage();
    let finished = false;
    let started = false;
    await bus.subscribe({
      group: 'g',
      messages: [def],
      handler: async () => {
        started = true;
        await sleep(150);
        finished = true;
      },
    });
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    await eventually(() => started, 1000, 'handler never started');
    await bus.close();
    expect(finished).toBe(true);
    await expect(bus.publish(def, { key: 'a', n: 2 }, { key: 'a' })).rejects.toThrow('bus is closed');
  });

  it('starts a group at the end when it asks not to read history', async () => {
    const bus = newBus({ partitions: () => 1 });
    const def = testMessage();
    await bus.publish(def, { key: 'a', n: 1 }, { key: 'a' });
    const seen: number[] = [];
    await bus.subscribe({ group: 'late', messages: [def], fromBeginning: false, handler: async ({ envelope }) => void seen.push(envelope.payload.n) });
    await bus.publish(def, { key: 'a', n: 2 }, { key: 'a' });
    await bus.idle();
    expect(seen).toEqual([2]);
    await bus.close();
  });
});

describe('memory bus batch handler', () => {
  it('hands runs of one partition, in order, no larger than maxBatchSize', async () => {
    const bus = newBus({ partitions: () => 2 });
    const def = testMessage();
    const runs: Array<{ partition: number; ns: number[] }> = [];
    await bus.subscribe({
      group: 'g',
      messages: [def],
      maxBatchSize: 7,
      handler: async () => {
        throw new Error('the batch handler should have taken every message');
      },
      batchHandler: async (deliveries) => {
        runs.push({ partition: deliveries[0]!.partition, ns: deliveries.map((d) => d.envelope.payload.n) });
        expect(new Set(deliveries.map((d) => d.partition)).size).toBe(1);
      },
    });
    await bus.publishBatch(def, Array.from({ length: 40 }, (_, n) => ({ payload: { key: 'k', n }, options: { key: 'k' } })));
    await bus.idle();
    expect(runs.flatMap((r) => r.ns)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(Math.max(...runs.map((r) => r.ns.length))).toBeLessThanOrEqual(7);
    await bus.close();
  });

  it('falls back to the message handler when the batch handler throws, dead-lettering only the bad one', async () => {
    const bus = newBus({ partitions: () => 1 });
    const def = testMessage();
    const handled: number[] = [];
    let batchCalls = 0;
    await bus.subscribe({
      group: 'g',
      messages: [def],
      retryBaseMs: 1,
      maxAttempts: 2,
      batchHandler: async (deliveries) => {
        batchCalls++;
        if (deliveries.some((d) => d.envelope.payload.n === 3)) throw new Error('message 3 is poison');
        handled.push(...deliveries.map((d) => d.envelope.payload.n));
      },
      handler: async ({ envelope }) => {
        if (envelope.payload.n === 3) return deadLetter('message 3 is poison');
        handled.push(envelope.payload.n);
        return undefined;
      },
    });
    await bus.publishBatch(def, Array.from({ length: 6 }, (_, n) => ({ payload: { key: 'k', n }, options: { key: 'k' } })));
    await bus.idle();
    expect(batchCalls).toBeGreaterThanOrEqual(1);
    expect(handled).toEqual([0, 1, 2, 4, 5]);
    expect(bus.deadLetters(def.topic).map((d) => d.reason)).toEqual(['message 3 is poison']);
    await bus.close();
  });

  it('dead-letters bad bytes in their place and keeps batching the rest', async () => {
    const bus = newBus({ partitions: () => 1 });
    const def = testMessage();
    const handled: number[] = [];
    await bus.subscribe({
      group: 'g',
      messages: [def],
      batchHandler: async (deliveries) => void handled.push(...deliveries.map((d) => d.envelope.payload.n)),
      handler: async ({ envelope }) => void handled.push(envelope.payload.n),
    });
    await bus.publish(def, { key: 'k', n: 0 }, { key: 'k' });
    bus.publishRaw(def.topic, { key: 'k', value: Buffer.from('not json') });
    await bus.publish(def, { key: 'k', n: 2 }, { key: 'k' });
    await bus.idle();
    expect(handled).toEqual([0, 2]);
    expect(bus.deadLetters(def.topic)).toHaveLength(1);
    await bus.close();
  });
});
