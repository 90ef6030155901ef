export type { DatabaseKind, Db, OpenDatabaseOptions, Queryable, QueryResult, Tx } from './db';
export { isUniqueViolation, OutsideTransactionError, sqlState } from './db';
export { DEFAULT_PGLITE_DIR, openDatabase } from './open-database';
export { PGLITE_MEMORY } from './pglite-adapter';
export { migrate, MigrationChangedError } from './migrate';
export type { MigrateOptions, MigrationReport } from './migrate';
export { markProcessed } from './processed-messages';
