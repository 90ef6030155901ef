import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createMemoryBus } from '@huiying/bus';
import type { Classification, Post, PostClassifiedMessage } from '@huiying/contracts';
import { createCorrelationCache, defaultCorrelationPolicy } from '@huiying/incident-core';
import { createOutboxRelay } from '@huiying/outbox';
import { migrate, openDatabase } from '@huiying/store';
import { createLogger } from '@huiying/telemetry';
import { correlateClassifiedPosts } from '../correlate.step';

// Flagged posts correlated against 10,000 open incidents on the PostgreSQL of this machine,
// through the service's own path: a batch of classified posts in one transaction under the
// correlation lock (candidates from the instance's cache, decisions in memory, bulk writes), then
// the outbox relay publishing the incident events (to an in-memory bus, so the broker is not what
// is measured) while the next batch correlates, as the worker does.
//
// The 10,000 incidents are all open and all within the correlation window, each about its own
// village of one of 9 counties and one of 10 subtypes: the worst case for the candidate query.
// Then POSTS flagged posts arrive about random ones of them: 60 % name county and village,
// 25 % are reposts of an incident's first post (the near-duplicate path), 15 % name the county
// only. `p99Ms` is the 99th percentile of the time a post waits for its batch to commit and its
// events to be published. `storeOnlyPostsPerSec`, measured right after in the same run, is the same
// posts unflagged through the same path (stored and marked processed only): what the machine
// gives at that moment, to read the figures against. Last line: one JSON object.
// BENCH_CPU_PROF=<file.cpuprofile> writes a CPU profile of the measured stream only (not the setup).
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 10_000);
const POSTS = Number(process.env.BENCH_POSTS ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const COUNTIES = ['武都区', '成县', '文县', '宕昌县', '康县', '西和县', '礼县', '徽县', '两当县'];
const SUBTYPES = [
  ['landslide', 'natural_disaster', '山体滑坡'], ['debris_flow', 'natural_disaster', '泥石流'], ['flood', 'natural_disaster', '山洪'],
  ['fire', 'accident_disaster', '火灾'], ['road', 'accident_disaster', '交通事故'], ['collapse', 'accident_disaster', '坍塌'],
  ['mine', 'accident_disaster', '透水'], ['explosion', 'accident_disaster', '爆炸'], ['drowning', 'accident_disaster', '溺水'],
  ['food_poisoning', 'public_health', '食物中毒'],
] as const;
const DIGITS = '零一二三四五六七八九';
const chinese = (n: number) => String(n).split('').map((d) => DIGITS[Number(d)]).join('');

interface BenchEvent { county: string; village: string; subtype: (typeof SUBTYPES)[number]; firstText: string }

function classification(event: BenchEvent, named: { county: boolean; village: boolean }): Classification {
  const [subtype, category, word] = event.subtype;
  const counties = named.county || named.village ? [event.county] : [];
  return {
    version: 'bench',
    emergency: { flagged: true, category, subtype, level: 'IV', score: 0.8, evidence: [{ rule: 'keyword', terms: [word], weight: 0.8 }] },
    rumor: { flagged: false, score: 0, evidence: [], claimId: null },
    departments: counties.map((c) => `${c}人民政府`),
    counties,
    sentiment: 'negative',
    keyTerms: [...counties, ...(named.village ? [event.village] : []), word],
  };
}

let serial = 0;
function message(post: Omit<Post, 'id' | 'sourceId' | 'sourceKind' | 'collectedAt'>, c: Classification): PostClassifiedMessage {
  const id = `bench-${serial++}`;
  const full: Post = { id, sourceId: 'weibo', sourceKind: 'json', collectedAt: post.publishedAt, author: `用户${serial % 3000}`, ...post };
  return {
    type: 'post.classified', version: 1, id: randomUUID(), occurredAt: post.publishedAt, producedAt: post.publishedAt,
    traceId: randomUUID(), producer: 'bench', payload: { post: full, classification: c },
  };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const logger = createLogger('bench', 'warn');
  const schema = `bench_incidents_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const db = await openDatabase({ url: URL, schema });
  const bus = createMemoryBus({ service: 'bench', logger });
  try {
    await migrate(db);
    const relay = createOutboxRelay({ db, bus, logger, batchSize: 5_000 });
    // BENCH_MAX_FINGERPRINTS=Infinity: incidents keep every post's fingerprint, as before the bound.
    const policy = { ...defaultCorrelationPolicy, maxFingerprints: Number(process.env.BENCH_MAX_FINGERPRINTS ?? defaultCorrelationPolicy.maxFingerprints) };
    const base = Date.parse('2025-07-01T08:00:00+08:00');
    const now = () => new Date();
    // What each instance of the service keeps between batches (see correlation-cache.ts).
    const cache = createCorrelationCache();

    // 10,000 events, each opened by its first post, all in the last two hours before the stream.
    const events: BenchEvent[] = [];
    for (let i = 0; i < INCIDENTS; i++) {
      const county = COUNTIES[i % COUNTIES.length]!;
      const subtype = SUBTYPES[Math.floor(i / COUNTIES.length) % SUBTYPES.length]!;
      const village = `${chinese(i)}村`;
      events.push({ county, village, subtype, firstText: `${county}${village}今天上午发生${subtype[2]}，道路中断，多名群众被困，编号${i}` });
    }
    const openings = events.map((e, i) => message(
      { text: e.firstText, publishedAt: new Date(base + Math.floor((i / INCIDENTS) * 2 * 3_600_000)).toISOString() },
      classification(e, { county: true, village: true }),
    ));
    for (let i = 0; i < openings.length; i += 1_000) await correlateClassifiedPosts(db, openings.slice(i, i + 1_000), { policy, now: now(), cache });
    await relay.flush();
    await db.query('ANALYZE');
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM incidents WHERE status = 'detected'`);
    const open = Number(rows[0]!.n);

    // The measured stream: posts about random open incidents, within the next two hours.
    let seed = 20_170_090;
    const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296);
    const stream: PostClassifiedMessage[] = [];
    for (let k = 0; k < POSTS; k++) {
      const event = events[Math.floor(random() * events.length)]!;
      const publishedAt = new Date(base + 2 * 3_600_000 + Math.floor((k / POSTS) * 2 * 3_600_000)).toISOString();
      const roll = random();
      if (roll < 0.6) {
        stream.push(message({ text: `${event.county}${event.village}${event.subtype[2]}现场，第${k}条，救援人员已赶赴现场`, publishedAt }, classification(event, { county: true, village: true })));
      } else if (roll < 0.85) {
        // A repost that copies the first post: the classifier would read the places in it too.
        stream.push(message({ text: `转发：${event.firstText}`, publishedAt }, classification(event, { county: true, village: true })));
      } else {
        stream.push(message({ text: `听说${event.county}那边${event.subtype[2]}了，第${k}条，有没有知道情况的`, publishedAt }, classification(event, { county: true, village: false })));
      }
    }

    const latencies: number[] = [];
    const published: Array<Promise<void>> = [];
    let joined = 0;
    const profile = process.env.BENCH_CPU_PROF ? new Session() : undefined;
    if (profile) {
      profile.connect();
      await profile.post('Profiler.enable');
      await profile.post('Profiler.start');
    }
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < stream.length; i += BATCH) {
      const batch = stream.slice(i, i + BATCH);
      const t0 = performance.now();
      const outcomes = await correlateClassifiedPosts(db, batch, { policy, now: now(), cache });
      // As the worker does: the next batch correlates while this one's events are published.
      published.push(relay.flush().then(() => {
        const ms = performance.now() - t0;
        for (const _ of outcomes) latencies.push(ms);
      }));
      for (const o of outcomes) if (o.outcome === 'joined') joined++;
    }
    await Promise.all(published);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (profile) {
      const { profile: taken } = await profile.post('Profiler.stop');
      writeFileSync(process.env.BENCH_CPU_PROF!, JSON.stringify(taken));
      profile.disconnect();
    }
    latencies.sort((a, b) => a - b);
    const { rows: after } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM incidents`);
    // Baseline of the machine in this run, measured after so its writes do not weigh on the
    // figures above: the same posts, not flagged, through the same path, which then only stores
    // them and marks their messages processed (no lock, no correlation).
    const unflagged = stream.map((m) => {
      const c = m.payload.classification;
      return message(
        { text: m.payload.post.text, publishedAt: m.payload.post.publishedAt },
        { ...c, emergency: { ...c.emergency, flagged: false } },
      );
    });
    const baselineStarted = performance.now();
    for (let i = 0; i < unflagged.length; i += BATCH) {
      await correlateClassifiedPosts(db, unflagged.slice(i, i + BATCH), { policy, now: now(), cache });
    }
    const baselinePostsPerSec = Math.round(unflagged.length / ((performance.now() - baselineStarted) / 1000));

    process.stderr.write(
      `${stream.length} flagged posts in batches of ${BATCH} against ${open} open incidents: ${joined} joined, ` +
        `${Number(after[0]!.n) - open} opened; p50 ${quantile(latencies, 0.5).toFixed(1)} ms\n`,
    );
    console.log(JSON.stringify({
      postsPerSec: Math.round(stream.length / seconds), incidents: open, p99Ms: Number(quantile(latencies, 0.99).toFixed(1)),
      storeOnlyPostsPerSec: baselinePostsPerSec,
      // This process's CPU per 1,000 flagged posts (correlation, statements, relay): on a shared
      // machine it moves less with the neighbours than the throughput does.
      cpuMsPer1kPosts: Math.round((cpu.user + cpu.system) / 1000 / (stream.length / 1000)),
      // Peak resident memory of this process: the cache of open incidents, and the bench's own posts.
      rssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }));
  } finally {
    await bus.close();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
