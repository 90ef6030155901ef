import { createMemoryBus, type Bus } from '@huiying/bus';
import { IncidentEventMessage, PostClassifiedMessage, type Classification, type Post } from '@huiying/contracts';
import { defaultCorrelationPolicy } from '@huiying/incident-core';
import { classifyLikeTheClassifier, generateStream, REPOST_TAIL } from '@huiying/incident-core/src/correlation-stream.fixture';
import { createOutboxRelay } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import { createMetricsRegistry } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import { eventually, isolatedDatabase, isolatedTopics, isolationName, testLogger } from '../../embedded/src/testing/real-services';
import { createIncidentWorker } from './incident-worker';

jest.setTimeout(240_000);

async function incidentsWithPosts(db: Db): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ incident_id: string; post_id: string }>(
    `SELECT ip.incident_id, ip.post_id FROM incident_posts ip JOIN incidents i ON i.id = ip.incident_id ORDER BY ip.post_id`,
  );
  const byIncident = new Map<string, string[]>();
  for (const r of rows) byIncident.set(r.incident_id, [...(byIncident.get(r.incident_id) ?? []), r.post_id]);
  return byIncident;
}

async function handledBy(registry: Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'huiying_messages_handled_total');
  return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

describe('incidents service on PostgreSQL: 10,000 generated posts about 200 events', () => {
  const { events, posts } = generateStream({
    seed: 20_170_090,
    events: 200,
    posts: 10_000,
    spanMs: 4 * 24 * 3_600_000,
    twinShare: 0.15,
    crowdingMs: defaultCorrelationPolicy.windowMs + REPOST_TAIL + 30 * 60_000,
  });
  let db: Db;
  let drop: () => Promise<void>;
  let bus: ReturnType<typeof createMemoryBus>;

  beforeAll(async () => {
    ({ db, drop } = await isolatedDatabase(isolationName('incidents_stream')));
    const logger = testLogger();
    // One partition: the posts reach the service in the order they arrive, as in the stream.
    bus = createMemoryBus({ service: 'test', logger, partitions: () => 1 });
    const relay = createOutboxRelay({ db, bus, logger });
    const worker = createIncidentWorker({ bus, db, relay, logger, registry: createMetricsRegistry('test'), batchSize: 250 });
    await worker.start();
    for (let i = 0; i < posts.length; i += 1000) {
      await bus.publishBatch(
        PostClassifiedMessage,
        posts.slice(i, i + 1000).map(({ post, classification }) => ({ payload: { post, classification }, options: { key: post.id } })),
      );
    }
    await bus.idle();
    await worker.stop();
    await relay.flush();
  });

  afterAll(async () => {
    await bus.close();
    await drop();
  });

  it('opens exactly 200 incidents, each with exactly the posts of its event', async () => {
    const byIncident = await incidentsWithPosts(db);
    expect(byIncident.size).toBe(200);
    const eventOf = new Map(posts.map((p) => [p.post.id, p.eventId]));
    const sizeOf = new Map<number, number>();
    for (const p of posts) sizeOf.set(p.eventId, (sizeOf.get(p.eventId) ?? 0) + 1);
    const wrong: string[] = [];
    const seenEvents = new Set<number>();
    for (const [incidentId, postIds] of byIncident) {
      const eventIds = new Set(postIds.map((id) => eventOf.get(id)));
      const eventId = eventOf.get(postIds[0]!)!;
      seenEvents.add(eventId);
      if (eventIds.size !== 1) wrong.push(`${incidentId} mixes events ${[...eventIds].join(',')}`);
      else if (postIds.length !== sizeOf.get(eventId)) wrong.push(`${incidentId} has ${postIds.length} of ${sizeOf.get(eventId)} posts`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(seenEvents.size).toBe(events.length);
  });

  it('keeps post counts, t0 and places in the rows, and one history row per post', async () => {
    const { rows } = await db.query<{ id: string; post_count: number; t0: string; counties: string[]; linked: string; history: string }>(
      `SELECT i.id, i.post_count, i.t0, i.counties,
              (SELECT count(*) FROM incident_posts ip WHERE ip.incident_id = i.id) AS linked,
              (SELECT count(*) FROM incident_history h WHERE h.incident_id = i.id) AS history
         FROM incidents i`,
    );
    const first = new Map<string, number>();
    const byIncident = await incidentsWithPosts(db);
    const postById = new Map(posts.map((p) => [p.post.id, p]));
    for (const r of rows) {
      expect(Number(r.linked)).toBe(r.post_count);
      expect(Number(r.history)).toBe(r.post_count);
      const own = byIncident.get(r.id)!.map((id) => postById.get(id)!);
      const event = events[own[0]!.eventId]!;
      first.set(r.id, event.startMs);
      expect(r.t0).toBe(new Date(event.startMs).toISOString());
      expect(r.counties).toContain(event.county);
    }
  });

  it('stores every post, and repost fingerprints on the incidents', async () => {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM posts`);
    expect(Number(rows[0]!.n)).toBe(10_000);
    const { rows: fps } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM incidents WHERE cardinality(text_fingerprints) > 0`);
    expect(Number(fps[0]!.n)).toBe(200);
  });

  it('published one opened event per incident, and updates carrying the joined posts', async () => {
    const { rows } = await db.query<{ kind: string; n: string; posts: string }>(
      `SELECT payload->>'kind' AS kind, count(*) AS n, sum(jsonb_array_length(COALESCE(payload->'postIds', '[]'))) AS posts
         FROM outbox GROUP BY 1`,
    );
    const byKind = new Map(rows.map((r) => [r.kind, r]));
    expect(Number(byKind.get('opened')!.n)).toBe(200);
    expect(Number(byKind.get('opened')!.posts) + Number(byKind.get('updated')!.posts)).toBe(10_000);
    const { rows: pending } = await db.query(`SELECT 1 FROM outbox WHERE published_at IS NULL`);
    expect(pending).toHaveLength(0);
  });

  it('wrote only events that pass the schema, with nothing beside its fields', async () => {
    // Correlation enqueues its events without a schema pass (and the relay publishes them without
    // one): this is what holds them to the contract.
    const { rows } = await db.query<{ payload: unknown }>(`SELECT payload FROM outbox WHERE type = $1`, [IncidentEventMessage.type]);
    expect(rows.length).toBeGreaterThan(200);
    for (const { payload } of rows) {
      const parsed = IncidentEventMessage.payload.strict().safeParse(payload);
      if (!parsed.success) throw new Error(`${JSON.stringify(payload).slice(0, 300)}: ${parsed.error.message}`);
      expect(Object.keys((payload as { incident: object }).incident).sort()).toEqual(Object.keys(IncidentEventMessage.payload.shape.incident.shape).sort());
    }
  });
});

describe('two incidents instances in one consumer group on real Kafka', () => {
  it('share the partitions and never open two incidents for one event', async () => {
    const name = isolationName('incidents_pair');
    const { db, drop } = await isolatedDatabase(name);
    const topics = await isolatedTopics(`${name}.`);
    const logger = testLogger();
    const buses: Bus[] = [];
    const workers: Array<ReturnType<typeof createIncidentWorker>> = [];
    const registries = [createMetricsRegistry('a'), createMetricsRegistry('b')];
    try {
      for (const registry of registries) {
        const bus = topics.bus('incidents');
        buses.push(bus);
        const relay = createOutboxRelay({ db, bus, logger });
        const worker = createIncidentWorker({ bus, db, relay, logger, registry, group: `${name}-incidents`, batchSize: 50 });
        await worker.start();
        workers.push(worker);
      }
      // Three events at once, each a storm of reposts naming its town; posts keyed by post id,
      // so each event's posts land on every partition and reach both instances.
      const places = [['文县', '碧口镇', '山体滑坡'], ['武都区', '两水镇', '泥石流'], ['康县', '阳坝镇', '山洪']] as const;
      const base = Date.parse('2025-07-01T10:00:00+08:00');
      const stream: Array<{ post: Post; classification: Classification; event: number }> = [];
      for (let k = 0; k < 600; k++) {
        const event = k % 3;
        const [county, town, word] = places[event]!;
        const text = k < 3
          ? `${county}${town}今天上午发生${word}，道路中断，多名群众被困`
          : `转发：${k % 2 ? county : ''}${town}发生${word}，现场第${k}条消息，救援人员已赶赴现场`;
        const publishedAt = new Date(base + k * 1000).toISOString();
        stream.push({
          post: { id: `storm-${k}`, sourceId: 'weibo', sourceKind: 'json', text, publishedAt, collectedAt: publishedAt },
          classification: classifyLikeTheClassifier(undefined, text),
          event,
        });
      }
      const publisher = topics.bus('test');
      buses.push(publisher);
      for (let i = 0; i < stream.length; i += 100) {
        await publisher.publishBatch(
          PostClassifiedMessage,
          stream.slice(i, i + 100).map(({ post, classification }) => ({ payload: { post, classification }, options: { key: post.id } })),
        );
      }
      const byIncident = await eventually(async () => {
        const found = await incidentsWithPosts(db);
        const linked = [...found.values()].reduce((a, l) => a + l.length, 0);
        return linked === stream.length ? found : undefined;
      }, 'all 600 posts linked', 120_000);
      expect(byIncident.size).toBe(3);
      const eventOf = new Map(stream.map((s) => [s.post.id, s.event]));
      for (const postIds of byIncident.values()) {
        expect(new Set(postIds.map((id) => eventOf.get(id))).size).toBe(1);
        expect(postIds).toHaveLength(200);
      }
      const handled = await Promise.all(registries.map(handledBy));
      expect(handled[0]! + handled[1]!).toBeGreaterThanOrEqual(600);
      expect(handled[0]).toBeGreaterThan(0);
      expect(handled[1]).toBeGreaterThan(0);
    } finally {
      for (const worker of workers) await worker.stop();
      for (const bus of buses) await bus.close();
      await topics.drop();
      await drop();
    }
  });
});
