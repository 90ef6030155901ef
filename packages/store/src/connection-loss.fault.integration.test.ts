import { randomUUID } from 'node:crypto';
import { openPostgres } from './postgres-adapter';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A transaction's connection dies while the caller is between two queries (PostgreSQL restarted,
 * a proxy cut it). Before the fix this emitted an unhandled 'error' on the checked-out client
 * and killed the process (the incidents and sla-timer services died in the PostgreSQL fault
 * drill); now the transaction rejects and the pool goes on with fresh connections. The shared
 * PostgreSQL stays up: only this transaction's backend is terminated.
 */
describe('a transaction whose connection is cut mid-way', () => {
  const schema = `t_connloss_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let db: Awaited<ReturnType<typeof openPostgres>>;
  /** Another pool: what cuts the connection is not inside the transaction. */
  let admin: Awaited<ReturnType<typeof openPostgres>>;

  beforeAll(async () => {
    db = await openPostgres({ url: DATABASE_URL, schema });
    admin = await openPostgres({ url: DATABASE_URL });
  });

  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.close();
    await db?.close();
  });

  it('rejects instead of crashing the process, and the next query works', async () => {
    const outcome = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const cut = await admin.query<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [rows[0]!.pid]);
      expect(cut.rows).toEqual([{ done: true }]);
      // Caller work between queries (a publish, a computation): the socket closes meanwhile.
      await new Promise((r) => setTimeout(r, 300));
      await tx.query('SELECT 1');
    });
    await expect(outcome).rejects.toThrow(/terminat|Connection/i);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
