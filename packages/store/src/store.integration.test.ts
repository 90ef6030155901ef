import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isUniqueViolation,
  markProcessed,
  migrate,
  MigrationChangedError,
  openDatabase,
  OutsideTransactionError,
  PGLITE_MEMORY,
  type DatabaseKind,
  type Db,
  type Queryable,
} from './index';
import { readMigrations } from './migration-files';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const randomSchema = () => `test_store_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

/** A Db whose search_path is a schema of its own, a second handle on it, and the cleanup. */
interface Fixture {
  db: Db;
  /** Another handle on the same schema: a second pool on the server; PGlite has only one. */
  second(): Promise<Db>;
  cleanup(): Promise<void>;
}

interface Target {
  kind: DatabaseKind;
  setup(): Promise<void>;
  fresh(): Promise<Fixture>;
  teardown(): Promise<void>;
}

const postgresTarget: Target = {
  kind: 'postgres',
  async setup() {},
  async fresh() {
    const schema = randomSchema();
    const db = await openDatabase({ url: DATABASE_URL, schema, maxConnections: 4 });
    const others: Db[] = [];
    return {
      db,
      async second() {
        const other = await openDatabase({ url: DATABASE_URL, schema, maxConnections: 4 });
        others.push(other);
        return other;
      },
      async cleanup() {
        await Promise.all(others.map((o) => o.close()));
        await db.query(`DROP SCHEMA ${schema} CASCADE`);
        await db.close();
      },
    };
  },
  async teardown() {},
};

// Initialising an in-memory PGlite takes seconds (initdb in WebAssembly), so one instance serves
// the whole describe and every test gets its own schema on it, as on the server.
let pglite: Db | undefined;
let pgliteBaseSchema = '';
const pgliteTarget: Target = {
  kind: 'pglite',
  async setup() {
    // PGlite's CommonJS build loads its WebAssembly through import(), which jest's module sandbox
    // runs only with this flag; without it the worker dies with an unhandled rejection.
    if (!`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`.includes('--experimental-vm-modules')) {
      throw new Error('run jest with NODE_OPTIONS=--experimental-vm-modules to test PGlite');
    }
    pgliteBaseSchema = randomSchema();
    pglite = await openDatabase({ dataDir: PGLITE_MEMORY, schema: pgliteBaseSchema });
  },
  async fresh() {
    const db = pglite!;
    const schema = randomSchema();
    await db.exec(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
    return {
      db,
      second: async () => db,
      async cleanup() {
        await db.exec(`SET search_path = ${pgliteBaseSchema}; DROP SCHEMA ${schema} CASCADE`);
      },
    };
  },
  async teardown() {
    await pglite?.close();
  },
};

async function insertIncident(q: Queryable, id: string): Promise<void> {
  await q.query(
    `INSERT INTO incidents (id, kind, status, title, t0, opened_at, updated_at, trace_id)
     VALUES ($1, 'emergency', 'detected', '文县 滑坡', $2, $2, $2, $3)`,
    [id, '2025-07-01T02:00:00.000Z', `trace-${id}`],
  );
}

async function count(q: Queryable, table: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return rows[0]!.n;
}

describe.each([postgresTarget, pgliteTarget])('store on $kind', (target) => {
  let fixture: Fixture;
  let db: Db;

  beforeAll(() => target.setup());
  afterAll(() => target.teardown());
  beforeEach(async () => {
    fixture = await target.fresh();
    db = fixture.db;
  });
  afterEach(() => fixture.cleanup());

  it('reports its kind', () => {
    expect(db.kind).toBe(target.kind);
  });

  it('applies every migration once, and a second run applies nothing', async () => {
    const files = readMigrations();
    const first = await migrate(db);
    expect(first.applied.map((m) => m.version)).toEqual(files.map((f) => f.version));
    expect(first.alreadyApplied).toBe(0);

    const second = await migrate(db);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(files.length);

    const { rows } = await db.query<{ version: number; name: string; checksum: string; applied_at: string }>(
      `SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version`,
    );
    expect(rows.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
      files.map(({ version, name, checksum }) => ({ version, name, checksum })),
    );
    for (const table of [
      'posts',
      'incidents',
      'incident_posts',
      'incident_history',
      'clocks',
      'clock_history',
      'alerts',
      'processed_messages',
    ]) {
      expect(await count(db, table)).toBe(0);
    }
  });

  it('applies each file once when two migrators run at the same time', async () => {
    const other = await fixture.second();
    const [a, b] = await Promise.all([migrate(db), migrate(other)]);
    const files = readMigrations();
    const appliedVersions = [...a.applied, ...b.applied].map((m) => m.version).sort((x, y) => x - y);
    expect(appliedVersions).toEqual(files.map((f) => f.version));
    expect(a.alreadyApplied + b.alreadyApplied).toBe(files.length);
    expect(await count(db, 'schema_migrations')).toBe(files.length);
  });

  describe('with migrations of its own', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'huiying-migrations-'));
      writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE first_table (id int PRIMARY KEY);\n');
      writeFileSync(join(dir, '0002_second.sql'), 'CREATE TABLE second_table (id int PRIMARY KEY);\n');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses a changed applied file before applying anything new', async () => {
      expect((await migrate(db, { directory: dir })).applied.map((m) => m.name)).toEqual(['first', 'second']);
      appendFileSync(join(dir, '0001_first.sql'), 'ALTER TABLE first_table ADD COLUMN sneaky text;\n');
      writeFileSync(join(dir, '0003_third.sql'), 'CREATE TABLE third_table (id int PRIMARY KEY);\n');

      const refusal = migrate(db, { directory: dir });
      await expect(refusal).rejects.toBeInstanceOf(MigrationChangedError);
      await expect(refusal).rejects.toThrow(/0001_first\.sql was changed after it was applied/);
      const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('third_table')::text AS t`);
      expect(rows[0]!.t).toBeNull();
    });

    it('rolls back a failing migration and keeps the ones before it', async () => {
      writeFileSync(join(dir, '0003_broken.sql'), 'CREATE TABLE third_table (id int);\nSELECT no_such_column FROM third_table;\n');
      await expect(migrate(db, { directory: dir })).rejects.toThrow(/no_such_column/);
      const { rows } = await db.query<{ version: number }>(`SELECT version FROM schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual([1, 2]);
      const third = await db.query<{ t: string | null }>(`SELECT to_regclass('third_table')::text AS t`);
      expect(third.rows[0]!.t).toBeNull();
    });
  });

  describe('after migrating', () => {
    beforeEach(async () => {
      await migrate(db);
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      const value = await db.transaction(async (tx) => {
        await insertIncident(tx, 'inc-kept');
        return 'done';
      });
      expect(value).toBe('done');

      const failure = new Error('handler failed');
      await expect(
        db.transaction(async (tx) => {
          await insertIncident(tx, 'inc-lost');
          expect(await count(tx, 'incidents')).toBe(2);
          throw failure;
        }),
      ).rejects.toBe(failure);

      const { rows } = await db.query<{ id: string }>(`SELECT id FROM incidents ORDER BY id`);
      expect(rows).toEqual([{ id: 'inc-kept' }]);
    });

    it('rolls back when a statement inside the transaction fails', async () => {
      await expect(
        db.transaction(async (tx) => {
          await insertIncident(tx, 'inc-1');
          await insertIncident(tx, 'inc-1');
        }),
      ).rejects.toMatchObject({ code: '23505' });
      expect(await count(db, 'incidents')).toBe(0);
      // The connection is usable again afterwards.
      await insertIncident(db, 'inc-2');
      expect(await count(db, 'incidents')).toBe(1);
    });

    it('refuses the Db inside its own transaction, and a handle used after the transaction', async () => {
      await expect(db.transaction(async () => db.query('SELECT 1'))).rejects.toBeInstanceOf(OutsideTransactionError);
      let leaked: Queryable | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.query('SELECT 1')).rejects.toThrow(/after its transaction\(\) callback settled/);
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });

    it('lets a post join only one incident', async () => {
      await insertIncident(db, 'inc-a');
      await insertIncident(db, 'inc-b');
      const join = (incidentId: string) =>
        db.query(`INSERT INTO incident_posts (incident_id, post_id) VALUES ($1, $2)`, [incidentId, 'post-1']);
      await join('inc-a');

      const again = await join('inc-b').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isUniqueViolation(again)).toBe(true);

      const redelivered = await db.query(
        `INSERT INTO incident_posts (incident_id, post_id) VALUES ($1, $2) ON CONFLICT (post_id) DO NOTHING`,
        ['inc-a', 'post-1'],
      );
      expect(redelivered.rowCount).toBe(0);
      expect((await db.query(`SELECT incident_id FROM incident_posts WHERE post_id = 'post-1'`)).rows).toEqual([
        { incident_id: 'inc-a' },
      ]);
    });

    it('keeps one live clock per incident stage, and a cancelled one can be replaced', async () => {
      await insertIncident(db, 'inc-c');
      const start = (id: string) =>
        db.query(
          `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, updated_at)
           VALUES ($1, 'inc-c', 'statement', 'running', $2, $3, $2, $2)`,
          [id, '2025-07-01T02:00:00Z', '2025-07-01T07:00:00Z'],
        );
      await start('clock-1');
      await expect(start('clock-2')).rejects.toMatchObject({ code: '23505' });
      await expect(
        db.query(`UPDATE clocks SET status = 'cancelled', cancelled_at = now() WHERE id = 'clock-1'`),
      ).rejects.toMatchObject({ code: '23514' });
      await db.query(
        `UPDATE clocks SET status = 'cancelled', cancelled_at = now(), cancel_reason = 't0 corrected' WHERE id = 'clock-1'`,
      );
      await start('clock-2');
      expect(await count(db, 'clocks')).toBe(2);
    });

    it('keeps history append-only', async () => {
      await insertIncident(db, 'inc-h');
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO incident_history (incident_id, at, actor, action, detail)
         VALUES ('inc-h', now(), 'system:incidents', 'opened', $1) RETURNING id`,
        [{ postId: 'post-1' }],
      );
      expect(typeof rows[0]!.id).toBe('number');
      await expect(db.query(`UPDATE incident_history SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM incident_history`)).rejects.toThrow(/append-only/);
      await expect(db.exec(`TRUNCATE incident_history`)).rejects.toThrow(/append-only/);
      expect(await count(db, 'incident_history')).toBe(1);
    });

    it.each([
      ['a Date', new Date('2025-07-01T02:03:04.567Z'), '2025-07-01T02:03:04.567Z'],
      ['a UTC ISO string', '2025-07-01T02:03:04.567Z', '2025-07-01T02:03:04.567Z'],
      ['an ISO string at +08:00', '2025-07-01T10:03:04.567+08:00', '2025-07-01T02:03:04.567Z'],
      ['a string with microseconds', '2025-07-01T02:03:04.567891Z', '2025-07-01T02:03:04.567Z'],
    ])('returns a timestamptz written as %s as the same instant in UTC', async (_, written, read) => {
      await db.query(
        `INSERT INTO incidents (id, kind, status, title, t0, opened_at, updated_at, trace_id)
         VALUES ('inc-t', 'rumor', 'detected', 't', $1, $1, $1, 'trace')`,
        [written],
      );
      const { rows } = await db.query<{ t0: string }>(`SELECT t0 FROM incidents WHERE id = 'inc-t'`);
      expect(rows[0]!.t0).toBe(read);
      // Whatever the session's time zone, the instant read back is the same.
      const shanghai = await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL TimeZone = 'Asia/Shanghai'`);
        return tx.query<{ t0: string; text: string }>(`SELECT t0, t0::text AS text FROM incidents WHERE id = 'inc-t'`);
      });
      expect(shanghai.rows[0]!.text).toMatch(/\+08$/);
      expect(shanghai.rows[0]!.t0).toBe(read);
    });

    it('returns the same value shapes from both adapters', async () => {
      const { rows } = await db.query(
        `SELECT count(*) AS n,
                9007199254740993::bigint AS huge,
                ARRAY[$1::timestamptz, NULL] AS instants,
                ARRAY['成县', '文县']::text[] AS counties,
                $2::jsonb AS list,
                $3::jsonb AS object,
                DATE '2025-10-01' AS day,
                0.5::real AS confidence,
                1.10::numeric AS amount,
                true AS flag
           FROM generate_series(1, 3)`,
        ['2025-07-01T10:00:00+08:00', JSON.stringify(['市安监局']), { level: 'II' }],
      );
      expect(rows).toEqual([
        {
          n: 3,
          huge: '9007199254740993',
          instants: ['2025-07-01T02:00:00.000Z', null],
          counties: ['成县', '文县'],
          list: ['市安监局'],
          object: { level: 'II' },
          day: '2025-10-01',
          confidence: 0.5,
          amount: '1.10',
          flag: true,
        },
      ]);
    });

    it('counts rows the same way in both adapters', async () => {
      await insertIncident(db, 'inc-r1');
      await insertIncident(db, 'inc-r2');
      expect((await db.query(`SELECT id FROM incidents`)).rowCount).toBe(2);
      expect((await db.query(`UPDATE incidents SET title = 'x'`)).rowCount).toBe(2);
      expect((await db.query(`UPDATE incidents SET title = 'x' WHERE false`)).rowCount).toBe(0);
      expect((await db.query(`DELETE FROM incidents WHERE id = 'inc-r1' RETURNING id`)).rowCount).toBe(1);
    });

    it('marks a message processed the first time only, and forgets it when the transaction rolls back', async () => {
      await expect(
        db.transaction(async (tx) => {
          expect(await markProcessed(tx, 'incidents', 'msg-1')).toBe(true);
          throw new Error('effects failed');
        }),
      ).rejects.toThrow('effects failed');

      expect(await db.transaction((tx) => markProcessed(tx, 'incidents', 'msg-1'))).toBe(true);
      expect(await db.transaction((tx) => markProcessed(tx, 'incidents', 'msg-1'))).toBe(false);
      // Another consumer handles the same message independently.
      expect(await markProcessed(db, 'notifier', 'msg-1')).toBe(true);
    });
  });
});
