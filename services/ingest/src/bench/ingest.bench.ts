/**
 * npm run bench:ingest — file replay and signed webhook batches into the real Kafka on this box.
 * Last line: {"filePostsPerSec", "webhookPostsPerSec", "webhookP99Ms", "webhookMaxPostsPerSec", "webhookMaxP99Ms", …}.
 * Env: BENCH_FILE_POSTS (default 100000), BENCH_WEBHOOK_POSTS (60000), BENCH_BATCH (100),
 * BENCH_CONCURRENCY (8 senders), BENCH_PACED_RATE (5000 posts/s), BENCH_PACED_POSTS (25000).
 * The webhook is measured twice:
 * - `webhookPostsPerSec` / `webhookP99Ms`: the target's load — batches sent at a fixed rate
 *   (5,000 posts/s) whatever the answers, each timed from when it was due, so a late send or a
 *   service that falls behind counts (it would show as a rate below 5,000 and a growing p99);
 * - `webhookMaxPostsPerSec` / `webhookMaxP99Ms`: the most it takes — 8 senders each sending its
 *   next batch as soon as the last one was answered. Its latency says nothing of the service: with
 *   800 posts always in flight it is ≈ 800 ÷ throughput (Little's law).
 * The machine is shared, so beside the rates it prints this process's CPU time per post for each
 * phase (`…CpuUsPerPost`): it moves far less than wall-clock rates when other work competes.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Bus, createKafkaAdmin, createKafkaBus, ensureTopics, prefixedTopicSpecs, withTopicPrefix } from '@huiying/bus';
import { MemoryDedupStore, webhookSignatureHeader, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '@huiying/ingest-core';
import { migrate, openDatabase } from '@huiying/store';
import { createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { ingestMetrics } from '../admission/ingest-metrics';
import { createPostAdmission } from '../admission/post-admission';
import { replayFile } from '../file-replay';
import { createIngestService } from '../ingest-service';
import { SourceDefinition } from '../sources/source-definition';
import { SOURCE_HEADER } from '../webhook.routes';

const FILE_POSTS = Number(process.env.BENCH_FILE_POSTS ?? 100_000);
const WEBHOOK_POSTS = Number(process.env.BENCH_WEBHOOK_POSTS ?? 60_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 5_000);
const PACED_POSTS = Number(process.env.BENCH_PACED_POSTS ?? 25_000);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'bench-secret-0123456789abcdef';

const COUNTIES = ['武都区', '成县', '文县', '宕昌县', '康县', '西和县', '礼县', '徽县', '两当县'];
const EVENTS = ['暴雨致道路中断', '山体滑坡', '小学食堂疑似食物中毒', '燃气泄漏', '招生政策调整', '低保名单公示', '自来水发黄', '桥梁施工事故', '景区游客拥堵', '网贷平台跑路'];

const CHARS = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严';

/** Distinct posts: a county, an event, and forty characters drawn at random, so SimHash buckets are as sparse as real news. */
function benchPost(i: number) {
  let tail = '';
  for (let k = 0; k < 40; k++) tail += CHARS[Math.floor(Math.random() * CHARS.length)];
  return {
    nativeId: `b${i}`,
    url: `https://news.example.cn/${i}?utm_source=bench`,
    author: `用户${i % 997}`,
    text: `${COUNTIES[i % 9]}${EVENTS[(i * 7) % 10]}：${tail}。`,
    publishedAt: new Date(Date.UTC(2026, 6, 1, 0, 0, i % 86_400)).toISOString(),
    engagement: { reposts: i % 50, comments: i % 20, likes: i % 100 },
  };
}

/** User + system CPU microseconds of this process since `from`, per post (senders included). */
function cpuPerPost(from: NodeJS.CpuUsage, posts: number): number {
  const used = process.cpuUsage(from);
  return posts > 0 ? Math.round((used.user + used.system) / posts) : 0;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? 0;
}

const p99 = (values: number[]) => quantile(values, 0.99);

/** Phase 1: the file, as fast as it goes. */
async function replayPhase(bus: Bus): Promise<{ filePostsPerSec: number; fileCpuUsPerPost: number }> {
  const lines = Array.from({ length: FILE_POSTS }, (_, i) => `${JSON.stringify(benchPost(i))}\n`).join('');
  const admitFile = createPostAdmission({ bus, metrics: ingestMetrics(new Registry()), dedup: { store: new MemoryDedupStore(), options: {} } });
  await admitFile('warmup', []);
  const fileCpu = process.cpuUsage();
  const file = await replayFile({ input: Readable.from([lines]), format: 'jsonl', sourceId: 'bench-file', pace: { kind: 'asap' }, admit: admitFile });
  process.stderr.write(`file: ${file.read} read, ${file.accepted} accepted, ${file.duplicates} duplicates in ${Math.round(file.elapsedMs)} ms\n`);
  return { filePostsPerSec: Math.round((file.read * 1000) / file.elapsedMs), fileCpuUsPerPost: cpuPerPost(fileCpu, file.read) };
}

async function main(): Promise<void> {
  const logger = createLogger('bench', 'warn');
  const name = `bench_ingest_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const prefix = `${name}.`;
  const admin = createKafkaAdmin({ brokers: BROKERS, logger });
  await admin.connect();
  const specs = prefixedTopicSpecs(prefix);
  await ensureTopics(admin, specs, logger);
  const bus = withTopicPrefix(createKafkaBus({ brokers: BROKERS, service: 'bench', logger }), prefix);
  const db = await openDatabase({ url: DATABASE_URL, schema: name });
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  try {
    await migrate(db);

    // 1. File replay: JSONL parsed, normalised, deduplicated in memory, published in batches. In a
    // function of its own, so its lines and 100k-post dedup store are garbage before the webhook runs.
    const { filePostsPerSec, fileCpuUsPerPost } = await replayPhase(bus);

    // 2. Signed webhook batches through the real service (Redis dedup, Kafka acks) over loopback HTTP.
    const service = await createIngestService({
      bus, db, redis, logger,
      registry: createMetricsRegistry('bench', false),
      sources: [SourceDefinition.parse({ id: 'bench-hook', name: 'bench', kind: 'webhook', secrets: [SECRET], postsPerMinute: 10_000_000 })],
      dedup: { keyPrefix: `${name}:`, windowMs: 600_000, hammingThreshold: 3 },
      maxBodyBytes: 4 * 1024 * 1024,
      adminApiKey: undefined,
      ssrfAllow: [],
      polling: false,
      reloadIntervalMs: 0,
    });
    await service.start();
    const address = await service.app.listen({ host: '127.0.0.1', port: 0 });
    const bodies = Array.from({ length: Math.ceil(WEBHOOK_POSTS / BATCH) }, (_, b) =>
      Buffer.from(JSON.stringify({ posts: Array.from({ length: BATCH }, (_, i) => benchPost(FILE_POSTS + b * BATCH + i)) })),
    );
    const pacedBodies = Array.from({ length: Math.ceil(PACED_POSTS / BATCH) }, (_, b) =>
      Buffer.from(JSON.stringify({ posts: Array.from({ length: BATCH }, (_, i) => benchPost(FILE_POSTS + bodies.length * BATCH + b * BATCH + i)) })),
    );
    const send = async (body: Buffer, dueAt?: number) => {
      const ts = String(Math.floor(Date.now() / 1000));
      const started = dueAt ?? performance.now();
      const response = await fetch(`${address}/ingest/v1/posts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SOURCE_HEADER]: 'bench-hook', [WEBHOOK_TIMESTAMP_HEADER]: ts, [WEBHOOK_SIGNATURE_HEADER]: webhookSignatureHeader(SECRET, ts, body) },
        body,
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
      return performance.now() - started;
    };
    for (const body of bodies.slice(0, 5)) await send(body); // warm-up: connections, JIT
    const latencies: number[] = [];
    let next = 5;
    const started = performance.now();
    const webhookCpu = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) latencies.push(await send(bodies[next++]!));
      }),
    );
    const webhookMs = performance.now() - started;
    const webhookCpuUsPerPost = cpuPerPost(webhookCpu, latencies.length * BATCH);
    const webhookPostsPerSec = Math.round((latencies.length * BATCH * 1000) / webhookMs);
    process.stderr.write(`webhook: ${latencies.length} batches of ${BATCH} by ${CONCURRENCY} senders in ${Math.round(webhookMs)} ms, p50 ${Math.round(quantile(latencies, 0.5))} ms\n`);

    // 3. The same webhook at a fixed rate: one batch every BATCH / PACED_RATE seconds, not waiting for answers.
    const intervalMs = (BATCH * 1000) / PACED_RATE;
    const pacedStarted = performance.now();
    const paced = await Promise.all(
      pacedBodies.map(async (body, k) => {
        const dueAt = pacedStarted + k * intervalMs;
        const wait = dueAt - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        return send(body, dueAt);
      }),
    );
    const pacedMs = performance.now() - pacedStarted;
    const pacedPostsPerSec = Math.round((paced.length * BATCH * 1000) / pacedMs);
    process.stderr.write(`paced: ${paced.length} batches of ${BATCH} due at ${PACED_RATE} posts/s, sent in ${Math.round(pacedMs)} ms, p50 ${Math.round(quantile(paced, 0.5))} ms\n`);
    await service.stop();
    console.log(
      JSON.stringify({
        filePostsPerSec,
        webhookPostsPerSec: pacedPostsPerSec,
        webhookP99Ms: Math.round(p99(paced) * 10) / 10,
        webhookMaxPostsPerSec: webhookPostsPerSec,
        webhookMaxP99Ms: Math.round(p99(latencies) * 10) / 10,
        fileCpuUsPerPost,
        webhookCpuUsPerPost,
      }),
    );
  } finally {
    await bus.close();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
    await db.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    await db.close();
    await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
