import { Pool, types, type PoolClient, type QueryResult as PgQueryResult } from 'pg';
import type { Db, OpenDatabaseOptions, QueryResult, Tx } from './db';
import { createTransactionScope, finishedTransactionError } from './transaction-scope';
import { ARRAY_OID_OF, TEXT_PARSERS, mapArray } from './type-parsers';

/** `text[]`: pg's parser for it splits any array literal into (nested) strings. */
const TEXT_ARRAY_OID = 1009;

// Per-pool type parsers (not pg's global registry), so other pg users in the process are unaffected.
const parseTextArray = types.getTypeParser(TEXT_ARRAY_OID as Parameters<typeof types.getTypeParser>[0], 'text') as (text: string) => unknown;
const parsers = new Map<number, (text: string) => unknown>();
for (const [oid, parse] of Object.entries(TEXT_PARSERS)) {
  parsers.set(Number(oid), parse);
  const arrayOid = ARRAY_OID_OF[Number(oid)];
  if (arrayOid !== undefined) parsers.set(arrayOid, (text) => mapArray(parseTextArray(text), parse));
}
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return parsers.get(oid) ?? types.getTypeParser(oid, format ?? 'text');
  },
} as unknown as typeof types;

function toResult<T>(result: PgQueryResult): QueryResult<T> {
  return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
}

/** node-postgres pool; `options.url` must be set. */
export async function openPostgres(options: OpenDatabaseOptions & { url: string }): Promise<Db> {
  // Session settings travel in the startup packet, so every pooled connection has them from its
  // first statement, with no race against a 'connect' handler.
  const settings = ['-c TimeZone=UTC'];
  if (options.schema) settings.push(`-c search_path=${options.schema}`);
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    options: settings.join(' '),
    types: typeParsers,
  });
  pool.on(
    'error',
    options.onIdleError ??
      ((error) => process.stderr.write(`store: idle PostgreSQL connection failed: ${error.message}\n`)),
  );

  if (options.schema) {
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    } catch (error) {
      // Two processes creating the same schema at once: one gets a unique violation; it exists.
      if ((error as { code?: string }).code !== '23505') {
        await pool.end();
        throw error;
      }
    }
  }

  const scope = createTransactionScope();
  let closing: Promise<void> | undefined;

  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[]) {
      scope.assertOutside();
      return toResult<T>(await pool.query(sql, params as unknown[] | undefined));
    },
    async exec(sql: string) {
      scope.assertOutside();
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await pool.query(sql);
    },
    async transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R> {
      scope.assertOutside();
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no pool listener: PostgreSQL going away mid-transaction would
      // emit an unhandled 'error' and kill the process (seen in the fault drills). The caller
      // gets the failure from its pending query instead, and the connection is destroyed.
      const onLost = (error: Error) => void (broken = error);
      client.on('error', onLost);
      try {
        await client.query('BEGIN');
        return await scope.run(async (isOpen) => {
          const result = await fn(transactionHandle(client, isOpen));
          await client.query('COMMIT');
          return result;
        });
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable; destroy it instead of returning it to the pool.
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        client.off('error', onLost);
        client.release(broken);
      }
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

function transactionHandle(client: PoolClient, isOpen: () => boolean): Tx {
  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[]) {
      if (!isOpen()) throw finishedTransactionError();
      return toResult<T>(await client.query(sql, params as unknown[] | undefined));
    },
    async exec(sql: string) {
      if (!isOpen()) throw finishedTransactionError();
      await client.query(sql);
    },
  };
}
