import { createMemoryBus } from '@huiying/bus';
import { PostClassifiedMessage, type Post } from '@huiying/contracts';
import {
  correctT0InDb,
  IncidentEditError,
  listWatchSchemes,
  mergeIncidentsInDb,
  propagationOfIncident,
  saveWatchScheme,
  splitIncidentInDb,
  sweepSpikesInDb,
} from '@huiying/incident-core';
import { classifyLikeTheClassifier } from '@huiying/incident-core/src/correlation-stream.fixture';
import { createOutboxRelay } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import { createMetricsRegistry } from '@huiying/telemetry';
import { isolatedDatabase, isolationName, testLogger } from '../../embedded/src/testing/real-services';
import { createIncidentWorker } from './incident-worker';

jest.setTimeout(120_000);

const HOUR = 3_600_000;
const base = Date.parse('2025-07-01T10:00:00+08:00');
let serial = 0;

function post(text: string, at: number, extra: Partial<Post> = {}): Post {
  const publishedAt = new Date(at).toISOString();
  return { id: `p-${serial++}`, sourceId: 'weibo', sourceKind: 'json', text, publishedAt, collectedAt: publishedAt, ...extra };
}

describe('incident edits, watch schemes, spikes and propagation on PostgreSQL', () => {
  let db: Db;
  let drop: () => Promise<void>;
  const bus = createMemoryBus({ service: 'test', logger: testLogger(), partitions: () => 1 });
  let worker: ReturnType<typeof createIncidentWorker>;

  beforeAll(async () => {
    ({ db, drop } = await isolatedDatabase(isolationName('incident_edits')));
    const logger = testLogger();
    const relay = createOutboxRelay({ db, bus, logger });
    worker = createIncidentWorker({ bus, db, relay, logger, registry: createMetricsRegistry('test'), schemeRefreshMs: 0, now: () => new Date(base + 30 * 24 * HOUR) });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop();
    await bus.close();
    await drop();
  });

  async function feed(posts: Post[]): Promise<void> {
    await bus.publishBatch(PostClassifiedMessage, posts.map((p) => ({ payload: { post: p, classification: classifyLikeTheClassifier(p.title, p.text) }, options: { key: p.id } })));
    await bus.idle();
  }

  async function incidentOf(postId: string): Promise<string> {
    const { rows } = await db.query<{ incident_id: string }>(`SELECT incident_id FROM incident_posts WHERE post_id = $1`, [postId]);
    return rows[0]!.incident_id;
  }

  async function postsOf(incidentId: string): Promise<string[]> {
    const { rows } = await db.query<{ post_id: string }>(`SELECT post_id FROM incident_posts WHERE incident_id = $1 ORDER BY post_id`, [incidentId]);
    return rows.map((r) => r.post_id);
  }

  async function eventsOf(incidentId: string): Promise<Array<{ kind: string; mergedInto?: string; actor: string; reason?: string; incident: { t0: string; postCount: number } }>> {
    const { rows } = await db.query<{ payload: never }>(`SELECT payload FROM outbox WHERE key = $1 ORDER BY seq`, [incidentId]);
    return rows.map((r) => r.payload);
  }

  it('merges two incidents: posts move, history and events name the actor and reason, t0 follows the earliest, new posts join the survivor', async () => {
    // Two reports of one flood the correlation could not tie: different towns named.
    const a = [post('文县碧口镇今天上午发生山洪，道路中断，多名群众被困', base), post('转发：文县碧口镇山洪现场，救援人员已赶赴现场', base + 10 * 60_000)];
    const b = [post('文县临江镇发生山洪，部分村民已转移', base - 20 * 60_000), post('文县临江镇山洪，电力通信中断', base + 5 * 60_000)];
    await feed([...a, ...b]);
    const survivorId = await incidentOf(a[0]!.id);
    const absorbedId = await incidentOf(b[0]!.id);
    expect(absorbedId).not.toBe(survivorId);

    const merged = await mergeIncidentsInDb(db, { survivorId, absorbedId, actor: 'user-duty-1', reason: '同一场山洪，两镇相邻', now: new Date(base + HOUR) });
    expect(merged.movedPostIds).toEqual(b.map((p) => p.id).sort());
    expect(await postsOf(survivorId)).toEqual([...a, ...b].map((p) => p.id).sort());
    expect(await postsOf(absorbedId)).toEqual([]);
    expect(merged.survivor.t0).toBe(b[0]!.publishedAt);
    expect(merged.survivor.postCount).toBe(4);

    const { rows } = await db.query<{ merged_into: string }>(`SELECT merged_into FROM incidents WHERE id = $1`, [absorbedId]);
    expect(rows[0]!.merged_into).toBe(survivorId);
    const { rows: history } = await db.query<{ incident_id: string; actor: string; reason: string; action: string }>(
      `SELECT incident_id, actor, reason, action FROM incident_history WHERE actor = 'user-duty-1' ORDER BY id`,
    );
    expect(history).toEqual([
      { incident_id: absorbedId, actor: 'user-duty-1', reason: '同一场山洪，两镇相邻', action: 'merged' },
      { incident_id: survivorId, actor: 'user-duty-1', reason: '同一场山洪，两镇相邻', action: 'updated,t0_corrected' },
    ]);
    // The evidence of the absorbed incident stays: its own history rows are all still there.
    const { rows: kept } = await db.query(`SELECT 1 FROM incident_history WHERE incident_id = $1`, [absorbedId]);
    expect(kept.length).toBe(3);

    const absorbedEvents = await eventsOf(absorbedId);
    expect(absorbedEvents.at(-1)).toMatchObject({ kind: 'merged', mergedInto: survivorId, actor: 'user-duty-1', reason: '同一场山洪，两镇相邻' });
    const survivorEvents = (await eventsOf(survivorId)).slice(-2);
    expect(survivorEvents.map((e) => e.kind)).toEqual(['updated', 't0_corrected']);
    expect(survivorEvents[1]!.incident.t0).toBe(b[0]!.publishedAt);

    // A later post about 临江镇 joins the survivor: the absorbed incident takes no more posts.
    const late = post('文县临江镇山洪后续：救援仍在进行', base + 2 * HOUR);
    await feed([late]);
    expect(await incidentOf(late.id)).toBe(survivorId);

    await expect(mergeIncidentsInDb(db, { survivorId, absorbedId, actor: 'user-duty-1', reason: 'again', now: new Date(base + 3 * HOUR) })).rejects.toBeInstanceOf(IncidentEditError);
  });

  it('splits posts out into a new incident with its own t0, keeping every post linked once', async () => {
    const posts = [
      post('康县阳坝镇今天下午发生火灾，现场浓烟滚滚', base + 5 * HOUR),
      post('康县阳坝镇火灾，消防正在救援', base + 5 * HOUR + 5 * 60_000),
      post('康县阳坝镇又一处起火，伤者已送医救治', base + 5 * HOUR + 30 * 60_000),
    ];
    await feed(posts);
    const sourceId = await incidentOf(posts[0]!.id);
    expect(await postsOf(sourceId)).toHaveLength(3);
    await expect(splitIncidentInDb(db, { incidentId: sourceId, postIds: [], actor: 'u', reason: 'x', now: new Date(base + 6 * HOUR) })).rejects.toBeInstanceOf(IncidentEditError);

    const split = await splitIncidentInDb(db, { incidentId: sourceId, postIds: [posts[2]!.id], actor: 'user-duty-2', reason: '另一处火点', now: new Date(base + 6 * HOUR) });
    expect(await postsOf(split.split.id)).toEqual([posts[2]!.id]);
    expect(await postsOf(sourceId)).toEqual([posts[0]!.id, posts[1]!.id]);
    expect(split.split.t0).toBe(posts[2]!.publishedAt);
    expect(split.source.postCount).toBe(2);
    expect((await eventsOf(split.split.id)).map((e) => e.kind)).toEqual(['opened']);
    expect((await eventsOf(split.split.id))[0]).toMatchObject({ actor: 'user-duty-2', reason: '另一处火点' });
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM incident_posts WHERE post_id = ANY($1)`, [posts.map((p) => p.id)]);
    expect(Number(rows[0]!.n)).toBe(3);
  });

  it('keeps a t0 a person corrected when an earlier post joins', async () => {
    const first = post('礼县盐官镇发生交通事故，交通管制中', base + 10 * HOUR);
    await feed([first]);
    const id = await incidentOf(first.id);
    await expect(correctT0InDb(db, { incidentId: id, t0: new Date(base + 40 * 24 * HOUR).toISOString(), actor: 'u', reason: 'r', now: new Date(base + 11 * HOUR) })).rejects.toThrow(/future/);
    const corrected = await correctT0InDb(db, { incidentId: id, t0: new Date(base + 9 * HOUR).toISOString(), actor: 'user-duty-3', reason: '群众报警时间', now: new Date(base + 11 * HOUR) });
    expect(corrected.t0).toBe(new Date(base + 9 * HOUR).toISOString());
    const earlier = post('礼县盐官镇交通事故，伤者已送医救治', base + 8 * HOUR);
    await feed([earlier]);
    expect(await incidentOf(earlier.id)).toBe(id);
    const { rows } = await db.query<{ t0: string }>(`SELECT t0 FROM incidents WHERE id = $1`, [id]);
    expect(rows[0]!.t0).toBe(new Date(base + 9 * HOUR).toISOString());
    expect((await eventsOf(id)).map((e) => e.kind)).toContain('t0_corrected');
  });

  it('refuses a bad scheme with the position of the error, and routes posts by a saved one to its department', async () => {
    const bad = await saveWatchScheme(db, { id: 'fin-1', department: '市金融办', name: '非法集资', expressions: ['(非法集资|跑路' ] }, { actor: 'admin', now: new Date(base) });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]).toMatchObject({ path: 'expressions.0', offset: 8, expected: expect.arrayContaining(['")"']) });
    expect(await listWatchSchemes(db)).toEqual([]);

    const good = await saveWatchScheme(db, { id: 'disaster-wenxian', department: '市应急管理局', name: '文县灾害', expressions: ['(滑坡|泥石流)+(武都|文县)-演练'] }, { actor: 'admin', now: new Date(base) });
    expect(good.ok).toBe(true);
    const p1 = post('文县桥头镇发生泥石流，道路中断', base + 20 * HOUR);
    const p2 = post('文县组织泥石流演练，群众有序撤离', base + 20 * HOUR);
    await feed([p1, p2]);
    const { rows } = await db.query<{ post_id: string; department: string; matched_terms: string[] }>(`SELECT post_id, department, matched_terms FROM watch_scheme_matches`);
    expect(rows).toEqual([{ post_id: p1.id, department: '市应急管理局', matched_terms: expect.arrayContaining(['泥石流', '文县']) }]);
    const { rows: incident } = await db.query<{ departments: string[] }>(`SELECT departments FROM incidents WHERE id = $1`, [await incidentOf(p1.id)]);
    expect(incident[0]!.departments).toContain('市应急管理局');

    // A change is picked up by the running service (refresh every batch here).
    await saveWatchScheme(db, { id: 'disaster-wenxian', department: '市应急管理局', name: '文县灾害', expressions: ['泥石流+文县'] }, { actor: 'admin', now: new Date(base + HOUR) });
    const p3 = post('文县组织泥石流演练第二场', base + 21 * HOUR);
    await feed([p3]);
    const { rows: after } = await db.query(`SELECT 1 FROM watch_scheme_matches WHERE post_id = $1`, [p3.id]);
    expect(after).toHaveLength(1);
  });

  it('raises a spike once per window, with the figures, and shows how the incident spread', async () => {
    const now = base + 3 * 24 * HOUR;
    const quiet = Array.from({ length: 6 }, (_, k) => post(`两当县站儿巷镇山体滑坡，第${k}条，道路中断`, now - 6 * HOUR + k * 50 * 60_000, { author: `早期用户${k}` }));
    const burst = Array.from({ length: 40 }, (_, k) => post(`两当县站儿巷镇山体滑坡最新，第${k}条，${k}人被困`, now - 50 * 60_000 + k * 60_000, { author: k % 2 ? '大V' : `网友${k}`, engagement: { reposts: k, likes: 2 * k } }));
    await feed([...quiet, ...burst]);
    const id = await incidentOf(burst[0]!.id);
    expect(await incidentOf(quiet[0]!.id)).toBe(id);

    const spikes = await sweepSpikesInDb(db, { now: new Date(now) });
    const mine = spikes.filter((s) => s.subject.id === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ window: 'hour', current: 40, subject: { kind: 'incident', id } });
    expect(mine[0]!.ratio).toBeGreaterThanOrEqual(3);
    const again = await sweepSpikesInDb(db, { now: new Date(now + 5 * 60_000) });
    expect(again.filter((s) => s.subject.id === id)).toEqual([]);
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE type = 'spike.detected' AND key = $1`, [id]);
    expect(Number(rows[0]!.n)).toBe(1);

    const propagation = await propagationOfIncident(db, id);
    expect(propagation!.totalPosts).toBe(46);
    expect(propagation!.firstSource).toMatchObject({ postId: quiet[0]!.id, author: '早期用户0' });
    expect(propagation!.topSpreaders[0]!.spreader).toBe('大V');
    expect(propagation!.counties).toEqual([{ county: '两当县', posts: 46 }]);
    expect(await propagationOfIncident(db, 'inc-missing')).toBeNull();
  });
});
