import { mkdirSync } from 'node:fs';
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import type { Db, QueryResult, Tx } from './db';
import { createTransactionScope, finishedTransactionError } from './transaction-scope';
import { TEXT_PARSERS } from './type-parsers';

export const PGLITE_MEMORY = 'memory://';

function toResult<T>(result: Results<T>): QueryResult<T> {
  const rowCount =
    result.rowCount ?? (result.command === 'SELECT' ? result.rows.length : (result.affectedRows ?? 0));
  return { rows: result.rows, rowCount };
}

/**
 * PGlite in `dataDir` (created if missing) or in memory. PGlite derives array parsers from the
 * element parsers itself, so the shared table is enough.
 */
export async function openPglite(options: { dataDir: string; schema?: string | undefined }): Promise<Db> {
  const inMemory = options.dataDir === PGLITE_MEMORY;
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true });
  const pglite = await PGlite.create({
    ...(inMemory ? {} : { dataDir: options.dataDir }),
    parsers: TEXT_PARSERS as Record<number, (text: string) => unknown>,
  });
  try {
    // One session for the life of the instance: settings made here hold for every query.
    await pglite.exec(`SET TimeZone = 'UTC'`);
    if (options.schema) {
      await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${options.schema}; SET search_path = ${options.schema}`);
    }
  } catch (error) {
    await pglite.close();
    throw error;
  }

  const scope = createTransactionScope();
  let closing: Promise<void> | undefined;

  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: readonly unknown[]) {
      scope.assertOutside();
      return toResult(await pglite.query<T>(sql, params as unknown[] | undefined));
    },
    async exec(sql: string) {
      scope.assertOutside();
      await pglite.exec(sql);
    },
    transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R> {
      scope.assertOutside();
      // PGlite commits when the callback resolves and rolls back when it throws.
      return pglite.transaction((tx) => scope.run((isOpen) => fn(transactionHandle(tx, isOpen))));
    },
    close() {
      closing ??= pglite.close();
      return closing;
    },
  };
}

function transactionHandle(tx: Transaction, isOpen: () => boolean): Tx {
  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: readonly unknown[]) {
      if (!isOpen()) throw finishedTransactionError();
      return toResult(await tx.query<T>(sql, params as unknown[] | undefined));
    },
    async exec(sql: string) {
      if (!isOpen()) throw finishedTransactionError();
      await tx.exec(sql);
    },
  };
}
