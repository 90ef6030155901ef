import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PostIngestedMessage } from '@huiying/contracts';
import { toPost } from '@huiying/ingest';
import { defaultClockPolicy } from '@huiying/sla-timer';
import { createMetricsRegistry } from '@huiying/telemetry';
import { startPipeline } from './pipeline';
import { TEST_KAFKA_BROKERS, TEST_REDIS_URL, eventually, isolatedDatabase, isolatedTopics, isolationName, testLogger } from './testing/real-services';

const repoRoot = path.resolve(__dirname, '../../..');

/** The classifier as its own process, the way it runs in production. */
function startClassifierProcess(prefix: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'services/classifier/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','), KAFKA_TOPIC_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

const PLACES = [
  ['文县', '碧口镇'], ['武都区', '安化镇'], ['成县', '抛沙镇'], ['宕昌县', '哈达铺镇'], ['康县', '阳坝镇'],
  ['西和县', '长道镇'], ['礼县', '盐官镇'], ['徽县', '江洛镇'], ['两当县', '站儿巷镇'],
] as const;
const EVENTS = [
  ['发生山体滑坡', '滑坡'], ['发生泥石流', '泥石流'], ['一居民楼发生火灾', '火灾'],
] as const;

/** 27 distinct events (place × kind), each reported in 8 differently worded posts. */
function generatePosts(sourceNow: Date) {
  const posts = [];
  for (let round = 0; round < 8; round++) {
    for (const [p, [county, town]] of PLACES.entries()) {
      for (const [e, [what]] of EVENTS.entries()) {
        const injured = 2 + round;
        const text = round % 2 === 0
          ? `${county}${town}${what}，目前已造成${injured}人受伤，救援正在进行。`
          : `转发：${county}${town}${what}，现场有${injured}人受伤被送医。`;
        const publishedAt = new Date(sourceNow.getTime() - (8 - round) * 60_000).toISOString();
        posts.push({ event: `${p}-${e}`, post: toPost('crash-test', 'webhook', { nativeId: `${p}-${e}-${round}`, text, publishedAt }, sourceNow) });
      }
    }
  }
  return posts;
}

describe('the classifier killed (SIGKILL) mid-stream and started again', () => {
  const name = isolationName('crash');
  const prefix = `${name}.`;
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let pipeline: Awaited<ReturnType<typeof startPipeline>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(prefix);
    bus = topics.bus('crash-test');
    pipeline = await startPipeline({
      bus, db: database.db, redisUrl: TEST_REDIS_URL, logger: testLogger(), registry: createMetricsRegistry('crash', false),
      classifier: { version: 'unused', classify: () => { throw new Error('the classifier runs in its own process here'); } },
      withoutClassifier: true,
      clockQueue: name.replace(/_/g, '-'), redisPrefix: name, clockPolicy: defaultClockPolicy,
    });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await pipeline?.timer.queue.obliterate({ force: true }).catch(() => undefined);
    await pipeline?.stop();
    await bus?.close();
    await topics?.drop();
    await database?.drop();
  });

  it('loses no post and puts none in two incidents', async () => {
    const db = database.db;
    const stored = async () => Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM posts')).rows[0]!.n);
    const posts = generatePosts(new Date());
    const first = startClassifierProcess(prefix);
    children.push(first);

    // A third of the stream, then wait until the classifier is visibly working.
    const third = Math.floor(posts.length / 3);
    const publish = (slice: typeof posts) =>
      bus.publishBatch(PostIngestedMessage, slice.map(({ post }) => ({ payload: post, options: { key: post.id } })));
    await publish(posts.slice(0, third));
    await eventually(async () => ((await stored()) > 0 ? true : undefined), 'the first classified post', 90_000);

    // Kill it while the rest arrives: some posts are classified but not yet committed.
    await publish(posts.slice(third, 2 * third));
    first.kill('SIGKILL');
    await new Promise<void>((resolve) => first.once('exit', () => resolve()));
    expect(first.signalCode).toBe('SIGKILL');
    await publish(posts.slice(2 * third));
    children.push(startClassifierProcess(prefix));

    await eventually(async () => ((await stored()) === posts.length ? true : undefined), `all ${posts.length} posts stored`, 110_000);
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM incident_posts');
      return rows[0]!.n === posts.length ? true : undefined;
    }, 'every post linked to an incident', 30_000);

    // Each event is exactly one incident holding exactly its own posts.
    const { rows } = await db.query<{ incident_id: string; post_id: string }>('SELECT incident_id, post_id FROM incident_posts');
    const incidentOfPost = new Map(rows.map((r) => [r.post_id, r.incident_id]));
    const incidentsOfEvent = new Map<string, Set<string>>();
    for (const { event, post } of posts) {
      const incident = incidentOfPost.get(post.id);
      expect(incident).toBeDefined();
      incidentsOfEvent.set(event, (incidentsOfEvent.get(event) ?? new Set()).add(incident!));
    }
    for (const [event, incidents] of incidentsOfEvent) expect([event, incidents.size]).toEqual([event, 1]);
    const incidentCount = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents')).rows[0]!.n);
    expect(incidentCount).toBe(incidentsOfEvent.size);
    const counts = await db.query<{ n: number }>('SELECT post_count AS n FROM incidents');
    expect(counts.rows.every((r) => Number(r.n) === 8)).toBe(true);
  });
});
