import { openDatabase, type Db } from '@huiying/store';
import { isoInstantSql } from './sla-report.query';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// The report reads its instants as PostgreSQL-formatted text instead of through the store's
// timestamptz parser: both must give the same string for every instant, in any session time zone.
describe('report instants formatted by PostgreSQL', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDatabase({ url: DATABASE_URL, maxConnections: 1 });
  });
  afterAll(() => db.close());

  const instants = [
    '2026-10-01 00:00:00+08',
    '2026-09-30 23:59:59.999999+08',
    '2026-03-15 12:34:56.7895+00',
    '2026-01-01 00:00:00.0005-03:30',
    '2024-02-29 16:00:00.123+00',
    '1999-12-31 23:59:59.9999995+00',
  ];

  it.each(['UTC', 'Asia/Shanghai', 'America/St_Johns'])('matches the store in time zone %s', async (zone) => {
    await db.query(`SET TIME ZONE '${zone}'`);
    for (const at of instants) {
      const { rows } = await db.query<{ parsed: string; text: string }>(
        `SELECT $1::timestamptz AS parsed, ${isoInstantSql('$1::timestamptz')} AS text`,
        [at],
      );
      expect(rows[0]!.text).toBe(rows[0]!.parsed);
    }
    const { rows } = await db.query<{ text: string | null }>(`SELECT ${isoInstantSql('NULL::timestamptz')} AS text`);
    expect(rows[0]!.text).toBeNull();
  });
});
