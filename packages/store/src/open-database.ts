import { resolve } from 'node:path';
import type { Db, OpenDatabaseOptions } from './db';
import { openPglite } from './pglite-adapter';
import { openPostgres } from './postgres-adapter';

/** `<repo>/.data/pglite`: the embedded mode's database survives restarts. */
export const DEFAULT_PGLITE_DIR = resolve(__dirname, '../../../.data/pglite');

// Interpolated into SET / CREATE SCHEMA and the connection's startup options, so kept to
// characters that need no quoting anywhere.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the system of record: node-postgres on `url` when one is given, else PGlite in `dataDir`
 * (default `<repo>/.data/pglite`; `memory://` for in memory). Same SQL and value shapes for both.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Db> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error(
      `store: schema ${JSON.stringify(options.schema)} must be lower-case letters, digits and _ (at most 63)`,
    );
  }
  if (options.url) return openPostgres({ ...options, url: options.url });
  return openPglite({ dataDir: options.dataDir ?? DEFAULT_PGLITE_DIR, schema: options.schema });
}
