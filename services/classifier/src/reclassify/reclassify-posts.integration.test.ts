import { randomBytes } from 'node:crypto';
import { createClassifier } from '@huiying/classifier-core';
import { type Db, migrate, openDatabase } from '@huiying/store';
import { loadRegistry } from '../claims-registry';
import { type PostChange, reclassifyPosts } from './reclassify-posts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const classifier = createClassifier();

describe('reclassifyPosts and the claims registry against PostgreSQL', () => {
  let db: Db;
  const schema = `reclassify_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    db = await openDatabase({ url: DATABASE_URL, schema });
    await migrate(db);
    const insert = (id: string, text: string, publishedAt: string, classification: unknown, version: string | null) =>
      db.query(
        `INSERT INTO posts (id, source_id, source_kind, text, published_at, collected_at, trace_id, classification, classifier_version)
         VALUES ($1, 'weibo', 'sample', $2, $3, $3, 't', $4::jsonb, $5)`,
        [id, text, publishedAt, classification === null ? null : JSON.stringify(classification), version],
      );
    const current = classifier.classify({ id: 'p1', text: '陇南市文县发生山体滑坡，已造成3人死亡', sourceId: 'weibo' });
    // p1: already classified by this version; p2: an old verdict that missed the landslide;
    // p3: never classified; p4: empty text; p5: outside the window.
    await insert('p1', '陇南市文县发生山体滑坡，已造成3人死亡', '2026-06-12T01:00:00Z', current, current.version);
    await insert(
      'p2',
      '宕昌县哈达铺镇突发泥石流，12名群众失踪',
      '2026-06-12T02:00:00Z',
      {
        ...current,
        emergency: { ...current.emergency, flagged: false, level: null, subtype: null, category: null },
        counties: [],
        departments: [],
      },
      'old',
    );
    await insert('p3', '今天天气不错', '2026-06-12T03:00:00Z', null, null);
    await insert('p4', ' ', '2026-06-12T04:00:00Z', null, null);
    await insert('p5', '成县一商场发生火灾', '2026-06-14T00:00:00Z', null, null);
  });

  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  });

  const run = async (apply: boolean, pageSize = 2) => {
    const changes: PostChange[] = [];
    const summary = await reclassifyPosts({
      db,
      classifier,
      apply,
      pageSize,
      since: new Date('2026-06-12T00:00:00Z'),
      until: new Date('2026-06-13T00:00:00Z'),
      now: () => new Date('2026-06-13T08:00:00Z'),
      onChange: (c) => changes.push(c),
    });
    return { summary, changes };
  };

  it('shadow mode reports the changed posts, pages through the window and writes nothing', async () => {
    const { summary, changes } = await run(false);
    expect(summary).toMatchObject({ posts: 4, changed: 2, rejected: { empty: 1 }, applied: false });
    expect(changes.map((c) => c.postId)).toEqual(['p2', 'p3']);
    expect(changes[0]!.changes).toContainEqual({ field: 'emergency.flagged', before: false, after: true });
    const { rows } = await db.query<{ classifier_version: string | null }>(
      `SELECT classifier_version FROM posts WHERE id = 'p2'`,
    );
    expect(rows[0]!.classifier_version).toBe('old');
  });

  it('--apply writes the new verdicts; a second run finds nothing to change', async () => {
    await run(true);
    const { rows } = await db.query<{ classifier_version: string; classified_at: string }>(
      `SELECT classifier_version, classified_at FROM posts WHERE id = 'p2'`,
    );
    expect(rows[0]).toEqual({ classifier_version: classifier.version, classified_at: '2026-06-13T08:00:00.000Z' });
    expect((await run(false, 500)).summary.changed).toBe(0);
  });

  it('reads debunked claims only (two circulating ones here are left out), and nothing when the tables are absent', async () => {
    await db.query(
      `INSERT INTO claims (id, text, status, created_at) VALUES ('c-open', '康县停电三天', 'circulating', now()), ('c-x', '文县水库溃坝', 'circulating', now())`,
    );
    const registry = await loadRegistry(db);
    expect(registry).toEqual([]);
    const bare = await openDatabase({ url: DATABASE_URL, schema: `${schema}_bare` });
    try {
      await bare.query(`CREATE SCHEMA IF NOT EXISTS ${schema}_bare`);
      expect(await loadRegistry(bare)).toEqual([]);
    } finally {
      await bare.query(`DROP SCHEMA IF EXISTS ${schema}_bare CASCADE`);
      await bare.close();
    }
  });
});
