import { randomUUID } from 'node:crypto';
import type { Post, PostClassifiedMessage } from '@huiying/contracts';
import {
  confirmIncident,
  createCorrelationCache,
  defaultCorrelationPolicy,
  dismissIncident,
  findIncident,
  saveIncidentChange,
  type IncidentChange,
} from '@huiying/incident-core';
import { classifyLikeTheClassifier } from '@huiying/incident-core/src/correlation-stream.fixture';
import type { Db } from '@huiying/store';
import { isolatedDatabase, isolationName } from '../../embedded/src/testing/real-services';
import { correlateClassifiedPosts } from './correlate.step';

jest.setTimeout(60_000);

const base = Date.parse('2025-07-01T10:00:00+08:00');
let serial = 0;

function message(text: string, minutes: number): PostClassifiedMessage {
  const publishedAt = new Date(base + minutes * 60_000).toISOString();
  const post: Post = { id: `c-${serial++}`, sourceId: 'weibo', sourceKind: 'json', text, publishedAt, collectedAt: publishedAt };
  return {
    type: 'post.classified', version: 1, id: randomUUID(), occurredAt: publishedAt, producedAt: publishedAt, traceId: randomUUID(),
    producer: 'test', payload: { post, classification: classifyLikeTheClassifier(undefined, post.text) },
  };
}

/**
 * A duty officer's confirm or dismiss goes through the API without the correlation lock, so the
 * incidents service's cache still holds the incident as it was. The batch that joins a post to
 * it must notice, re-read it and decide on what the duty officer left.
 */
describe('a duty officer edits an incident the correlation cache holds', () => {
  let db: Db;
  let drop: () => Promise<void>;
  const policy = defaultCorrelationPolicy;
  const now = new Date(base + 2 * 3_600_000);

  beforeAll(async () => {
    ({ db, drop } = await isolatedDatabase(isolationName('incident_conflict')));
  });
  afterAll(async () => drop());

  async function asDutyOfficer(incidentId: string, change: (current: NonNullable<Awaited<ReturnType<typeof findIncident>>>) => IncidentChange) {
    await db.transaction(async (tx) => {
      const current = (await findIncident(tx, incidentId, true))!;
      await saveIncidentChange(tx, change(current), { actor: 'duty:wang', reason: 'checked with the county', traceId: randomUUID() });
    });
  }

  async function row(id: string) {
    const { rows } = await db.query<{ status: string; level: string | null; level_confirmed: boolean; post_count: number }>(
      `SELECT status, level, level_confirmed, post_count FROM incidents WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  /** What the batches wrote for an incident: the first attempt's writes were rolled back with it. */
  async function written(id: string) {
    const { rows } = await db.query<{ links: string; history: string }>(
      `SELECT (SELECT count(*) FROM incident_posts WHERE incident_id = $1) AS links,
              (SELECT count(*) FROM incident_history WHERE incident_id = $1 AND actor = 'system:incidents') AS history`,
      [id],
    );
    return { links: Number(rows[0]!.links), history: Number(rows[0]!.history) };
  }

  it('joins a confirmed incident without undoing the confirmation', async () => {
    const cache = createCorrelationCache();
    const [opened] = await correlateClassifiedPosts(db, [message('文县临江镇发生山体滑坡，道路中断，多名群众被困', 0)], { policy, now, cache });
    expect(opened).toMatchObject({ outcome: 'opened' });
    const id = (opened as { incidentId: string }).incidentId;

    await asDutyOfficer(id, (current) => confirmIncident(current, 'III', new Date(now.getTime() + 1_000)));

    const [joined] = await correlateClassifiedPosts(db, [message('文县临江镇山体滑坡现场，救援人员已赶到', 20)], { policy, now: new Date(now.getTime() + 2_000), cache });
    expect(joined).toMatchObject({ outcome: 'joined', incidentId: id });
    expect(await row(id)).toEqual({ status: 'confirmed', level: 'III', level_confirmed: true, post_count: 2 });
    expect(await written(id)).toEqual({ links: 2, history: 2 });
  });

  it('opens a new incident rather than joining one dismissed meanwhile', async () => {
    const cache = createCorrelationCache();
    const [opened] = await correlateClassifiedPosts(db, [message('康县长坝镇一处民房发生火灾，浓烟很大', 0)], { policy, now, cache });
    const id = (opened as { incidentId: string }).incidentId;

    await asDutyOfficer(id, (current) => dismissIncident(current, new Date(now.getTime() + 1_000)));

    const [next] = await correlateClassifiedPosts(db, [message('康县长坝镇民房火灾现场，消防车已到', 20)], { policy, now: new Date(now.getTime() + 2_000), cache });
    expect(next).toMatchObject({ outcome: 'opened' });
    expect((next as { incidentId: string }).incidentId).not.toBe(id);
    expect(await row(id)).toMatchObject({ status: 'dismissed', level_confirmed: false, post_count: 1 });
    expect(await written(id)).toEqual({ links: 1, history: 1 });
    expect(await written((next as { incidentId: string }).incidentId)).toEqual({ links: 1, history: 1 });
  });
});

describe('a redelivered message', () => {
  let db: Db;
  let drop: () => Promise<void>;
  const now = new Date(base + 2 * 3_600_000);

  beforeAll(async () => {
    ({ db, drop } = await isolatedDatabase(isolationName('incident_redelivery')));
  });
  afterAll(async () => drop());

  it('changes nothing, in the same batch or a later one, while the new ones beside it are correlated', async () => {
    const cache = createCorrelationCache();
    const policy = defaultCorrelationPolicy;
    const first = message('宕昌县哈达铺镇发生泥石流，冲毁多间房屋', 0);
    const second = message('宕昌县哈达铺镇泥石流现场，救援队已进村', 10);
    const outcomes = await correlateClassifiedPosts(db, [first, second, first], { policy, now, cache });
    expect(outcomes.map((o) => o.outcome)).toEqual(['opened', 'joined', 'duplicate']);
    const id = (outcomes[0] as { incidentId: string }).incidentId;

    const third = message('转发：宕昌县哈达铺镇发生泥石流，冲毁多间房屋', 15);
    const again = await correlateClassifiedPosts(db, [second, third, first], { policy, now: new Date(now.getTime() + 1_000), cache });
    expect(again).toEqual([{ outcome: 'duplicate' }, expect.objectContaining({ outcome: 'joined', incidentId: id }), { outcome: 'duplicate' }]);

    const { rows } = await db.query<{ links: number; history: number; posts: number }>(
      `SELECT (SELECT count(*) FROM incident_posts WHERE incident_id = $1) AS links,
              (SELECT count(*) FROM incident_history WHERE incident_id = $1) AS history,
              (SELECT post_count FROM incidents WHERE id = $1) AS posts`,
      [id],
    );
    expect(rows[0]).toEqual({ links: 3, history: 3, posts: 3 });
  });
});
