/**
 * npm run bench:classifier-worker
 *
 * The classifier service's consuming loop on the real Kafka of this box: BENCH_POSTS (default
 * 10,000) posts (the dev texts, cycled) put on posts.ingested, then drained into posts.classified.
 * Baseline in the same run: the loop as it was before runs — each post classified and published
 * on its own, awaited before the next, one partition at a time — on its own topics, with the same
 * classifier and posts. The two alternate BENCH_ROUNDS (default 2) times, as the machine's load
 * drifts. BENCH_CONCURRENCY sets the worker's partitions handled at once. Last line: {"postsPerSec","baselinePostsPerSec","speedup","rssMb"}.
 */
import path from 'node:path';
import { createKafkaAdmin, type Bus } from '@huiying/bus';
import { createClassifier, normalizeText } from '@huiying/classifier-core';
import { evalDir, expandDataPaths, readJsonl } from '@huiying/classifier-core/src/training/dataset';
import { PostClassifiedMessage, PostIngestedMessage, type Post } from '@huiying/contracts';
import { createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { TEST_KAFKA_BROKERS, isolatedTopics, isolationName } from '../../../embedded/src/testing/real-services';
import { createClassifierWorker } from '../classifier-worker';
import { classifyStep } from '../classify.step';

const POSTS = Number(process.env.BENCH_POSTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** The worker's partitionsConsumedConcurrently; unset, its default. */
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;
const logger = createLogger('bench', 'error');
const classifier = createClassifier();
const texts = expandDataPaths([path.join(evalDir(), 'dev')]).flatMap((f) => readJsonl(f).map((p) => p.text));

function posts(round: string): Post[] {
  return Array.from({ length: POSTS }, (_, i) => ({
    id: `bench-${round}-${i}`,
    sourceId: 'weibo',
    sourceKind: 'sample' as const,
    text: texts[i % texts.length]!,
    publishedAt: '2026-06-12T02:00:00.000Z',
    collectedAt: '2026-06-12T02:01:00.000Z',
  }));
}

/** The loop before runs: one post, one awaited publish. */
async function startBaseline(bus: Bus, group: string) {
  return bus.subscribe({
    group,
    messages: [PostIngestedMessage],
    handler: async (delivery) => {
      const result = classifyStep(classifier, delivery);
      if (result.outcome !== 'classified') return result;
      await bus.publish(
        PostClassifiedMessage,
        { post: result.post, classification: result.classification },
        {
          key: result.post.id,
          traceId: delivery.envelope.traceId,
          id: result.messageId,
          occurredAt: new Date(result.post.publishedAt),
        },
      );
      return { outcome: 'ok' };
    },
  });
}

/** Posts per second from the first subscribe to the last classified message acknowledged. */
async function drain(kind: 'baseline' | 'runs', round: number): Promise<number> {
  const prefix = `${isolationName(`bench_${kind}`)}.`;
  const topics = await isolatedTopics(prefix);
  const bus = topics.bus('bench');
  const admin = createKafkaAdmin({ brokers: TEST_KAFKA_BROKERS, logger });
  await admin.connect();
  try {
    const batch = posts(`${kind}${round}`);
    for (let i = 0; i < batch.length; i += 1000) {
      await bus.publishBatch(
        PostIngestedMessage,
        batch.slice(i, i + 1000).map((p) => ({ payload: p, options: { key: p.id } })),
      );
    }
    // Posts the classifier drops (empty after normalising) never reach the output topic.
    const expected = batch.filter((p) => {
      try {
        return normalizeText(p.text) !== '';
      } catch {
        return false;
      }
    }).length;
    const classified = async () =>
      (await admin.fetchTopicOffsets(`${prefix}${PostClassifiedMessage.topic}`)).reduce(
        (n, p) => n + Number(p.high),
        0,
      );
    const t0 = performance.now();
    const stop =
      kind === 'baseline'
        ? (await startBaseline(bus, 'bench-classifier')).stop
        : await (async () => {
            const worker = createClassifierWorker({
              bus,
              classifier,
              logger,
              registry: createMetricsRegistry('bench', false),
              ...(CONCURRENCY !== undefined && { partitionsConsumedConcurrently: CONCURRENCY }),
            });
            await worker.start();
            return worker.stop;
          })();
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      const n = await classified();
      if (n >= expected) break;
      if (n !== last) [last, lastChange] = [n, performance.now()];
      else if (performance.now() - lastChange > 30_000) throw new Error(`${kind}: stuck at ${n} of ${expected}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    await stop();
    console.error(`${kind} round ${round}: ${expected} posts in ${seconds.toFixed(1)} s`);
    return expected / seconds;
  } finally {
    await admin.disconnect();
    await bus.close();
    await topics.drop();
  }
}

async function main() {
  const runs: number[] = [];
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(await drain('baseline', round));
    runs.push(await drain('runs', round));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    JSON.stringify({
      postsPerSec: Math.round(mean(runs)),
      baselinePostsPerSec: Math.round(mean(baseline)),
      speedup: Math.round((mean(runs) / mean(baseline)) * 100) / 100,
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
    }),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
