import { prefixedDeadLetterTopic, readDeadLetters, type Bus, type Delivery } from '@huiying/bus';
import { createClassifier } from '@huiying/classifier-core';
import { PostClassifiedMessage, PostIngestedMessage, type Post } from '@huiying/contracts';
import { createMetricsRegistry } from '@huiying/telemetry';
import {
  TEST_KAFKA_BROKERS,
  eventually,
  isolatedTopics,
  isolationName,
  testLogger,
} from '../../embedded/src/testing/real-services';
import { createClassifierWorker } from './classifier-worker';
import type { PostClassifier } from './classify.step';

jest.setTimeout(180_000);

const real = createClassifier();
/** The real classifier, except on one post where it fails as a bug of ours would. */
const classifier: PostClassifier = {
  version: real.version,
  classify: (input) => {
    if (input.id === 'post-bad') throw new TypeError("Cannot read properties of undefined (reading 'weights')");
    return real.classify(input);
  },
};

const LANDSLIDE = '陇南市文县碧口镇发生山体滑坡，已造成3人死亡';
const ORDINARY = '今天天气不错，去万象洞玩了一天';

function post(id: string, text: string): Post {
  return {
    id,
    sourceId: 'weibo',
    sourceKind: 'sample',
    text,
    publishedAt: '2026-06-12T02:00:00.000Z',
    collectedAt: '2026-06-12T02:01:00.000Z',
  };
}

describe('classifier worker on Kafka: runs of posts', () => {
  const prefix = `${isolationName('classifier')}.`;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: Bus;
  let worker: ReturnType<typeof createClassifierWorker>;
  const publishes = { one: 0, batches: 0 };
  /** Classified posts in the order each output partition holds them. */
  const out = new Map<number, Array<{ id: string; emergency: boolean; messageId: string }>>();
  const outCount = () => [...out.values()].reduce((n, l) => n + l.length, 0);

  beforeAll(async () => {
    topics = await isolatedTopics(prefix);
    bus = topics.bus('classifier-test');
    // Counts how the worker publishes; every call goes to the real broker.
    const counted: Bus = {
      ...bus,
      publish: (...args) => ((publishes.one += 1), bus.publish(...args)),
      publishBatch: (...args) => ((publishes.batches += 1), bus.publishBatch(...args)),
    };
    await bus.subscribe({
      group: isolationName('reader'),
      messages: [PostClassifiedMessage],
      handler: async (d: Delivery<PostClassifiedMessage['payload']>) => {
        const list = out.get(d.partition) ?? [];
        list.push({
          id: d.envelope.payload.post.id,
          emergency: d.envelope.payload.classification.emergency.flagged,
          messageId: d.envelope.id,
        });
        out.set(d.partition, list);
      },
    });
    worker = createClassifierWorker({
      bus: counted,
      classifier,
      logger: testLogger(),
      registry: createMetricsRegistry('test', false),
      group: isolationName('classifier'),
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await bus?.close();
    await topics?.drop();
  });

  /** Posts on one input partition (one key), so they reach the worker as runs, oldest first. */
  const send = (posts: Post[]) =>
    bus.publishBatch(
      PostIngestedMessage,
      posts.map((p) => ({ payload: p, options: { key: 'weibo', id: `ingested-${p.id}` } })),
    );

  /** Each output partition lists its posts in the order they were sent. */
  const expectInSentOrder = (sent: string[]) => {
    const rank = new Map(sent.map((id, i) => [id, i]));
    for (const list of out.values()) {
      const ranks = list.map((o) => rank.get(o.id) ?? -1);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    }
  };

  it('classifies a run in order and publishes it in batches, not post by post', async () => {
    const posts = Array.from({ length: 60 }, (_, i) =>
      post(`post-${String(i).padStart(3, '0')}`, i % 3 === 0 ? LANDSLIDE : ORDINARY),
    );
    await send(posts);
    await worker.start();
    await eventually(async () => (outCount() >= 60 ? true : undefined), '60 classified posts');
    const all = [...out.values()].flat();
    expect(all.map((o) => o.id).sort()).toEqual(posts.map((p) => p.id));
    for (const o of all) expect(o.emergency).toBe(Number(o.id.slice(5)) % 3 === 0);
    expectInSentOrder(posts.map((p) => p.id));
    expect(publishes.one).toBe(0);
    expect(publishes.batches).toBeGreaterThanOrEqual(1);
    expect(publishes.batches).toBeLessThan(60);
    // Derived ids: a redelivered post republishes the same message, which downstream skips.
    expect(new Set(all.map((o) => o.messageId)).size).toBe(60);
  });

  it('dead-letters the one post the classifier fails on, with its reason, drops an empty one, and classifies the rest in order', async () => {
    const posts = Array.from({ length: 20 }, (_, i) =>
      i === 7
        ? post('post-bad', LANDSLIDE)
        : i === 12
          ? post('post-empty', '   ')
          : post(`post-${100 + i}`, i % 2 === 0 ? LANDSLIDE : ORDINARY),
    );
    await send(posts);
    await eventually(async () => (outCount() >= 78 ? true : undefined), '18 more classified posts');
    const letters = await readDeadLetters({
      brokers: TEST_KAFKA_BROKERS,
      logger: testLogger(),
      topic: prefixedDeadLetterTopic(prefix, PostIngestedMessage.topic),
      atLeast: 1,
    });
    expect(letters).toHaveLength(1);
    expect(letters[0]!.key).toBe('weibo');
    expect(JSON.parse(letters[0]!.value.toString()).payload.id).toBe('post-bad');
    expect(letters[0]!.reason).toMatch(/^classifier failed: Cannot read properties of undefined/);
    const ids = [...out.values()].flat().map((o) => o.id);
    expect(ids).not.toContain('post-bad');
    expect(ids).not.toContain('post-empty');
    expect(ids).toHaveLength(78);
    expectInSentOrder([
      ...Array.from({ length: 60 }, (_, i) => `post-${String(i).padStart(3, '0')}`),
      ...posts.map((p) => p.id),
    ]);
  });

  it('never publishes an envelope that breaks the contract: a post whose instant normalises past year 9999 is dead-lettered', async () => {
    // A valid instant (year 9999 with an offset) whose UTC form the envelope cannot carry.
    const edge = { ...post('post-9999', LANDSLIDE), publishedAt: '9999-12-31T23:00:00-08:00' };
    await send([edge, post('post-after-edge', ORDINARY)]);
    await eventually(async () => ([...out.values()].flat().some((o) => o.id === 'post-after-edge') ? true : undefined), 'the post after it');
    const letters = await readDeadLetters({
      brokers: TEST_KAFKA_BROKERS,
      logger: testLogger(),
      topic: prefixedDeadLetterTopic(prefix, PostIngestedMessage.topic),
      atLeast: 2,
    });
    expect(letters.map((l) => JSON.parse(l.value.toString()).payload.id)).toEqual(['post-bad', 'post-9999']);
    expect(letters[1]!.reason).toMatch(/does not match its schema: occurredAt/);
    expect([...out.values()].flat().map((o) => o.id)).not.toContain('post-9999');
    // Nothing the reader could not decode reached the classified topic.
    const refused = await readDeadLetters({
      brokers: TEST_KAFKA_BROKERS,
      logger: testLogger(),
      topic: prefixedDeadLetterTopic(prefix, PostClassifiedMessage.topic),
    });
    expect(refused).toEqual([]);
  });
});
