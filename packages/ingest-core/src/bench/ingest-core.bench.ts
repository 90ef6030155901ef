/**
 * Throughput of the pure ingestion path on this machine: file import (JSONL → validated,
 * normalised posts), near-duplicate checks in memory, and RSS parsing.
 * Run: npm run bench:ingest-core (or npx tsx packages/ingest-core/src/bench/ingest-core.bench.ts).
 * The last line is one JSON object.
 */
import { Readable } from 'node:stream';
import {
  checkDuplicate,
  MemoryDedupStore,
  parseFeed,
  feedItemToDraft,
  normalisePost,
  readImportFile,
  simhash,
} from '..';
import { seededRandom } from '@huiying/seeded-random';

const N = Number(process.env['BENCH_POSTS'] ?? 100_000);
const HAMMING = process.env['BENCH_HAMMING'] ? Number(process.env['BENCH_HAMMING']) : undefined;
const places = ['武都区', '成县', '文县', '宕昌县', '康县', '西和县', '礼县', '徽县', '两当县'];
const events = ['山体滑坡', '泥石流', '洪水', '道路交通事故', '食物中毒', '火灾', '地震'];

const clauses = [
  '现场有多人被困',
  '已有伤者送医',
  '请大家注意安全',
  '消息待核实',
  '交警已到场处置',
  '道路双向封闭',
  '附近居民已转移',
  '视频在朋友圈流传',
  '官方尚未回应',
  '有网友称是谣言',
  '村民自发组织救援',
  '水位仍在上涨',
  '学校已停课',
  '供电暂时中断',
  '救援队正在赶来',
  '县政府已启动应急预案',
  '多辆车辆受损',
  '商户损失严重',
  '暂无人员伤亡报告',
  '具体原因正在调查',
];

/** Distinct reports, with one in ten a repost of an earlier one (the storm case). */
function line(i: number): string {
  const random = seededRandom(i % 10 === 9 ? i - 9 : i);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const body = `网传${pick(places)}${Math.floor(random() * 300)}号路段发生${pick(events)}，${pick(clauses)}，${pick(clauses)}，${pick(clauses)}，${pick(clauses)}`;
  return JSON.stringify({
    nativeId: String(1_000_000 + i),
    url: `https://weibo.com/${i % 5000}/${1_000_000 + i}?from=page_100&utm_source=share`,
    author: `网友${i % 5000}`,
    text: i % 10 === 9 ? `转发微博 //@网友${i % 77}: ${body}` : body,
    publishedAt: new Date(Date.UTC(2026, 10, 26, 0, 0, 0) + i * 1000).toISOString(),
    engagement: { reposts: i % 100, comments: i % 10, likes: i % 1000 },
  });
}

async function benchFile(): Promise<{ postsPerSec: number; rejected: number }> {
  const body = Array.from({ length: N }, (_, i) => line(i)).join('\n') + '\n';
  const started = performance.now();
  let posts = 0;
  let rejected = 0;
  for await (const r of readImportFile(Readable.from([Buffer.from(body)]), { format: 'jsonl', sourceId: 'bench' })) {
    if (r.kind === 'post') posts++;
    else rejected++;
  }
  const seconds = (performance.now() - started) / 1000;
  if (posts !== N) throw new Error(`expected ${N} posts, got ${posts}`);
  return { postsPerSec: Math.round(posts / seconds), rejected };
}

async function benchDedup(): Promise<{ checksPerSec: number; near: number; simhashPerSec: number }> {
  const store = new MemoryDedupStore();
  const count = Math.min(N, 50_000);
  const drafts = Array.from({ length: count }, (_, i) => JSON.parse(line(i)) as Record<string, unknown>);
  const posts = drafts.map((d) => {
    const r = normalisePost(d, { sourceId: 'bench', sourceKind: 'file', collectedAt: '2026-11-26T00:00:00Z' });
    if (!r.ok) throw new Error('bench post refused');
    return r.post;
  });
  let t = performance.now();
  for (const p of posts) simhash(p.text);
  const simhashPerSec = Math.round(count / ((performance.now() - t) / 1000));
  t = performance.now();
  let near = 0;
  for (const p of posts) if ((await checkDuplicate(p, store, { hammingThreshold: HAMMING })).kind === 'near') near++;
  return { checksPerSec: Math.round(count / ((performance.now() - t) / 1000)), near, simhashPerSec };
}

function benchFeed(): { itemsPerSec: number } {
  const items = Array.from(
    { length: 500 },
    (_, i) =>
      `<item><title>标题${i} &amp; 新闻</title><link>https://news.example.cn/a/${i}.htm?a=1&b=2</link><guid>g${i}</guid><pubDate>Wed, 18 Aug 2021 17:00:00 +0800</pubDate><description><![CDATA[<p>${'正文内容，'.repeat(40)}</p>]]></description></item>`,
  ).join('');
  const xml = Buffer.from(
    `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><link>https://news.example.cn/</link>${items}</channel></rss>`,
  );
  const rounds = 20;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    const feed = parseFeed(xml);
    for (const item of feed.items)
      normalisePost(feedItemToDraft(item), { sourceId: 'b', sourceKind: 'rss', collectedAt: '2026-11-26T00:00:00Z' });
  }
  return { itemsPerSec: Math.round((rounds * 500) / ((performance.now() - started) / 1000)) };
}

async function main(): Promise<void> {
  const file = await benchFile();
  const dedup = await benchDedup();
  const feed = benchFeed();
  console.log(
    JSON.stringify({
      posts: N,
      fileImportPostsPerSec: file.postsPerSec,
      dedupChecksPerSec: dedup.checksPerSec,
      dedupNearDuplicates: dedup.near,
      dedupRepostsPlanted: Math.floor(Math.min(N, 50_000) / 10),
      simhashPerSec: dedup.simhashPerSec,
      feedItemsPerSec: feed.itemsPerSec,
    }),
  );
}

void main();
